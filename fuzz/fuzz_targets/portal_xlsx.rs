#![no_main]
//! Fuzzes `readers::fuzzing::portal_xlsx`: the reader and the invariants live in the readers crate, so tests replay them.

libfuzzer_sys::fuzz_target!(|data: &[u8]| readers::fuzzing::portal_xlsx(data));
