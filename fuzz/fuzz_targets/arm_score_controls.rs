#![no_main]
//! Fuzzes `readers::fuzzing::arm_score_controls`: the reader and the invariants live in the readers crate, so tests replay them.

libfuzzer_sys::fuzz_target!(|data: &[u8]| readers::fuzzing::arm_score_controls(data));
