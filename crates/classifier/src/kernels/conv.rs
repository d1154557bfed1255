//! Stride-1 convolution (no dilation or groups) as im2col + one matrix product per batch item,
//! forward and backward. Items run in parallel, one thread each, and an item's im2col stays
//! in a per-thread buffer (musicnn's 7 x 38 timbral filters read 266 values per output: a
//! whole batch's im2col would be 375 MB).
//!
//! Per item, with `W` the kernel as `[c_out, taps]` and `X` the item's im2col `[taps, positions]`:
//! output `W X`; kernel gradient `sum over items dY X^T`; input gradient `col2im(W^T dY)`.
//! burn-flex's forward convolution is also im2col + gemm, but fills its im2col tile by tile
//! element by element and converts the input to channels-last first; its backward passes are a
//! transposed convolution and a convolution whose kernel is the whole output gradient.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::buffer::written;
use super::im2col::{col2im, im2col, Geometry};
use super::matmul::{matmul, matmul_into, Matrix};

/// One batch item's im2col, reused by the items one thread runs.
fn col_buffer(g: &Geometry) -> Vec<f32> {
    vec![0f32; g.taps() * g.positions()]
}

/// The output `[batch, c_out, oh, ow]` of input `x` and kernel `weight` (`[c_out, c_in, kh, kw]`).
pub fn forward(x: &[f32], weight: &[f32], g: &Geometry) -> Vec<f32> {
    let (taps, positions) = (g.taps(), g.positions());
    let c_out = weight.len() / taps;
    let w = Matrix::new(weight, c_out, taps);
    let write = |y: &mut [MaybeUninit<f32>]| {
        y.par_chunks_mut(c_out * positions).zip(x.par_chunks(g.item_len())).for_each_init(
            || col_buffer(g),
            |col, (y, x)| {
                im2col(x, g, col);
                matmul_into(y, w, Matrix::new(col, taps, positions));
            },
        )
    };
    // SAFETY: each item's output is one chunk, and the product writes all of it.
    unsafe { written(g.input[0] * c_out * positions, write) }
}

/// The input's gradient `[batch, c_in, h, w]` given the output's gradient `dy`.
pub fn input_grad(weight: &[f32], dy: &[f32], g: &Geometry) -> Vec<f32> {
    let (taps, positions) = (g.taps(), g.positions());
    let c_out = weight.len() / taps;
    let w_t = Matrix::new(weight, c_out, taps).t();
    let mut dx = vec![0f32; g.input[0] * g.item_len()];
    dx.par_chunks_mut(g.item_len()).zip(dy.par_chunks(c_out * positions)).for_each_init(
        || col_buffer(g),
        |col, (dx, dy)| {
            matmul(col, w_t, Matrix::new(dy, c_out, positions), false);
            col2im(col, g, dx);
        },
    );
    dx
}

/// Batch items whose kernel gradients one task sums; the tasks' sums are then added in order,
/// so the result does not depend on how rayon shares the work (seeded training stays
/// reproducible to the bit).
const ITEMS_PER_SUM: usize = 4;

/// The kernel's gradient `[c_out, c_in, kh, kw]` given the input and the output's gradient.
pub fn weight_grad(x: &[f32], dy: &[f32], g: &Geometry) -> Vec<f32> {
    let (taps, positions) = (g.taps(), g.positions());
    let c_out = dy.len() / (g.input[0] * positions);
    let partial_sums: Vec<Vec<f32>> = x
        .par_chunks(ITEMS_PER_SUM * g.item_len())
        .zip(dy.par_chunks(ITEMS_PER_SUM * c_out * positions))
        .map_init(
            || col_buffer(g),
            |col, (x, dy)| {
                let mut dw = vec![0f32; c_out * taps];
                for (x, dy) in x.chunks(g.item_len()).zip(dy.chunks(c_out * positions)) {
                    im2col(x, g, col);
                    matmul(&mut dw, Matrix::new(dy, c_out, positions), Matrix::new(col, taps, positions).t(), true);
                }
                dw
            },
        )
        .collect();
    partial_sums
        .into_iter()
        .reduce(|mut a, b| {
            a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
            a
        })
        .unwrap_or_else(|| vec![0f32; c_out * taps])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Where position `(r, s)` of item `n`'s padded channel `c` lies in the input; `None` in the
    /// padding.
    fn source(g: &Geometry, n: usize, c: usize, r: usize, s: usize) -> Option<usize> {
        let [_, channels, h, w] = g.input;
        let r = r.checked_sub(g.padding[0].0).filter(|&r| r < h)?;
        let s = s.checked_sub(g.padding[1].0).filter(|&s| s < w)?;
        Some(((n * channels + c) * h + r) * w + s)
    }

    /// The three results by their definitions, one multiply-add at a time: `(y, dx, dw)`.
    fn by_definition(x: &[f32], weight: &[f32], dy: &[f32], g: &Geometry, c_out: usize) -> (Vec<f32>, Vec<f32>, Vec<f32>) {
        let [batch, c_in, _, _] = g.input;
        let ([kh, kw], [oh, ow]) = (g.kernel, g.output);
        let (mut y, mut dx, mut dw) = (vec![0f32; batch * c_out * oh * ow], vec![0f32; x.len()], vec![0f32; weight.len()]);
        for (n, o, i, j) in product4(batch, c_out, oh, ow) {
            let out = ((n * c_out + o) * oh + i) * ow + j;
            for (c, a, b) in product4(c_in, kh, kw, 1).map(|(c, a, b, _)| (c, a, b)) {
                let k = ((o * c_in + c) * kh + a) * kw + b;
                if let Some(at) = source(g, n, c, i + a, j + b) {
                    y[out] += weight[k] * x[at];
                    dw[k] += dy[out] * x[at];
                    dx[at] += weight[k] * dy[out];
                }
            }
        }
        (y, dx, dw)
    }

    /// All `(a, b, c, d)` below the given bounds, in row-major order.
    fn product4(a: usize, b: usize, c: usize, d: usize) -> impl Iterator<Item = (usize, usize, usize, usize)> {
        (0..a * b * c * d).map(move |e| (e / (b * c * d), e / (c * d) % b, e / d % c, e % d))
    }

    /// Forward, input and kernel gradients against their definitions, on more items than one task
    /// sums, on all threads and on one.
    #[test]
    fn forward_and_gradients_follow_the_definitions() {
        let g = Geometry { input: [9, 2, 5, 6], kernel: [3, 2], padding: [(1, 2), (0, 1)], output: [6, 6] };
        let c_out = 3;
        let wave = |len: usize, k: f32| (0..len).map(|i| ((i as f32 * k).sin() * 2.0).round() / 2.0).collect::<Vec<f32>>();
        let x = wave(9 * 2 * 5 * 6, 0.37);
        let weight = wave(c_out * 2 * 3 * 2, 1.3);
        let dy = wave(9 * c_out * 6 * 6, 0.71);
        let (y, dx, dw) = by_definition(&x, &weight, &dy, &g, c_out);
        let close = |what: &str, got: Vec<f32>, want: &[f32]| {
            let worst = got.iter().zip(want).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            assert!(worst <= 1e-4, "{what}: differs by {worst}");
        };
        let one_thread = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("a thread pool");
        for (pool, threads) in [(None, "all threads"), (Some(&one_thread), "one thread")] {
            let run = |f: &(dyn Fn() -> Vec<f32> + Sync)| match pool {
                Some(pool) => pool.install(f),
                None => f(),
            };
            close(&format!("output, {threads}"), run(&|| forward(&x, &weight, &g)), &y);
            close(&format!("input gradient, {threads}"), run(&|| input_grad(&weight, &dy, &g)), &dx);
            close(&format!("kernel gradient, {threads}"), run(&|| weight_grad(&x, &dy, &g)), &dw);
        }
    }
}
