//! The VGG-like tagger musicnn's authors published beside it (`musicnn/models.py::vgg`): five
//! blocks of 3x3 conv → ReLU → batch-norm → max-pool over the `(time, mel)` patch, then one dense
//! layer to the tags. Pools: 4x1 with stride 2x2, then 2x2 three times, then 4x4, so a 187 x 96
//! patch ends as 2 x 1 x 128 = 256 features (genrespace's embedding for this model).
//!
//! TensorFlow's order and conventions are kept so the checkpoints load unchanged: batch-norm
//! after the ReLU with epsilon 1e-3, `same` padding, `valid` pooling, and the flatten taken in
//! `(time, mel, channel)` order.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;

use super::tf_batch_norm;
use crate::kernels;

/// The VGG tagger's hyper-parameters; the defaults are `MSD_vgg`/`MTT_vgg`.
#[derive(Config, Debug, PartialEq)]
pub struct VggConfig {
    #[config(default = 128)]
    pub filters: usize,
    /// `(kernel, stride)` of each block's max-pool, as `[time, mel]`.
    #[config(default = "vec![([4, 1], [2, 2]), ([2, 2], [2, 2]), ([2, 2], [2, 2]), ([2, 2], [2, 2]), ([4, 4], [4, 4])]")]
    pub pools: Vec<([usize; 2], [usize; 2])>,
    /// Dropout after each of the first four pools (the last pool is followed by `dropout`).
    #[config(default = 0.25)]
    pub block_dropout: f64,
    #[config(default = 0.5)]
    pub dropout: f64,
}

impl Default for VggConfig {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Module, Debug)]
pub struct VggBlock {
    conv: Conv2d,
    norm: BatchNorm,
    pool: MaxPool2d,
    dropout: Dropout,
}

impl VggBlock {
    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let x = kernels::batch_norm(&self.norm, relu(kernels::conv2d(&self.conv, x)), false);
        self.dropout.forward(kernels::max_pool(&self.pool, x))
    }
}

#[derive(Module, Debug)]
pub struct Vgg {
    input_norm: BatchNorm,
    blocks: Vec<VggBlock>,
    dropout: Dropout,
    head: Linear,
}

impl VggConfig {
    /// See [`super::ArchConfig::validate`]: 3x3 convolutions keep the size, each pool
    /// `(kernel, stride)` over `[time, mel]` shrinks it.
    pub fn validate(&self, n_mels: usize, frames: usize) -> Result<(), String> {
        super::check_layers("blocks", self.pools.len())?;
        super::check_widths("filters", &[self.filters])?;
        super::check_dropout("dropout", self.dropout)?;
        super::check_dropout("block dropout", self.block_dropout)?;
        self.pools
            .iter()
            .try_fold([frames, n_mels], |[t, m], (k, s)| Ok::<_, String>([super::pooled(t, k[0], s[0], "frames")?, super::pooled(m, k[1], s[1], "mels")?]))?;
        Ok(())
    }

    /// `[time, mel]` left after the pools for a `frames x n_mels` patch (`valid` pooling).
    pub fn output_size(&self, frames: usize, n_mels: usize) -> [usize; 2] {
        self.pools.iter().fold([frames, n_mels], |[t, m], (k, s)| [t.saturating_sub(k[0]) / s[0] + 1, m.saturating_sub(k[1]) / s[1] + 1])
    }

    /// The model for patches of `frames x n_mels`: its dense layer is sized for exactly that.
    pub fn init(&self, n_mels: usize, frames: usize, n_classes: usize, device: &Device) -> Vgg {
        let last = self.pools.len().saturating_sub(1);
        let blocks = self
            .pools
            .iter()
            .enumerate()
            .map(|(i, &(kernel, stride))| VggBlock {
                conv: Conv2dConfig::new([if i == 0 { 1 } else { self.filters }, self.filters], [3, 3])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(device),
                norm: tf_batch_norm(self.filters, device),
                pool: MaxPool2dConfig::new(kernel).with_strides(stride).init(),
                dropout: DropoutConfig::new(if i == last { 0.0 } else { self.block_dropout }).init(),
            })
            .collect();
        let [t, m] = self.output_size(frames, n_mels);
        Vgg {
            input_norm: tf_batch_norm(1, device),
            blocks,
            dropout: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(t * m * self.filters, n_classes).init(device),
        }
    }
}

impl Vgg {
    /// Logits and the flattened last pool (the embedding) for patches `[batch, 1, n_mels, frames]`.
    pub fn forward_with_embedding(&self, x: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let x = kernels::batch_norm(&self.input_norm, x.swap_dims(2, 3), false);
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        let [batch, channels, time, mel] = x.dims();
        let embedding = x.permute([0, 2, 3, 1]).reshape([batch, time * mel * channels]);
        let logits = self.head.forward(self.dropout.forward(embedding.clone()));
        (logits, embedding)
    }
}
