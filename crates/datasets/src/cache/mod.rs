//! The feature cache: every track's log-mel slices and MFCCs, computed once.
//!
//! Layout of a cache folder:
//! - `<split>.slices.f32` — all slices of the split, back to back, little-endian `f32`, each
//!   `n_mels x slice_frames` row-major;
//! - `<split>.mfcc.f32` — each track's full MFCC matrix `(n_mfcc, n_frames)`, back to back;
//! - `<split>.index.jsonl` — one line per track, appended only after its data is written: id,
//!   path, label, offsets and counts into the two data files;
//! - `cache.json` — the manifest: format version, the
//!   [`FeatureConfig`](genrespace_features::FeatureConfig), the [`Source`](crate::Source), genres and
//!   counts. Written last, by rename: a cache without it is incomplete and cannot be opened.
//!
//! A killed `prepare` loses at most the tracks in flight: on the next run the index is read back
//! (a torn last line is dropped), the data files are cut to the end of the last indexed track,
//! and only the missing tracks are computed. Readers memory-map the data files, so a cache larger
//! than RAM still works and opening one costs nothing.

mod format;
mod prepare;
mod reader;

pub use format::{CacheError, CachedTrack, Manifest, SplitSummary, FORMAT_VERSION};
pub use prepare::{prepare, PrepareOptions, PrepareReport};
pub use reader::{FeatureCache, SplitData};
