//! Training/validation/test splits: stratified and seeded, or read from a published split file.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::dataset::{csv_err, DatasetError};

/// Which part of a dataset a track belongs to. Names are FMA's (`set.split`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Training,
    Validation,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Training, Split::Validation, Split::Test];

    pub fn name(self) -> &'static str {
        match self {
            Split::Training => "training",
            Split::Validation => "validation",
            Split::Test => "test",
        }
    }

    /// Parse FMA's names and the common short forms (`train`, `val`, `valid`).
    pub fn parse(s: &str) -> Option<Split> {
        match s.trim().to_ascii_lowercase().as_str() {
            "training" | "train" => Some(Split::Training),
            "validation" | "valid" | "val" => Some(Split::Validation),
            "test" | "testing" => Some(Split::Test),
            _ => None,
        }
    }
}

impl std::fmt::Display for Split {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.name())
    }
}

/// Fractions of each genre for training and validation; the rest is the test split.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Fractions {
    pub training: f64,
    pub validation: f64,
}

impl Default for Fractions {
    fn default() -> Self {
        Self { training: 0.8, validation: 0.1 }
    }
}

/// Assign splits per label: within each label the items (in the given order, which callers make
/// deterministic by sorting) are shuffled with a ChaCha8 generator seeded by `seed` and the label,
/// then cut by `fractions`. Every label with at least three items gets at least one validation
/// and one test item, so small datasets still evaluate every genre.
pub fn stratified<'a>(labels: impl IntoIterator<Item = &'a str>, seed: u64, fractions: Fractions) -> Vec<Split> {
    let labels: Vec<&str> = labels.into_iter().collect();
    let mut by_label: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, l) in labels.iter().enumerate() {
        by_label.entry(l).or_default().push(i);
    }
    let mut out = vec![Split::Training; labels.len()];
    for (label, mut items) in by_label {
        let label_seed = label.bytes().fold(seed ^ 0x9E37_79B9_7F4A_7C15, |h, b| h.rotate_left(5) ^ b as u64);
        items.shuffle(&mut ChaCha8Rng::seed_from_u64(label_seed));
        let n = items.len();
        let mut n_val = (n as f64 * fractions.validation).round() as usize;
        let mut n_train = (n as f64 * fractions.training).round() as usize;
        if n >= 3 {
            n_val = n_val.max(1);
            n_train = n_train.min(n - n_val - 1);
        }
        n_train = n_train.min(n);
        n_val = n_val.min(n - n_train);
        for (rank, &i) in items.iter().enumerate() {
            out[i] = if rank < n_train {
                Split::Training
            } else if rank < n_train + n_val {
                Split::Validation
            } else {
                Split::Test
            };
        }
    }
    out
}

/// A published split: CSV with columns `path,split`. Paths are matched relative to the dataset
/// root, so `genres/blues/blues.00000.wav`, `blues/blues.00000.wav` and `blues.00000.wav` all
/// name the same GTZAN track.
#[derive(Debug, Clone, Default)]
pub struct SplitFile {
    entries: HashMap<String, Split>,
}

impl SplitFile {
    pub fn read(path: &Path) -> Result<Self, DatasetError> {
        let bad = |reason: String| DatasetError::BadFile { path: path.to_path_buf(), reason };
        let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).map_err(csv_err(path))?;
        let headers = reader.headers().map_err(csv_err(path))?.clone();
        let col = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
        let (Some(pc), Some(sc)) = (col("path"), col("split")) else {
            return Err(bad(format!("needs columns path,split; found {}", headers.iter().collect::<Vec<_>>().join(","))));
        };
        let mut entries = HashMap::new();
        for (line, record) in reader.records().enumerate() {
            let record = record.map_err(csv_err(path))?;
            let split_name = record.get(sc).unwrap_or("");
            let split = Split::parse(split_name).ok_or_else(|| bad(format!("row {}: unknown split '{split_name}'", line + 2)))?;
            entries.insert(normalise(record.get(pc).unwrap_or("")), split);
        }
        Ok(Self { entries })
    }

    /// The split of the track at `relative` (relative to the dataset root), trying ever shorter
    /// path suffixes down to the file name.
    pub fn lookup(&self, relative: &Path) -> Option<Split> {
        let rel = normalise(&relative.to_string_lossy());
        let parts: Vec<&str> = rel.split('/').collect();
        (0..parts.len()).find_map(|i| self.entries.get(&parts[i..].join("/")).copied())
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

fn normalise(p: &str) -> String {
    p.trim().replace('\\', "/").trim_start_matches("./").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stratified_is_seeded_balanced_and_complete() {
        let labels: Vec<String> = (0..100).map(|i| format!("g{}", i % 4)).collect();
        let a = stratified(labels.iter().map(String::as_str), 7, Fractions::default());
        let b = stratified(labels.iter().map(String::as_str), 7, Fractions::default());
        let c = stratified(labels.iter().map(String::as_str), 8, Fractions::default());
        assert_eq!(a, b);
        assert_ne!(a, c);
        for g in 0..4 {
            let count = |s: Split| (0..100).filter(|&i| i % 4 == g && a[i] == s).count();
            assert_eq!((count(Split::Training), count(Split::Validation), count(Split::Test)), (20, 3, 2));
        }
    }

    #[test]
    fn tiny_labels_still_reach_every_split() {
        let labels = ["a", "a", "a", "b"];
        let s = stratified(labels, 1, Fractions::default());
        let of_a: Vec<Split> = s[..3].to_vec();
        assert!(of_a.contains(&Split::Training) && of_a.contains(&Split::Validation) && of_a.contains(&Split::Test));
        assert_eq!(s[3], Split::Training);
    }

    #[test]
    fn split_names() {
        assert_eq!(Split::parse("Train"), Some(Split::Training));
        assert_eq!(Split::parse("val"), Some(Split::Validation));
        assert_eq!(Split::parse("test"), Some(Split::Test));
        assert_eq!(Split::parse("dev"), None);
    }
}
