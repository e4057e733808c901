//! Integration tests of the readers crate, in one test binary (linking one binary is most of the cost).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod arm;
mod detect;
mod export_csv;
mod export_xlsx;
mod fuzzing;
mod fuzzing_props;
mod graph;
mod titles;
mod xlsx_limits;
