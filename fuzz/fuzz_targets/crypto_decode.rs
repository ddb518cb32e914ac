#![no_main]
//! `crypto_decode`: see `zkcred_fuzz::crypto_decode`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::crypto_decode(data));
