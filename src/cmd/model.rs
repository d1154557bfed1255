//! Which model a command uses: a model folder, or the default compiled into the program.
//!
//! The default real-music model travels inside the binary (`include_bytes!` of its folder under
//! `models/`, ~3 MB), so `index`, `playlist` and `classify` work from any directory and after
//! `cargo install`, with no model files to find. Libraries record it as `builtin:NAME`.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use genrespace_classifier::{LoadedModel, ModelError};
use genrespace_recommender::{Analyzer, RecommenderError};

/// The `--model` value that names the compiled-in default.
pub const DEFAULT: &str = "builtin:msd-musicnn";

const BUILTIN_NAME: &str = "msd-musicnn";
const BUILTIN_META: &str = include_str!("../../models/msd-musicnn/model.json");
const BUILTIN_WEIGHTS: &[u8] = include_bytes!("../../models/msd-musicnn/model.bpk");

/// `Some(name)` when `model` names a compiled-in model (`builtin:NAME`).
fn builtin_name(model: &Path) -> Option<&str> {
    model.to_str()?.strip_prefix("builtin:")
}

/// Load `model`: a model folder, or `builtin:msd-musicnn`.
pub fn load(model: &Path, device: &Device) -> Result<LoadedModel, ModelError> {
    match builtin_name(model) {
        Some(BUILTIN_NAME) => LoadedModel::from_memory(BUILTIN_META, BUILTIN_WEIGHTS, model, device),
        Some(_) => Err(ModelError::NotAModel { path: model.to_path_buf() }),
        None => LoadedModel::load(model, device),
    }
}

/// A short name for `model`'s weights (name + BLAKE3 prefix): cached embeddings are filed under it.
pub fn weights_key(model: &Path, name: &str) -> Result<String, RecommenderError> {
    let hash = match builtin_name(model) {
        Some(_) => blake3::hash(BUILTIN_WEIGHTS).to_hex().to_string(),
        None => {
            let weights = model.join(genrespace_classifier::model_dir::WEIGHTS_FILE);
            genrespace_recommender::hash::file_blake3(&weights).map_err(|e| RecommenderError::Io { path: weights, source: e })?
        }
    };
    Ok(format!("{name}-{}", &hash[..12]))
}

/// The analyzer (model + feature extractor) of `model`.
pub fn analyzer(model: &Path, device: &Device) -> Result<Analyzer, RecommenderError> {
    match builtin_name(model) {
        Some(_) => Ok(Analyzer::new(load(model, device)?, PathBuf::from(model), blake3::hash(BUILTIN_WEIGHTS).to_hex().to_string())),
        None => Analyzer::load(model, device),
    }
}
