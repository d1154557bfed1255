#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| genrespace_fuzz::decode(data));
