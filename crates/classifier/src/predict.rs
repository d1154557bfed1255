//! Running a model over slices: per-slice probabilities (softmax for a classifier, independent
//! sigmoids for a tagger) and embeddings, and per-track means of both — the track's point in
//! genre space and in embedding space.

use burn::prelude::*;
use burn::tensor::activation::{sigmoid, softmax};
use burn::tensor::TensorData;
use genrespace_datasets::cache::SplitData;
use serde::{Deserialize, Serialize};

use crate::data::{all_slices, Augment, Batcher};
use crate::model::GenreModel;
use crate::normalize::NormStats;

/// What a model's outputs mean. Stored in `model.json` (absent = `softmax`, the models trained
/// before taggers existed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OutputKind {
    /// Single-label classifier: exactly one genre per track, probabilities sum to 1.
    #[default]
    Softmax,
    /// Multi-label tagger (musicnn): each tag has its own probability.
    Sigmoid,
}

impl OutputKind {
    fn activate(self, logits: Tensor<2>) -> Tensor<2> {
        match self {
            OutputKind::Softmax => softmax(logits, 1),
            OutputKind::Sigmoid => sigmoid(logits),
        }
    }
}

/// Per-slice outputs of a model: `[n_slices][n_classes]` probabilities and `[n_slices][dim]`
/// embeddings.
#[derive(Debug, Clone, Default)]
pub struct SliceOutputs {
    pub probabilities: Vec<Vec<f32>>,
    pub embeddings: Vec<Vec<f32>>,
}

/// Slices per forward pass at inference. Small batches keep the first conv block's activations
/// (16 channels x 128 x 128 per slice) in cache: 16 indexed full songs 13 % faster than 64.
pub const INFERENCE_BATCH: usize = 16;

/// Probabilities and embeddings of normalised slices laid out back to back.
pub fn slice_outputs(model: &GenreModel, output: OutputKind, normalised: &[f32], n_mels: usize, frames: usize, device: &Device) -> SliceOutputs {
    let len = n_mels * frames;
    let mut out = SliceOutputs::default();
    for chunk in normalised.chunks(INFERENCE_BATCH * len) {
        let n = chunk.len() / len;
        let x = Tensor::<4>::from_data(TensorData::new(chunk.to_vec(), [n, 1, n_mels, frames]), device);
        let (logits, embedding) = model.forward_with_embedding(x);
        out.probabilities.extend(rows(output.activate(logits)));
        out.embeddings.extend(rows(embedding));
    }
    out
}

/// A `[n, d]` tensor as `n` vectors.
pub(crate) fn rows(t: Tensor<2>) -> Vec<Vec<f32>> {
    let [_, d] = t.dims();
    let flat: Vec<f32> = t.into_data().convert::<f32>().try_to_vec::<f32>().expect("converted to f32");
    flat.chunks_exact(d.max(1)).map(<[f32]>::to_vec).collect()
}

/// The element-wise mean of vectors (per-slice probabilities → a track's genre vector,
/// per-slice embeddings → its embedding).
pub fn mean_probabilities(slice_probs: &[Vec<f32>]) -> Vec<f32> {
    let classes = slice_probs.first().map_or(0, Vec::len);
    let mut mean = vec![0f32; classes];
    for p in slice_probs {
        mean.iter_mut().zip(p).for_each(|(m, v)| *m += v);
    }
    let n = slice_probs.len().max(1) as f32;
    mean.iter_mut().for_each(|m| *m /= n);
    mean
}

/// Genre names with their probabilities, most likely first.
pub fn ranked_genres(genres: &[String], probabilities: &[f32]) -> Vec<(String, f32)> {
    let mut out: Vec<(String, f32)> = genres.iter().cloned().zip(probabilities.iter().copied()).collect();
    out.sort_by(|a, b| b.1.total_cmp(&a.1));
    out
}

/// Index of the largest value.
pub fn argmax(v: &[f32]) -> usize {
    v.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i)
}

/// Per-slice probabilities of every track of a cached split, grouped by track.
pub fn predict_split(model: &GenreModel, output: OutputKind, split: &SplitData, norm: &NormStats, device: &Device) -> Vec<Vec<Vec<f32>>> {
    split_outputs(model, output, split, norm, device).into_iter().map(|t| t.probabilities).collect()
}

/// Per-slice probabilities and embeddings of every track of a cached split, grouped by track.
pub fn split_outputs(model: &GenreModel, output: OutputKind, split: &SplitData, norm: &NormStats, device: &Device) -> Vec<SliceOutputs> {
    let (n_mels, frames) = split.slice_shape();
    let batcher = Batcher::new(split, norm, false);
    let refs = all_slices(split);
    let mut per_track: Vec<SliceOutputs> = vec![SliceOutputs::default(); split.tracks().len()];
    for chunk in refs.chunks(INFERENCE_BATCH) {
        let values: Vec<f32> = chunk.iter().flat_map(|&r| batcher.item(r, &Augment::none(), None::<&mut rand_chacha::ChaCha8Rng>)).collect();
        let out = slice_outputs(model, output, &values, n_mels, frames, device);
        for ((r, p), e) in chunk.iter().zip(out.probabilities).zip(out.embeddings) {
            per_track[r.track].probabilities.push(p);
            per_track[r.track].embeddings.push(e);
        }
    }
    per_track
}
