#![no_main]
//! `composite_proof`: see `zkcred_fuzz::composite_proof`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::composite_proof(data));
