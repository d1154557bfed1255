//! How good a library's playlists are, measured on the library itself: every labelled track is a
//! query, and precision@n is the share of its playlist that carries the same label (album,
//! artist, tagged genre or parent folder). The random baseline is what a playlist drawn at random
//! from the rest of the library would score: `(tracks with the query's label - 1) / (tracks - 1)`,
//! averaged over the queries. Compare models, spaces and reranks on your own music with it.

use std::collections::HashMap;
use std::path::Path;

use kdam::BarExt;
use serde::Serialize;

use crate::cohesion::Cohesion;
use crate::error::RecommenderError;
use crate::library::{tag_key, GenreVectors, Library, TrackRow};
use crate::playlist::{make_playlist, PlaylistOptions, Query};

/// What counts as "the same" for precision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Album,
    Artist,
    /// The genre tag of the file (not the model's top genre).
    Genre,
    /// The name of the folder holding the file.
    Folder,
}

impl Label {
    /// The label of a track, if it has one (tags compared case-insensitively, trimmed).
    pub fn of(self, row: &TrackRow) -> Option<String> {
        match self {
            Label::Album => tag_key(row.info.album.as_deref()),
            Label::Artist => tag_key(row.info.artist.as_deref()),
            Label::Genre => tag_key(row.info.genre.as_deref()),
            Label::Folder => row.path.parent().and_then(Path::file_name).map(|n| n.to_string_lossy().into_owned()),
        }
    }
}

/// Precision@n of a library's playlists for one label and one set of options.
#[derive(Debug, Clone, Serialize)]
pub struct PlaylistQuality {
    pub label: Label,
    pub n: usize,
    /// Tracks that had a label and were used as queries.
    pub queries: usize,
    /// Tracks in the library.
    pub tracks: usize,
    /// Distinct labels among the queries.
    pub labels: usize,
    /// Mean share of each playlist with the query's label.
    pub precision: f64,
    /// The same for playlists drawn at random.
    pub random_baseline: f64,
    /// Per label: its tracks and their mean precision.
    pub per_label: Vec<LabelPrecision>,
    /// The playlists' cohesion, each measure averaged over the playlists that have it.
    pub mean_cohesion: Cohesion,
    pub seconds: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct LabelPrecision {
    pub label: String,
    pub tracks: usize,
    pub precision: f64,
}

/// Every labelled track of `lib` as a query: its playlist under `opts` (searching `vectors`,
/// the library's points in `opts.space`), scored against `label`.
pub fn playlist_quality(
    lib: &Library,
    vectors: &GenreVectors,
    opts: &PlaylistOptions,
    label: Label,
    progress: bool,
) -> Result<PlaylistQuality, RecommenderError> {
    let start = std::time::Instant::now();
    let rows = lib.tracks(&vectors.ids)?;
    let labels: HashMap<i64, String> = rows.iter().filter_map(|r| label.of(r).map(|l| (r.id, l))).collect();
    let mut sizes: HashMap<&String, usize> = HashMap::new();
    labels.values().for_each(|l| *sizes.entry(l).or_default() += 1);
    let queries: Vec<&TrackRow> = rows.iter().filter(|r| labels.contains_key(&r.id)).collect();
    let mut bar = progress.then(|| kdam::tqdm!(total = queries.len(), desc = "playlists", unit = " queries"));
    let mut per_label: HashMap<&String, (usize, f64)> = HashMap::new();
    let (mut precision_sum, mut baseline_sum) = (0.0, 0.0);
    let mut cohesions = Vec::with_capacity(queries.len());
    let others = rows.len().saturating_sub(1).max(1) as f64;
    for row in &queries {
        let own = &labels[&row.id];
        let query = Query::from_track(lib, (*row).clone())?;
        let playlist = make_playlist(lib, vectors, std::slice::from_ref(&query), opts)?;
        let hits = playlist.tracks.iter().filter(|e| labels.get(&e.id) == Some(own)).count();
        let precision = hits as f64 / opts.n.max(1) as f64;
        cohesions.push(playlist.cohesion);
        precision_sum += precision;
        baseline_sum += (sizes[own] - 1) as f64 / others;
        let entry = per_label.entry(own).or_default();
        entry.0 += 1;
        entry.1 += precision;
        if let Some(bar) = bar.as_mut() {
            let _ = bar.update(1);
        }
    }
    if bar.is_some() {
        eprintln!();
    }
    let q = queries.len().max(1) as f64;
    let mut per_label: Vec<LabelPrecision> =
        per_label.into_iter().map(|(l, (n, sum))| LabelPrecision { label: l.clone(), tracks: n, precision: sum / n as f64 }).collect();
    per_label.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(PlaylistQuality {
        label,
        n: opts.n,
        queries: queries.len(),
        tracks: rows.len(),
        labels: per_label.len(),
        precision: precision_sum / q,
        random_baseline: baseline_sum / q,
        per_label,
        mean_cohesion: mean_cohesion(&cohesions),
        seconds: start.elapsed().as_secs_f64(),
    })
}

/// Each cohesion measure averaged over the playlists that have it.
fn mean_cohesion(all: &[Cohesion]) -> Cohesion {
    let mean = |f: &dyn Fn(&Cohesion) -> Option<f64>| {
        let values: Vec<f64> = all.iter().filter_map(f).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    Cohesion {
        same_artist_pairs: mean(&|c| c.same_artist_pairs),
        same_album_pairs: mean(&|c| c.same_album_pairs),
        same_genre_tag_pairs: mean(&|c| c.same_genre_tag_pairs),
        top_genre_entropy_bits: mean(&|c| Some(c.top_genre_entropy_bits)).unwrap_or(0.0),
        mean_pairwise_genre_distance: mean(&|c| Some(c.mean_pairwise_genre_distance)).unwrap_or(0.0),
        mean_neighbour_dtw: mean(&|c| c.mean_neighbour_dtw),
    }
}
