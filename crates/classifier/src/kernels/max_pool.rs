//! 2 x 2 max-pooling with stride 2 over `[planes, height, width]` values (height and width even).
//! burn's `max_pool2d` computes each window's bounds with divisions and writes an i64 index per
//! output even at inference; here the forward pass keeps no indices and the backward pass finds
//! each window's maximum again in the input it already holds (4 reads per output, against 8
//! bytes per output written and read back). Ties go to the first maximum in row-major order and
//! a NaN wins, as in burn, so gradients land on the same input.

use rayon::prelude::*;

/// The index (0..4, row-major in the window) of the maximum among `w`.
fn argmax(w: [f32; 4]) -> usize {
    (1..4).fold(0, |best, i| if w[i] > w[best] || w[i].is_nan() { i } else { best })
}

/// Each output row with the two input rows its windows cover, over every plane.
fn row_pairs(x: &[f32], width: usize) -> impl IndexedParallelIterator<Item = (&[f32], &[f32])> {
    x.par_chunks(2 * width).map(move |rows| rows.split_at(width))
}

pub fn forward(x: &[f32], width: usize) -> Vec<f32> {
    let mut y = vec![0f32; x.len() / 4];
    y.par_chunks_mut(width / 2).zip(row_pairs(x, width)).for_each(|(y, (top, bottom))| {
        for ((y, t), b) in y.iter_mut().zip(top.chunks_exact(2)).zip(bottom.chunks_exact(2)) {
            let w = [t[0], t[1], b[0], b[1]];
            *y = w[argmax(w)];
        }
    });
    y
}

/// The input's gradient: each output's gradient goes to its window's maximum.
pub fn backward(x: &[f32], width: usize, dy: &[f32]) -> Vec<f32> {
    let mut dx = vec![0f32; x.len()];
    dx.par_chunks_mut(2 * width).zip(row_pairs(x, width)).zip(dy.par_chunks(width / 2)).for_each(|((dx, (top, bottom)), dy)| {
        let (dx_top, dx_bottom) = dx.split_at_mut(width);
        let windows = top.chunks_exact(2).zip(bottom.chunks_exact(2));
        let grads = dx_top.chunks_exact_mut(2).zip(dx_bottom.chunks_exact_mut(2));
        for (((t, b), (gt, gb)), dy) in windows.zip(grads).zip(dy) {
            match argmax([t[0], t[1], b[0], b[1]]) {
                0 => gt[0] = *dy,
                1 => gt[1] = *dy,
                2 => gb[0] = *dy,
                _ => gb[1] = *dy,
            }
        }
    });
    dx
}
