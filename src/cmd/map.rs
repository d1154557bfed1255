//! `genrespace map`: the library projected to 2-D (PCA), coloured by top genre/tag, with a query
//! and its playlist drawn as a numbered route.

use std::path::{Path, PathBuf};

use anyhow::Result;
use genrespace_plot::{MapPoint, MapView, Stop};
use genrespace_recommender::playlist::Entry;
use genrespace_recommender::projection::{LibraryMap, Projection};
use genrespace_recommender::{make_playlist, Space};
use serde_json::json;

use super::playlist_args::{LibraryArgs, Opened};
use super::songs::{QueryModelArgs, Songs};
use crate::output::write_atomically;

#[derive(clap::Args)]
pub struct Args {
    /// The picture: PNG, or SVG when the name ends in .svg.
    #[arg(long, value_name = "FILE.png|svg")]
    out: PathBuf,
    /// Highlight this song (a library track or any audio file) and its playlist.
    #[arg(long, value_name = "SONG")]
    highlight: Option<PathBuf>,
    #[command(flatten)]
    library: LibraryArgs,
    #[command(flatten)]
    model: QueryModelArgs,
    /// Print the summary as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let Opened { lib, opts, vectors, .. } = args.library.open()?;
    let LibraryMap { projection, groups: top } = LibraryMap::of(&lib, &vectors, opts.space)?;
    let groups = &lib.meta().model.genres;
    let points: Vec<MapPoint> = projection.xy.iter().zip(&top).map(|(&(x, y), &group)| MapPoint { x, y, group }).collect();
    let mut route = None;
    let mut playlist = Vec::new();
    if let Some(song) = &args.highlight {
        let query = Songs::new(&lib, &args.model).resolve(song)?;
        let p = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &opts)?;
        let (x, y) = projection.place(&query.target(opts.space, &lib, vectors.dims)?.point);
        let stops = p.tracks.iter().map(|e| stop(&projection, &vectors, e)).collect();
        route = Some((Stop { x, y, label: format!("query: {}", name(&query.info.title, &query.info.path)) }, stops));
        playlist = p.tracks;
    }
    let (pc1, pc2) = projection.explained;
    let view = MapView {
        points: &points,
        groups,
        route,
        title: format!("{} tracks, {} space of {}", points.len(), space_name(opts.space), lib.meta().model.name),
        x_label: format!("PC1 ({:.0}% of the variance)", 100.0 * pc1),
        y_label: format!("PC2 ({:.0}%)", 100.0 * pc2),
    };
    write_atomically(&args.out, |tmp| Ok(genrespace_plot::map(&view, tmp)?))?;
    if args.json {
        let summary = json!({"out": args.out, "tracks": points.len(), "space": opts.space, "explained_variance": [pc1, pc2],
            "highlight": args.highlight, "playlist": playlist.iter().map(|e| &e.path).collect::<Vec<_>>()});
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        println!("{}: {} tracks; the two axes hold {:.0}% + {:.0}% of the variance", args.out.display(), points.len(), 100.0 * pc1, 100.0 * pc2);
    }
    Ok(())
}

fn stop(projection: &Projection, vectors: &genrespace_recommender::library::GenreVectors, e: &Entry) -> Stop {
    let (x, y) = vectors.row(e.id).map_or((0.0, 0.0), |p| projection.place(p));
    Stop { x, y, label: format!("{} {}", e.rank, name(&e.title, &e.path)) }
}

/// A short name for a label: the title, else the file name without extension.
fn name(title: &Option<String>, path: &Path) -> String {
    title.clone().unwrap_or_else(|| path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default())
}

fn space_name(space: Space) -> &'static str {
    match space {
        Space::Genres => "genre",
        Space::Embedding => "embedding",
    }
}
