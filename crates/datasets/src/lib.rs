//! Datasets for genrespace: the third stage of the pipeline.
//!
//! Loaders turn a dataset as it lies on disk into a [`Dataset`] — labelled tracks, each in a
//! training/validation/test [`Split`] — and report what they had to skip:
//! - [`fma`]: Free Music Archive, the raw `fma_metadata/tracks.csv` (three header rows) with its
//!   official artist-disjoint splits and `genre_top` labels;
//! - [`gtzan`]: `genres/<genre>/<genre>.000NN.wav` (or `genres_original/`, `.au`);
//! - [`folders`]: `<root>/<label>/...` for a user's own labelled music.
//!
//! GTZAN and folders have no official split: [`split`] draws a stratified, seeded one or reads a
//! published split file. [`check`] finds unreadable audio before anything long starts, and
//! [`cache`] computes every track's log-mel slices and MFCCs once, in parallel, into a compact,
//! memory-mapped, resumable feature cache that training reads without decoding audio again.

pub mod cache;
pub mod check;
pub mod dataset;
pub mod fma;
pub mod folders;
pub mod gtzan;
pub mod source;
pub mod split;

pub use dataset::{Dataset, DatasetError, Skipped, Stats, Track};
pub use fma::FmaSubset;
pub use source::{Source, SplitOptions};
pub use split::Split;
