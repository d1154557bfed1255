#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| genrespace_fuzz::fma_tracks_csv(data));
