#![no_main]
//! `wallet_files`: see `zkcred_fuzz::wallet_files`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::wallet_files(data));
