#![no_main]
//! `proof_verify`: see `zkcred_fuzz::proof_verify`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::proof_verify(data));
