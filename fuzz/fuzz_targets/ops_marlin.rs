#![no_main]
//! `ops_marlin`: marlin operation programs, see ergon_fuzzing::ops.

libfuzzer_sys::fuzz_target!(|data: &[u8]| ergon_fuzzing::ops("marlin", data));
