//! A model directory, `models/NAME/`: everything needed to use a trained model, nothing that
//! needs the training data.
//!
//! - `model.bpk` — the weights (burn's native burnpack format);
//! - `model.json` — [`ModelMeta`]: architecture config, genre list, the `FeatureConfig` the
//!   model was trained on, normalisation statistics, what it was trained on, final metrics;
//! - `metrics.csv` — one line per training epoch;
//! - `checkpoint/` — the latest epoch's weights, optimiser state and loop state, for `--resume`.

use std::path::{Path, PathBuf};

use burn::prelude::*;
use genrespace_features::FeatureConfig;
use serde::{Deserialize, Serialize};

use crate::model::{ArchConfig, GenreModel};
use crate::normalize::NormStats;
use crate::predict::OutputKind;

pub const META_FILE: &str = "model.json";
pub const WEIGHTS_FILE: &str = "model.bpk";
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("{path}: not a genrespace model folder (no model.json)")]
    NotAModel { path: PathBuf },
    #[error("{path}: missing model weights (model.bpk); the folder is incomplete")]
    MissingWeights { path: PathBuf },
    #[error("{path}: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    #[error("{path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A file that is there but cannot be read as what it should be; the parser's error is the
    /// source.
    #[error("{path}: {what}")]
    Unreadable {
        path: PathBuf,
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("feature mismatch: {0}")]
    FeatureMismatch(String),
}

/// What the model was trained on, for the record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingInfo {
    pub source: String,
    pub cache: PathBuf,
    pub training_tracks: usize,
    pub training_slices: usize,
    pub validation_tracks: usize,
    pub epochs_run: usize,
    pub best_epoch: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    pub seed: u64,
    pub device: String,
    pub seconds: f64,
}

/// Where a model that was not trained here comes from, and under which licence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// What it is and who made it (e.g. musicnn 0.1.0's `MSD_musicnn` checkpoint, MTG-UPF).
    pub source: String,
    /// What it learned from (e.g. the Million Song Dataset's 50 most used last.fm tags).
    pub trained_on: String,
    /// How it was brought into genrespace (script, package and its sha256).
    pub converted_by: String,
    /// The licence's name and its notice, which travels with the weights.
    pub licence: String,
    pub notice: String,
}

/// `model.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ModelMeta {
    pub format_version: u32,
    pub name: String,
    pub architecture: ArchConfig,
    /// The output labels: genres for a classifier, tags for a tagger.
    pub genres: Vec<String>,
    /// Softmax classifier or sigmoid tagger.
    #[serde(default)]
    pub output: OutputKind,
    pub feature_config: FeatureConfig,
    pub normalization: NormStats,
    pub training: Option<TrainingInfo>,
    /// Latest evaluation results (e.g. on the test split), as `genrespace evaluate --json` prints.
    pub metrics: Option<serde_json::Value>,
    /// Set for models imported from elsewhere (musicnn's taggers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
}

impl ModelMeta {
    pub fn read(dir: &Path) -> Result<Self, ModelError> {
        let path = dir.join(META_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => ModelError::NotAModel { path: dir.to_path_buf() },
            _ => ModelError::Io { path: path.clone(), source: e },
        })?;
        Self::parse(&text, path)
    }

    /// Parse and check `model.json` text (`path` names it in errors).
    pub fn parse(text: &str, path: PathBuf) -> Result<Self, ModelError> {
        let meta: ModelMeta =
            serde_json::from_str(text).map_err(|e| ModelError::Unreadable { path: path.clone(), what: "unreadable model description", source: e.into() })?;
        if meta.format_version != FORMAT_VERSION {
            return Err(ModelError::Corrupt { path, reason: format!("format version {} (this genrespace reads {FORMAT_VERSION})", meta.format_version) });
        }
        let bad = |reason: String| Err(ModelError::Corrupt { path: path.clone(), reason });
        let n = meta.feature_config.n_mels;
        if meta.normalization.mean.len() != n || meta.normalization.std.len() != n {
            return bad(format!("normalisation statistics have {} bands, the feature config {n}", meta.normalization.mean.len()));
        }
        if meta.genres.len() < 2 {
            return bad("a model needs at least two genres".into());
        }
        meta.feature_config.validate().map_err(|e| ModelError::Unreadable { path: path.clone(), what: "invalid feature configuration", source: e.into() })?;
        let c = &meta.feature_config;
        if let Err(reason) = meta.architecture.validate(c.n_mels, c.slice_frames) {
            return bad(format!("{} architecture: {reason}", meta.architecture.name()));
        }
        Ok(meta)
    }

    pub fn write(&self, dir: &Path) -> Result<(), ModelError> {
        let text = serde_json::to_string_pretty(self).expect("model metadata serialises");
        write_atomically(&dir.join(META_FILE), text.as_bytes())
    }

    /// A fresh, untrained model of this architecture.
    pub fn init_model(&self, device: &Device) -> GenreModel {
        let c = &self.feature_config;
        self.architecture.init(c.n_mels, c.slice_frames, self.genres.len(), device)
    }

    /// Refuse features computed with another configuration than the model's.
    pub fn check_features(&self, other: &FeatureConfig) -> Result<(), ModelError> {
        if &self.feature_config == other {
            return Ok(());
        }
        Err(ModelError::FeatureMismatch(format!("the model was trained on {} but the data has {}", describe(&self.feature_config), describe(other))))
    }
}

fn describe(c: &FeatureConfig) -> String {
    format!("{} Hz / n_fft {} / hop {} / {} mels / {}x{} slices", c.sample_rate, c.n_fft, c.hop_length, c.n_mels, c.n_mels, c.slice_frames)
}

/// Write `bytes` to a temporary file beside `path`, then rename it into place.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), ModelError> {
    genrespace_audio::write_atomically(path, |tmp| std::fs::write(tmp, bytes)).map_err(|source| ModelError::Io { path: path.to_path_buf(), source })
}

/// Save weights to `path` (burnpack) through a temporary file and a rename.
pub(crate) fn save_weights(model: &GenreModel, path: &Path) -> Result<(), ModelError> {
    genrespace_audio::write_atomically(path, |tmp| model.clone().save_file(tmp).map_err(std::io::Error::other))
        .map_err(|source| ModelError::Io { path: path.to_path_buf(), source })
}

/// Load weights saved by [`save_weights`] into a model of the right architecture.
pub(crate) fn load_weights(model: GenreModel, path: &Path) -> Result<GenreModel, ModelError> {
    if !path.is_file() {
        return Err(ModelError::MissingWeights { path: path.parent().unwrap_or(path).to_path_buf() });
    }
    model.try_load_file(path).map_err(|e| ModelError::Unreadable { path: path.to_path_buf(), what: "cannot load weights", source: e.into() })
}

/// A trained model ready for inference: metadata and weights, in validation mode.
pub struct LoadedModel {
    pub meta: ModelMeta,
    pub model: GenreModel,
    pub device: Device,
}

impl LoadedModel {
    pub fn load(dir: &Path, device: &Device) -> Result<Self, ModelError> {
        let meta = ModelMeta::read(dir)?;
        let model = load_weights(meta.init_model(device), &dir.join(WEIGHTS_FILE))?.valid();
        Ok(Self { meta, model, device: device.clone() })
    }

    /// A model whose `model.json` text and burnpack weights are in memory (e.g. compiled into the
    /// program); `origin` names it in errors.
    pub fn from_memory(meta_json: &str, weights: &[u8], origin: &Path, device: &Device) -> Result<Self, ModelError> {
        let meta = ModelMeta::parse(meta_json, origin.join(META_FILE))?;
        let corrupt = |e: burn::store::RecordError| ModelError::Unreadable { path: origin.join(WEIGHTS_FILE), what: "cannot load weights", source: e.into() };
        let record = burn::store::ModuleRecord::from_bytes(burn::tensor::Bytes::from_bytes_vec(weights.to_vec())).map_err(corrupt)?;
        let model = meta.init_model(device).try_load_record(record).map_err(corrupt)?.valid();
        Ok(Self { meta, model, device: device.clone() })
    }
}
