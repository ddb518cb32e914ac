#![no_main]
//! `credential_file`: see `zkcred_fuzz::credential_file`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::credential_file(data));
