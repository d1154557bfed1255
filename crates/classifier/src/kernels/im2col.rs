//! im2col for the kernel gradient of a stride-1 convolution: for each batch item, one row per
//! (input channel, kernel row, kernel column) holding the input value each output position saw
//! through that kernel tap (0 in the padding). Hand-written because burn has no CPU im2col that
//! the backward pass can reach (its `unfold4d` runs a convolution with one-hot kernels, and a
//! permuted `unfold` view copies element by element, which measured slower than burn's own
//! backward pass); here each row is a few contiguous copies.

use rayon::prelude::*;

/// The shapes involved: input `[batch, channels, height, width]`, kernel `[kh, kw]`, the
/// `(begin, end)` padding of each axis and the output's `[oh, ow]`.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    pub input: [usize; 4],
    pub kernel: [usize; 2],
    pub padding: [(usize, usize); 2],
    pub output: [usize; 2],
}

/// `[batch, channels * kh * kw, oh * ow]` values.
pub fn im2col(x: &[f32], g: Geometry) -> Vec<f32> {
    let [_, _, h, w] = g.input;
    let [kh, kw] = g.kernel;
    let [oh, ow] = g.output;
    let (top, left) = (g.padding[0].0, g.padding[1].0);
    let mut col = vec![0f32; x.len() / (h * w) * kh * kw * oh * ow];
    col.par_chunks_mut(kh * kw * oh * ow).zip(x.par_chunks(h * w)).for_each(|(rows, plane)| {
        for (tap, row) in rows.chunks_mut(oh * ow).enumerate() {
            let (a, b) = (tap / kw, tap % kw);
            // Output columns whose input column j + b - left lies inside the plane.
            let (j0, j1) = (left.saturating_sub(b), (w + left).saturating_sub(b).min(ow));
            for i in 0..oh {
                let Some(src_row) = (i + a).checked_sub(top).filter(|&r| r < h) else { continue };
                if j0 < j1 {
                    let src = &plane[src_row * w + j0 + b - left..][..j1 - j0];
                    row[i * ow + j0..i * ow + j1].copy_from_slice(src);
                }
            }
        }
    });
    col
}
