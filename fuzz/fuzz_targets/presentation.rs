#![no_main]
//! `presentation`: see `zkcred_fuzz::presentation`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::presentation(data));
