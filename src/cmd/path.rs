//! `genrespace path`: a journey through the library from one song (or genre/tag) to another.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::{bail, Result};
use genrespace_recommender::journey::{AnchorInfo, Journey};
use genrespace_recommender::playlist::{to_m3u, Entry};
use genrespace_recommender::target::genre_index;
use genrespace_recommender::{make_path, Anchor, Library};

use super::playlist_args::{Opened, QueryArgs, Use};
use super::playlist_output::{entry_lines, footer, song_lines};
use super::songs::Songs;

#[derive(clap::Args)]
pub struct Args {
    /// Where the path starts: a song (a library track or any audio file) or a genre/tag of the
    /// library's model.
    from: String,
    /// Where it arrives: a song or a genre/tag.
    to: String,
    /// Pass through this song or genre/tag on the way (repeatable, visited in order).
    #[arg(long, value_name = "SONG|GENRE")]
    via: Vec<String>,
    #[command(flatten)]
    common: QueryArgs,
}

pub fn run(args: Args) -> Result<()> {
    let start = Instant::now();
    let Opened { lib, opts, vectors, load_ms } = args.common.open(Use::Path)?;
    let songs = Songs::new(&lib, &args.common.model);
    let mut names = vec![&args.from];
    names.extend(&args.via);
    names.push(&args.to);
    let anchors = names.into_iter().map(|name| anchor(&lib, &songs, name)).collect::<Result<Vec<_>>>()?;
    let mut journey = make_path(&lib, &vectors, &anchors, &opts)?;
    journey.timings.load_ms = load_ms;
    let entries: Vec<Entry> = journey.steps.iter().map(|s| s.entry.clone()).collect();
    args.common.output.emit(&journey, || to_m3u(&entries), || render_text(&journey, start.elapsed().as_secs_f64()))
}

/// A file that exists is a song; otherwise the name must be one of the model's genres/tags.
fn anchor(lib: &Library, songs: &Songs, name: &str) -> Result<Anchor> {
    let path = PathBuf::from(name);
    if path.exists() {
        return Ok(Anchor::Song(Box::new(songs.resolve(&path)?)));
    }
    match genre_index(lib, name) {
        Ok((_, genre)) => Ok(Anchor::Genre(genre)),
        Err(e) => bail!("{name}: no such file, and {e}"),
    }
}

fn render_text(j: &Journey, total_s: f64) -> String {
    let mut out = String::new();
    let last = j.anchors.len() - 1;
    for (i, a) in j.anchors.iter().enumerate() {
        let label = match i {
            0 => "from:",
            i if i == last => "to:",
            _ => "via:",
        };
        match a {
            AnchorInfo::Song(q) => out.push_str(&song_lines(label, q)),
            AnchorInfo::Genre { genre } => out.push_str(&format!("{label:<8}genre/tag {genre}\n")),
        }
    }
    out.push_str(&format!("\n{:>4}  {:>9}  {:>7}  {:>7}  {:>7}  {:<16}  {}\n", "step", "leg", "target", "to end", "dtw", "top genre/tag", "track"));
    for s in &j.steps {
        let leg = format!("{}:{:.2}", s.target.leg + 1, s.target.fraction);
        out.push_str(&entry_lines(&s.entry, &format!("{leg:>9}  {:>7.3}  {:>7.3}", s.entry.distance, s.distance_to_end)));
    }
    out.push_str(&footer(&j.cohesion, j.steps.len(), total_s, &j.timings));
    out
}
