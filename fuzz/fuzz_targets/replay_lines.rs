#![no_main]
//! `replay_lines`: see ergon_fuzzing::replay_lines.

libfuzzer_sys::fuzz_target!(|data: &[u8]| ergon_fuzzing::replay_lines(data));
