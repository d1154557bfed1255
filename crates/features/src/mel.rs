//! Mel scale and mel filterbank, as `librosa.filters.mel`.

use ndarray::Array2;
use wide::f32x8;

use crate::config::{FeatureConfig, MelNorm, MelScale};

const F_SP: f64 = 200.0 / 3.0;
const MIN_LOG_HZ: f64 = 1000.0;
const MIN_LOG_MEL: f64 = MIN_LOG_HZ / F_SP;

fn log_step() -> f64 {
    6.4f64.ln() / 27.0
}

/// Hz to mels (`librosa.hz_to_mel`).
pub fn hz_to_mel(hz: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 2595.0 * (1.0 + hz / 700.0).log10(),
        MelScale::Slaney if hz >= MIN_LOG_HZ => MIN_LOG_MEL + (hz / MIN_LOG_HZ).ln() / log_step(),
        MelScale::Slaney => hz / F_SP,
    }
}

/// Mels to Hz (`librosa.mel_to_hz`).
pub fn mel_to_hz(mel: f64, scale: MelScale) -> f64 {
    match scale {
        MelScale::Htk => 700.0 * (10f64.powf(mel / 2595.0) - 1.0),
        MelScale::Slaney if mel >= MIN_LOG_MEL => MIN_LOG_HZ * (log_step() * (mel - MIN_LOG_MEL)).exp(),
        MelScale::Slaney => F_SP * mel,
    }
}

/// `n` frequencies evenly spaced in mels from `fmin` to `fmax` (`librosa.mel_frequencies`).
pub fn mel_frequencies(n: usize, fmin: f64, fmax: f64, scale: MelScale) -> Vec<f64> {
    let (lo, hi) = (hz_to_mel(fmin, scale), hz_to_mel(fmax, scale));
    let step = if n > 1 { (hi - lo) / (n - 1) as f64 } else { 0.0 };
    (0..n).map(|i| mel_to_hz(lo + step * i as f64, scale)).collect()
}

/// One triangular filter: its weights over the bins `start .. start + weights.len()`.
#[derive(Debug, Clone)]
struct Filter {
    start: usize,
    weights: Vec<f32>,
}

/// A mel filterbank stored sparsely: each filter keeps only its non-zero span, so projecting a
/// spectrum costs about two multiply-adds per FFT bin instead of `n_mels` per bin.
#[derive(Debug, Clone)]
pub struct MelFilterbank {
    n_bins: usize,
    filters: Vec<Filter>,
}

impl MelFilterbank {
    /// The filterbank for `config`, weight for weight what `librosa.filters.mel` builds.
    pub fn new(config: &FeatureConfig) -> Self {
        let n_bins = config.n_bins();
        let n_mels = config.n_mels;
        let sr = config.sample_rate as f64;
        let fft_freqs: Vec<f64> = (0..n_bins).map(|k| k as f64 * sr / config.n_fft as f64).collect();
        let mel_f = mel_frequencies(n_mels + 2, config.fmin as f64, config.fmax_hz() as f64, config.mel_scale);
        let filters = (0..n_mels)
            .map(|i| {
                let (f0, f1, f2) = (mel_f[i], mel_f[i + 1], mel_f[i + 2]);
                let norm = match config.mel_norm {
                    MelNorm::Slaney => 2.0 / (f2 - f0),
                    MelNorm::None => 1.0,
                };
                let dense: Vec<f32> = fft_freqs
                    .iter()
                    .map(|&f| {
                        let lower = (f - f0) / (f1 - f0);
                        let upper = (f2 - f) / (f2 - f1);
                        // librosa stores the triangle as float32, then scales it in place.
                        let w = lower.min(upper).max(0.0) as f32;
                        (w as f64 * norm) as f32
                    })
                    .collect();
                let start = dense.iter().position(|&w| w > 0.0).unwrap_or(0);
                let end = dense.iter().rposition(|&w| w > 0.0).map_or(start, |e| e + 1);
                Filter { start, weights: dense[start..end].to_vec() }
            })
            .collect();
        Self { n_bins, filters }
    }

    pub fn n_mels(&self) -> usize {
        self.filters.len()
    }

    /// `out[m] = sum_k weights[m][k] * spectrum[k]`.
    pub fn apply(&self, spectrum: &[f32], out: &mut [f32]) {
        debug_assert_eq!(spectrum.len(), self.n_bins);
        for (o, filter) in out.iter_mut().zip(&self.filters) {
            *o = dot(&spectrum[filter.start..filter.start + filter.weights.len()], &filter.weights);
        }
    }

    /// The dense `(n_mels, n_fft / 2 + 1)` weight matrix, as librosa returns it.
    pub fn to_dense(&self) -> Array2<f32> {
        let mut dense = Array2::zeros((self.filters.len(), self.n_bins));
        for (m, filter) in self.filters.iter().enumerate() {
            for (j, w) in filter.weights.iter().enumerate() {
                dense[[m, filter.start + j]] = *w;
            }
        }
        dense
    }
}

/// `sum_k a[k] * b[k]` with eight running sums. One running sum (what `Iterator::sum` keeps, as
/// float addition is not associative) waits on every addition: a band spans up to ~60 bins and
/// the bands of every frame took more time than its FFT.
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let ((a8, a_rest), (b8, b_rest)) = (a.as_chunks::<8>(), b.as_chunks::<8>());
    let mut sums = f32x8::ZERO;
    for (x, y) in a8.iter().zip(b8) {
        sums += f32x8::from(*x) * f32x8::from(*y);
    }
    sums.reduce_add() + a_rest.iter().zip(b_rest).map(|(x, y)| x * y).sum::<f32>()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_invert_and_agree_with_known_points() {
        for scale in [MelScale::Slaney, MelScale::Htk] {
            for hz in [0.0, 100.0, 999.0, 1000.0, 4000.0, 11025.0] {
                assert!((mel_to_hz(hz_to_mel(hz, scale), scale) - hz).abs() < 1e-6);
            }
        }
        assert!((hz_to_mel(1000.0, MelScale::Slaney) - 15.0).abs() < 1e-12);
        assert!((hz_to_mel(1000.0, MelScale::Htk) - 999.9856).abs() < 1e-3);
    }

    #[test]
    fn slaney_filters_have_unit_area_in_hz() {
        let config = FeatureConfig::default();
        let fb = MelFilterbank::new(&config).to_dense();
        let df = config.sample_rate as f64 / config.n_fft as f64;
        // Wide filters (high bands) are well sampled by the FFT grid: area = sum * df ~ 1.
        for m in 60..128 {
            let area: f64 = fb.row(m).iter().map(|&w| w as f64).sum::<f64>() * df;
            assert!((area - 1.0).abs() < 0.05, "filter {m} area {area}");
        }
    }
}
