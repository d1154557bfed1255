//! The dataset flags every dataset-using command shares: which dataset, and how to split it.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::ValueEnum;
use genrespace_datasets::split::Fractions;
use genrespace_datasets::{FmaSubset, Source, SplitOptions};

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum Subset {
    Small,
    Medium,
    Large,
}

#[derive(clap::Args, Debug, Clone)]
pub struct SourceArgs {
    /// GTZAN root (holding genres/<genre>/<genre>.000NN.wav, or genres_original/).
    #[arg(long, value_name = "DIR", help_heading = "Dataset")]
    gtzan: Option<PathBuf>,
    /// FMA audio folder (fma_small/, fma_medium/ or fma_large/: 000/000002.mp3 ...).
    #[arg(long, value_name = "DIR", requires = "fma_metadata", help_heading = "Dataset")]
    fma_audio: Option<PathBuf>,
    /// FMA metadata folder (fma_metadata/ with tracks.csv, optionally genres.csv).
    #[arg(long, value_name = "DIR", requires = "fma_audio", help_heading = "Dataset")]
    fma_metadata: Option<PathBuf>,
    /// FMA subset: small ⊂ medium ⊂ large.
    #[arg(long, value_enum, default_value_t = Subset::Small, help_heading = "Dataset")]
    subset: Subset,
    /// Your own labelled music: DIR/<label>/**/<audio files>.
    #[arg(long, value_name = "DIR", help_heading = "Dataset")]
    folders: Option<PathBuf>,
    /// Published split for GTZAN/folders: CSV with columns path,split.
    #[arg(long, value_name = "CSV", help_heading = "Dataset")]
    split_file: Option<PathBuf>,
    /// Seed of the stratified random split (GTZAN/folders).
    #[arg(long, default_value_t = 42, help_heading = "Dataset")]
    seed: u64,
    /// Training and validation percentages of the random split; the rest is test.
    #[arg(long, value_name = "TRAIN/VAL", default_value = "80/10", help_heading = "Dataset")]
    split_ratio: String,
}

impl SourceArgs {
    pub fn source(&self) -> Result<Source> {
        let split = SplitOptions { seed: self.seed, fractions: self.fractions()?, split_file: self.split_file.clone() };
        let chosen = [self.gtzan.is_some(), self.fma_audio.is_some(), self.folders.is_some()].iter().filter(|b| **b).count();
        if chosen != 1 {
            bail!("name exactly one dataset: --gtzan DIR, --fma-audio DIR --fma-metadata DIR, or --folders DIR");
        }
        Ok(match (&self.gtzan, &self.fma_audio, &self.fma_metadata, &self.folders) {
            (Some(root), ..) => Source::gtzan(root, split)?,
            (_, Some(audio), Some(meta), _) => {
                if self.split_file.is_some() {
                    bail!("--split-file does not apply to FMA, which has its official split");
                }
                let subset = match self.subset {
                    Subset::Small => FmaSubset::Small,
                    Subset::Medium => FmaSubset::Medium,
                    Subset::Large => FmaSubset::Large,
                };
                Source::fma(audio, meta, subset)?
            }
            (.., Some(root)) => Source::folders(root, split)?,
            _ => unreachable!("exactly one source was checked above"),
        })
    }

    fn fractions(&self) -> Result<Fractions> {
        let parse = || -> Option<(f64, f64)> {
            let (a, b) = self.split_ratio.split_once('/')?;
            Some((a.trim().parse().ok()?, b.trim().parse().ok()?))
        };
        match parse() {
            Some((t, v)) if t > 0.0 && v >= 0.0 && t + v <= 100.0 => Ok(Fractions { training: t / 100.0, validation: v / 100.0 }),
            _ => bail!("--split-ratio must be TRAIN/VAL percentages adding up to at most 100, e.g. 80/10; got '{}'", self.split_ratio),
        }
    }
}
