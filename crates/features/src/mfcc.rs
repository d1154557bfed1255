//! MFCC from a log-mel spectrogram, as `librosa.feature.mfcc` (DCT-II, orthonormal).

use ndarray::{Array1, Array2};

/// The orthonormal DCT-II matrix, rows `0..n_out` of the `n_in`-point transform
/// (`scipy.fft.dct(x, type=2, norm='ortho')[:n_out]`).
pub fn dct_ortho(n_out: usize, n_in: usize) -> Array2<f32> {
    let n = n_in as f64;
    Array2::from_shape_fn((n_out, n_in), |(k, i)| {
        let scale = if k == 0 { (1.0 / n).sqrt() } else { (2.0 / n).sqrt() };
        (scale * (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * n)).cos()) as f32
    })
}

/// librosa's lifter weights `1 + (L/2) sin(pi (k+1) / L)` for `k = 0..n`; all ones when `L = 0`.
pub fn lifter_weights(n: usize, lifter: f32) -> Array1<f32> {
    if lifter <= 0.0 {
        return Array1::ones(n);
    }
    let l = lifter as f64;
    Array1::from_shape_fn(n, |k| (1.0 + l / 2.0 * (std::f64::consts::PI * (k + 1) as f64 / l).sin()) as f32)
}

/// A precomputed MFCC transform: DCT rows already scaled by the lifter.
#[derive(Debug, Clone)]
pub struct Mfcc {
    basis: Array2<f32>,
}

impl Mfcc {
    pub fn new(n_mfcc: usize, n_mels: usize, lifter: f32) -> Self {
        let weights = lifter_weights(n_mfcc, lifter);
        let mut basis = dct_ortho(n_mfcc, n_mels);
        for (mut row, w) in basis.rows_mut().into_iter().zip(weights.iter()) {
            row *= *w;
        }
        Self { basis }
    }

    /// MFCCs `(n_mfcc, n_frames)` of a log-mel spectrogram in dB `(n_mels, n_frames)`.
    pub fn apply(&self, log_mel_db: &Array2<f32>) -> Array2<f32> {
        self.basis.dot(log_mel_db)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dct_is_orthonormal() {
        let d = dct_ortho(16, 16);
        let eye = d.dot(&d.t());
        for ((i, j), v) in eye.indexed_iter() {
            let expected = if i == j { 1.0 } else { 0.0 };
            assert!((v - expected).abs() < 1e-5, "({i},{j}) = {v}");
        }
    }

    #[test]
    fn constant_log_mel_has_only_c0() {
        let m = Mfcc::new(20, 128, 0.0).apply(&Array2::from_elem((128, 5), -20.0));
        assert!((m[[0, 0]] - (-20.0 * (128f32).sqrt())).abs() < 1e-3);
        assert!(m.slice(ndarray::s![1.., ..]).iter().all(|v| v.abs() < 1e-3));
    }
}
