#![no_main]
//! `formats`: see `zkcred_fuzz::formats`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::formats(data));
