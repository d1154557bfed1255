//! Audio input for genrespace: the first stage of the pipeline.
//!
//! Everything downstream (features, models, the library index) sees audio only through
//! [`decode_file`], which turns any common music file into mono `f32` samples at the file's own
//! rate plus its tags, and [`resample`], which brings those samples to the analysis rate.
//!
//! Formats: mp3, wav (16/24/32-bit int, float), flac, ogg/vorbis, ogg/opus (through libopus),
//! aac/m4a, alac, aiff, caf and mkv/webm — symphonia's full set plus an Opus decoder, with
//! minimp3 decoding mp3 frames (faster than symphonia's decoder; symphonia still reads the file).

pub mod allocator;
mod codecs;
mod decode;
mod error;
mod files;
mod mp3;
mod resample;
mod tags;

pub use decode::{decode_file, DecodeOptions, DecodedAudio, Truncation, MIN_PLAYABLE_S};
pub use error::AudioError;
pub use files::write_atomically;
pub use resample::resample;
pub use tags::Tags;

/// `error` and its causes on one line, `outer: inner: ...`. genrespace's errors keep their cause
/// as a `source` and leave it out of their own message (each layer says what it adds once), so
/// anything that shows an error as text — a batch job's skip list, the web app's answers, the
/// CLI's error line — shows it through this (or anyhow's `{:#}`, which does the same).
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}

/// File extensions genrespace treats as audio when it walks a folder.
pub const AUDIO_EXTENSIONS: &[&str] =
    &["mp3", "wav", "wave", "flac", "ogg", "oga", "opus", "m4a", "mp4", "aac", "alac", "aif", "aiff", "aifc", "caf", "mka", "webm", "au"];

/// Whether `path` has one of the [`AUDIO_EXTENSIONS`] (case-insensitive).
pub fn is_audio_path(path: &std::path::Path) -> bool {
    path.extension().and_then(|e| e.to_str()).map(|e| AUDIO_EXTENSIONS.iter().any(|a| a.eq_ignore_ascii_case(e))).unwrap_or(false)
}
