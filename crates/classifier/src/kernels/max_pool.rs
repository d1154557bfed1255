//! Max-pooling over `[planes, height, width]` values with windows that tile the input: stride
//! equal to the window, height and width multiples of it (the CNN's 2 x 2, the CRNN's 4 x 2 and
//! 4 x 1). burn's `max_pool2d` computes each window's bounds with divisions and writes an i64
//! index per output even at inference, and its backward pass adds each gradient into a zeroed
//! buffer, whose pages the OS first maps to the shared zero page and then copies on the first
//! write (`perf`: 17.6 % of a CRNN training step in the TLB shootdowns of those copies alone).
//! Here the forward pass keeps no indices, and the backward pass finds each window's maximum
//! again in the input it already holds and writes every input gradient once. Ties go to the
//! first maximum in row-major order and a NaN wins, as in burn, so gradients land on the same
//! input.
//!
//! Both passes are branch-free (comparisons become selects) so that the compiler vectorizes
//! them: 2 x 2 windows by a three-comparison tournament per window, other windows by a scan
//! along each output row, one window tap at a time (the scan ran the CNN's 2 x 2 pools slower:
//! 139–152 → 111–130 samples/s training). With a `match` on each window's winner, the backward
//! pass mispredicted about every other window on real activations and pooling was a fifth of a
//! training step of the CNN.

use std::mem::MaybeUninit;

use rayon::prelude::*;

use super::buffer::written;

/// A window `[rows, columns]`; its stride is the same.
pub type Window = [usize; 2];

/// Whether `v` beats `best` for the maximum: strictly greater, or NaN (a later NaN wins, as in
/// burn's scan of the window).
#[inline(always)]
fn beats(v: f32, best: f32) -> bool {
    v > best || v.is_nan()
}

/// The maximum of each window.
pub fn forward(x: &[f32], width: usize, window: Window) -> Vec<f32> {
    match window {
        [2, 2] => forward_2x2(x, width),
        _ => forward_any(x, width, window),
    }
}

/// The input's gradient: each output's gradient goes to its window's maximum, every other input
/// gets 0.
pub fn backward(x: &[f32], width: usize, window: Window, dy: &[f32]) -> Vec<f32> {
    match window {
        [2, 2] => backward_2x2(x, width, dy),
        _ => backward_any(x, width, window, dy),
    }
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

/// [`forward`] of 2 x 2 windows.
fn forward_2x2(x: &[f32], width: usize) -> Vec<f32> {
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

/// [`backward`] of 2 x 2 windows (all four inputs of each written).
fn backward_2x2(x: &[f32], width: usize, dy: &[f32]) -> Vec<f32> {
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

/// Each window's maximum along one output row (`rows`: the window's input rows of `width`
/// values) into `best`, and in `tap` where it lies in the window (row-major). Scans the taps in
/// row-major order keeping the first maximum, as burn does; starting from -inf at tap 0 keeps a
/// window of -infs at its first tap.
fn scan(rows: &[f32], width: usize, [kh, kw]: Window, best: &mut [f32], tap: &mut [u32]) {
    best.fill(f32::NEG_INFINITY);
    tap.fill(0);
    for (a, row) in rows.chunks_exact(width).take(kh).enumerate() {
        for b in 0..kw {
            let here = (a * kw + b) as u32;
            for ((best, tap), window) in best.iter_mut().zip(tap.iter_mut()).zip(row.chunks_exact(kw)) {
                let v = window[b];
                let wins = beats(v, *best);
                *best = if wins { v } else { *best };
                *tap = if wins { here } else { *tap };
            }
        }
    }
}

/// A thread's scratch for [`scan`]: maxima and taps of one output row.
fn scratch(outputs: usize) -> (Vec<f32>, Vec<u32>) {
    (vec![0.0; outputs], vec![0; outputs])
}

/// [`forward`] of any window, by [`scan`].
fn forward_any(x: &[f32], width: usize, window: Window) -> Vec<f32> {
    let [kh, kw] = window;
    let ow = width / kw;
    let write = |y: &mut [MaybeUninit<f32>]| {
        y.par_chunks_mut(ow).zip(x.par_chunks(kh * width)).for_each_init(
            || scratch(ow),
            |(best, tap), (y, rows)| {
                scan(rows, width, window, best, tap);
                y.iter_mut().zip(best.iter()).for_each(|(y, &v)| {
                    y.write(v);
                });
            },
        )
    };
    // SAFETY: every output row is one chunk, and every value of each row is written.
    unsafe { written(x.len() / (kh * kw), write) }
}

/// [`backward`] of any window, by [`scan`] (every input written once).
fn backward_any(x: &[f32], width: usize, window: Window, dy: &[f32]) -> Vec<f32> {
    let [kh, kw] = window;
    let ow = width / kw;
    let write = |dx: &mut [MaybeUninit<f32>]| {
        dx.par_chunks_mut(kh * width).zip(x.par_chunks(kh * width)).zip(dy.par_chunks(ow)).for_each_init(
            || scratch(ow),
            |(best, tap), ((dx, rows), dy)| {
                scan(rows, width, window, best, tap);
                for (a, dx) in dx.chunks_exact_mut(width).enumerate() {
                    for ((dx, &tap), &dy) in dx.chunks_exact_mut(kw).zip(tap.iter()).zip(dy) {
                        for (b, dx) in dx.iter_mut().enumerate() {
                            dx.write(if tap == (a * kw + b) as u32 { dy } else { 0.0 });
                        }
                    }
                }
            },
        )
    };
    // SAFETY: every `kh` input rows are one chunk (the height is a multiple of `kh`), and each of
    // their windows writes all its values (the width is a multiple of `kw`).
    unsafe { written(x.len(), write) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The winner of a window as burn scans it: row-major, strictly greater or NaN replaces.
    fn scanned(w: &[f32]) -> usize {
        (1..w.len()).fold(0, |best, i| if beats(w[i], w[best]) { i } else { best })
    }

    /// Every 2 x 2 and 1 x 3 window over {NaN, -inf, -1, 0, 1} (ties, several NaNs, all -inf):
    /// the winner (read back from where the backward pass sends the gradient) and the value are
    /// the scan's.
    #[test]
    fn the_window_maximum_is_the_scanned_one_in_every_window() {
        let values = [f32::NAN, f32::NEG_INFINITY, -1.0, 0.0, 1.0];
        for (window, width) in [([2, 2], 2), ([1, 3], 3), ([3, 1], 1)] {
            let taps = window[0] * window[1];
            for code in 0..values.len().pow(taps as u32) {
                let x: Vec<f32> = (0..taps).map(|i| values[code / values.len().pow(i as u32) % values.len()]).collect();
                let dx = backward(&x, width, window, &[1.0]);
                let winner = dx.iter().position(|g| *g == 1.0).expect("one input gets the gradient");
                assert_eq!(dx.iter().filter(|g| **g != 0.0).count(), 1, "{window:?} {x:?}");
                assert_eq!(winner, scanned(&x), "{window:?} {x:?}");
                let y = forward(&x, width, window)[0];
                assert!(y == x[winner] || (y.is_nan() && x[winner].is_nan()), "{window:?} {x:?}: {y}");
            }
        }
    }
}
