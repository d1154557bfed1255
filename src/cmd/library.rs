//! `genrespace library`: work on a library as a whole.

use anyhow::Result;
use genrespace_recommender::library::copy_library;
use genrespace_recommender::Location;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Copy a library to another place or engine (SQLite file ⇄ PostgreSQL URL): every track
    /// with the same id, tags, vectors and sequences, bit for bit. The target must be new or empty.
    Copy(CopyArgs),
}

#[derive(clap::Args)]
pub struct CopyArgs {
    /// The library to copy: a SQLite file or a PostgreSQL URL (`postgres://...`).
    #[arg(long, value_name = "FILE|URL")]
    from: Location,
    /// Where to copy it: a SQLite file or a PostgreSQL URL; created when absent.
    #[arg(long, value_name = "FILE|URL")]
    to: Location,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(command: Command) -> Result<()> {
    match command {
        Command::Copy(args) => {
            let report = copy_library(&args.from, &args.to, !args.json)?;
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{} -> {}: {} tracks copied in {:.1} s", report.from, report.to, report.tracks, report.seconds);
            }
            Ok(())
        }
    }
}
