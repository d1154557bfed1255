//! Model folders from pretrained weights made elsewhere: `scripts/import_musicnn.py` renames
//! musicnn's TensorFlow variables to this crate's module paths and transposes them to burn's
//! layouts, writes them as SafeTensors with an [`ImportSpec`], and [`import_safetensors`] turns
//! the pair into `model.bpk` + `model.json`.

use std::path::Path;

use burn::prelude::*;
use burn::store::{ModuleSnapshot, SafetensorsStore};
use genrespace_features::FeatureConfig;
use serde::Deserialize;

use crate::model::{ArchConfig, MusicnnConfig, VggConfig};
use crate::model_dir::{save_weights, ModelError, ModelMeta, Provenance, FORMAT_VERSION};
use crate::normalize::NormStats;
use crate::predict::OutputKind;

/// What the weights file alone does not say: the model's name, architecture (with its default
/// hyper-parameters, which are the published ones), feature preset, labels and origin.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSpec {
    pub name: String,
    /// `musicnn` or `vgg`.
    pub arch: String,
    /// A [`FeatureConfig::preset`] name.
    pub preset: String,
    pub output: OutputKind,
    pub labels: Vec<String>,
    #[serde(default)]
    pub metrics: Option<serde_json::Value>,
    pub provenance: Provenance,
}

impl ImportSpec {
    pub fn read(path: &Path) -> Result<Self, ModelError> {
        let text = std::fs::read_to_string(path).map_err(|e| ModelError::Io { path: path.to_path_buf(), source: e })?;
        serde_json::from_str(&text).map_err(|e| ModelError::Unreadable { path: path.to_path_buf(), what: "unreadable import spec", source: e.into() })
    }

    /// The `model.json` of the imported model. The network normalises its own input (its first
    /// layer is a batch-norm), so the stored normalisation is the identity.
    pub fn meta(&self) -> Result<ModelMeta, String> {
        let architecture = match self.arch.as_str() {
            "musicnn" => ArchConfig::Musicnn(MusicnnConfig::default()),
            "vgg" => ArchConfig::Vgg(VggConfig::default()),
            other => return Err(format!("unknown architecture {other:?} (musicnn or vgg)")),
        };
        let feature_config = FeatureConfig::preset(&self.preset).ok_or_else(|| format!("unknown feature preset {:?}", self.preset))?;
        let n_mels = feature_config.n_mels;
        Ok(ModelMeta {
            format_version: FORMAT_VERSION,
            name: self.name.clone(),
            architecture,
            genres: self.labels.clone(),
            output: self.output,
            feature_config,
            normalization: NormStats { mean: vec![0.0; n_mels], std: vec![1.0; n_mels] },
            training: None,
            metrics: self.metrics.clone(),
            provenance: Some(self.provenance.clone()),
        })
    }
}

/// Build the model folder `out` from `spec` and SafeTensors `weights` named by module path.
/// Every tensor of the model must be there with its exact shape and none may be left over, so a
/// naming or layout mistake fails here rather than giving a silently wrong model.
pub fn import_safetensors(spec: &ImportSpec, weights: &Path, out: &Path) -> Result<(), ModelError> {
    let corrupt = |reason: String| ModelError::Corrupt { path: weights.to_path_buf(), reason };
    if !weights.is_file() {
        return Err(ModelError::MissingWeights { path: weights.to_path_buf() });
    }
    let meta = spec.meta().map_err(corrupt)?;
    let mut model = meta.init_model(&Device::flex());
    let mut store = SafetensorsStore::from_file(weights).skip_enum_variants(true).validate(true).allow_partial(false);
    let result = model.load_from(&mut store).map_err(|e| corrupt(format!("cannot import: {e}")))?;
    if !result.missing.is_empty() || !result.unused.is_empty() || !result.errors.is_empty() {
        return Err(corrupt(format!("tensors missing: {:?}; not in the model: {:?}; errors: {:?}", result.missing, result.unused, result.errors)));
    }
    std::fs::create_dir_all(out).map_err(|e| ModelError::Io { path: out.to_path_buf(), source: e })?;
    save_weights(&model, &out.join(crate::model_dir::WEIGHTS_FILE))?;
    meta.write(out)
}
