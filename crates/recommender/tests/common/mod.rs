//! Helpers the recommender's integration tests share: the shipped model, generated audio and
//! indexed libraries of it.
#![allow(dead_code)] // each test file uses a different part

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use genrespace_recommender::{index_library, Analyzer, IndexOptions, Library, LibraryMeta, SequenceConfig};

pub fn model_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models/style-cnn")
}

pub fn analyzer() -> Analyzer {
    Analyzer::load(&model_dir(), &Device::flex()).expect("the shipped model loads")
}

/// A few seconds of a chord with a rhythm, different per `seed`, 22050 Hz mono.
pub fn write_wav(path: &Path, seconds: f32, seed: u32) {
    write_tone(path, seconds, 110.0 * (1.0 + (seed % 7) as f32 / 7.0), 0.25 + (seed % 5) as f32 * 0.1, &[1.0, 1.25, 1.5, 2.0]);
}

/// Member `member` of a family of related sounds (22050 Hz mono, 4 s): family 0 a slow low
/// chord, 1 a fast bright tone with odd harmonics, 2 a mid tone rich in harmonics; members are
/// slightly detuned and slightly faster than each other.
pub fn write_family_wav(path: &Path, family: usize, member: usize) {
    let (base, beat, partials): (f32, f32, &[f32]) = match family {
        0 => (98.0, 0.5, &[1.0, 1.25, 1.5, 2.0]),
        1 => (880.0, 0.15, &[1.0, 3.0, 5.0]),
        _ => (330.0, 0.3, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
    };
    let m = member as f32;
    write_tone(path, 4.0, base * (1.0 + 0.01 * m), beat * (1.0 + 0.03 * m), partials);
}

/// Partials of `base` Hz struck every `beat` seconds with a decaying envelope.
fn write_tone(path: &Path, seconds: f32, base: f32, beat: f32, partials: &[f32]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let spec = hound::WavSpec { channels: 1, sample_rate: 22050, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    let gain = 0.6 / partials.len() as f32;
    for i in 0..(seconds * 22050.0) as usize {
        let t = i as f32 / 22050.0;
        let env = (-((t % beat) * 12.0)).exp();
        let v = partials.iter().map(|m| (2.0 * std::f32::consts::PI * base * m * t).sin()).sum::<f32>() * gain * env;
        w.write_sample((v * 32767.0) as i16).unwrap();
    }
    w.finalize().unwrap();
}

pub fn library(root: &Path, n: usize) {
    for i in 0..n {
        write_wav(&root.join(format!("album{}/track{i:02}.wav", i % 3)), 4.0, i as u32);
    }
}

pub fn open(db: &Path, a: &Analyzer) -> Library {
    Library::open_or_create(db, LibraryMeta::new(a.identity().clone(), SequenceConfig::default())).unwrap()
}

/// A temporary folder holding `music/` (`n` generated tracks in three album folders) and
/// `lib.db`, that library indexed with the shipped model.
pub fn indexed_library(n: usize) -> (tempfile::TempDir, Library) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    library(&root, n);
    let a = analyzer();
    let mut lib = open(&tmp.path().join("lib.db"), &a);
    index_library(&mut lib, &a, &root, &opts()).unwrap();
    (tmp, lib)
}

pub fn opts() -> IndexOptions {
    IndexOptions { jobs: Some(2), ..Default::default() }
}
