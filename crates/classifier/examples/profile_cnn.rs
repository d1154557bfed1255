//! Where a CNN's inference time goes on burn's CPU backend: each layer of each conv block timed
//! on its own (batch 16 of 1 x 128 x 128 slices, validation mode), for the README's discussion of
//! scripts/bench_train.sh. Prints one line per layer with milliseconds per batch and the share.
//!
//! Usage: profile_cnn [--channels 16,32,64,64] [--batch 16] [--reps 10]

use std::time::Instant;

use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig2d, Relu};
use burn::prelude::*;
use burn::tensor::Distribution;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

/// Milliseconds per call of `f`, after one warm-up call; reading the data forces the work.
fn time(reps: usize, f: impl Fn() -> Tensor<4>) -> f64 {
    let _ = f().into_data();
    let t = Instant::now();
    for _ in 0..reps {
        let _ = f().into_data();
    }
    t.elapsed().as_secs_f64() * 1e3 / reps as f64
}

fn main() {
    let channels: Vec<usize> = arg("--channels", "16,32,64,64").split(',').map(|c| c.parse().expect("channel count")).collect();
    let batch: usize = arg("--batch", "16").parse().expect("batch");
    let reps: usize = arg("--reps", "10").parse().expect("reps");
    let device = Device::flex();
    let mut x = Tensor::<4>::random([batch, 1, 128, 128], Distribution::Normal(0.0, 1.0), &device);
    let mut rows = Vec::new();
    let mut compared = Vec::new();
    let mut c_in = 1;
    for (b, &c_out) in channels.iter().enumerate() {
        let conv = Conv2dConfig::new([c_in, c_out], [3, 3]).with_padding(PaddingConfig2d::Same).with_bias(false).init(&device);
        let norm = BatchNormConfig::new(c_out).init(&device).valid();
        let pool = MaxPool2dConfig::new([2, 2]).init();
        let [_, _, h, w] = x.dims();
        let y = conv.forward(x.clone());
        rows.push((format!("block {} conv 3x3 {c_in}->{c_out} at {h}x{w}", b + 1), time(reps, || conv.forward(x.clone()))));
        let z = norm.forward(y.clone());
        rows.push((format!("block {} batch-norm", b + 1), time(reps, || norm.forward(y.clone()))));
        let r = Relu::new().forward(z.clone());
        rows.push((format!("block {} ReLU", b + 1), time(reps, || Relu::new().forward(z.clone()))));
        // What the model runs at inference (see ConvBlock::max_pool), and burn's max_pool2d for
        // comparison (not counted in the total).
        let [n, c, h2, w2] = r.dims();
        rows.push((
            format!("block {} max-pool 2x2 (reshape + max_dim)", b + 1),
            time(reps, || r.clone().reshape([n, c, h2 / 2, 2, w2 / 2, 2]).max_dim(5).max_dim(3).reshape([n, c, h2 / 2, w2 / 2])),
        ));
        compared.push((format!("block {} max-pool 2x2 (burn max_pool2d)", b + 1), time(reps, || pool.forward(r.clone()))));
        x = pool.forward(r);
        c_in = c_out;
    }
    let total: f64 = rows.iter().map(|r| r.1).sum();
    println!("CNN {channels:?}, batch {batch}: {total:.1} ms per batch ({:.0} slices/s from the sum of layers)", batch as f64 * 1e3 / total);
    for (name, ms) in rows {
        println!("{name:44} {ms:8.2} ms {:5.1} %", 100.0 * ms / total);
    }
    for (name, ms) in compared {
        println!("{name:44} {ms:8.2} ms (not used at inference)");
    }
}
