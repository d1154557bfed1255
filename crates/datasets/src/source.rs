//! Where a dataset comes from: the description every dataset-using command shares, stored in
//! feature caches and models so that they can tell what they were built from.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::{Dataset, DatasetError};
use crate::fma::{self, FmaSubset};
use crate::split::{stratified, Fractions, Split, SplitFile};
use crate::{folders, gtzan};

/// How GTZAN and labelled folders are split (FMA has its official split).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SplitOptions {
    pub seed: u64,
    pub fractions: Fractions,
    /// A published split (`path,split` CSV) instead of a random one.
    pub split_file: Option<PathBuf>,
}

impl Default for SplitOptions {
    fn default() -> Self {
        Self { seed: 42, fractions: Fractions::default(), split_file: None }
    }
}

/// A dataset on disk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// `root/genres/<genre>/<genre>.000NN.wav` (also `genres_original/`, `.au`).
    Gtzan { root: PathBuf, split: SplitOptions },
    /// FMA audio (`audio/000/000002.mp3`) and `metadata/tracks.csv`.
    Fma { audio: PathBuf, metadata: PathBuf, subset: FmaSubset },
    /// `root/<label>/**/<audio files>`.
    Folders { root: PathBuf, split: SplitOptions },
}

fn absolute(path: &Path) -> Result<PathBuf, DatasetError> {
    std::fs::canonicalize(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => DatasetError::NotFound { path: path.to_path_buf() },
        _ => DatasetError::Io { path: path.to_path_buf(), source: e },
    })
}

impl Source {
    /// Build a source with absolute paths (so descriptions compare equal from any directory),
    /// failing early when a folder does not exist.
    pub fn gtzan(root: &Path, split: SplitOptions) -> Result<Self, DatasetError> {
        Ok(Source::Gtzan { root: absolute(root)?, split: split.absolute()? })
    }

    pub fn fma(audio: &Path, metadata: &Path, subset: FmaSubset) -> Result<Self, DatasetError> {
        Ok(Source::Fma { audio: absolute(audio)?, metadata: absolute(metadata)?, subset })
    }

    pub fn folders(root: &Path, split: SplitOptions) -> Result<Self, DatasetError> {
        Ok(Source::Folders { root: absolute(root)?, split: split.absolute()? })
    }

    /// A one-line description for reports.
    pub fn describe(&self) -> String {
        match self {
            Source::Gtzan { root, .. } => format!("GTZAN at {}", root.display()),
            Source::Fma { audio, subset, .. } => format!("FMA {subset:?} at {}", audio.display()),
            Source::Folders { root, .. } => format!("labelled folders at {}", root.display()),
        }
    }

    /// Read the dataset's listing (no audio is decoded; see [`crate::check`] for that).
    pub fn load(&self) -> Result<Dataset, DatasetError> {
        let dataset = match self {
            Source::Fma { audio, metadata, subset } => {
                let listing = fma::load(audio, metadata, *subset)?;
                Dataset::new(self.clone(), listing.tracks, listing.missing_audio, listing.unlabelled)
            }
            Source::Gtzan { root, split } => {
                let files = gtzan::list(root)?;
                assign_splits(self, root, files, split)?
            }
            Source::Folders { root, split } => {
                let files = folders::list(root)?;
                assign_splits(self, root, files, split)?
            }
        };
        if dataset.tracks.is_empty() {
            return Err(DatasetError::Empty(format!("{}: no labelled audio tracks found", self.describe())));
        }
        Ok(dataset)
    }
}

impl SplitOptions {
    fn absolute(self) -> Result<Self, DatasetError> {
        let split_file = self.split_file.as_deref().map(absolute).transpose()?;
        Ok(Self { split_file, ..self })
    }
}

/// A labelled file found by a loader that has no split of its own.
pub(crate) struct LabelledFile {
    pub id: String,
    pub path: PathBuf,
    pub label: String,
}

fn assign_splits(source: &Source, root: &Path, mut files: Vec<LabelledFile>, opts: &SplitOptions) -> Result<Dataset, DatasetError> {
    files.sort_by(|a, b| (&a.label, &a.id).cmp(&(&b.label, &b.id)));
    let mut unlisted = 0;
    let splits: Vec<Option<Split>> = match &opts.split_file {
        Some(path) => {
            let table = SplitFile::read(path)?;
            files
                .iter()
                .map(|f| {
                    let found = table.lookup(f.path.strip_prefix(root).unwrap_or(&f.path));
                    unlisted += usize::from(found.is_none());
                    found
                })
                .collect()
        }
        None => stratified(files.iter().map(|f| f.label.as_str()), opts.seed, opts.fractions).into_iter().map(Some).collect(),
    };
    let tracks = files.into_iter().zip(splits).filter_map(|(f, s)| s.map(|split| crate::Track { id: f.id, path: f.path, label: f.label, split })).collect();
    Ok(Dataset::new(source.clone(), tracks, Vec::new(), unlisted))
}
