//! Input normalisation: per-mel-band mean and standard deviation of the training split's log-mel
//! slices, stored in the model so that inference normalises exactly as training did.

use genrespace_datasets::cache::SplitData;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NormStats {
    /// Per mel band, in dB.
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
}

impl NormStats {
    /// Statistics over every frame of every slice of `split` (streamed: constant memory).
    pub fn from_split(split: &SplitData) -> Self {
        let (n_mels, frames) = split.slice_shape();
        let mut sum = vec![0f64; n_mels];
        let mut sum_sq = vec![0f64; n_mels];
        let mut count = 0u64;
        for i in 0..split.tracks().len() {
            for slice in split.track_slices(i).chunks_exact(n_mels * frames) {
                for (m, band) in slice.chunks_exact(frames).enumerate() {
                    for &v in band {
                        sum[m] += v as f64;
                        sum_sq[m] += (v as f64) * (v as f64);
                    }
                }
                count += frames as u64;
            }
        }
        let n = count.max(1) as f64;
        let mean: Vec<f32> = sum.iter().map(|s| (s / n) as f32).collect();
        let std = sum_sq.iter().zip(&sum).map(|(sq, s)| ((sq / n - (s / n).powi(2)).max(0.0).sqrt() as f32).max(1e-3)).collect();
        Self { mean, std }
    }

    /// Normalise one slice `(n_mels, frames)` (row-major) in place.
    pub fn apply(&self, slice: &mut [f32], frames: usize) {
        for ((band, &m), &s) in slice.chunks_exact_mut(frames).zip(&self.mean).zip(&self.std) {
            let inv = 1.0 / s;
            band.iter_mut().for_each(|v| *v = (*v - m) * inv);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_standardises_each_band() {
        let stats = NormStats { mean: vec![-10.0, 5.0], std: vec![2.0, 0.5] };
        let mut slice = vec![-10.0, -8.0, 5.0, 4.0];
        stats.apply(&mut slice, 2);
        assert_eq!(slice, vec![0.0, 1.0, 0.0, -2.0]);
    }
}
