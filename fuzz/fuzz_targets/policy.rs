#![no_main]
//! `policy`: see `zkcred_fuzz::policy`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::policy(data));
