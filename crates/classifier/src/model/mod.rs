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

    /// Check that this architecture can be built and can run on `n_mels x frames` patches, so a
    /// damaged or hand-edited `model.json` (or a training option) is refused with a reason
    /// instead of panicking inside burn (the `model_json` fuzz target found dropouts above 1).
    pub fn validate(&self, n_mels: usize, frames: usize) -> Result<(), String> {
        if n_mels == 0 || frames == 0 {
            return Err(format!("patches of {n_mels} x {frames} are empty"));
        }
        match self {
            ArchConfig::Cnn(c) => c.validate(n_mels, frames),
            ArchConfig::Crnn(c) => c.validate(n_mels, frames),
            ArchConfig::Musicnn(c) => c.validate(),
            ArchConfig::Vgg(c) => c.validate(n_mels, frames),
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

/// The widest layer and the most layers a model description may ask for: about 20 and 6 times
/// what the published music models use (musicnn's 204 filters, VGG's 5 blocks), and small enough
/// that a typo cannot ask for terabytes.
const MAX_WIDTH: usize = 4096;
const MAX_LAYERS: usize = 32;

/// Each of `widths` (channels, filters, units: `what` names them) must be in `1..=MAX_WIDTH`.
fn check_widths(what: &str, widths: &[usize]) -> Result<(), String> {
    match widths.iter().find(|&&w| w == 0 || w > MAX_WIDTH) {
        Some(w) => Err(format!("{what} {w} is outside 1..={MAX_WIDTH}")),
        None => Ok(()),
    }
}

/// A list of layers must have `1..=MAX_LAYERS` entries.
fn check_layers(what: &str, n: usize) -> Result<(), String> {
    if (1..=MAX_LAYERS).contains(&n) {
        Ok(())
    } else {
        Err(format!("{n} {what}: need 1..={MAX_LAYERS}"))
    }
}

/// A dropout probability must be in `[0, 1)` (burn refuses others; 1 would drop everything).
fn check_dropout(what: &str, p: f64) -> Result<(), String> {
    if (0.0..1.0).contains(&p) {
        Ok(())
    } else {
        Err(format!("{what} {p} is outside [0, 1)"))
    }
}

/// The length a max-pool of `kernel` and `stride` leaves of `size`, or an error when the window
/// does not fit (burn panics on an empty output).
fn pooled(size: usize, kernel: usize, stride: usize, axis: &str) -> Result<usize, String> {
    if kernel == 0 || stride == 0 {
        return Err(format!("a pooling size of 0 along {axis}"));
    }
    if size < kernel {
        return Err(format!("pooling {kernel} along {axis} does not fit the {size} left there: the patch is too small for this many pools"));
    }
    Ok((size - kernel) / stride + 1)
}

/// A batch-norm layer as TensorFlow 1's `tf.layers.batch_normalization` makes it: epsilon 1e-3
/// (burn's default is 1e-5) and moving averages that keep 99 % of the old value per step.
pub(crate) fn tf_batch_norm(features: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(features).with_epsilon(1e-3).with_momentum(0.01).init(device)
}
