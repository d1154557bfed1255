//! On-disk format of the feature cache: file names, the index lines and the manifest.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use genrespace_features::FeatureConfig;
use serde::{Deserialize, Serialize};

use crate::dataset::Skipped;
use crate::source::Source;
use crate::split::Split;

/// Bumped whenever the layout changes; older caches are refused with a clear message.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("{path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not a complete feature cache (no cache.json): run `genrespace dataset prepare` to finish it")]
    Incomplete { path: PathBuf },
    #[error("{path}: {reason}")]
    Corrupt { path: PathBuf, reason: String },
    /// A cache file that is there but does not parse; the parser's error is the source.
    #[error("{path}: {what}")]
    Unreadable {
        path: PathBuf,
        what: String,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: this cache was built {what}; use another --out folder or delete it")]
    Mismatch { path: PathBuf, what: String },
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> CacheError + '_ {
    move |source| CacheError::Io { path: path.to_path_buf(), source }
}

/// One track in a split's index.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedTrack {
    pub id: String,
    pub path: PathBuf,
    pub label: String,
    /// First slice in `<split>.slices.f32`, in slices.
    pub slice_offset: u64,
    pub n_slices: u32,
    /// First value in `<split>.mfcc.f32`, in floats.
    pub mfcc_offset: u64,
    pub mfcc_frames: u32,
    pub duration_s: f64,
}

/// Per-split totals recorded in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct SplitSummary {
    pub tracks: usize,
    pub slices: u64,
}

/// `cache.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub format_version: u32,
    pub feature_config: FeatureConfig,
    pub source: Source,
    pub genres: Vec<String>,
    pub splits: BTreeMap<Split, SplitSummary>,
    /// Tracks that could not be decoded, with the reason.
    pub failed: Vec<Skipped>,
}

pub(crate) const MANIFEST: &str = "cache.json";

pub(crate) fn slices_file(dir: &Path, split: Split) -> PathBuf {
    dir.join(format!("{split}.slices.f32"))
}

pub(crate) fn mfcc_file(dir: &Path, split: Split) -> PathBuf {
    dir.join(format!("{split}.mfcc.f32"))
}

pub(crate) fn index_file(dir: &Path, split: Split) -> PathBuf {
    dir.join(format!("{split}.index.jsonl"))
}

/// Read a split's index. A last line without its newline, or that does not parse, is what a kill
/// in the middle of an append leaves behind: it is dropped (with the `bool` saying so). A bad line
/// anywhere else means the file is damaged.
pub(crate) fn read_index(path: &Path) -> Result<(Vec<CachedTrack>, bool), CacheError> {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), false)),
        Err(e) => return Err(io_err(path)(e)),
    };
    let mut lines = Vec::new();
    let mut reader = BufReader::new(file);
    loop {
        let mut line = String::new();
        let n = reader.read_line(&mut line).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        lines.push(line);
    }
    let mut tracks = Vec::with_capacity(lines.len());
    let mut torn = false;
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        match serde_json::from_str::<CachedTrack>(line.trim_end()) {
            Ok(t) if line.ends_with('\n') => tracks.push(t),
            _ if i == last => torn = true,
            Err(source) => return Err(CacheError::Unreadable { path: path.to_path_buf(), what: format!("line {}", i + 1), source }),
            Ok(_) => unreachable!("only the last line can lack its newline"),
        }
    }
    Ok((tracks, torn))
}
