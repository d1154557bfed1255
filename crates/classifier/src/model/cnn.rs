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

/// conv 3x3 (same padding) -> batch-norm -> ReLU -> max-pool 2x2, on the CPU through
/// [`crate::kernels`].
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
        self.max_pool(kernels::batch_norm(&self.norm, kernels::conv2d(&self.conv, x), true))
    }

    /// Non-overlapping max-pooling: 2 x 2 by [`kernels::max_pool`]; other windows, at inference
    /// and when they tile the input exactly, as a reshape to `[b, c, h/ph, ph, w/pw, pw]` and two
    /// `max_dim`s, which the CPU backend runs twice as fast as its `max_pool2d`
    /// (`examples/profile_cnn.rs`). Same values. Training keeps `max_pool2d` for those, whose
    /// backward pass is much faster than that of `max_dim` (measured: 35 → 22 samples/s).
    fn max_pool(&self, x: Tensor<4>) -> Tensor<4> {
        let [ph, pw] = self.pool.kernel_size;
        let [b, c, h, w] = x.dims();
        if [ph, pw] == [2, 2] || x.is_autodiff() || self.pool.stride != [ph, pw] || h % ph != 0 || w % pw != 0 {
            return kernels::max_pool(&self.pool, x);
        }
        x.reshape([b, c, h / ph, ph, w / pw, pw]).max_dim(5).max_dim(3).reshape([b, c, h / ph, w / pw])
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

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::Distribution;

    #[test]
    fn fast_max_pool_equals_burns_max_pool() {
        let device = Device::flex();
        for pool in [[2, 2], [4, 2], [4, 1]] {
            let block = ConvBlock::new(3, 3, pool, &device);
            let x = Tensor::<4>::random([2, 3, 16, 8], Distribution::Normal(0.0, 1.0), &device);
            let fast = block.max_pool(x.clone()).into_data();
            let reference = block.pool.forward(x).into_data();
            assert_eq!(fast, reference, "pool {pool:?}");
        }
    }
}
