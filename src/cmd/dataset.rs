//! `genrespace dataset stats|prepare`: inspect a dataset and build its feature cache.

use std::path::PathBuf;

use anyhow::{Context, Result};
use genrespace_datasets::cache::{prepare, PrepareOptions};
use genrespace_datasets::{check, Split, Stats};
use genrespace_features::FeatureExtractor;
use serde::Serialize;

use super::source::SourceArgs;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Genres and per-split, per-genre track counts; missing and unreadable audio.
    Stats {
        #[command(flatten)]
        source: SourceArgs,
        /// Skip opening every audio file (faster; unreadable files are then not found).
        #[arg(long)]
        no_check: bool,
        #[arg(long)]
        json: bool,
    },
    /// Decode every track once and store its log-mel slices and MFCCs in a feature cache.
    Prepare {
        #[command(flatten)]
        source: SourceArgs,
        /// Cache folder (created; an unfinished one is resumed).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Feature configuration as JSON (default: librosa's defaults).
        #[arg(long, value_name = "FILE.json")]
        config: Option<PathBuf>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        jobs: Option<usize>,
        #[arg(long)]
        json: bool,
    },
}

pub fn run(cmd: Command) -> Result<()> {
    match cmd {
        Command::Stats { source, no_check, json } => stats(&source, no_check, json),
        Command::Prepare { source, out, config, jobs, json } => prepare_cmd(&source, out, config, jobs, json),
    }
}

#[derive(Serialize)]
struct StatsReport {
    source: String,
    #[serde(flatten)]
    stats: Stats,
}

fn stats(source: &SourceArgs, no_check: bool, json: bool) -> Result<()> {
    let source = source.source()?;
    let mut dataset = source.load()?;
    if !no_check {
        check::remove_unreadable(&mut dataset, !json);
    }
    let report = StatsReport { source: source.describe(), stats: dataset.stats() };
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    let s = &report.stats;
    println!("{}", report.source);
    println!("{:<24} {:>9} {:>11} {:>6} {:>7}", "genre", "training", "validation", "test", "total");
    for g in &s.genres {
        let n = |split: Split| s.splits.get(&split).and_then(|m| m.get(g)).copied().unwrap_or(0);
        let (a, b, c) = (n(Split::Training), n(Split::Validation), n(Split::Test));
        println!("{g:<24} {a:>9} {b:>11} {c:>6} {:>7}", a + b + c);
    }
    let total = |split: Split| s.splits.get(&split).map_or(0, |m| m.values().sum::<usize>());
    println!("{:<24} {:>9} {:>11} {:>6} {:>7}", "all", total(Split::Training), total(Split::Validation), total(Split::Test), s.tracks);
    println!("missing audio: {}   unreadable: {}   unlabelled/unlisted: {}", s.missing_audio, s.unreadable.len(), s.unlabelled);
    for u in &s.unreadable {
        println!("  unreadable: {}", u.error);
    }
    Ok(())
}

fn prepare_cmd(source: &SourceArgs, out: PathBuf, config: Option<PathBuf>, jobs: Option<usize>, json: bool) -> Result<()> {
    let config = match config {
        Some(p) => serde_json::from_str(&std::fs::read_to_string(&p).with_context(|| format!("{}: cannot read", p.display()))?)
            .with_context(|| format!("{}: not a valid feature config", p.display()))?,
        None => Default::default(),
    };
    let fx = FeatureExtractor::new(config)?;
    let dataset = source.source()?.load()?;
    let report = prepare(&dataset, &fx, &out, &PrepareOptions { jobs, progress: !json })?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report)?);
        return Ok(());
    }
    println!(
        "{}: {} tracks computed, {} already cached, {} failed, in {:.1} s ({:.1} tracks/s, {:.0}x real time)",
        out.display(),
        report.computed,
        report.reused,
        report.failed.len(),
        report.seconds,
        report.computed as f64 / report.seconds.max(1e-9),
        report.audio_seconds / report.seconds.max(1e-9)
    );
    for (split, s) in &report.splits {
        println!("  {split:<10} {:>6} tracks {:>8} slices", s.tracks, s.slices);
    }
    for f in &report.failed {
        println!("  failed: {}", f.error);
    }
    Ok(())
}
