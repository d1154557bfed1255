//! Finding or building the feature cache a command needs.

use std::path::{Path, PathBuf};

use anyhow::Result;
use genrespace_datasets::cache::{prepare, FeatureCache, PrepareOptions};
use genrespace_datasets::{Source, SplitOptions};
use genrespace_features::{FeatureConfig, FeatureExtractor};

/// A readable default cache folder for a source and feature config, under `datasets/cache/`:
/// the dataset kind and folder name, the split seed, and the feature shape.
pub fn default_cache_dir(source: &Source, config: &FeatureConfig) -> PathBuf {
    let base = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "root".into());
    let split = |s: &SplitOptions| match &s.split_file {
        Some(f) => format!("split-{}", base(f).trim_end_matches(".csv")),
        None => format!("seed{}-{:.0}-{:.0}", s.seed, s.fractions.training * 100.0, s.fractions.validation * 100.0),
    };
    let name = match source {
        Source::Gtzan { root, split: s } => format!("gtzan-{}-{}", base(root), split(s)),
        Source::Folders { root, split: s } => format!("folders-{}-{}", base(root), split(s)),
        Source::Fma { audio, subset, .. } => format!("fma-{}-{subset:?}", base(audio)).to_lowercase(),
    };
    Path::new("datasets/cache").join(format!("{name}-{}mel{}x{}-{}hz", config.n_mels, config.n_mels, config.slice_frames, config.sample_rate))
}

/// Open the cache for `source` with `config`, preparing (or finishing) it first when needed.
pub fn ensure_cache(source: &Source, config: &FeatureConfig, dir: Option<PathBuf>, progress: bool) -> Result<FeatureCache> {
    let dir = dir.unwrap_or_else(|| default_cache_dir(source, config));
    if let Ok(cache) = FeatureCache::open(&dir) {
        if cache.config() == config && &cache.manifest().source == source {
            return Ok(cache);
        }
    }
    if progress {
        eprintln!("preparing the feature cache in {}", dir.display());
    }
    let mut dataset = source.load()?;
    genrespace_datasets::check::remove_unreadable(&mut dataset, progress);
    prepare(&dataset, &FeatureExtractor::new(config.clone())?, &dir, &PrepareOptions { jobs: None, progress })?;
    Ok(FeatureCache::open(&dir)?)
}
