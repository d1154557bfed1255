//! `genrespace evaluate-playlists`: how often a library's playlists keep to the query's album,
//! artist, genre tag or folder, every labelled track a query, against the random baseline.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use genrespace_recommender::{playlist_quality, Label, Library, PlaylistOptions, Rerank, Space};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum LabelArg {
    Album,
    Artist,
    Genre,
    /// The folder holding each file.
    Folder,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SpaceArg {
    /// The model's output probabilities (genres or tags: named axes).
    Genres,
    /// The model's last hidden layer (musicnn: 200 dimensions).
    Embedding,
}

impl SpaceArg {
    pub fn space(self) -> Space {
        match self {
            SpaceArg::Genres => Space::Genres,
            SpaceArg::Embedding => Space::Embedding,
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RerankArg {
    /// Rerank the space's candidates by DTW over MFCC sequences.
    Dtw,
    /// Distance in the space only.
    None,
}

impl RerankArg {
    pub fn rerank(self) -> Rerank {
        match self {
            RerankArg::Dtw => Rerank::Dtw,
            RerankArg::None => Rerank::None,
        }
    }
}

#[derive(clap::Args)]
pub struct Args {
    /// Library database built by `genrespace index`.
    #[arg(long, value_name = "FILE", default_value = "genrespace.db")]
    db: PathBuf,
    /// What counts as the same: album, artist, genre tag, or parent folder.
    #[arg(long, value_enum, default_value_t = LabelArg::Album)]
    label: LabelArg,
    /// Playlist length.
    #[arg(short = 'n', long = "count", value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    n: u64,
    #[arg(long, value_enum, default_value_t = SpaceArg::Embedding)]
    space: SpaceArg,
    #[arg(long, value_enum, default_value_t = RerankArg::Dtw)]
    rerank: RerankArg,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let lib = Library::open(&args.db)?;
    let opts = PlaylistOptions { n: args.n as usize, space: args.space.space(), rerank: args.rerank.rerank(), ..Default::default() };
    let vectors = lib.vectors(opts.space)?;
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
        "{}: model {}, {:?} space, rerank {:?}: precision@{} of the {:?} {:.3} (random {:.3}, {:.1}x) over {} queries in {} labels",
        args.db.display(),
        lib.meta().model.name,
        opts.space,
        opts.rerank,
        q.n,
        q.label,
        q.precision,
        q.random_baseline,
        q.precision / q.random_baseline.max(1e-9),
        q.queries,
        q.labels
    );
    for l in &q.per_label {
        println!("  {:<24} {:>5} tracks  {:.3}", l.label, l.tracks, l.precision);
    }
    Ok(())
}
