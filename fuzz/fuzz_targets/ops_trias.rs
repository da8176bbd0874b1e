#![no_main]
//! `ops_trias`: trias operation programs, see ergon_fuzzing::ops.

libfuzzer_sys::fuzz_target!(|data: &[u8]| ergon_fuzzing::ops("trias", data));
