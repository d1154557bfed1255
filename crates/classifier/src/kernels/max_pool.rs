//! 2 x 2 max-pooling with stride 2 over `[planes, height, width]` values (height and width even).
//! burn's `max_pool2d` computes each window's bounds with divisions and writes an i64 index per
//! output even at inference; here the forward pass keeps no indices and the backward pass finds
//! each window's maximum again in the input it already holds (4 reads per output, against 8
//! bytes per output written and read back). Ties go to the first maximum in row-major order and
//! a NaN wins, as in burn, so gradients land on the same input.
//!
//! Both passes are branch-free (comparisons become masks and selects) so that the compiler
//! vectorizes them: with a `match` on each window's winner, the backward pass mispredicted about
//! every other window on real activations and pooling was a fifth of a training step.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::buffer::written;

/// Whether `b` beats `a` for the maximum: strictly greater, or NaN (a later NaN wins, as in
/// burn's scan of the window).
#[inline(always)]
fn beats(b: f32, a: f32) -> bool {
    b > a || b.is_nan()
}

/// The winner of a 2 x 2 window `[top left, top right, bottom left, bottom right]` as the
/// tournament `(right beats left on top, right beats left at the bottom, bottom pair beats
/// top pair)`, and its value. The tournament picks the same input as scanning the window in
/// row-major order and keeping the first maximum (or the last NaN).
#[inline(always)]
fn tournament(w: [f32; 4]) -> ([bool; 3], f32) {
    let (top_right, bottom_right) = (beats(w[1], w[0]), beats(w[3], w[2]));
    let top = if top_right { w[1] } else { w[0] };
    let bottom = if bottom_right { w[3] } else { w[2] };
    let lower = beats(bottom, top);
    ([top_right, bottom_right, lower], if lower { bottom } else { top })
}

/// Each output row with the two input rows its windows cover, over every plane.
fn row_pairs(x: &[f32], width: usize) -> impl IndexedParallelIterator<Item = (&[f32], &[f32])> {
    x.par_chunks(2 * width).map(move |rows| rows.split_at(width))
}

pub fn forward(x: &[f32], width: usize) -> Vec<f32> {
    let write = |y: &mut [MaybeUninit<f32>]| {
        y.par_chunks_mut(width / 2).zip(row_pairs(x, width)).for_each(|(y, (top, bottom))| {
            let (top, bottom) = (&top[..2 * y.len()], &bottom[..2 * y.len()]);
            for (k, y) in y.iter_mut().enumerate() {
                y.write(tournament([top[2 * k], top[2 * k + 1], bottom[2 * k], bottom[2 * k + 1]]).1);
            }
        })
    };
    // SAFETY: every output row is one chunk, and every value of each row is written.
    unsafe { written(x.len() / 4, write) }
}

/// The input's gradient: each output's gradient goes to its window's maximum, every other input
/// gets 0 (all four written).
pub fn backward(x: &[f32], width: usize, dy: &[f32]) -> Vec<f32> {
    let write = |dx: &mut [MaybeUninit<f32>]| {
        dx.par_chunks_mut(2 * width).zip(row_pairs(x, width)).zip(dy.par_chunks(width / 2)).for_each(|((dx, (top, bottom)), dy)| {
            let (dx_top, dx_bottom) = dx.split_at_mut(width);
            let n = dy.len();
            let (top, bottom, dx_top, dx_bottom) = (&top[..2 * n], &bottom[..2 * n], &mut dx_top[..2 * n], &mut dx_bottom[..2 * n]);
            for (k, &dy) in dy.iter().enumerate() {
                let ([top_right, bottom_right, lower], _) = tournament([top[2 * k], top[2 * k + 1], bottom[2 * k], bottom[2 * k + 1]]);
                let to = |wins: bool| if wins { dy } else { 0.0 };
                dx_top[2 * k].write(to(!lower && !top_right));
                dx_top[2 * k + 1].write(to(!lower && top_right));
                dx_bottom[2 * k].write(to(lower && !bottom_right));
                dx_bottom[2 * k + 1].write(to(lower && bottom_right));
            }
        })
    };
    // SAFETY: every pair of input rows is one chunk (even height), and each of its windows
    // writes its four values (even width, so the windows cover the rows).
    unsafe { written(x.len(), write) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The window's winner as burn scans it: row-major, strictly greater or NaN replaces.
    fn scanned(w: [f32; 4]) -> usize {
        (1..4).fold(0, |best, i| if beats(w[i], w[best]) { i } else { best })
    }

    /// Every window over {NaN, -1, 0, 1} (ties, several NaNs): the tournament's winner (read back
    /// from where the backward pass sends the gradient) and value are the scan's.
    #[test]
    fn tournament_picks_the_scanned_winner_in_every_window() {
        let values = [f32::NAN, -1.0, 0.0, 1.0];
        for code in 0..values.len().pow(4) {
            let w: [f32; 4] = std::array::from_fn(|i| values[code / values.len().pow(i as u32) % values.len()]);
            let x = [w[0], w[1], w[2], w[3]];
            let dx = backward(&x, 2, &[1.0]);
            let winner = dx.iter().position(|g| *g == 1.0).expect("one input gets the gradient");
            assert_eq!(dx.iter().filter(|g| **g != 0.0).count(), 1, "{w:?}");
            assert_eq!(winner, scanned(w), "window {w:?}");
            let y = forward(&x, 2)[0];
            assert!(y == w[scanned(w)] || (y.is_nan() && w[scanned(w)].is_nan()), "window {w:?}: {y}");
        }
    }
}
