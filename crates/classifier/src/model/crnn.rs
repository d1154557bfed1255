//! A convolutional recurrent network (after Choi et al., "Convolutional recurrent neural networks
//! for music classification", 2017): conv blocks that pool frequency away faster than time, then
//! a GRU over the remaining time steps, whose last state feeds a linear layer.

use burn::nn::gru::{Gru, GruConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::prelude::*;

use super::cnn::ConvBlock;

/// The CRNN's hyper-parameters (burn `Config`: serde, `new()`, `with_*` builders).
#[derive(Config, Debug, PartialEq)]
pub struct CrnnConfig {
    /// Output channels of each conv block.
    #[config(default = "vec![32, 64, 64, 64]")]
    pub channels: Vec<usize>,
    /// Pooling `[frequency, time]` after each block.
    #[config(default = "vec![[2, 2], [4, 2], [4, 2], [4, 1]]")]
    pub pools: Vec<[usize; 2]>,
    #[config(default = 64)]
    pub gru_hidden: usize,
    #[config(default = 0.3)]
    pub dropout: f64,
}

impl Default for CrnnConfig {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(Module, Debug)]
pub struct Crnn {
    blocks: Vec<ConvBlock>,
    gru: Gru,
    dropout: Dropout,
    head: Linear,
}

impl CrnnConfig {
    /// See [`super::ArchConfig::validate`]: one pool `[mels, frames]` per conv block.
    pub fn validate(&self, n_mels: usize, frames: usize) -> Result<(), String> {
        super::check_layers("conv blocks", self.channels.len())?;
        if self.pools.len() != self.channels.len() {
            return Err(format!("{} pools for {} conv blocks: need one per block", self.pools.len(), self.channels.len()));
        }
        super::check_widths("channels", &self.channels)?;
        super::check_widths("GRU units", &[self.gru_hidden])?;
        super::check_dropout("dropout", self.dropout)?;
        self.pools
            .iter()
            .try_fold([n_mels, frames], |[m, t], p| Ok::<_, String>([super::pooled(m, p[0], p[0], "mels")?, super::pooled(t, p[1], p[1], "frames")?]))?;
        Ok(())
    }

    /// Frequency bins left after the conv front end for `n_mels` input bands.
    pub fn freq_out(&self, n_mels: usize) -> usize {
        self.pools.iter().fold(n_mels, |f, p| f / p[0]).max(1)
    }

    pub fn init(&self, n_mels: usize, n_classes: usize, device: &Device) -> Crnn {
        assert_eq!(self.channels.len(), self.pools.len(), "one pooling size per conv block");
        let mut c_in = 1;
        let blocks = self
            .channels
            .iter()
            .zip(&self.pools)
            .map(|(&c_out, &pool)| {
                let block = ConvBlock::new(c_in, c_out, pool, device);
                c_in = c_out;
                block
            })
            .collect();
        Crnn {
            blocks,
            gru: GruConfig::new(c_in * self.freq_out(n_mels), self.gru_hidden, true).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            head: LinearConfig::new(self.gru_hidden, n_classes).init(device),
        }
    }
}

impl Crnn {
    /// Logits and the GRU's last state (the embedding).
    pub fn forward_with_embedding(&self, x: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        // [batch, channels, freq, time] -> [batch, time, channels * freq]
        let [batch, channels, freq, time] = x.dims();
        let seq = x.permute([0, 3, 1, 2]).reshape([batch, time, channels * freq]);
        let states = self.gru.forward(seq, None);
        let hidden = states.dims()[2];
        let last = states.slice([0..batch, time - 1..time]).reshape([batch, hidden]);
        (self.head.forward(self.dropout.forward(last.clone())), last)
    }
}
