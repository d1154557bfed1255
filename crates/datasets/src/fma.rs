//! Free Music Archive: the raw `fma_metadata/tracks.csv` and the audio tree
//! `fma_<subset>/<first three digits>/<six-digit id>.mp3`.
//!
//! `tracks.csv` is pandas' dump of a two-level column index, so it has three header rows: level-0
//! names (`album`, `artist`, `set`, `track`, repeated for each of their columns), level-1 names
//! (`title`, `split`, `subset`, `genre_top`, ...), and a row holding only `track_id`. Fields are
//! quoted and may contain commas and newlines (titles, bios).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::dataset::{csv_err, DatasetError, Track};
use crate::split::Split;

/// FMA's nested subsets: small ⊂ medium ⊂ large.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FmaSubset {
    Small,
    Medium,
    Large,
}

impl FmaSubset {
    fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "small" => Some(FmaSubset::Small),
            "medium" => Some(FmaSubset::Medium),
            "large" => Some(FmaSubset::Large),
            _ => None,
        }
    }
}

/// What the loader found.
#[derive(Debug, Default)]
pub struct FmaListing {
    pub tracks: Vec<Track>,
    pub missing_audio: Vec<PathBuf>,
    /// Rows of the subset without a `genre_top` (multi-genre tracks in medium/large).
    pub unlabelled: usize,
}

/// The audio path of track `id`: `<root>/<id / 1000, 3 digits>/<id, 6 digits>.mp3`.
pub fn audio_path(root: &Path, id: u32) -> PathBuf {
    root.join(format!("{:03}", id / 1000)).join(format!("{id:06}.mp3"))
}

/// Column positions in tracks.csv, found by their two-level names.
struct Columns {
    subset: usize,
    split: usize,
    genre_top: usize,
}

fn find_columns(level0: &csv::StringRecord, level1: &csv::StringRecord, path: &Path) -> Result<Columns, DatasetError> {
    let find = |a: &str, b: &str| {
        level0.iter().zip(level1.iter()).position(|(x, y)| x == a && y == b).ok_or_else(|| DatasetError::BadFile {
            path: path.to_path_buf(),
            reason: format!("no column ({a}, {b}): not FMA's tracks.csv (expected three header rows)"),
        })
    };
    Ok(Columns { subset: find("set", "subset")?, split: find("set", "split")?, genre_top: find("track", "genre_top")? })
}

/// Top-level genre titles from `genres.csv` (`genre_id,#tracks,parent,title,top_level`).
pub fn read_top_genres(path: &Path) -> Result<HashSet<String>, DatasetError> {
    let bad = |reason: String| DatasetError::BadFile { path: path.to_path_buf(), reason };
    let mut reader = csv::Reader::from_path(path).map_err(csv_err(path))?;
    let headers = reader.headers().map_err(csv_err(path))?.clone();
    let col = |n: &str| headers.iter().position(|h| h == n).ok_or_else(|| bad(format!("no column '{n}'")));
    let (id_col, parent_col, title_col) = (col("genre_id")?, col("parent")?, col("title")?);
    let mut top = HashSet::new();
    for record in reader.records() {
        let record = record.map_err(csv_err(path))?;
        let is_top = record.get(parent_col).map(str::trim) == Some("0");
        if is_top && record.get(id_col).is_some() {
            top.insert(record.get(title_col).unwrap_or("").to_string());
        }
    }
    Ok(top)
}

/// Load the tracks of `subset` with their `genre_top` label and official split. Audio that does
/// not exist is listed in `missing_audio`, never fatal. When `genres.csv` sits beside
/// `tracks.csv`, every label must be one of its top-level genres.
pub fn load(audio_root: &Path, metadata_dir: &Path, subset: FmaSubset) -> Result<FmaListing, DatasetError> {
    let tracks_csv = metadata_dir.join("tracks.csv");
    if !tracks_csv.is_file() {
        return Err(DatasetError::NotFound { path: tracks_csv });
    }
    let bad = |reason: String| DatasetError::BadFile { path: tracks_csv.clone(), reason };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_path(&tracks_csv).map_err(csv_err(&tracks_csv))?;
    let mut records = reader.records();
    let mut header = || records.next().transpose().map_err(csv_err(&tracks_csv))?.ok_or_else(|| bad("fewer than three header rows".into()));
    let (level0, level1, id_row) = (header()?, header()?, header()?);
    if id_row.get(0).map(str::trim) != Some("track_id") {
        return Err(bad("third header row must start with 'track_id'".into()));
    }
    let cols = find_columns(&level0, &level1, &tracks_csv)?;
    let top_genres = {
        let genres_csv = metadata_dir.join("genres.csv");
        genres_csv.is_file().then(|| read_top_genres(&genres_csv)).transpose()?
    };

    let mut listing = FmaListing::default();
    let mut seen: HashMap<u32, u64> = HashMap::new();
    for record in records {
        let record = record.map_err(csv_err(&tracks_csv))?;
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let field = |i: usize| record.get(i).unwrap_or("").trim();
        let id: u32 = field(0).parse().map_err(|_| bad(format!("line {line}: track_id '{}' is not a number", field(0))))?;
        if let Some(first) = seen.insert(id, line) {
            return Err(bad(format!("line {line}: track {id} already listed on line {first}")));
        }
        let Some(track_subset) = FmaSubset::parse(field(cols.subset)) else { continue };
        if track_subset > subset {
            continue;
        }
        let label = field(cols.genre_top);
        if label.is_empty() {
            listing.unlabelled += 1;
            continue;
        }
        if let Some(top) = &top_genres {
            if !top.contains(label) {
                return Err(bad(format!("line {line}: genre_top '{label}' is not a top-level genre in genres.csv")));
            }
        }
        let split = Split::parse(field(cols.split)).ok_or_else(|| bad(format!("line {line}: unknown split '{}'", field(cols.split))))?;
        let path = audio_path(audio_root, id);
        if !path.is_file() {
            listing.missing_audio.push(path);
            continue;
        }
        listing.tracks.push(Track { id: format!("{id:06}"), path, label: label.to_string(), split });
    }
    Ok(listing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audio_paths_follow_fma_layout() {
        assert_eq!(audio_path(Path::new("fma_small"), 2), Path::new("fma_small/000/000002.mp3"));
        assert_eq!(audio_path(Path::new("a"), 155066), Path::new("a/155/155066.mp3"));
    }
}
