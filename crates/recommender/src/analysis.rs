//! From an audio file to what the library keeps of it: the genre vector (the model's mean output
//! probabilities over the track's slices), the embedding (its mean last hidden layer) and the
//! pooled MFCC sequence.
//!
//! Split in two so the costly, thread-safe part (decode, log-mel, MFCC) runs on every core while
//! the model, which runs its own parallel kernels, is fed from one thread: [`prepare_file`] then
//! [`Analyzer::embed`].

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use genrespace_audio::{DecodeOptions, Tags};
use genrespace_classifier::predict::argmax;
use genrespace_classifier::LoadedModel;
use genrespace_features::{FeatureConfig, FeatureError, FeatureExtractor, Slices};
use serde::{Deserialize, Serialize};

use crate::error::RecommenderError;
use crate::sequence::{MfccSequence, SequenceConfig};

/// Which model placed the tracks of a library in genre space. Two libraries (or a library and a
/// query) are comparable only when their identities are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelIdentity {
    pub name: String,
    /// Where the model was loaded from (absolute, or `builtin:NAME` for a model compiled into
    /// the program), to find it again for queries.
    pub dir: PathBuf,
    /// BLAKE3 of the weights file: the same name with retrained weights is another model.
    pub weights_blake3: String,
    pub genres: Vec<String>,
    pub feature_config: FeatureConfig,
}

/// A decoded track's features, before the model has seen them.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub slices: Slices,
    pub sequence: MfccSequence,
    pub tags: Tags,
    pub duration_s: f64,
    /// Set when the file was cut short and only what it holds was analysed.
    pub truncated: Option<genrespace_audio::Truncation>,
}

/// A track as the library stores it.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub vector: Vec<f32>,
    pub embedding: Vec<f32>,
    pub top_genre: String,
    pub sequence: MfccSequence,
    pub tags: Tags,
    pub duration_s: f64,
}

/// Decode `path` and compute its slices and pooled MFCC sequence. `max_slices` keeps that many
/// slices evenly spread over the track (all when `None`): a cap on inference time for long files.
pub fn prepare_file(fx: &FeatureExtractor, path: &Path, sequence: &SequenceConfig, max_slices: Option<usize>) -> Result<Prepared, FeatureError> {
    let track = fx.analyze_file(path, DecodeOptions::default())?;
    let cfg = fx.config();
    let frame_rate = cfg.sample_rate as f64 / cfg.hop_length as f64;
    let mut slices = fx.slices(&track.log_mel);
    if let Some(max) = max_slices {
        slices = spread(slices, max.max(1));
    }
    Ok(Prepared {
        sequence: MfccSequence::pool(&track.mfcc, frame_rate, sequence),
        slices,
        tags: track.tags,
        duration_s: track.duration_s,
        truncated: track.truncated,
    })
}

/// Keep `max` slices evenly spaced over the track (the middle of each of `max` equal parts).
fn spread(slices: Slices, max: usize) -> Slices {
    let n = slices.len();
    if n <= max {
        return slices;
    }
    let keep: Vec<usize> = (0..max).map(|i| ((2 * i + 1) * n) / (2 * max)).collect();
    let data = slices.data.select(ndarray::Axis(0), &keep);
    let starts = keep.iter().map(|&i| slices.starts[i]).collect();
    Slices { data, starts }
}

/// A loaded model plus the feature extractor it must be fed with.
pub struct Analyzer {
    model: LoadedModel,
    fx: FeatureExtractor,
    identity: ModelIdentity,
}

impl Analyzer {
    /// The model of the folder `model_dir`.
    pub fn load(model_dir: &Path, device: &Device) -> Result<Self, RecommenderError> {
        let model = LoadedModel::load(model_dir, device)?;
        let weights = model_dir.join(genrespace_classifier::model_dir::WEIGHTS_FILE);
        let weights_blake3 = crate::hash::file_blake3(&weights).map_err(|e| RecommenderError::Io { path: weights.clone(), source: e })?;
        let dir = std::fs::canonicalize(model_dir).map_err(|e| RecommenderError::Io { path: model_dir.to_path_buf(), source: e })?;
        Ok(Self::new(model, dir, weights_blake3))
    }

    /// An analyzer for a model already loaded (e.g. one compiled into the program), known as
    /// `dir` and identified by the BLAKE3 of its weights.
    pub fn new(model: LoadedModel, dir: PathBuf, weights_blake3: String) -> Self {
        let identity = ModelIdentity {
            name: model.meta.name.clone(),
            dir,
            weights_blake3,
            genres: model.meta.genres.clone(),
            feature_config: model.meta.feature_config.clone(),
        };
        Self { fx: model.extractor(), model, identity }
    }

    pub fn identity(&self) -> &ModelIdentity {
        &self.identity
    }

    pub fn extractor(&self) -> &FeatureExtractor {
        &self.fx
    }

    /// Run the model over prepared slices.
    pub fn embed(&self, prepared: Prepared) -> Analysis {
        let (vector, embedding) = self.model.track_vectors(&prepared.slices);
        let top_genre = self.identity.genres[argmax(&vector)].clone();
        Analysis { vector, embedding, top_genre, sequence: prepared.sequence, tags: prepared.tags, duration_s: prepared.duration_s }
    }

    /// Analyse one file end to end (a query outside the library).
    pub fn analyze(&self, path: &Path, sequence: &SequenceConfig, max_slices: Option<usize>) -> Result<Analysis, RecommenderError> {
        let prepared = prepare_file(&self.fx, path, sequence, max_slices)?;
        Ok(self.embed(prepared))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn spread_keeps_evenly_spaced_slices() {
        let slices = Slices { data: Array3::from_shape_fn((10, 1, 1), |(i, _, _)| i as f32), starts: (0..10).map(|i| i * 128).collect() };
        let kept = spread(slices.clone(), 4);
        assert_eq!(kept.data.iter().copied().collect::<Vec<_>>(), vec![1.0, 3.0, 6.0, 8.0]);
        assert_eq!(kept.starts, vec![128, 384, 768, 1024]);
        assert_eq!(spread(slices, 20).len(), 10);
    }
}
