//! `genrespace evaluate-playlists`: how often a library's playlists keep to the query's album,
//! artist, genre tag or folder, every labelled track a query, against the random baseline.

use anyhow::Result;
use clap::ValueEnum;
use genrespace_recommender::{playlist_quality, Label};

use super::playlist_args::{LibraryArgs, Opened};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum LabelArg {
    Album,
    Artist,
    Genre,
    /// The folder holding each file.
    Folder,
}

#[derive(clap::Args)]
pub struct Args {
    /// What counts as the same: album, artist, genre tag, or parent folder.
    #[arg(long, value_enum, default_value_t = LabelArg::Album)]
    label: LabelArg,
    /// The library, and the playlists' options as `playlist` takes them.
    #[command(flatten)]
    library: LibraryArgs,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let Opened { lib, opts, vectors, .. } = args.library.open()?;
    let label = match args.label {
        LabelArg::Album => Label::Album,
        LabelArg::Artist => Label::Artist,
        LabelArg::Genre => Label::Genre,
        LabelArg::Folder => Label::Folder,
    };
    let q = playlist_quality(&lib, &vectors, &opts, label, !args.json)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({"space": opts.space, "rerank": opts.rerank, "model": lib.meta().model.name, "quality": q}))?
        );
        return Ok(());
    }
    println!(
        "{}: model {}, {} space, rerank {}: precision@{} of the {} {:.3} (random {:.3}, {:.1}x) over {} queries in {} labels",
        args.library.db,
        lib.meta().model.name,
        format!("{:?}", opts.space).to_lowercase(),
        format!("{:?}", opts.rerank).to_lowercase(),
        q.n,
        format!("{:?}", q.label).to_lowercase(),
        q.precision,
        q.random_baseline,
        q.precision / q.random_baseline.max(1e-9),
        q.queries,
        q.labels
    );
    println!("  mean cohesion: {}", q.mean_cohesion);
    for l in &q.per_label {
        println!("  {:<24} {:>5} tracks  {:.3}", l.label, l.tracks, l.precision);
    }
    Ok(())
}
