//! A 2-D CNN over log-mel slices: blocks of conv 3x3 -> batch-norm -> ReLU -> max-pool 2x2, then
//! global average pooling, dropout and a linear layer to the genres.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{AdaptiveAvgPool2d, AdaptiveAvgPool2dConfig, MaxPool2d, MaxPool2dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig2d};
use burn::prelude::*;

use crate::kernels;

/// The CNN's hyper-parameters (burn `Config`: serde, `new()`, `with_*` builders).
#[derive(Config, Debug, PartialEq)]
pub struct CnnConfig {
    /// Output channels of each conv block.
    #[config(default = "vec![32, 64, 128, 128]")]
    pub channels: Vec<usize>,
    #[config(default = 0.3)]
    pub dropout: f64,
}

impl Default for CnnConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// conv 3x3 (same padding) -> batch-norm -> ReLU -> max-pool (2 x 2 in the CNN, the CRNN's
/// windows in the CRNN), on the CPU through [`crate::kernels`].
#[derive(Module, Debug)]
pub struct ConvBlock {
    conv: Conv2d,
    norm: BatchNorm,
    pool: MaxPool2d,
}

impl ConvBlock {
    pub fn new(c_in: usize, c_out: usize, pool: [usize; 2], device: &Device) -> Self {
        Self {
            // No conv bias: the batch-norm's shift does that job.
            conv: Conv2dConfig::new([c_in, c_out], [3, 3]).with_padding(PaddingConfig2d::Same).with_bias(false).init(device),
            norm: BatchNormConfig::new(c_out).init(device),
            pool: MaxPool2dConfig::new(pool).init(),
        }
    }

    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        kernels::max_pool(&self.pool, kernels::batch_norm(&self.norm, kernels::conv2d(&self.conv, x), true))
    }
}

#[derive(Module, Debug)]
pub struct Cnn {
    blocks: Vec<ConvBlock>,
    pool: AdaptiveAvgPool2d,
    dropout: Dropout,
    head: Linear,
}

impl CnnConfig {
    /// See [`super::ArchConfig::validate`]: every block halves both axes.
    pub fn validate(&self, n_mels: usize, frames: usize) -> Result<(), String> {
        super::check_layers("conv blocks", self.channels.len())?;
        super::check_widths("channels", &self.channels)?;
        super::check_dropout("dropout", self.dropout)?;
        self.channels.iter().try_fold([n_mels, frames], |[m, t], _| Ok::<_, String>([super::pooled(m, 2, 2, "mels")?, super::pooled(t, 2, 2, "frames")?]))?;
        Ok(())
    }

    pub fn init(&self, n_classes: usize, device: &Device) -> Cnn {
        let mut c_in = 1;
        let blocks = self
            .channels
            .iter()
            .map(|&c_out| {
                let block = ConvBlock::new(c_in, c_out, [2, 2], device);
                c_in = c_out;
                block
            })
            .collect();
        Cnn {
            blocks,
            pool: AdaptiveAvgPool2dConfig::new([1, 1]).init(),
            dropout: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(c_in, n_classes).init(device),
        }
    }
}

impl Cnn {
    /// Logits and the globally pooled last conv block (the embedding).
    pub fn forward_with_embedding(&self, x: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        let [batch, channels, _, _] = x.dims();
        let pooled = self.pool.forward(x).reshape([batch, channels]);
        (self.head.forward(self.dropout.forward(pooled.clone())), pooled)
    }
}
