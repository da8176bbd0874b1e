#![no_main]
//! `amount`: see ergon_fuzzing::amount.

libfuzzer_sys::fuzz_target!(|data: &[u8]| ergon_fuzzing::amount(data));
