//! Fixture builders shared by the dataset tests: tiny but real audio files in real layouts.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A mono 16-bit WAV of `seconds` of a tone whose pitch depends on `seed`.
pub fn write_wav(path: &Path, seconds: f32, seed: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec { channels: 1, sample_rate: 22050, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let f = 200.0 + 37.0 * (seed % 40) as f32;
    for i in 0..(22050.0 * seconds) as usize {
        let t = i as f32 / 22050.0;
        w.write_sample((0.3 * (2.0 * std::f32::consts::PI * f * t).sin() * 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

/// Bytes that no audio decoder accepts.
pub fn write_garbage(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let bytes: Vec<u8> = (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8 | 0x01).collect();
    std::fs::write(path, bytes).unwrap();
}

/// The audio crate's committed codec fixtures (a 0.6-s chord in every format).
pub fn codec_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../audio/tests/fixtures").join(name)
}

/// A GTZAN tree: `genres/<g>/<g>.000NN.wav`, `per_genre` files each, plus the corrupt
/// `jazz.00054.wav` the shared GTZAN copy is known for and a stray file that is not GTZAN's.
pub fn gtzan_tree(root: &Path, genres: &[&str], per_genre: u32, seconds: f32) {
    for (gi, g) in genres.iter().enumerate() {
        for n in 0..per_genre {
            write_wav(&root.join(format!("genres/{g}/{g}.{n:05}.wav")), seconds, gi as u32 * 7 + n);
        }
    }
    write_garbage(&root.join("genres/jazz/jazz.00054.wav"));
    std::fs::write(root.join("genres/jazz/README.txt"), "not audio").unwrap();
}
