//! `genrespace index`: bring a library database up to date with a music folder.

use std::path::PathBuf;

use anyhow::{bail, Result};
use genrespace_recommender::index::DEFAULT_LEASE;
use genrespace_recommender::{index_library, IndexOptions, Library, LibraryMeta, Location, SequenceConfig};

use super::device::DeviceArg;

#[derive(clap::Args)]
pub struct Args {
    /// Model that places tracks in genre space: a model folder, or `builtin:msd-musicnn` (the default,
    /// compiled into the program).
    #[arg(long, value_name = "DIR", default_value = super::model::DEFAULT)]
    model: PathBuf,
    /// Music folder (walked recursively, symlinks followed).
    #[arg(long, value_name = "DIR")]
    library: PathBuf,
    /// Library: a SQLite file (created when absent) or a PostgreSQL URL (`postgres://...`),
    /// which any number of `index` runs on any number of machines fill together.
    #[arg(long, value_name = "FILE|URL", env = "GENRESPACE_DB", default_value = "genrespace.db")]
    db: Location,
    /// PostgreSQL library: seconds a claimed file stays this run's without a heartbeat (a killed
    /// run's files go back to the others after this long).
    #[arg(long, value_name = "S", default_value_t = DEFAULT_LEASE.as_secs_f64())]
    lease: f64,
    /// Decoding/feature threads (default: all cores).
    #[arg(long, value_name = "N")]
    jobs: Option<usize>,
    /// Analyse at most N patches (~3 s each) per track, evenly spread over it; 0 = every patch.
    /// The network is most of the cost of indexing full-length songs; on real albums 5 patches
    /// gave musicnn's playlists the same precision as 10 at twice the speed (README).
    #[arg(long, value_name = "N", default_value_t = 5)]
    max_slices: usize,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let (device, _) = args.device.device()?;
    let analyzer = super::model::analyzer(&args.model, &device)?;
    let mut lib = Library::open_or_create(&args.db, LibraryMeta::new(analyzer.identity().clone(), SequenceConfig::default()))?;
    let opts = IndexOptions {
        jobs: args.jobs,
        max_slices: (args.max_slices > 0).then_some(args.max_slices),
        progress: !args.json,
        lease: Some(std::time::Duration::from_secs_f64(args.lease.max(0.1))),
    };
    let report = index_library(&mut lib, &analyzer, &args.library, &opts)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: {} tracks ({} added, {} updated, {} removed, {} unchanged, {} failed) in {:.1} s",
            args.db,
            report.total,
            report.added,
            report.updated,
            report.removed,
            report.unchanged,
            report.failed.len(),
            report.seconds
        );
        let analysed = report.added + report.updated;
        if analysed > 0 && report.seconds > 0.0 {
            println!("  {:.1} tracks/s, {:.0}x real time", analysed as f64 / report.seconds, report.audio_seconds / report.seconds);
        }
        for f in &report.failed {
            println!("  failed: {}", f.error);
        }
    }
    if report.total == 0 && !report.failed.is_empty() {
        bail!("no track of {} could be indexed", args.library.display());
    }
    Ok(())
}
