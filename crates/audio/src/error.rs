use std::path::PathBuf;

/// Everything that can go wrong reading an audio file. Every variant names the file, so a batch
/// job can report and skip it with a message a user can act on.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("{path}: no such file")]
    NotFound { path: PathBuf },
    #[error("{path}: is a directory, not an audio file")]
    IsDirectory { path: PathBuf },
    #[error("{path}: file is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error("{path}: cannot read")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a recognised audio format")]
    UnsupportedFormat {
        path: PathBuf,
        #[source]
        source: symphonia::core::errors::Error,
    },
    #[error("{path}: contains no audio track that can be decoded")]
    NoAudioTrack { path: PathBuf },
    /// symphonia failed (the codec is not supported, the stream cannot be read).
    #[error("{path}: cannot decode audio")]
    Decode {
        path: PathBuf,
        #[source]
        source: symphonia::core::errors::Error,
    },
    /// Most packets failed to decode; `last` is the last packet's failure.
    #[error("{path}: cannot decode audio: {failed} of {total} packets failed")]
    BadPackets {
        path: PathBuf,
        failed: usize,
        total: usize,
        #[source]
        last: symphonia::core::errors::Error,
    },
    /// What genrespace itself finds wrong with a stream (no packets, no sample rate).
    #[error("{path}: cannot decode audio: {reason}")]
    BadStream { path: PathBuf, reason: &'static str },
    #[error("{path}: file is truncated: decoded {decoded_s:.2} s of the {declared_s:.2} s its header declares")]
    Truncated { path: PathBuf, decoded_s: f64, declared_s: f64 },
    #[error("{path}: file is truncated: it ends inside its ID3v2 tag ({file_bytes} of the tag's {tag_bytes} bytes), before any audio")]
    TruncatedInTag { path: PathBuf, tag_bytes: u64, file_bytes: u64 },
    #[error("{path}: decoded no audio samples")]
    NoSamples { path: PathBuf },
    #[error("invalid option: {0}")]
    InvalidOption(String),
    #[error("cannot resample {from} Hz -> {to} Hz: {reason}")]
    Resample { from: u32, to: u32, reason: String },
}

impl AudioError {
    /// The file the error names, when it names one (the option and resampling errors do not).
    pub fn path(&self) -> Option<&std::path::Path> {
        match self {
            AudioError::NotFound { path }
            | AudioError::IsDirectory { path }
            | AudioError::Empty { path }
            | AudioError::Io { path, .. }
            | AudioError::UnsupportedFormat { path, .. }
            | AudioError::NoAudioTrack { path }
            | AudioError::Decode { path, .. }
            | AudioError::BadPackets { path, .. }
            | AudioError::BadStream { path, .. }
            | AudioError::Truncated { path, .. }
            | AudioError::TruncatedInTag { path, .. }
            | AudioError::NoSamples { path } => Some(path),
            AudioError::InvalidOption(_) | AudioError::Resample { .. } => None,
        }
    }
}
