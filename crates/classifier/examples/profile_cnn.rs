//! Where a CNN's time goes on burn's CPU backend: each layer of each conv block timed on its own
//! (batch 16 of 1 x 128 x 128 slices), with burn's stock layer and with genrespace's kernel
//! (`genrespace_classifier::kernels`, which the models run), for the README's discussion of
//! scripts/bench_train.sh. Inference (default): each layer's forward in validation mode.
//! `--train`: each layer's forward on a tracked tensor and its backward pass (from the sum of
//! its output), batch-norm in training mode, as one training step runs them. Prints one line
//! per layer: milliseconds per batch, stock and kernel, and the kernel's share of the total.
//!
//! Usage: profile_cnn [--channels 16,32,64,64] [--batch 16] [--reps 10] [--train]

use std::time::Instant;

use burn::nn::conv::Conv2dConfig;
use burn::nn::pool::MaxPool2dConfig;
use burn::nn::{BatchNormConfig, PaddingConfig2d, Relu};
use burn::prelude::*;
use burn::tensor::Distribution;
use genrespace_classifier::kernels;

fn arg(name: &str, default: &str) -> String {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned().unwrap_or_else(|| default.to_string())
}

/// Milliseconds per call of `f`, after one warm-up call.
fn time(reps: usize, f: impl Fn()) -> f64 {
    f();
    let t = Instant::now();
    for _ in 0..reps {
        f();
    }
    t.elapsed().as_secs_f64() * 1e3 / reps as f64
}

/// Times one layer: forward only (reading the data forces the work), or, when training, forward
/// and backward from a fresh copy of `x`, tracked unless `x` is the network's input (whose
/// gradient a training step never computes).
fn time_layer(reps: usize, train: bool, x: &Tensor<4>, layer: impl Fn(Tensor<4>) -> Tensor<4>) -> f64 {
    let network_input = x.dims()[1] == 1;
    if train {
        time(reps, || {
            let x = x.clone().detach();
            let x = if network_input { x } else { x.require_grad() };
            let _ = layer(x).sum().backward();
        })
    } else {
        time(reps, || {
            let _ = layer(x.clone()).into_data();
        })
    }
}

fn main() {
    // As the CLI runs (see the module).
    genrespace_audio::allocator::reuse_large_buffers();
    let channels: Vec<usize> = arg("--channels", "16,32,64,64").split(',').map(|c| c.parse().expect("channel count")).collect();
    let batch: usize = arg("--batch", "16").parse().expect("batch");
    let reps: usize = arg("--reps", "10").parse().expect("reps");
    let train = std::env::args().any(|a| a == "--train");
    let device = if train { Device::flex().autodiff() } else { Device::flex() };
    let mut x = Tensor::<4>::random([batch, 1, 128, 128], Distribution::Normal(0.0, 1.0), &device);
    // (layer, stock ms, kernel ms)
    let mut rows: Vec<(String, f64, f64)> = Vec::new();
    let mut c_in = 1;
    for (b, &c_out) in channels.iter().enumerate() {
        let conv = Conv2dConfig::new([c_in, c_out], [3, 3]).with_padding(PaddingConfig2d::Same).with_bias(false).init(&device);
        let norm = BatchNormConfig::new(c_out).init(&device);
        let norm = if train { norm } else { norm.valid() };
        let pool = MaxPool2dConfig::new([2, 2]).init();
        let [_, _, h, w] = x.dims();
        let stock = time_layer(reps, train, &x, |x| conv.forward(x));
        rows.push((format!("block {} conv 3x3 {c_in}->{c_out} at {h}x{w}", b + 1), stock, time_layer(reps, train, &x, |x| kernels::conv2d(&conv, x))));
        let y = conv.forward(x.clone()).detach();
        let stock = time_layer(reps, train, &y, |y| Relu::new().forward(norm.forward(y)));
        rows.push((format!("block {} batch-norm + ReLU", b + 1), stock, time_layer(reps, train, &y, |y| kernels::batch_norm(&norm, y, true))));
        let r = Relu::new().forward(norm.forward(y)).detach();
        let [n, c, h2, w2] = r.dims();
        // burn's max_pool2d; at inference the models ran a reshape + two max_dims before the kernel.
        let stock = match train {
            true => time_layer(reps, train, &r, |r| pool.forward(r)),
            false => time_layer(reps, train, &r, |r| r.reshape([n, c, h2 / 2, 2, w2 / 2, 2]).max_dim(5).max_dim(3).reshape([n, c, h2 / 2, w2 / 2])),
        };
        rows.push((format!("block {} max-pool 2x2", b + 1), stock, time_layer(reps, train, &r, |r| kernels::max_pool(&pool, r))));
        x = pool.forward(r).detach();
        c_in = c_out;
    }
    let (stock, fast): (f64, f64) = (rows.iter().map(|r| r.1).sum(), rows.iter().map(|r| r.2).sum());
    let what = if train { "forward + backward" } else { "inference" };
    let per_s = |ms: f64| batch as f64 * 1e3 / ms;
    println!(
        "CNN {channels:?}, batch {batch}, {what}, sum of layers: stock {stock:.1} ms ({:.0} slices/s), kernels {fast:.1} ms ({:.0} slices/s)",
        per_s(stock),
        per_s(fast)
    );
    println!("{:40} {:>10} {:>10} {:>8}", "layer", "stock ms", "kernel ms", "share");
    for (name, stock_ms, kernel_ms) in rows {
        println!("{name:40} {stock_ms:10.2} {kernel_ms:10.2} {:7.1} %", 100.0 * kernel_ms / fast);
    }
}
