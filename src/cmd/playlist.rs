//! `genrespace playlist`: the tracks of a library closest to a query song.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use clap::ValueEnum;
use genrespace_recommender::{make_playlist, Library, Playlist, Query, Space};

use super::device::DeviceArg;
use super::playlist_args::PlaylistArgs;
use crate::output::write_atomically;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    M3u,
}

#[derive(clap::Args)]
pub struct Args {
    /// Library database built by `genrespace index`.
    #[arg(long, value_name = "FILE", default_value = "genrespace.db")]
    db: PathBuf,
    /// Query song: a library track (any path to it) or any audio file.
    query: PathBuf,
    #[command(flatten)]
    playlist: PlaylistArgs,
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Shorthand for --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Write the playlist to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Model for a query outside the library (default: the one the library was built with): a
    /// model folder or `builtin:NAME`.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
}

pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let lib = Library::open(&args.db)?;
    let opts = args.playlist.options(&lib)?;
    let load = Instant::now();
    let vectors = lib.vectors(opts.space)?;
    let load_ms = load.elapsed().as_secs_f64() * 1e3;
    // make_playlist refuses an empty library too; saying so here spares analysing the query.
    if vectors.ids.is_empty() {
        return Err(genrespace_recommender::RecommenderError::EmptyLibrary { path: args.db.clone() }.into());
    }
    let model = args.model.clone().unwrap_or_else(|| lib.meta().model.dir.clone());
    let query = Query::resolve(&lib, &args.query, || {
        let (device, _) =
            args.device.device().map_err(|e| genrespace_recommender::RecommenderError::Analysis { path: model.clone(), reason: e.to_string() })?;
        super::model::analyzer(&model, &device)
    })?;
    let mut playlist = make_playlist(&lib, &vectors, &query, &opts)?;
    playlist.timings.load_ms = load_ms;
    let format = if args.json { Format::Json } else { args.format };
    let text = match format {
        Format::Json => serde_json::to_string_pretty(&playlist)? + "\n",
        Format::M3u => playlist.to_m3u(),
        Format::Text => render_text(&playlist, start.elapsed().as_secs_f64()),
    };
    match &args.out {
        Some(path) => write_atomically(path, |tmp| Ok(std::fs::write(tmp, &text)?))?,
        None => print!("{text}"),
    }
    Ok(())
}

fn render_text(p: &Playlist, total_s: f64) -> String {
    let q = &p.query;
    let mut out = format!(
        "query: {}{}\n       {} ({})\n\n",
        q.path.display(),
        if q.in_library { "  [in library]" } else { "" },
        describe(&q.artist, &q.title),
        q.genres.iter().take(5).map(|(g, v)| format!("{g} {:.0}%", 100.0 * v)).collect::<Vec<_>>().join(", ")
    );
    let space = match p.space {
        Space::Genres => "genre",
        Space::Embedding => "embed",
    };
    out.push_str(&format!("{:>4}  {:>7}  {:>7}  {:>7}  {:<16}  {}\n", "rank", "score", space, "dtw", "top genre/tag", "track"));
    for e in &p.tracks {
        let dtw = e.dtw_distance.map_or("-".to_string(), |d| format!("{d:.3}"));
        let name = match (&e.artist, &e.title) {
            (None, None) => e.path.display().to_string(),
            _ => format!("{}  ({})", describe(&e.artist, &e.title), e.path.display()),
        };
        out.push_str(&format!("{:>4}  {:>7.3}  {:>7.3}  {:>7}  {:<16}  {}\n", e.rank, e.score, e.distance, dtw, e.top_genre, name));
        if let Some(why) = &e.explanation {
            out.push_str(&format!("{:>6}{why}\n", ""));
        }
    }
    out.push_str(&format!("\ncohesion: {}\n", p.cohesion));
    let t = &p.timings;
    out.push_str(&format!(
        "\n{} tracks in {:.0} ms (query analysis {:.0} ms, load {:.1} ms, search {:.1} ms, rerank {:.1} ms)\n",
        p.tracks.len(),
        total_s * 1e3,
        t.query_analysis_ms,
        t.load_ms,
        t.search_ms,
        t.rerank_ms
    ));
    out
}

fn describe(artist: &Option<String>, title: &Option<String>) -> String {
    match (artist, title) {
        (Some(a), Some(t)) => format!("{a} - {t}"),
        (None, Some(t)) => t.clone(),
        (Some(a), None) => a.clone(),
        (None, None) => "(untagged)".into(),
    }
}
