//! Short-time Fourier transform with librosa's framing (`center=True`, zero padding).

use std::sync::Arc;

use ndarray::Array2;
use realfft::num_complex::Complex32;
use realfft::{RealFftPlanner, RealToComplex};

/// A reusable STFT for one `n_fft`/`hop`: FFT plan and Hann window computed once.
///
/// Framing is librosa's: the signal is padded with `n_fft / 2` zeros on each side and frame `t`
/// covers padded samples `t * hop .. t * hop + n_fft`, giving `1 + len / hop` frames.
#[derive(Clone)]
pub struct Stft {
    n_fft: usize,
    hop: usize,
    window: Vec<f32>,
    fft: Arc<dyn RealToComplex<f32>>,
}

impl std::fmt::Debug for Stft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stft").field("n_fft", &self.n_fft).field("hop", &self.hop).finish()
    }
}

/// The periodic Hann window (`scipy.signal.get_window('hann', n, fftbins=True)`), as librosa uses.
pub fn hann_periodic(n: usize) -> Vec<f32> {
    (0..n).map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos()) as f32).collect()
}

impl Stft {
    pub fn new(n_fft: usize, hop: usize) -> Self {
        let fft = RealFftPlanner::<f32>::new().plan_fft_forward(n_fft);
        Self { n_fft, hop, window: hann_periodic(n_fft), fft }
    }

    pub fn n_fft(&self) -> usize {
        self.n_fft
    }

    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Number of frames for a signal of `len` samples (librosa: `1 + len // hop`).
    pub fn n_frames(&self, len: usize) -> usize {
        let pad = self.n_fft / 2;
        1 + (len + 2 * pad - self.n_fft) / self.hop
    }

    /// Call `f(t, power)` for every frame `t`, where `power[k] = |X_t[k]|^2`.
    ///
    /// Streaming frame by frame lets callers project each spectrum onto mel bands at once, so a
    /// whole-song power spectrogram (1025 bins x frames) never has to exist in memory.
    pub fn for_each_power_frame(&self, samples: &[f32], mut f: impl FnMut(usize, &[f32])) {
        let n = self.n_fft;
        let pad = n / 2;
        let mut frame = vec![0.0f32; n];
        let mut spectrum = vec![Complex32::default(); self.n_bins()];
        let mut scratch = vec![Complex32::default(); self.fft.get_scratch_len()];
        let mut power = vec![0.0f32; self.n_bins()];
        for t in 0..self.n_frames(samples.len()) {
            // Frame t starts at padded index t*hop, i.e. signal index t*hop - pad.
            let start = (t * self.hop) as isize - pad as isize;
            if start >= 0 && start as usize + n <= samples.len() {
                // Interior frame: a straight multiply the compiler vectorises.
                let src = &samples[start as usize..start as usize + n];
                for ((out, s), w) in frame.iter_mut().zip(src).zip(&self.window) {
                    *out = s * w;
                }
            } else {
                // Edge frame: the parts outside the signal are librosa's zero padding.
                for (i, (out, w)) in frame.iter_mut().zip(&self.window).enumerate() {
                    let idx = start + i as isize;
                    *out = if idx >= 0 && (idx as usize) < samples.len() { samples[idx as usize] * w } else { 0.0 };
                }
            }
            self.fft.process_with_scratch(&mut frame, &mut spectrum, &mut scratch).expect("buffer sizes come from the plan");
            for (p, c) in power.iter_mut().zip(&spectrum) {
                *p = c.re * c.re + c.im * c.im;
            }
            f(t, &power);
        }
    }

    /// The power spectrogram `|STFT|^2`, shape `(n_fft / 2 + 1, n_frames)` as librosa returns it.
    pub fn power(&self, samples: &[f32]) -> Array2<f32> {
        let n_frames = self.n_frames(samples.len());
        let mut out = Array2::<f32>::zeros((self.n_bins(), n_frames));
        self.for_each_power_frame(samples, |t, p| {
            out.column_mut(t).iter_mut().zip(p).for_each(|(o, v)| *o = *v);
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_count_matches_librosa() {
        let stft = Stft::new(2048, 512);
        for (len, frames) in [(1, 1), (511, 1), (512, 2), (22050, 44), (661_500, 1292)] {
            assert_eq!(stft.n_frames(len), frames, "len {len}");
            assert_eq!(stft.power(&vec![0.1; len]).ncols(), frames);
        }
    }

    #[test]
    fn a_bin_centred_sine_peaks_in_its_bin_with_hann_energy() {
        // 32 cycles per 2048 samples -> bin 32. A Hann-windowed unit sine has |X[k]| = n/4.
        let n = 2048;
        let x: Vec<f32> = (0..8192).map(|i| (2.0 * std::f32::consts::PI * 32.0 * i as f32 / n as f32).sin()).collect();
        let p = Stft::new(n, 512).power(&x);
        let col = p.column(8);
        let peak = col.iter().cloned().enumerate().max_by(|a, b| a.1.total_cmp(&b.1)).unwrap();
        assert_eq!(peak.0, 32);
        let expected = (n as f32 / 4.0).powi(2);
        assert!((peak.1 / expected - 1.0).abs() < 1e-3, "{} vs {}", peak.1, expected);
    }
}
