#![no_main]
//! Fuzzes `readers::fuzzing::arm_secure_scores`: the reader and the invariants live in the readers crate, so tests replay them.

libfuzzer_sys::fuzz_target!(|data: &[u8]| readers::fuzzing::arm_secure_scores(data));
