//! musicnn (Pons & Serra, "musicnn: pre-trained convolutional neural networks for music audio
//! tagging", 2019), layer for layer as `musicnn/models.py::build_musicnn`, so the published
//! TensorFlow checkpoints load into it (`scripts/import_musicnn.py`).
//!
//! - front end: musically motivated filters over the `(time, mel)` patch — two *timbral* ones
//!   (7 frames x 40 % / 70 % of the mel bands) and three *temporal* ones (128/64/32 frames x 1
//!   band) — each max-pooled over frequency;
//! - mid end: three 7-frame 1-D convolutions, the last two with residual connections;
//! - back end: max and mean over time of every front- and mid-end feature, dense 200 (the
//!   *penultimate* layer, genrespace's embedding), dense to the tags.
//!
//! Where TensorFlow's layers differ from burn's defaults, this follows TensorFlow: conv → ReLU →
//! batch-norm (epsilon 1e-3, moving averages with momentum 0.99), zero padding applied after the
//! input batch-norm (`same` for an even kernel pads one frame more after than before).

use burn::nn::conv::{Conv1d, Conv1dConfig, Conv2d, Conv2dConfig};
use burn::nn::{BatchNorm, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::tf_batch_norm;
use crate::kernels;

/// musicnn's hyper-parameters. The defaults are the published `MSD_musicnn`/`MTT_musicnn`
/// (`num_filt=1.6`: 204 timbral and 51 temporal filters; 64 mid-end filters; 200 dense units).
#[derive(Config, Debug, PartialEq)]
pub struct MusicnnConfig {
    #[config(default = 204)]
    pub timbral_filters: usize,
    /// Timbral filter heights as fractions of the mel bands (`int(0.4 * 96) = 38`, `int(0.7 * 96) = 67`).
    #[config(default = "vec![0.4, 0.7]")]
    pub timbral_heights: Vec<f64>,
    #[config(default = 51)]
    pub temporal_filters: usize,
    /// Temporal filter lengths in frames.
    #[config(default = "vec![128, 64, 32]")]
    pub temporal_lengths: Vec<usize>,
    #[config(default = 64)]
    pub midend_filters: usize,
    #[config(default = 3)]
    pub midend_layers: usize,
    #[config(default = 200)]
    pub backend_units: usize,
    #[config(default = 0.5)]
    pub dropout: f64,
}

impl Default for MusicnnConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// One front-end branch: conv over `(time, mel)` → ReLU → batch-norm → max over frequency.
#[derive(Module, Debug)]
pub struct FrontBlock {
    conv: Conv2d,
    norm: BatchNorm,
}

impl FrontBlock {
    /// `[batch, 1, time, mel]` → `[batch, filters, time]`.
    fn forward(&self, x: Tensor<4>) -> Tensor<3> {
        let x = kernels::batch_norm(&self.norm, relu(kernels::conv2d(&self.conv, x)), false);
        let [batch, filters, time, _] = x.dims();
        x.max_dim(3).reshape([batch, filters, time])
    }
}

/// One mid-end layer: 1-D conv over time (7 frames, zero-padded to keep the length) → ReLU →
/// batch-norm. (TensorFlow writes it as a 2-D conv whose kernel spans all input features.)
#[derive(Module, Debug)]
pub struct MidBlock {
    conv: Conv1d,
    norm: BatchNorm,
}

impl MidBlock {
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        kernels::batch_norm(&self.norm, relu(kernels::conv1d(&self.conv, x)), false)
    }
}

#[derive(Module, Debug)]
pub struct Musicnn {
    input_norm: BatchNorm,
    timbral: Vec<FrontBlock>,
    temporal: Vec<FrontBlock>,
    midend: Vec<MidBlock>,
    pool_norm: BatchNorm,
    penultimate: Linear,
    penultimate_norm: BatchNorm,
    dropout: Dropout,
    head: Linear,
}

impl MusicnnConfig {
    /// See [`super::ArchConfig::validate`]: every convolution keeps the patch's length (same
    /// padding), so only the layer sizes matter.
    pub fn validate(&self) -> Result<(), String> {
        super::check_layers("timbral filter heights", self.timbral_heights.len())?;
        super::check_layers("temporal filter lengths", self.temporal_lengths.len())?;
        if let Some(h) = self.timbral_heights.iter().find(|h| !(**h > 0.0 && **h <= 1.0)) {
            return Err(format!("timbral filter height {h} is not a fraction of the mel bands in (0, 1]"));
        }
        super::check_widths("temporal filter length", &self.temporal_lengths)?;
        super::check_widths("filters", &[self.timbral_filters, self.temporal_filters, self.midend_filters, self.backend_units])?;
        if self.midend_layers > super::MAX_LAYERS {
            return Err(format!("{} mid-end layers: at most {}", self.midend_layers, super::MAX_LAYERS));
        }
        super::check_dropout("dropout", self.dropout)
    }

    /// Channels of the front end's output (timbral + temporal filters).
    fn frontend_channels(&self) -> usize {
        self.timbral_filters * self.timbral_heights.len() + self.temporal_filters * self.temporal_lengths.len()
    }

    /// Size of the pooled back-end input: max and mean of every front- and mid-end channel.
    fn pooled_features(&self) -> usize {
        2 * (self.frontend_channels() + self.midend_filters * self.midend_layers)
    }

    pub fn init(&self, n_mels: usize, n_classes: usize, device: &Device) -> Musicnn {
        let timbral = self
            .timbral_heights
            .iter()
            .map(|&fraction| {
                // Python's int() truncates: int(0.4 * 96) = 38.
                let height = ((fraction * n_mels as f64) as usize).clamp(1, n_mels);
                FrontBlock {
                    conv: Conv2dConfig::new([1, self.timbral_filters], [7, height]).with_padding(PaddingConfig2d::Explicit(3, 0, 3, 0)).init(device),
                    norm: tf_batch_norm(self.timbral_filters, device),
                }
            })
            .collect();
        let temporal = self
            .temporal_lengths
            .iter()
            .map(|&length| FrontBlock {
                conv: Conv2dConfig::new([1, self.temporal_filters], [length, 1])
                    .with_padding(PaddingConfig2d::Explicit((length - 1) / 2, 0, length / 2, 0))
                    .init(device),
                norm: tf_batch_norm(self.temporal_filters, device),
            })
            .collect();
        let mut c_in = self.frontend_channels();
        let midend = (0..self.midend_layers)
            .map(|_| {
                let block = MidBlock {
                    conv: Conv1dConfig::new(c_in, self.midend_filters, 7).with_padding(PaddingConfig1d::Explicit(3, 3)).init(device),
                    norm: tf_batch_norm(self.midend_filters, device),
                };
                c_in = self.midend_filters;
                block
            })
            .collect();
        Musicnn {
            input_norm: tf_batch_norm(1, device),
            timbral,
            temporal,
            midend,
            pool_norm: tf_batch_norm(self.pooled_features(), device),
            penultimate: LinearConfig::new(self.pooled_features(), self.backend_units).init(device),
            penultimate_norm: tf_batch_norm(self.backend_units, device),
            dropout: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(self.backend_units, n_classes).init(device),
        }
    }
}

impl Musicnn {
    /// Logits `[batch, n_classes]` and the penultimate layer `[batch, backend_units]` for
    /// patches `[batch, 1, n_mels, frames]` (any number of frames).
    pub fn forward_with_embedding(&self, x: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let x = kernels::batch_norm(&self.input_norm, x.swap_dims(2, 3), false);
        let front: Vec<Tensor<3>> = self.timbral.iter().chain(&self.temporal).map(|b| b.forward(x.clone())).collect();
        let front = Tensor::cat(front, 1);
        let mut features = vec![front.clone()];
        let mut h = front;
        for (i, block) in self.midend.iter().enumerate() {
            let out = block.forward(h.clone());
            h = if i == 0 { out } else { out + h };
            features.push(h.clone());
        }
        let features = Tensor::cat(features, 1);
        let [batch, channels, _] = features.dims();
        // TensorFlow concatenates [max, mean] on a last axis and flattens: per channel, max then mean.
        let pooled = Tensor::cat(vec![features.clone().max_dim(2), features.mean_dim(2)], 2).reshape([batch, 2 * channels]);
        let pooled = kernels::batch_norm(&self.pool_norm, pooled, false);
        let embedding = kernels::batch_norm(&self.penultimate_norm, relu(self.penultimate.forward(self.dropout.forward(pooled))), false);
        let logits = self.head.forward(self.dropout.forward(embedding.clone()));
        (logits, embedding)
    }
}
