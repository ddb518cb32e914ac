#![no_main]
//! `coherence_change`: see `zkcred_fuzz::coherence_change`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::coherence_change(data));
