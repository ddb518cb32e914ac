#![no_main]
//! `presentation_request`: see `zkcred_fuzz::presentation_request`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::presentation_request(data));
