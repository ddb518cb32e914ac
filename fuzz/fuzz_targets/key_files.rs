#![no_main]
//! `key_files`: see `zkcred_fuzz::key_files`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::key_files(data));
