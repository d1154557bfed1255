//! Batch normalisation over `[batch, channels, plane]` values (`plane` the product of the
//! dimensions after the channels: `H * W` of an image, the length of a sequence, 1 for a vector),
//! optionally followed by a ReLU. In training three passes: per-channel statistics, the
//! normalised output, and (backward) per-channel gradient sums then the input gradient; at
//! inference one pass, in place.
//! burn's stock version records ~10 whole-tensor operations each way, and each `swap_dims` +
//! `reshape` copies the activation (`examples/profile_cnn.rs --train`: batch-norm was a quarter
//! of a training step of the shipped CNN).
//!
//! Same formulas as burn's `batch_norm_train` / `batch_norm_train_backward`: biased batch
//! variance, `x_grad = gamma / std * (dy - mean(dy) - x_hat * mean(dy * x_hat))`.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::buffer::written;

/// The layout of a `[batch, channels, plane]` activation.
#[derive(Clone, Copy, Debug)]
pub struct Layout {
    pub batch: usize,
    pub channels: usize,
    pub plane: usize,
}

impl Layout {
    /// The planes of channel `c`, one per batch item.
    fn planes<'a>(&self, values: &'a [f32], c: usize) -> impl Iterator<Item = &'a [f32]> + 'a {
        let (channels, plane) = (self.channels, self.plane);
        (0..self.batch).map(move |n| &values[(n * channels + c) * plane..][..plane])
    }

    /// Values per channel (batch x plane).
    fn count(&self) -> f64 {
        (self.batch * self.plane) as f64
    }
}

/// Independent partial sums per reduction: one running f32 sum is a chain of dependent adds
/// (4 cycles each) that the compiler may not reorder; 16 of them vectorize.
const LANES: usize = 16;

/// The sums of `f`'s `R` terms over the aligned values of `S` equally long slices, each in
/// [`LANES`] partial sums.
#[inline(always)]
fn lane_sums<const S: usize, const R: usize>(slices: [&[f32]; S], f: impl Fn([f32; S]) -> [f32; R]) -> [f32; R] {
    let len = slices[0].len();
    let whole = len - len % LANES;
    let mut lanes = [[0f32; LANES]; R];
    for start in (0..whole).step_by(LANES) {
        let chunks = slices.map(|s| &s[start..start + LANES]);
        for i in 0..LANES {
            let terms = f(chunks.map(|c| c[i]));
            for (lane, term) in lanes.iter_mut().zip(terms) {
                lane[i] += term;
            }
        }
    }
    let mut sums = lanes.map(|lane| lane.iter().sum::<f32>());
    for i in whole..len {
        for (sum, term) in sums.iter_mut().zip(f(slices.map(|s| s[i]))) {
            *sum += term;
        }
    }
    sums
}

/// Per-channel batch mean and biased variance (two passes, sums in f64 across planes).
pub fn mean_var(x: &[f32], layout: Layout) -> (Vec<f32>, Vec<f32>) {
    (0..layout.channels)
        .into_par_iter()
        .map(|c| {
            let mean = layout.planes(x, c).map(|p| lane_sums([p], |[v]| [v])[0] as f64).sum::<f64>() / layout.count();
            let m = mean as f32;
            let var = layout.planes(x, c).map(|p| lane_sums([p], |[v]| [(v - m) * (v - m)])[0] as f64).sum::<f64>() / layout.count();
            (m, var as f32)
        })
        .unzip()
}

/// The per-channel statistics and parameters of a normalisation.
pub struct Affine<'a> {
    pub gamma: &'a [f32],
    pub beta: &'a [f32],
    pub mean: &'a [f32],
    pub var: &'a [f32],
    pub epsilon: f64,
}

impl Affine<'_> {
    /// The normalisation as `x * a + b` per channel: `(a, b)`.
    fn coefficients(&self, channels: usize) -> (Vec<f32>, Vec<f32>) {
        (0..channels)
            .map(|c| {
                let a = self.gamma[c] / (self.var[c] as f64 + self.epsilon).sqrt() as f32;
                (a, self.beta[c] - self.mean[c] * a)
            })
            .unzip()
    }
}

/// `relu?(x * a + b)`.
#[inline(always)]
fn normalised(x: f32, a: f32, b: f32, relu: bool) -> f32 {
    let y = x * a + b;
    if relu {
        y.max(0.0)
    } else {
        y
    }
}

/// `relu?((x - mean) / sqrt(var + eps) * gamma + beta)` of `x`, in a new buffer (training keeps
/// `x` for the backward pass).
pub fn normalise(x: &[f32], layout: Layout, p: &Affine, relu: bool) -> Vec<f32> {
    let (a, b) = p.coefficients(layout.channels);
    let write = |y: &mut [MaybeUninit<f32>]| {
        y.par_chunks_mut(layout.plane).zip(x.par_chunks(layout.plane)).enumerate().for_each(|(i, (y, x))| {
            let (a, b) = (a[i % layout.channels], b[i % layout.channels]);
            y.iter_mut().zip(x).for_each(|(y, x)| {
                y.write(normalised(*x, a, b, relu));
            });
        })
    };
    // SAFETY: the chunks of `y` and `x` pair up one to one and each value of `y` is written.
    unsafe { written(x.len(), write) }
}

/// [`normalise`] over `values`, in place. In place because at inference the input is usually
/// the convolution's output, owned by nobody else: a fresh output of that size cost page faults
/// on every batch (inference at batch 64 measured 1.7 x slower with one).
pub fn normalise_in_place(values: &mut [f32], layout: Layout, p: &Affine, relu: bool) {
    let (a, b) = p.coefficients(layout.channels);
    values.par_chunks_mut(layout.plane).enumerate().for_each(|(i, plane)| {
        let (a, b) = (a[i % layout.channels], b[i % layout.channels]);
        plane.iter_mut().for_each(|v| *v = normalised(*v, a, b, relu));
    });
}

/// What the backward pass needs from the forward one.
pub struct Saved<'a> {
    pub x: &'a [f32],
    /// The forward output: where it is 0 after a ReLU, no gradient flows.
    pub output: &'a [f32],
    pub gamma: &'a [f32],
    pub mean: &'a [f32],
    pub var: &'a [f32],
    pub epsilon: f64,
    pub relu: bool,
}

/// Gradients `(x, gamma, beta)` given the output's gradient `dy`.
pub fn backward(saved: &Saved, layout: Layout, dy: &[f32]) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
    let inv_std: Vec<f32> = saved.var.iter().map(|v| (1.0 / (*v as f64 + saved.epsilon).sqrt()) as f32).collect();
    // The gradient reaching the normalisation: dy, masked by the ReLU.
    let flowing = |dy: f32, y: f32| if saved.relu && y <= 0.0 { 0.0 } else { dy };
    let (beta_grad, gamma_grad): (Vec<f32>, Vec<f32>) = (0..layout.channels)
        .into_par_iter()
        .map(|c| {
            let (m, s) = (saved.mean[c], inv_std[c]);
            let planes = layout.planes(saved.x, c).zip(layout.planes(saved.output, c)).zip(layout.planes(dy, c));
            let (sum, sum_xhat) = planes.fold((0f64, 0f64), |(sum, sum_xhat), ((x, y), dy)| {
                let [s1, s2] = lane_sums([x, y, dy], |[x, y, dy]| {
                    let g = flowing(dy, y);
                    [g, g * (x - m) * s]
                });
                (sum + s1 as f64, sum_xhat + s2 as f64)
            });
            (sum as f32, sum_xhat as f32)
        })
        .unzip();
    let count = layout.count() as f32;
    let write = |dx: &mut [MaybeUninit<f32>]| {
        dx.par_chunks_mut(layout.plane)
            .zip(saved.x.par_chunks(layout.plane).zip(saved.output.par_chunks(layout.plane)).zip(dy.par_chunks(layout.plane)))
            .enumerate()
            .for_each(|(i, (dx, ((x, y), dy)))| {
                let c = i % layout.channels;
                let (m, s, scale) = (saved.mean[c], inv_std[c], saved.gamma[c] * inv_std[c]);
                let (mean_dy, mean_dy_xhat) = (beta_grad[c] / count, gamma_grad[c] / count);
                for (dx, ((x, y), dy)) in dx.iter_mut().zip(x.iter().zip(y).zip(dy)) {
                    dx.write(scale * (flowing(*dy, *y) - mean_dy - (x - m) * s * mean_dy_xhat));
                }
            })
    };
    // SAFETY: the planes of `dx`, `x`, the output and `dy` pair up one to one, and each value of
    // `dx` is written.
    let dx = unsafe { written(dy.len(), write) };
    (dx, gamma_grad, beta_grad)
}
