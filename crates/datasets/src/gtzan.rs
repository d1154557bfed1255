//! GTZAN: `genres/<genre>/<genre>.000NN.wav`, as distributed (also the Kaggle copy's
//! `genres_original/`, and the original `.au` files).
//!
//! The widely shared copy has a corrupt `jazz.00054.wav`; like any unreadable file it is found by
//! [`crate::check`] and skipped with a warning.

use std::path::{Path, PathBuf};

use crate::dataset::DatasetError;
use crate::source::LabelledFile;

/// The folder that holds the genre folders.
fn genres_dir(root: &Path) -> Result<PathBuf, DatasetError> {
    for name in ["genres", "genres_original", "Data/genres_original"] {
        let dir = root.join(name);
        if dir.is_dir() {
            return Ok(dir);
        }
    }
    if read_dirs(root)?.iter().any(|d| !gtzan_files(d).unwrap_or_default().is_empty()) {
        return Ok(root.to_path_buf());
    }
    Err(DatasetError::BadFile {
        path: root.to_path_buf(),
        reason: "not a GTZAN folder: expected genres/<genre>/<genre>.000NN.wav (or genres_original/)".into(),
    })
}

fn read_dirs(dir: &Path) -> Result<Vec<PathBuf>, DatasetError> {
    let entries = std::fs::read_dir(dir).map_err(|e| DatasetError::Io { path: dir.to_path_buf(), source: e })?;
    let mut dirs: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    Ok(dirs)
}

/// Files in a genre folder named `<genre>.<digits>.<wav|au>`.
fn gtzan_files(genre_dir: &Path) -> Result<Vec<PathBuf>, DatasetError> {
    let genre = genre_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let entries = std::fs::read_dir(genre_dir).map_err(|e| DatasetError::Io { path: genre_dir.to_path_buf(), source: e })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            let Some(rest) = name.strip_prefix(&format!("{genre}.")) else { return false };
            let Some((number, ext)) = rest.split_once('.') else { return false };
            !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit()) && (ext.eq_ignore_ascii_case("wav") || ext.eq_ignore_ascii_case("au"))
        })
        .collect();
    files.sort();
    Ok(files)
}

/// Every GTZAN file under `root`, labelled by its genre folder.
pub(crate) fn list(root: &Path) -> Result<Vec<LabelledFile>, DatasetError> {
    let dir = genres_dir(root)?;
    let mut out = Vec::new();
    for genre_dir in read_dirs(&dir)? {
        let label = genre_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        for path in gtzan_files(&genre_dir)? {
            let id = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            out.push(LabelledFile { id, path, label: label.clone() });
        }
    }
    Ok(out)
}
