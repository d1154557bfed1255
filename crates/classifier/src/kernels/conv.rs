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

use rayon::prelude::*;

use super::im2col::{col2im, im2col, Geometry};
use super::matmul::{matmul, Matrix};

/// One batch item's im2col, reused by the items one thread runs.
fn col_buffer(g: &Geometry) -> Vec<f32> {
    vec![0f32; g.taps() * g.positions()]
}

/// The output `[batch, c_out, oh, ow]` of input `x` and kernel `weight` (`[c_out, c_in, kh, kw]`).
pub fn forward(x: &[f32], weight: &[f32], g: &Geometry) -> Vec<f32> {
    let (taps, positions) = (g.taps(), g.positions());
    let c_out = weight.len() / taps;
    let w = Matrix::new(weight, c_out, taps);
    let mut y = vec![0f32; g.input[0] * c_out * positions];
    y.par_chunks_mut(c_out * positions).zip(x.par_chunks(g.item_len())).for_each_init(
        || col_buffer(g),
        |col, (y, x)| {
            im2col(x, g, col);
            matmul(y, w, Matrix::new(col, taps, positions), false);
        },
    );
    y
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

/// The kernel's gradient `[c_out, c_in, kh, kw]` given the input and the output's gradient:
/// each thread accumulates its items' products, then the threads' sums are added.
pub fn weight_grad(x: &[f32], dy: &[f32], g: &Geometry) -> Vec<f32> {
    let (taps, positions) = (g.taps(), g.positions());
    let c_out = dy.len() / (g.input[0] * positions);
    let sum = |mut a: Vec<f32>, b: Vec<f32>| {
        a.iter_mut().zip(b).for_each(|(a, b)| *a += b);
        a
    };
    x.par_chunks(g.item_len())
        .zip(dy.par_chunks(c_out * positions))
        .fold(
            || (vec![0f32; c_out * taps], col_buffer(g)),
            |(mut dw, mut col), (x, dy)| {
                im2col(x, g, &mut col);
                matmul(&mut dw, Matrix::new(dy, c_out, positions), Matrix::new(&col, taps, positions).t(), true);
                (dw, col)
            },
        )
        .map(|(dw, _)| dw)
        .reduce(|| vec![0f32; c_out * taps], sum)
}
