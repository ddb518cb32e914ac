#![no_main]
//! `credential_request`: see `zkcred_fuzz::credential_request`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::credential_request(data));
