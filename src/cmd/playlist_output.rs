//! How `playlist` and `path` print: text, JSON or M3U8, to standard output or a file written
//! atomically; and the pieces of their text tables.

use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use genrespace_recommender::cohesion::Cohesion;
use genrespace_recommender::playlist::{Entry, QueryInfo, Timings};
use serde::Serialize;

use crate::output::write_atomically;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
    M3u,
}

#[derive(clap::Args)]
pub struct OutputArgs {
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Shorthand for --format json.
    #[arg(long, conflicts_with = "format")]
    json: bool,
    /// Write to FILE instead of standard output.
    #[arg(long, value_name = "FILE")]
    out: Option<PathBuf>,
}

impl OutputArgs {
    /// Write `value` in the chosen format (`m3u` and `text` render the other two).
    pub fn emit(&self, value: &impl Serialize, m3u: impl FnOnce() -> String, text: impl FnOnce() -> String) -> Result<()> {
        let format = if self.json { Format::Json } else { self.format };
        let rendered = match format {
            Format::Json => serde_json::to_string_pretty(value)? + "\n",
            Format::M3u => m3u(),
            Format::Text => text(),
        };
        match &self.out {
            Some(path) => write_atomically(path, |tmp| Ok(std::fs::write(tmp, &rendered)?)),
            None => {
                print!("{rendered}");
                Ok(())
            }
        }
    }
}

/// `jazz 62%, rock 20%, ...`: the five most likely.
fn top_genres(genres: &[(String, f32)]) -> String {
    genres.iter().take(5).map(|(g, v)| format!("{g} {:.0}%", 100.0 * v)).collect::<Vec<_>>().join(", ")
}

fn dtw(d: Option<f64>) -> String {
    d.map_or("-".to_string(), |d| format!("{d:.3}"))
}

/// `artist - title  (path)`, or the path of an untagged track.
fn track_name(e: &Entry) -> String {
    match (&e.artist, &e.title) {
        (None, None) => e.path.display().to_string(),
        _ => format!("{}  ({})", describe(&e.artist, &e.title), e.path.display()),
    }
}

/// A song the user named: `label path  [in library]`, then its tags and top genres.
pub fn song_lines(label: &str, q: &QueryInfo) -> String {
    format!(
        "{label:<8}{}{}\n{:8}{} ({})\n",
        q.path.display(),
        if q.in_library { "  [in library]" } else { "" },
        "",
        describe(&q.artist, &q.title),
        top_genres(&q.genres)
    )
}

/// One result: its rank, the command's own `columns`, DTW, top genre and name; the explanation
/// on the line below.
pub fn entry_lines(e: &Entry, columns: &str) -> String {
    let mut out = format!("{:>4}  {columns}  {:>7}  {:<16}  {}\n", e.rank, dtw(e.dtw_distance), e.top_genre, track_name(e));
    if let Some(why) = &e.explanation {
        out.push_str(&format!("{:>6}{why}\n", ""));
    }
    out
}

/// The cohesion and timing lines under a table of `tracks` results.
pub fn footer(cohesion: &Cohesion, tracks: usize, total_s: f64, t: &Timings) -> String {
    format!(
        "\ncohesion: {cohesion}\n\n{tracks} tracks in {:.0} ms (query analysis {:.0} ms, load {:.1} ms, search {:.1} ms, rerank {:.1} ms)\n",
        total_s * 1e3,
        t.query_analysis_ms,
        t.load_ms,
        t.search_ms,
        t.rerank_ms
    )
}

fn describe(artist: &Option<String>, title: &Option<String>) -> String {
    match (artist, title) {
        (Some(a), Some(t)) => format!("{a} - {t}"),
        (None, Some(t)) => t.clone(),
        (Some(a), None) => a.clone(),
        (None, None) => "(untagged)".into(),
    }
}
