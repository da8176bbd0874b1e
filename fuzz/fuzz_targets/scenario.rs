#![no_main]
//! `scenario`: see ergon_fuzzing::scenario.

libfuzzer_sys::fuzz_target!(|data: &[u8]| ergon_fuzzing::scenario(data));
