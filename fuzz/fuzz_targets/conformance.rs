#![no_main]
//! `conformance`: see `zkcred_fuzz::conformance`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::conformance(data));
