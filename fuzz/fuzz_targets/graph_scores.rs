#![no_main]
//! Fuzzes `readers::fuzzing::graph_scores`: the reader and the invariants live in the readers crate, so tests replay them.

libfuzzer_sys::fuzz_target!(|data: &[u8]| readers::fuzzing::graph_scores(data));
