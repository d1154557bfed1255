//! What every loader produces: labelled tracks in splits, plus what was skipped and why.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::source::Source;
use crate::split::Split;

/// Errors that stop a dataset from loading at all (per-track problems are [`Skipped`] instead).
#[derive(Debug, thiserror::Error)]
pub enum DatasetError {
    #[error("{path}: not found")]
    NotFound { path: PathBuf },
    #[error("{path}: {reason}")]
    BadFile { path: PathBuf, reason: String },
    #[error("{path}: not a readable CSV table")]
    Csv {
        path: PathBuf,
        #[source]
        source: csv::Error,
    },
    #[error("{path}: cannot list the folder")]
    Walk {
        path: PathBuf,
        #[source]
        source: walkdir::Error,
    },
    #[error("{path}: cannot read")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Empty(String),
}

/// A CSV error at `path` as a [`DatasetError`] that keeps it as its cause.
pub(crate) fn csv_err(path: &std::path::Path) -> impl Fn(csv::Error) -> DatasetError + '_ {
    move |source| DatasetError::Csv { path: path.to_path_buf(), source }
}

/// One labelled track.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Track {
    /// Stable identifier within the dataset (FMA track id, GTZAN file stem, relative path).
    pub id: String,
    pub path: PathBuf,
    pub label: String,
    pub split: Split,
}

/// A track left out, with the reason, for reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub error: String,
}

/// A loaded dataset.
#[derive(Debug, Clone)]
pub struct Dataset {
    pub source: Source,
    /// Sorted label names; a label's index in this list is its class index.
    pub genres: Vec<String>,
    /// Sorted by split, then label, then id.
    pub tracks: Vec<Track>,
    /// Tracks listed by the metadata whose audio file does not exist.
    pub missing_audio: Vec<PathBuf>,
    /// Tracks whose audio exists but cannot be decoded (filled by [`crate::check`]).
    pub unreadable: Vec<Skipped>,
    /// Other rows left out, e.g. FMA tracks without a `genre_top`, files not in a split file.
    pub unlabelled: usize,
}

/// Per-split, per-genre counts: what `genrespace dataset stats` prints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    pub genres: Vec<String>,
    pub splits: BTreeMap<Split, BTreeMap<String, usize>>,
    pub tracks: usize,
    pub missing_audio: usize,
    pub unreadable: Vec<Skipped>,
    pub unlabelled: usize,
}

impl Dataset {
    /// Assemble a dataset, sorting tracks and deriving the genre list from the labels present.
    pub fn new(source: Source, mut tracks: Vec<Track>, missing_audio: Vec<PathBuf>, unlabelled: usize) -> Self {
        tracks.sort_by(|a, b| (a.split, &a.label, &a.id).cmp(&(b.split, &b.label, &b.id)));
        let mut genres: Vec<String> = tracks.iter().map(|t| t.label.clone()).collect();
        genres.sort();
        genres.dedup();
        Self { source, genres, tracks, missing_audio, unreadable: Vec::new(), unlabelled }
    }

    pub fn genre_index(&self, label: &str) -> Option<usize> {
        self.genres.binary_search_by(|g| g.as_str().cmp(label)).ok()
    }

    pub fn split(&self, split: Split) -> impl Iterator<Item = &Track> {
        self.tracks.iter().filter(move |t| t.split == split)
    }

    /// Drop tracks found unreadable, remembering why.
    pub fn remove_unreadable(&mut self, unreadable: Vec<Skipped>) {
        let bad: std::collections::HashSet<&PathBuf> = unreadable.iter().map(|s| &s.path).collect();
        self.tracks.retain(|t| !bad.contains(&t.path));
        self.unreadable.extend(unreadable);
    }

    pub fn stats(&self) -> Stats {
        let mut splits: BTreeMap<Split, BTreeMap<String, usize>> = BTreeMap::new();
        for split in Split::ALL {
            let counts = splits.entry(split).or_default();
            for g in &self.genres {
                counts.insert(g.clone(), 0);
            }
        }
        for t in &self.tracks {
            *splits.entry(t.split).or_default().entry(t.label.clone()).or_default() += 1;
        }
        Stats {
            genres: self.genres.clone(),
            splits,
            tracks: self.tracks.len(),
            missing_audio: self.missing_audio.len(),
            unreadable: self.unreadable.clone(),
            unlabelled: self.unlabelled,
        }
    }
}
