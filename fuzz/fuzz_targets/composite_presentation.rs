#![no_main]
//! `composite_presentation`: see `zkcred_fuzz::composite_presentation`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::composite_presentation(data));
