//! The imported musicnn taggers against the original TensorFlow models.
//!
//! Fixtures (`tests/fixtures/musicnn`, written by `scripts/reference_musicnn.py`): two input
//! patches per real clip with the original network's tag probabilities and embeddings on them,
//! and the original pipeline's mean tags over each whole clip. The clips themselves live in
//! `../shared/real-clips`; the whole-pipeline test skips when they are absent.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use burn::tensor::activation::sigmoid;
use burn::tensor::TensorData;
use genrespace_audio::DecodeOptions;
use genrespace_classifier::{LoadedModel, OutputKind};
use ndarray::{Array2, Array3};
use ndarray_npy::read_npy;
use serde_json::Value;

const MODELS: [&str; 4] = ["msd-musicnn", "msd-vgg", "mtt-musicnn", "mtt-vgg"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/musicnn")
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(fixtures().join("manifest.json")).unwrap()).unwrap()
}

fn load(model: &str) -> LoadedModel {
    LoadedModel::load(&root().join("models").join(model), &Device::flex()).unwrap_or_else(|e| panic!("{model}: {e}"))
}

/// `../shared/real-clips`, or `None` (with a SKIP line naming `test`) when it is absent.
fn real_clips(test: &str) -> Option<PathBuf> {
    let dir = root().join("../shared/real-clips");
    if !dir.is_dir() {
        eprintln!("SKIP {test}: {} not found (../shared absent)", dir.display());
        return None;
    }
    Some(dir)
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Same input patches, same network: tag probabilities within 1e-4 of TensorFlow's, embeddings
/// within 1e-4 of their scale.
#[test]
fn networks_match_tensorflow_on_the_same_patches() {
    let device = Device::flex();
    for model_name in MODELS {
        let loaded = load(model_name);
        assert_eq!(loaded.meta.output, OutputKind::Sigmoid);
        for clip in manifest()["clips"].as_object().unwrap().keys() {
            // (n, time, mel) as musicnn feeds it; genrespace's slices are (n, mel, time).
            let patches: Array3<f32> = read_npy(fixtures().join(format!("{clip}.patches.npy"))).unwrap();
            let (n, frames, mels) = patches.dim();
            let ours = patches.permuted_axes([0, 2, 1]).as_standard_layout().into_owned().into_raw_vec_and_offset().0;
            let x = Tensor::<4>::from_data(TensorData::new(ours, [n, 1, mels, frames]), &device);
            let (logits, embedding) = loaded.model.forward_with_embedding(x);
            let tags = sigmoid(logits).into_data().try_to_vec::<f32>().unwrap();
            let embedding = embedding.into_data().try_to_vec::<f32>().unwrap();

            let tf_tags: Array2<f32> = read_npy(fixtures().join(format!("{clip}.{model_name}.tags.npy"))).unwrap();
            let tf_embedding: Array2<f32> = read_npy(fixtures().join(format!("{clip}.{model_name}.embedding.npy"))).unwrap();
            let tag_diff = max_abs_diff(&tags, tf_tags.as_slice().unwrap());
            let scale = tf_embedding.iter().fold(0f32, |m, v| m.max(v.abs()));
            let emb_diff = max_abs_diff(&embedding, tf_embedding.as_slice().unwrap());
            println!("{model_name} {clip}: tags max |d| {tag_diff:.2e}, embedding max |d| {emb_diff:.2e} (scale {scale:.2})");
            assert!(tag_diff <= 1e-4, "{model_name} {clip}: tags differ by {tag_diff}");
            assert!(emb_diff <= 1e-4 * scale.max(1.0), "{model_name} {clip}: embedding differs by {emb_diff}");
        }
    }
}

/// Decode -> 16 kHz -> log-mel -> network -> mean over patches, against the original pipeline
/// (librosa's decoder and soxr resampler, TensorFlow) on whole real clips: within 0.01.
#[test]
fn whole_pipeline_matches_the_original_tags_on_real_clips() {
    let Some(clips_dir) = real_clips("whole_pipeline_matches_the_original_tags_on_real_clips") else { return };
    let m = manifest();
    for model_name in MODELS {
        let loaded = load(model_name);
        let fx = loaded.extractor();
        for (clip, entry) in m["clips"].as_object().unwrap() {
            let path = clips_dir.join(entry["file"].as_str().unwrap());
            let prediction = loaded.classify_file(&fx, &path, DecodeOptions::default()).unwrap();
            let theirs: Vec<f32> = entry["models"][model_name]["mean_tags"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect();
            let diff = max_abs_diff(&prediction.vector, &theirs);
            println!("{model_name} {clip}: {} patches (original {}), mean tags max |d| {diff:.4}", prediction.n_slices, entry["n_patches"]);
            assert!(diff <= 0.01, "{model_name} {clip}: mean tags differ by {diff}");
        }
    }
}

/// The musicnn MSD tagger hears Kevin MacLeod's "Vibe Ace" as jazz (the style model said rock).
#[test]
fn msd_musicnn_hears_jazz_as_jazz() {
    let Some(clips_dir) = real_clips("msd_musicnn_hears_jazz_as_jazz") else { return };
    let path = clips_dir.join("vibe_ace.ogg");
    let loaded = load("msd-musicnn");
    let prediction = loaded.classify_file(&loaded.extractor(), &path, DecodeOptions::default()).unwrap();
    assert_eq!(prediction.top, "jazz", "{:?}", &prediction.genres[..5]);
}
