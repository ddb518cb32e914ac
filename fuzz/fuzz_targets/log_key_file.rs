#![no_main]
//! `log_key_file`: see `zkcred_fuzz::log_key_file`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::log_key_file(data));
