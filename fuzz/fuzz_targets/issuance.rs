#![no_main]
//! `issuance`: see `zkcred_fuzz::issuance`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::issuance(data));
