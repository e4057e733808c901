//! Integration tests: the real server on a random port, a fresh SQLite file per test. One test binary.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod audit;
mod auth;
mod catalogs;
mod cli;
mod coverage;
mod custom_frameworks;
mod errors;
mod graph_stub;
mod helpers;
mod imports_file;
mod imports_graph;
mod imports_merge;
mod migrations;
mod openapi;
mod operations;
mod roles;
mod seed_ui;
mod startup;
mod statuses;
mod tenants;
mod tokens;
mod triage;
mod users;
