//! python_speech_features' `mfcc()` (v0.6), reproduced exactly.
//!
//! The MFCC+DTW recommender genrespace grew from computed its features with
//! `python_speech_features.mfcc(signal, rate)`. Its conventions differ from librosa's in almost
//! every step (pre-emphasis, rectangular 25 ms frames without centring, FFT size 512 that
//! truncates longer frames, HTK-style filters on rounded FFT bins, natural log, a 0-based lifter,
//! log energy in place of c0), so it gets its own implementation rather than a librosa config.

use ndarray::Array2;
use realfft::num_complex::Complex64;
use realfft::RealFftPlanner;
use serde::{Deserialize, Serialize};

/// Parameters of `python_speech_features.mfcc`, defaults as in the library.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PsfConfig {
    pub winlen_s: f64,
    pub winstep_s: f64,
    pub numcep: usize,
    pub nfilt: usize,
    pub nfft: usize,
    pub lowfreq: f64,
    /// `None` means `samplerate / 2`.
    pub highfreq: Option<f64>,
    pub preemph: f64,
    pub ceplifter: f64,
    /// Replace c0 with the log of the frame's total energy.
    pub append_energy: bool,
}

impl Default for PsfConfig {
    fn default() -> Self {
        Self {
            winlen_s: 0.025,
            winstep_s: 0.01,
            numcep: 13,
            nfilt: 26,
            nfft: 512,
            lowfreq: 0.0,
            highfreq: None,
            preemph: 0.97,
            ceplifter: 22.0,
            append_energy: true,
        }
    }
}

fn round_half_up(x: f64) -> usize {
    (x + 0.5).floor() as usize
}

fn hz2mel(hz: f64) -> f64 {
    2595.0 * (1.0 + hz / 700.0).log10()
}

fn mel2hz(mel: f64) -> f64 {
    700.0 * (10f64.powf(mel / 2595.0) - 1.0)
}

/// psf's filterbank: triangles between FFT bins `floor((nfft + 1) * hz / samplerate)`.
fn filterbank(cfg: &PsfConfig, samplerate: f64) -> Vec<Vec<f64>> {
    let high = cfg.highfreq.unwrap_or(samplerate / 2.0);
    let (lo_mel, hi_mel) = (hz2mel(cfg.lowfreq), hz2mel(high));
    let n = cfg.nfilt + 2;
    let bins: Vec<f64> =
        (0..n).map(|i| lo_mel + (hi_mel - lo_mel) * i as f64 / (n - 1) as f64).map(|m| ((cfg.nfft + 1) as f64 * mel2hz(m) / samplerate).floor()).collect();
    let n_bins = cfg.nfft / 2 + 1;
    (0..cfg.nfilt)
        .map(|j| {
            let mut row = vec![0.0; n_bins];
            let (b0, b1, b2) = (bins[j], bins[j + 1], bins[j + 2]);
            for i in (b0 as usize)..(b1 as usize) {
                row[i] = (i as f64 - b0) / (b1 - b0);
            }
            for i in (b1 as usize)..(b2 as usize) {
                row[i] = (b2 - i as f64) / (b2 - b1);
            }
            row
        })
        .collect()
}

/// `python_speech_features.mfcc(signal, samplerate, ...)`, shape `(numcep, n_frames)` (the
/// library returns the transpose). Computed in f64, as numpy does.
pub fn mfcc(signal: &[f32], samplerate: u32, cfg: &PsfConfig) -> Array2<f32> {
    let sr = samplerate as f64;
    let eps = f64::EPSILON;
    // Pre-emphasis: y[0] = x[0], y[n] = x[n] - a x[n-1].
    let emph: Vec<f64> = (0..signal.len()).map(|i| if i == 0 { signal[0] as f64 } else { signal[i] as f64 - cfg.preemph * signal[i - 1] as f64 }).collect();
    let frame_len = round_half_up(cfg.winlen_s * sr);
    let frame_step = round_half_up(cfg.winstep_s * sr).max(1);
    let n_frames = if emph.len() <= frame_len { 1 } else { 1 + ((emph.len() - frame_len) as f64 / frame_step as f64).ceil() as usize };
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(cfg.nfft);
    let mut input = vec![0.0f64; cfg.nfft];
    let mut spectrum = vec![Complex64::default(); cfg.nfft / 2 + 1];
    let fbank = filterbank(cfg, sr);
    let lift: Vec<f64> = (0..cfg.numcep)
        .map(|k| if cfg.ceplifter > 0.0 { 1.0 + cfg.ceplifter / 2.0 * (std::f64::consts::PI * k as f64 / cfg.ceplifter).sin() } else { 1.0 })
        .collect();
    let nf = cfg.nfilt as f64;
    let mut out = Array2::<f32>::zeros((cfg.numcep, n_frames));
    let mut log_fb = vec![0.0f64; cfg.nfilt];
    for t in 0..n_frames {
        // numpy.fft.rfft(frame, nfft) zero-pads a short frame and truncates a long one.
        input.iter_mut().for_each(|v| *v = 0.0);
        let start = t * frame_step;
        for (i, v) in input.iter_mut().enumerate().take(frame_len.min(cfg.nfft)) {
            *v = emph.get(start + i).copied().unwrap_or(0.0);
        }
        fft.process(&mut input, &mut spectrum).expect("buffer sizes come from the plan");
        let pspec: Vec<f64> = spectrum.iter().map(|c| c.norm_sqr() / cfg.nfft as f64).collect();
        let energy: f64 = pspec.iter().sum();
        let energy = if energy == 0.0 { eps } else { energy };
        for (lf, filt) in log_fb.iter_mut().zip(&fbank) {
            let e: f64 = filt.iter().zip(&pspec).map(|(w, p)| w * p).sum();
            *lf = if e == 0.0 { eps } else { e }.ln();
        }
        for k in 0..cfg.numcep {
            let scale = if k == 0 { (1.0 / nf).sqrt() } else { (2.0 / nf).sqrt() };
            let c: f64 = log_fb.iter().enumerate().map(|(i, v)| v * (std::f64::consts::PI * k as f64 * (2 * i + 1) as f64 / (2.0 * nf)).cos()).sum();
            out[[k, t]] = (scale * c * lift[k]) as f32;
        }
        if cfg.append_energy {
            out[[0, t]] = energy.ln() as f32;
        }
    }
    out
}
