//! From a file or samples to log-mel, MFCC and slices, with one reusable extractor.

use std::path::{Path, PathBuf};

use genrespace_audio::{decode_file, resample, AudioError, DecodeOptions, Tags, Truncation};
use ndarray::Array2;

use crate::config::{Compression, ConfigError, FeatureConfig};
use crate::db::{log10_one_plus_in_place, power_to_db_in_place};
use crate::mel::MelFilterbank;
use crate::mfcc::Mfcc;
use crate::slices::{cut, Slices};
use crate::stft::Stft;

/// Errors from feature extraction. Audio errors keep the file name they carry.
#[derive(Debug, thiserror::Error)]
pub enum FeatureError {
    #[error(transparent)]
    Audio(#[from] AudioError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{path}: no audio in the requested range (offset past the end?)")]
    EmptyRange { path: PathBuf },
    #[error("cannot compute features of an empty signal")]
    EmptySignal,
}

impl FeatureError {
    /// The file the error names, when it names one: a caller that knows the file adds it only
    /// when this is `None`, so no message names it twice.
    pub fn path(&self) -> Option<&Path> {
        match self {
            FeatureError::Audio(e) => e.path(),
            FeatureError::EmptyRange { path } => Some(path),
            FeatureError::Config(_) | FeatureError::EmptySignal => None,
        }
    }
}

/// A compressed mel spectrogram `(n_mels, n_frames)` — the model input, in dB or
/// `log10(1 + c S)` as the config says — and the value silence has in it (the dB floor the
/// spectrogram was clamped to, or 0), used to pad clips shorter than a slice.
#[derive(Debug, Clone, PartialEq)]
pub struct LogMel {
    pub data: Array2<f32>,
    pub floor: f32,
}

impl LogMel {
    pub fn n_frames(&self) -> usize {
        self.data.ncols()
    }
}

/// Everything genrespace computes for one track.
#[derive(Debug, Clone)]
pub struct TrackFeatures {
    /// Sample rate of the source file before resampling.
    pub source_sample_rate: u32,
    /// Length of the source file in seconds (whole file, independent of offset/duration).
    pub file_duration_s: f64,
    /// Length of the analysed audio in seconds.
    pub duration_s: f64,
    pub tags: Tags,
    /// Set when the file was cut short but held enough audio to analyse.
    pub truncated: Option<Truncation>,
    pub log_mel: LogMel,
    /// `(n_mfcc, n_frames)`.
    pub mfcc: Array2<f32>,
}

/// The precomputed machinery (FFT plan, window, filterbank, DCT) for one [`FeatureConfig`].
/// Cheap to share between threads; build one per config and reuse it for every file.
#[derive(Debug, Clone)]
pub struct FeatureExtractor {
    config: FeatureConfig,
    stft: Stft,
    filterbank: MelFilterbank,
    mfcc: Mfcc,
}

impl FeatureExtractor {
    pub fn new(config: FeatureConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Self {
            stft: Stft::new(config.n_fft, config.hop_length),
            filterbank: MelFilterbank::new(&config),
            mfcc: Mfcc::new(config.n_mfcc, config.n_mels, config.lifter),
            config,
        })
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.config
    }

    pub fn filterbank(&self) -> &MelFilterbank {
        &self.filterbank
    }

    /// Decode `path` and resample it to the config's rate. Returns the samples and the decode
    /// result (with its samples moved out).
    ///
    /// The decoder is told that only frequencies below the config's Nyquist frequency matter
    /// ([`DecodeOptions::max_frequency_hz`]): the resampler removes the rest.
    pub fn load(&self, path: &Path, opts: DecodeOptions) -> Result<(Vec<f32>, genrespace_audio::DecodedAudio), FeatureError> {
        let mut audio = decode_file(path, self.decode_options(opts))?;
        let samples = std::mem::take(&mut audio.samples);
        if samples.is_empty() {
            return Err(FeatureError::EmptyRange { path: path.to_path_buf() });
        }
        let samples = resample(&samples, audio.sample_rate, self.config.sample_rate)?;
        Ok((samples, audio))
    }

    /// `opts` with the decoder told what the resampling to the config's rate keeps.
    pub fn decode_options(&self, opts: DecodeOptions) -> DecodeOptions {
        DecodeOptions { max_frequency_hz: Some(self.config.sample_rate / 2), ..opts }
    }

    /// The mel power spectrogram `(n_mels, n_frames)` of samples at the config's rate
    /// (`librosa.feature.melspectrogram`).
    pub fn mel_power(&self, samples: &[f32]) -> Result<Array2<f32>, FeatureError> {
        if samples.is_empty() {
            return Err(FeatureError::EmptySignal);
        }
        let n_mels = self.config.n_mels;
        let n_frames = self.stft.n_frames(samples.len());
        // Frame-major while filling (each frame's bands are contiguous), transposed at the end.
        let mut frames = Array2::<f32>::zeros((n_frames, n_mels));
        self.stft.for_each_power_frame(samples, |t, power| {
            let row = frames.row_mut(t).into_slice().expect("rows of a standard array are contiguous");
            self.filterbank.apply(power, row);
        });
        Ok(frames.reversed_axes().as_standard_layout().into_owned())
    }

    /// The model input of samples: the compressed mel spectrogram (`power_to_db(melspectrogram(y),
    /// ref=1.0)` by default, `log10(1 + 10000 melspectrogram(y))` for the musicnn preset).
    pub fn log_mel(&self, samples: &[f32]) -> Result<LogMel, FeatureError> {
        Ok(self.compress(self.mel_power(samples)?))
    }

    /// Compress a mel power spectrogram as the config says.
    pub fn compress(&self, mut power: Array2<f32>) -> LogMel {
        match self.config.compression {
            Compression::Db => {
                let floor = power_to_db_in_place(&mut power, self.config.amin, self.config.top_db);
                LogMel { data: power, floor }
            }
            Compression::Log10OnePlus(scale) => {
                log10_one_plus_in_place(&mut power, scale);
                LogMel { data: power, floor: 0.0 }
            }
        }
    }

    /// MFCCs `(n_mfcc, n_frames)` of a log-mel spectrogram in dB (`librosa.feature.mfcc`).
    pub fn mfcc(&self, log_mel_db: &Array2<f32>) -> Array2<f32> {
        self.mfcc.apply(log_mel_db)
    }

    /// The model input and the MFCCs of samples. MFCCs are always the DCT of decibels (what
    /// librosa and the DTW rerank expect), whatever compression the model input uses.
    pub fn log_mel_and_mfcc(&self, samples: &[f32]) -> Result<(LogMel, Array2<f32>), FeatureError> {
        let power = self.mel_power(samples)?;
        if self.config.compression == Compression::Db {
            let log_mel = self.compress(power);
            let mfcc = self.mfcc(&log_mel.data);
            return Ok((log_mel, mfcc));
        }
        let mut db = power.clone();
        power_to_db_in_place(&mut db, self.config.amin, self.config.top_db);
        Ok((self.compress(power), self.mfcc(&db)))
    }

    /// The model input slices of a log-mel spectrogram.
    pub fn slices(&self, log_mel: &LogMel) -> Slices {
        cut(&log_mel.data, log_mel.floor, self.config.slice_frames, self.config.slice_hop)
    }

    /// Decode, resample and compute log-mel and MFCC of one file.
    pub fn analyze_file(&self, path: &Path, opts: DecodeOptions) -> Result<TrackFeatures, FeatureError> {
        let (samples, audio) = self.load(path, opts)?;
        let (log_mel, mfcc) = self.log_mel_and_mfcc(&samples)?;
        Ok(TrackFeatures {
            source_sample_rate: audio.file_sample_rate,
            file_duration_s: audio.file_duration_s,
            duration_s: samples.len() as f64 / self.config.sample_rate as f64,
            tags: audio.tags,
            truncated: audio.truncated,
            log_mel,
            mfcc,
        })
    }
}
