//! Classifying audio files with a trained model: decode, features with the model's own
//! FeatureConfig, slices, mean probabilities (softmax or tag sigmoids).

use std::path::{Path, PathBuf};

use genrespace_audio::DecodeOptions;
use genrespace_features::{FeatureError, FeatureExtractor, Slices};
use serde::Serialize;

use crate::model_dir::LoadedModel;
use crate::predict::{argmax, mean_probabilities, ranked_genres, slice_outputs};

/// A file's genre composition.
#[derive(Debug, Clone, Serialize)]
pub struct TrackPrediction {
    pub path: PathBuf,
    pub top: String,
    /// Genres with their probabilities, most likely first.
    pub genres: Vec<(String, f32)>,
    /// The genre vector in the model's genre order (the track's point in genre space).
    #[serde(skip)]
    pub vector: Vec<f32>,
    pub n_slices: usize,
    pub duration_s: f64,
}

impl LoadedModel {
    /// The feature extractor this model must be fed with.
    pub fn extractor(&self) -> FeatureExtractor {
        FeatureExtractor::new(self.meta.feature_config.clone()).expect("model.json's feature config was validated on load")
    }

    /// The genre vector (mean slice probabilities, in the model's genre order) of raw slices.
    pub fn genre_vector(&self, slices: &Slices) -> Vec<f32> {
        self.track_vectors(slices).0
    }

    /// The genre vector and the embedding (mean slice embedding) of raw slices.
    pub fn track_vectors(&self, slices: &Slices) -> (Vec<f32>, Vec<f32>) {
        let (_, n_mels, frames) = slices.data.dim();
        let mut values = slices.data.as_standard_layout().into_owned().into_raw_vec_and_offset().0;
        for slice in values.chunks_exact_mut(n_mels * frames) {
            self.meta.normalization.apply(slice, frames);
        }
        let out = slice_outputs(&self.model, self.meta.output, &values, n_mels, frames, &self.device);
        (mean_probabilities(&out.probabilities), mean_probabilities(&out.embeddings))
    }

    /// Decode and classify one file.
    pub fn classify_file(&self, fx: &FeatureExtractor, path: &Path, opts: DecodeOptions) -> Result<TrackPrediction, FeatureError> {
        let track = fx.analyze_file(path, opts)?;
        let slices = fx.slices(&track.log_mel);
        let vector = self.genre_vector(&slices);
        Ok(TrackPrediction {
            path: path.to_path_buf(),
            top: self.meta.genres[argmax(&vector)].clone(),
            genres: ranked_genres(&self.meta.genres, &vector),
            vector,
            n_slices: slices.len(),
            duration_s: track.duration_s,
        })
    }
}
