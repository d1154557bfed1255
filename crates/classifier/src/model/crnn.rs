//! A convolutional recurrent network (after Choi et al., "Convolutional recurrent neural networks
//! for music classification", 2017): conv blocks that pool frequency away faster than time, then
//! a GRU over the remaining time steps, whose last state feeds a linear layer.

use burn::nn::gru::{Gru, GruConfig};
use burn::nn::GateController;
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
        let last = last_state(&self.gru, seq);
        (self.head.forward(self.dropout.forward(last.clone())), last)
    }
}

/// The state `gru` ends in after the sequence `[batch, time, features]`, from a zero state: the
/// last step of burn's `Gru::forward`, computed with fewer operations. burn runs both of a gate's
/// products at every step and keeps every step's state in a buffer; here the input's share of
/// each gate is one product over all time steps, only the state's share runs per step, and only
/// the last state is kept (all the CRNN reads). On a GPU each operation is a kernel launch, and
/// the recurrence is most of the CRNN's launches.
fn last_state(gru: &Gru, seq: Tensor<3>) -> Tensor<2> {
    let [batch, time, features] = seq.dims();
    let hidden = gru.d_hidden;
    let inputs = seq.reshape([batch * time, features]);
    let input_share = |gate: &GateController| gate.input_transform.forward(inputs.clone()).reshape([batch, time, hidden]);
    let [update_in, reset_in, new_in] = [&gru.update_gate, &gru.reset_gate, &gru.new_gate].map(input_share);
    let mut state = Tensor::<2>::zeros([batch, hidden], &inputs.device());
    for t in 0..time {
        let at_t = |share: &Tensor<3>| share.clone().slice([0..batch, t..t + 1]).reshape([batch, hidden]);
        let update = gru.gate_activation.forward(at_t(&update_in) + gru.update_gate.hidden_transform.forward(state.clone()));
        let reset = gru.gate_activation.forward(at_t(&reset_in) + gru.reset_gate.hidden_transform.forward(state.clone()));
        let candidate = gru.hidden_activation.forward(if gru.reset_after {
            at_t(&new_in) + reset * gru.new_gate.hidden_transform.forward(state.clone())
        } else {
            at_t(&new_in) + gru.new_gate.hidden_transform.forward(state.clone() * reset)
        });
        // h_t = (1 - z_t) * candidate + z_t * h_{t-1}, as burn writes it.
        state = candidate * update.clone().neg().add_scalar(1.0) + update * state;
        if let Some(clip) = gru.clip {
            state = state.clamp(-clip, clip);
        }
    }
    state
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::values;
    use burn::tensor::Distribution;

    /// The last state and the gradients of the weights, biases and input equal burn's `Gru` (both
    /// kinds of new gate, several lengths), on the CPU backend with autodiff.
    #[test]
    fn the_last_state_and_its_gradients_equal_burns_gru() {
        let device = Device::flex().autodiff();
        device.seed(7);
        for (reset_after, time) in [(true, 1), (true, 5), (false, 4)] {
            let gru = GruConfig::new(6, 5, true).with_reset_after(reset_after).init(&device);
            // A permuted view, as the CRNN's conv output reaches the GRU.
            let leaf = Tensor::<3>::random([3, 6, time], Distribution::Normal(0.0, 1.0), &device).require_grad();
            let seq = || leaf.clone().swap_dims(1, 2);
            let weights = Tensor::<2>::random([3, 5], Distribution::Normal(0.0, 1.0), &device);
            let run = |last: Tensor<2>| {
                let grads = (last.clone() * weights.clone()).sum().backward();
                let weight = |l: &Linear| values(l.weight.val().grad(&grads).expect("weight gradient"));
                let bias = |l: &Linear| values(l.bias.as_ref().expect("a bias").val().grad(&grads).expect("bias gradient"));
                let gates = [&gru.update_gate, &gru.reset_gate, &gru.new_gate]
                    .map(|g| [weight(&g.input_transform), weight(&g.hidden_transform), bias(&g.input_transform), bias(&g.hidden_transform)]);
                (values(last), values(leaf.grad(&grads).expect("input gradient")), gates)
            };
            let ours = run(last_state(&gru, seq()));
            let burns = run(gru.forward(seq(), None).slice([0..3, time - 1..time]).reshape([3, 5]));
            let close = |a: &[f32], b: &[f32], what: &str| {
                let worst = a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max);
                assert!(worst < 1e-5, "reset_after {reset_after}, {time} steps: {what} differs by {worst}");
            };
            close(&ours.0, &burns.0, "last state");
            close(&ours.1, &burns.1, "input gradient");
            for (g, (a, b)) in ours.2.iter().zip(&burns.2).enumerate() {
                for (i, what) in ["input weight", "state weight", "input bias", "state bias"].iter().enumerate() {
                    close(&a[i], &b[i], &format!("gate {g} {what} gradient"));
                }
            }
        }
    }
}
