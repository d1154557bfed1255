//! The one description of how features are computed.

use serde::{Deserialize, Serialize};

/// How frequencies map to mels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MelScale {
    /// Slaney's Auditory Toolbox scale: linear below 1 kHz, logarithmic above (librosa default).
    #[default]
    Slaney,
    /// The HTK formula `2595 * log10(1 + f / 700)`.
    Htk,
}

/// How each mel filter is normalised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MelNorm {
    /// Divide each triangle by its width in Hz so every filter has unit area (librosa default).
    #[default]
    Slaney,
    /// Unit peak height.
    None,
}

/// How the mel power spectrogram is compressed into the model's input.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// Decibels: `power_to_db(S, ref=1.0, amin, top_db)` (librosa's log-mel).
    #[default]
    Db,
    /// `log10(1 + scale * S)`, the compression musicnn's models were trained on (scale 10000).
    /// Silence maps to 0, so no floor or dynamic-range clamp is involved.
    Log10OnePlus(f32),
}

/// Every parameter of feature extraction. The defaults are librosa's (`librosa.load(sr=22050)`,
/// `melspectrogram()`, `power_to_db(ref=1.0)`, `mfcc(n_mfcc=20)`) plus genrespace's slicing.
///
/// Stored by every artifact built from features (feature caches, models, library indexes): two
/// artifacts are compatible exactly when their configs are equal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FeatureConfig {
    /// Analysis sample rate in Hz; audio is resampled to it.
    pub sample_rate: u32,
    /// FFT size in samples.
    pub n_fft: usize,
    /// Hop between frames in samples.
    pub hop_length: usize,
    /// Number of mel bands.
    pub n_mels: usize,
    /// Lowest filter edge in Hz.
    pub fmin: f32,
    /// Highest filter edge in Hz; `None` means `sample_rate / 2`.
    pub fmax: Option<f32>,
    pub mel_scale: MelScale,
    pub mel_norm: MelNorm,
    /// How mel power becomes the model input (MFCCs are always computed from decibels).
    pub compression: Compression,
    /// Floor applied before taking logs (librosa's `amin`).
    pub amin: f32,
    /// Dynamic range kept below the spectrogram's maximum, in dB (librosa's `top_db`).
    pub top_db: Option<f32>,
    /// Number of MFCC coefficients.
    pub n_mfcc: usize,
    /// Cepstral liftering coefficient; 0 disables it (librosa default).
    pub lifter: f32,
    /// Frames per CNN input slice (128 frames = 2.97 s at 22050 Hz / hop 512).
    pub slice_frames: usize,
    /// Hop between consecutive slices in frames (= `slice_frames`: no overlap).
    pub slice_hop: usize,
}

impl Default for FeatureConfig {
    fn default() -> Self {
        Self {
            sample_rate: 22050,
            n_fft: 2048,
            hop_length: 512,
            n_mels: 128,
            fmin: 0.0,
            fmax: None,
            mel_scale: MelScale::Slaney,
            mel_norm: MelNorm::Slaney,
            compression: Compression::Db,
            amin: 1e-10,
            top_db: Some(80.0),
            n_mfcc: 20,
            lifter: 0.0,
            slice_frames: 128,
            slice_hop: 128,
        }
    }
}

/// Largest `c` of the `log10(1 + c S)` compression: mel power reaches ~1e9 (a full-scale tone at
/// n_fft 65536), and `c S` must stay below f32's 3.4e38 (musicnn and Essentia use 1e4). Found by
/// the `feature_config` fuzz target's property check: a scale of 3e38 gave infinite features.
const MAX_LOG_SCALE: f32 = 1e12;

/// Most frames in one slice (25 min at 22050 Hz / hop 512): a slice is allocated whole for every
/// track, so a typo such as 10^12 frames must be refused, not attempted.
const MAX_SLICE_FRAMES: usize = 1 << 16;

/// A [`FeatureConfig`] whose values cannot work together.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid feature config: {0}")]
pub struct ConfigError(pub String);

impl FeatureConfig {
    /// The front end of musicnn's pretrained taggers (Pons & Serra, 2019): 16 kHz, n_fft 512,
    /// hop 256, 96 Slaney mels, `log10(1 + 10000 S)`, patches of 187 frames (3 s) without
    /// overlap — `musicnn.extractor.batch_data`. musicnn itself casts the mel power to float16
    /// before compressing, which overflows to infinity on loud bins (> 65504); genrespace
    /// computes in float32 throughout, so loud passages keep finite, ordered values.
    pub fn musicnn() -> Self {
        Self {
            sample_rate: 16000,
            n_fft: 512,
            hop_length: 256,
            n_mels: 96,
            compression: Compression::Log10OnePlus(10000.0),
            slice_frames: 187,
            slice_hop: 187,
            ..Self::default()
        }
    }

    /// A named preset: `default` (librosa's defaults, 128x128 slices) or `musicnn`.
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "default" | "librosa" => Some(Self::default()),
            "musicnn" => Some(Self::musicnn()),
            _ => None,
        }
    }

    /// The upper filter edge actually used.
    pub fn fmax_hz(&self) -> f32 {
        self.fmax.unwrap_or(self.sample_rate as f32 / 2.0)
    }

    /// Number of frequency bins of the one-sided spectrum.
    pub fn n_bins(&self) -> usize {
        self.n_fft / 2 + 1
    }

    /// Seconds covered by one slice.
    pub fn slice_seconds(&self) -> f64 {
        (self.slice_frames * self.hop_length) as f64 / self.sample_rate as f64
    }

    /// Check that the values make sense together, so bad configs fail early with a reason.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let fail = |m: String| Err(ConfigError(m));
        if !(1000..=384_000).contains(&self.sample_rate) {
            return fail(format!("sample_rate {} Hz is outside 1000..=384000", self.sample_rate));
        }
        if self.n_fft < 16 || self.n_fft > 1 << 16 {
            return fail(format!("n_fft {} is outside 16..=65536", self.n_fft));
        }
        if self.hop_length == 0 {
            return fail("hop_length must be > 0".into());
        }
        if self.n_mels == 0 || self.n_mels > self.n_bins() {
            return fail(format!("n_mels {} must be in 1..={} for n_fft {}", self.n_mels, self.n_bins(), self.n_fft));
        }
        let nyquist = self.sample_rate as f32 / 2.0;
        if !(self.fmin >= 0.0 && self.fmin < self.fmax_hz() && self.fmax_hz() <= nyquist) {
            return fail(format!("need 0 <= fmin ({}) < fmax ({}) <= sample_rate/2 ({nyquist})", self.fmin, self.fmax_hz()));
        }
        if matches!(self.compression, Compression::Log10OnePlus(scale) if !(scale > 0.0 && scale <= MAX_LOG_SCALE)) {
            return fail(format!("the log10(1 + scale * S) compression needs a scale in (0, {MAX_LOG_SCALE:e}]"));
        }
        // Finite bounds too: a JSON number such as 1e300 reads as an f32 infinity, and an infinite
        // amin or lifter turns every feature into NaN.
        if !(self.amin > 0.0 && self.amin.is_finite()) {
            return fail("amin must be finite and > 0".into());
        }
        if matches!(self.top_db, Some(t) if !(t >= 0.0 && t.is_finite())) {
            return fail("top_db must be finite and >= 0".into());
        }
        if self.n_mfcc == 0 || self.n_mfcc > self.n_mels {
            return fail(format!("n_mfcc {} must be in 1..=n_mels ({})", self.n_mfcc, self.n_mels));
        }
        if !(self.lifter >= 0.0 && self.lifter.is_finite()) {
            return fail("lifter must be finite and >= 0".into());
        }
        if self.slice_frames == 0 || self.slice_hop == 0 {
            return fail("slice_frames and slice_hop must be > 0".into());
        }
        if self.slice_frames > MAX_SLICE_FRAMES {
            return fail(format!("slice_frames {} is more than {MAX_SLICE_FRAMES}", self.slice_frames));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_librosas_and_valid() {
        let c = FeatureConfig::default();
        assert_eq!((c.sample_rate, c.n_fft, c.hop_length, c.n_mels, c.n_mfcc), (22050, 2048, 512, 128, 20));
        c.validate().unwrap();
        assert!((c.slice_seconds() - 2.972).abs() < 1e-3);
    }

    #[test]
    fn musicnn_preset_is_musicnns_front_end() {
        let c = FeatureConfig::preset("musicnn").unwrap();
        assert_eq!((c.sample_rate, c.n_fft, c.hop_length, c.n_mels, c.slice_frames), (16000, 512, 256, 96, 187));
        assert_eq!(c.compression, Compression::Log10OnePlus(10000.0));
        c.validate().unwrap();
        assert!((c.slice_seconds() - 2.992).abs() < 1e-3);
        let json = serde_json::to_string(&c).unwrap();
        assert!(json.contains(r#""compression":{"log10_one_plus":10000.0}"#), "{json}");
        assert_eq!(serde_json::from_str::<FeatureConfig>(&json).unwrap(), c);
        assert!(FeatureConfig::preset("nope").is_none());
    }

    #[test]
    fn round_trips_through_json_and_rejects_unknown_fields() {
        let c = FeatureConfig { mel_scale: MelScale::Htk, fmax: Some(8000.0), ..Default::default() };
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<FeatureConfig>(&json).unwrap(), c);
        assert!(serde_json::from_str::<FeatureConfig>(r#"{"n_mel": 64}"#).is_err());
        let partial: FeatureConfig = serde_json::from_str(r#"{"n_mels": 64}"#).unwrap();
        assert_eq!(partial.n_mels, 64);
        assert_eq!(partial.n_fft, 2048);
    }

    #[test]
    fn nonsense_is_rejected() {
        let bad = [
            FeatureConfig { hop_length: 0, ..Default::default() },
            FeatureConfig { n_mels: 2000, ..Default::default() },
            FeatureConfig { fmax: Some(20000.0), ..Default::default() },
            FeatureConfig { fmin: 9000.0, fmax: Some(8000.0), ..Default::default() },
            FeatureConfig { n_mfcc: 200, ..Default::default() },
            FeatureConfig { amin: 0.0, ..Default::default() },
            FeatureConfig { compression: Compression::Log10OnePlus(0.0), ..Default::default() },
            // Found by fuzzing (fuzz/regressions/feature_config/): infinite features, and an
            // allocation of 10^12 frames per slice.
            FeatureConfig { compression: Compression::Log10OnePlus(3e38), ..Default::default() },
            FeatureConfig { slice_frames: 1_000_000_000_000, ..Default::default() },
            // Found by fuzzing in CI: amin 1e300 in JSON is an f32 infinity, and NaN features.
            FeatureConfig { amin: f32::INFINITY, ..Default::default() },
            FeatureConfig { lifter: f32::INFINITY, ..Default::default() },
            FeatureConfig { top_db: Some(f32::INFINITY), ..Default::default() },
        ];
        for c in bad {
            assert!(c.validate().is_err(), "{c:?}");
        }
    }
}
