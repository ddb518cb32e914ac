#![no_main]
//! `range_proof`: see `zkcred_fuzz::range_proof`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::range_proof(data));
