#![no_main]
//! `api_bodies`: see `zkcred_fuzz::api_bodies`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::api_bodies(data));
