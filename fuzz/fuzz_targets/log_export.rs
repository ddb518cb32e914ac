#![no_main]
//! `log_export`: see `zkcred_fuzz::log_export`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::log_export(data));
