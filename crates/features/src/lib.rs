//! Features for genrespace: the second stage of the pipeline.
//!
//! Audio samples become a power spectrogram ([`stft`]), a mel spectrogram ([`mel`]), a log-mel
//! in dB ([`db`]), MFCCs ([`mfcc`]) and fixed-size log-mel slices for the CNN ([`slices`]). Every
//! step reproduces librosa's defaults exactly (same framing, filterbank, dB scaling and DCT), so
//! models and results carry over between the two. [`psf`] reproduces python_speech_features'
//! `mfcc()` for the MFCC+DTW recommender genrespace grew from.
//!
//! [`FeatureConfig`] holds every parameter; every artifact built from features stores it, so a
//! model is always fed the features it was trained on. [`FeatureExtractor`] precomputes the FFT
//! plan, window, filterbank and DCT for one config and is reused across files.

pub mod config;
pub mod db;
pub mod extract;
pub mod mel;
pub mod mfcc;
pub mod parallel;
pub mod psf;
pub mod slices;
pub mod stft;

pub use config::{Compression, ConfigError, FeatureConfig, MelNorm, MelScale};
pub use extract::{FeatureError, FeatureExtractor, LogMel, TrackFeatures};
pub use slices::Slices;
