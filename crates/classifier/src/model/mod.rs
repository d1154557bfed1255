//! The genre models: a CNN and a CRNN over `1 x n_mels x frames` log-mel slices, behind one
//! [`GenreModel`] so training, evaluation and inference do not care which one they drive.

mod cnn;
mod crnn;

pub use cnn::{Cnn, CnnConfig};
pub use crnn::{Crnn, CrnnConfig};

use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Which architecture, with its configuration. Stored in `model.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "lowercase")]
pub enum ArchConfig {
    Cnn(CnnConfig),
    Crnn(CrnnConfig),
}

impl ArchConfig {
    pub fn name(&self) -> &'static str {
        match self {
            ArchConfig::Cnn(_) => "cnn",
            ArchConfig::Crnn(_) => "crnn",
        }
    }

    pub fn init(&self, n_mels: usize, n_classes: usize, device: &Device) -> GenreModel {
        match self {
            ArchConfig::Cnn(c) => GenreModel::Cnn(c.init(n_classes, device)),
            ArchConfig::Crnn(c) => GenreModel::Crnn(c.init(n_mels, n_classes, device)),
        }
    }
}

/// A genre model of either architecture.
#[derive(Module, Debug)]
pub enum GenreModel {
    Cnn(Cnn),
    Crnn(Crnn),
}

impl GenreModel {
    /// Logits `[batch, n_classes]` for normalised slices `[batch, 1, n_mels, frames]`.
    pub fn forward(&self, slices: Tensor<4>) -> Tensor<2> {
        match self {
            GenreModel::Cnn(m) => m.forward(slices),
            GenreModel::Crnn(m) => m.forward(slices),
        }
    }
}
