#![no_main]
//! `signed_request`: see `zkcred_fuzz::signed_request`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::signed_request(data));
