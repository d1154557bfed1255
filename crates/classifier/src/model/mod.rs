//! The genre models behind one [`GenreModel`], so training, evaluation and inference do not care
//! which one they drive: the CNN and CRNN trained here, and musicnn's two pretrained taggers
//! (musicnn and VGG) imported from TensorFlow. Every model maps `1 x n_mels x frames` patches to
//! logits and to an embedding (its last hidden layer).

mod cnn;
mod crnn;
mod musicnn;
mod vgg;

pub use cnn::{Cnn, CnnConfig};
pub use crnn::{Crnn, CrnnConfig};
pub use musicnn::{Musicnn, MusicnnConfig};
pub use vgg::{Vgg, VggConfig};

use burn::nn::{BatchNorm, BatchNormConfig};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Which architecture, with its configuration. Stored in `model.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "arch", rename_all = "lowercase")]
pub enum ArchConfig {
    Cnn(CnnConfig),
    Crnn(CrnnConfig),
    Musicnn(MusicnnConfig),
    Vgg(VggConfig),
}

impl ArchConfig {
    pub fn name(&self) -> &'static str {
        match self {
            ArchConfig::Cnn(_) => "cnn",
            ArchConfig::Crnn(_) => "crnn",
            ArchConfig::Musicnn(_) => "musicnn",
            ArchConfig::Vgg(_) => "vgg",
        }
    }

    /// A fresh model for patches of `n_mels x frames` and `n_classes` outputs.
    pub fn init(&self, n_mels: usize, frames: usize, n_classes: usize, device: &Device) -> GenreModel {
        match self {
            ArchConfig::Cnn(c) => GenreModel::Cnn(c.init(n_classes, device)),
            ArchConfig::Crnn(c) => GenreModel::Crnn(c.init(n_mels, n_classes, device)),
            ArchConfig::Musicnn(c) => GenreModel::Musicnn(c.init(n_mels, n_classes, device)),
            ArchConfig::Vgg(c) => GenreModel::Vgg(c.init(n_mels, frames, n_classes, device)),
        }
    }
}

/// A genre model of any architecture.
#[derive(Module, Debug)]
pub enum GenreModel {
    Cnn(Cnn),
    Crnn(Crnn),
    Musicnn(Musicnn),
    Vgg(Vgg),
}

impl GenreModel {
    /// Logits `[batch, n_classes]` for normalised slices `[batch, 1, n_mels, frames]`.
    pub fn forward(&self, slices: Tensor<4>) -> Tensor<2> {
        self.forward_with_embedding(slices).0
    }

    /// Logits and the embedding `[batch, dim]`: the activations that feed the output layer.
    pub fn forward_with_embedding(&self, slices: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        match self {
            GenreModel::Cnn(m) => m.forward_with_embedding(slices),
            GenreModel::Crnn(m) => m.forward_with_embedding(slices),
            GenreModel::Musicnn(m) => m.forward_with_embedding(slices),
            GenreModel::Vgg(m) => m.forward_with_embedding(slices),
        }
    }
}

/// A batch-norm layer as TensorFlow 1's `tf.layers.batch_normalization` makes it: epsilon 1e-3
/// (burn's default is 1e-5) and moving averages that keep 99 % of the old value per step.
pub(crate) fn tf_batch_norm(features: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(features).with_epsilon(1e-3).with_momentum(0.01).init(device)
}
