#![no_main]
//! `status_documents`: see `zkcred_fuzz::status_documents`.
libfuzzer_sys::fuzz_target!(|data: &[u8]| zkcred_fuzz::status_documents(data));
