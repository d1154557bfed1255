//! `genrespace playlist`: the tracks of a library closest to one or more seed songs.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Result;
use genrespace_recommender::playlist::to_m3u;
use genrespace_recommender::{make_playlist, Playlist, Space};

use super::playlist_args::{Opened, QueryArgs};
use super::playlist_output::{entry_lines, footer, song_lines};
use super::songs::{m3u_entries, Songs};

#[derive(clap::Args)]
pub struct Args {
    /// Seed songs: library tracks (any path to them) or any audio files. With several, each
    /// result belongs to its nearest seed and the seeds take turns (README, "Playlists").
    #[arg(required_unless_present = "seeds")]
    query: Vec<PathBuf>,
    /// Seed songs listed in an M3U/M3U8 playlist (added to those named).
    #[arg(long, value_name = "FILE.m3u8")]
    seeds: Option<PathBuf>,
    #[command(flatten)]
    common: QueryArgs,
}

pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let Opened { lib, opts, vectors: points, load_ms } = args.common.open_points()?;
    let songs = Songs::new(&lib, &args.common.model);
    let mut paths = args.query.clone();
    if let Some(m3u) = &args.seeds {
        paths.extend(m3u_entries(m3u)?);
    }
    let seeds = paths.iter().map(|p| songs.resolve(p)).collect::<Result<Vec<_>>>()?;
    let mut playlist = make_playlist(&lib, &points, &seeds, &opts)?;
    playlist.timings.load_ms = load_ms;
    args.common.output.emit(&playlist, || to_m3u(&playlist.tracks), || render_text(&playlist, start.elapsed().as_secs_f64()))
}

fn render_text(p: &Playlist, total_s: f64) -> String {
    let mut out = String::new();
    for (i, q) in p.seeds.iter().enumerate() {
        out.push_str(&song_lines(&if p.seeds.len() == 1 { "query:".to_string() } else { format!("seed {}:", i + 1) }, q));
    }
    if let Some(t) = &p.toward {
        out.push_str(&format!("toward: {} ({:.0}% of the way)\n", t.genre, 100.0 * t.amount));
    }
    let space = match p.space {
        Space::Genres => "genre",
        Space::Embedding => "embed",
    };
    let seed_column = p.seeds.len() > 1;
    let seed_header = if seed_column { "seed  " } else { "" };
    out.push_str(&format!("\n{:>4}  {seed_header}{:>7}  {:>7}  {:>7}  {:<16}  {}\n", "rank", "score", space, "dtw", "top genre/tag", "track"));
    for e in &p.tracks {
        let seed = if seed_column { format!("{:>4}  ", e.seed + 1) } else { String::new() };
        out.push_str(&entry_lines(e, &format!("{seed}{:>7.3}  {:>7.3}", e.score, e.distance)));
    }
    out.push_str(&footer(&p.cohesion, p.tracks.len(), total_s, &p.timings));
    out
}
