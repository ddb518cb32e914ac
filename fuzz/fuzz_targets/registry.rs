#![no_main]
//! `registry`: see `zkcred_fuzz::registry`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::registry(data));
