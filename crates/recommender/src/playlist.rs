//! A playlist for a query song: its nearest neighbours in genre space or in the model's
//! embedding space (stage 1, see [`Space`]), reranked by DTW between MFCC sequences (stage 2, see
//! [`crate::rerank`]), with exact duplicates of the query left out and at most N tracks per
//! artist when asked.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use genrespace_classifier::predict::ranked_genres;
use serde::Serialize;

use crate::analysis::{Analysis, Analyzer};
use crate::cohesion::{cohesion, Cohesion};
use crate::error::RecommenderError;
use crate::hash::file_blake3;
use crate::library::{GenreVectors, Library, Space, TrackRow};
use crate::rerank::{rerank, RerankParams};
use crate::search::{nearest, Filter, Neighbour};
use crate::sequence::MfccSequence;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Rerank {
    Dtw,
    None,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PlaylistOptions {
    /// Tracks in the playlist.
    pub n: usize,
    /// The space whose neighbours are the candidates.
    pub space: Space,
    pub rerank: Rerank,
    /// Genre-space candidates the DTW rerank looks at (at least `n`).
    pub candidates: usize,
    /// Weight of the DTW distance in the score, in [0, 1].
    pub dtw_weight: f64,
    /// Sakoe-Chiba band as a fraction of the longer sequence.
    pub band: f64,
    /// Only tracks whose most likely genre is the query's.
    pub within_genre: bool,
    /// At most this many tracks by one artist (tracks without an artist tag are not limited).
    pub max_per_artist: Option<usize>,
}

impl Default for PlaylistOptions {
    fn default() -> Self {
        Self { n: 10, space: Space::Embedding, rerank: Rerank::Dtw, candidates: 50, dtw_weight: 0.5, band: 0.1, within_genre: false, max_per_artist: None }
    }
}

/// The query as the playlist reports it.
#[derive(Debug, Clone, Serialize)]
pub struct QueryInfo {
    pub path: PathBuf,
    /// True when the query is a library track. A file outside the library whose content is
    /// identical to a library track reuses that track's analysis but is reported as outside.
    pub in_library: bool,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub top_genre: String,
    /// Genre probabilities, most likely first (a JSON object in that order).
    #[serde(serialize_with = "as_map")]
    pub genres: Vec<(String, f32)>,
}

/// A resolved query: where it sits in genre space and embedding space, its sequence, and what
/// it must not return.
pub struct Query {
    pub info: QueryInfo,
    pub vector: Vec<f32>,
    /// Absent for a library track stored before embeddings were.
    pub embedding: Option<Vec<f32>>,
    pub sequence: MfccSequence,
    /// Library tracks that are the query or exact copies of it.
    pub exclude: HashSet<i64>,
    /// Seconds spent analysing the query's audio (0 for a library track).
    pub analysis_seconds: f64,
}

impl Query {
    /// Resolve `path`: a library track when it names one (relative, absolute, through a symlink,
    /// or the real file behind a library symlink) or has the content of one; otherwise the file
    /// is analysed with the model `analyzer` loads (only called then).
    pub fn resolve(lib: &Library, path: &Path, analyzer: impl FnOnce() -> Result<Analyzer, RecommenderError>) -> Result<Self, RecommenderError> {
        let io = |e: std::io::Error| RecommenderError::Analysis { path: path.to_path_buf(), reason: format!("cannot read the query: {e}") };
        let canonical = std::fs::canonicalize(path).map_err(io)?;
        if !canonical.is_file() {
            return Err(RecommenderError::Analysis { path: path.to_path_buf(), reason: "the query is not a file".into() });
        }
        let absolute = std::path::absolute(path).map_err(io)?;
        let by_path = match lib.track_by_path(&absolute)? {
            Some(row) => Some(row),
            None => lib.track_by_path(&canonical)?,
        };
        let in_library = by_path.is_some();
        let stored = match by_path {
            Some(row) => Some(row),
            None => {
                let hash = file_blake3(&canonical).map_err(io)?;
                lib.ids_with_hash(&hash)?.first().map(|&id| lib.tracks(&[id])).transpose()?.and_then(|rows| rows.into_iter().next())
            }
        };
        if let Some(row) = stored {
            let mut query = Self::from_track(lib, row)?;
            if !in_library {
                query.info.in_library = false;
                query.info.path = canonical;
            }
            return Ok(query);
        }
        let start = Instant::now();
        let analyzer = analyzer()?;
        lib.check_model(analyzer.identity())?;
        let Analysis { vector, embedding, top_genre, sequence, tags, .. } = analyzer.analyze(&canonical, &lib.meta().sequence, None)?;
        Ok(Self {
            info: QueryInfo {
                path: canonical,
                in_library: false,
                genres: ranked_genres(&lib.meta().model.genres, &vector),
                title: tags.title,
                artist: tags.artist,
                album: tags.album,
                top_genre,
            },
            vector,
            embedding: Some(embedding),
            sequence,
            exclude: HashSet::new(),
            analysis_seconds: start.elapsed().as_secs_f64(),
        })
    }

    /// The query for a library track: its stored analysis; it and its exact copies excluded.
    pub fn from_track(lib: &Library, row: TrackRow) -> Result<Self, RecommenderError> {
        let mut exclude: HashSet<i64> = lib.ids_with_hash(&row.hash)?.into_iter().collect();
        exclude.insert(row.id);
        let vector = lib.vector(row.id)?;
        Ok(Self {
            info: QueryInfo {
                path: row.path,
                in_library: true,
                genres: ranked_genres(&lib.meta().model.genres, &vector),
                title: row.title,
                artist: row.artist,
                album: row.album,
                top_genre: row.top_genre,
            },
            sequence: lib.sequence(row.id)?,
            embedding: lib.embedding(row.id)?,
            vector,
            exclude,
            analysis_seconds: 0.0,
        })
    }
}

impl Query {
    /// Where the query sits in `space`.
    pub fn point(&self, space: Space, lib: &Library) -> Result<&[f32], RecommenderError> {
        match space {
            Space::Genres => Ok(&self.vector),
            Space::Embedding => {
                self.embedding.as_deref().ok_or_else(|| RecommenderError::MissingEmbeddings { path: lib.path().to_path_buf(), missing: 1, total: 1 })
            }
        }
    }
}

fn as_map<S: serde::Serializer>(pairs: &[(String, f32)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(g, p)| (g, p)))
}

/// One playlist entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub rank: usize,
    /// The track's id in the library.
    pub id: i64,
    pub path: PathBuf,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    /// The file's genre tag (not the model's top genre).
    pub genre: Option<String>,
    pub duration_s: f64,
    pub top_genre: String,
    /// Euclidean distance to the query in the playlist's space.
    pub distance: f64,
    /// Per-step DTW distance between MFCC sequences (absent without rerank).
    pub dtw_distance: Option<f64>,
    /// What the playlist is ordered by (lower is closer).
    pub score: f64,
}

/// Where the time went, in milliseconds.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Timings {
    pub query_analysis_ms: f64,
    pub load_ms: f64,
    pub search_ms: f64,
    pub rerank_ms: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Playlist {
    pub query: QueryInfo,
    pub tracks: Vec<Entry>,
    pub cohesion: Cohesion,
    pub space: Space,
    pub rerank: Rerank,
    pub timings: Timings,
}

/// Build the playlist of `query` from `lib`, whose points in `opts.space` are `vectors`.
pub fn make_playlist(lib: &Library, vectors: &GenreVectors, query: &Query, opts: &PlaylistOptions) -> Result<Playlist, RecommenderError> {
    if vectors.ids.is_empty() {
        return Err(RecommenderError::EmptyLibrary { path: lib.path().to_path_buf() });
    }
    let mut timings = Timings { query_analysis_ms: query.analysis_seconds * 1e3, ..Default::default() };
    let only = if opts.within_genre { Some(lib.ids_with_top_genre(&query.info.top_genre)?) } else { None };
    let filter = Filter { exclude: query.exclude.clone(), only };
    let point = query.point(opts.space, lib)?;
    if point.len() != vectors.dims {
        return Err(RecommenderError::Analysis {
            path: query.info.path.clone(),
            reason: format!("the query has {} dimensions in the {:?} space, the library's vectors {}", point.len(), opts.space, vectors.dims),
        });
    }
    let n = opts.n.max(1);
    let mut k = match opts.rerank {
        Rerank::Dtw => opts.candidates.max(n),
        Rerank::None => n,
    };
    loop {
        let t = Instant::now();
        let neighbours = nearest(vectors, point, k, &filter);
        let rows = distinct_content(lib.tracks(&neighbours.iter().map(|c| c.id).collect::<Vec<_>>())?);
        timings.search_ms += t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        let ranked = rank(lib, query, &neighbours, &rows, opts, n)?;
        timings.rerank_ms += t.elapsed().as_secs_f64() * 1e3;
        let tracks = pick(ranked, n, opts.max_per_artist);
        // Too few after the artist limit: widen the candidate set, unless it already holds everything.
        if tracks.len() >= n || neighbours.len() < k {
            let cohesion = cohesion(lib, &tracks, opts.band)?;
            return Ok(Playlist { query: query.info.clone(), tracks, cohesion, space: opts.space, rerank: opts.rerank, timings });
        }
        k *= 4;
    }
}

/// Drop candidates whose content repeats an earlier (nearer) one.
fn distinct_content(rows: Vec<TrackRow>) -> Vec<TrackRow> {
    let mut seen = HashSet::new();
    rows.into_iter().filter(|r| seen.insert(r.hash.clone())).collect()
}

/// Score candidates, best first.
fn rank(lib: &Library, query: &Query, neighbours: &[Neighbour], rows: &[TrackRow], opts: &PlaylistOptions, n: usize) -> Result<Vec<Entry>, RecommenderError> {
    let distance: HashMap<i64, f32> = neighbours.iter().map(|c| (c.id, c.distance)).collect();
    let entry = |row: &TrackRow, dtw: Option<f64>, score: f64| Entry {
        rank: 0,
        id: row.id,
        path: row.path.clone(),
        title: row.title.clone(),
        artist: row.artist.clone(),
        album: row.album.clone(),
        genre: row.genre.clone(),
        duration_s: row.duration_s,
        top_genre: row.top_genre.clone(),
        distance: distance[&row.id] as f64,
        dtw_distance: dtw,
        score,
    };
    match opts.rerank {
        Rerank::None => Ok(rows.iter().map(|r| entry(r, None, distance[&r.id] as f64)).collect()),
        Rerank::Dtw => {
            let sequences = rows.iter().map(|r| lib.sequence(r.id)).collect::<Result<Vec<_>, _>>()?;
            let candidates: Vec<(f32, &MfccSequence)> = rows.iter().zip(&sequences).map(|(r, s)| (distance[&r.id], s)).collect();
            // Early abandoning is exact only when the best `n` scores are the playlist, i.e.
            // without an artist limit that may skip some of them.
            let keep = opts.max_per_artist.is_none().then_some(n);
            let params = RerankParams { dtw_weight: opts.dtw_weight, band: opts.band, keep };
            Ok(rerank(&query.sequence, &candidates, &params).into_iter().map(|s| entry(&rows[s.index], Some(s.dtw), s.score)).collect())
        }
    }
}

/// The first `n` entries, at most `max_per_artist` per artist (compared case-insensitively).
fn pick(ranked: Vec<Entry>, n: usize, max_per_artist: Option<usize>) -> Vec<Entry> {
    let mut per_artist: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::with_capacity(n);
    for mut e in ranked {
        if out.len() == n {
            break;
        }
        if let (Some(max), Some(artist)) = (max_per_artist, e.artist.as_deref()) {
            let count = per_artist.entry(artist.trim().to_lowercase()).or_default();
            if *count >= max {
                continue;
            }
            *count += 1;
        }
        e.rank = out.len() + 1;
        out.push(e);
    }
    out
}

impl Playlist {
    /// An extended M3U8 playlist (UTF-8, absolute paths, durations and `artist - title` names).
    pub fn to_m3u(&self) -> String {
        let mut out = String::from("#EXTM3U\n#PLAYLIST:genrespace\n");
        for e in &self.tracks {
            let name = match (&e.artist, &e.title) {
                (Some(a), Some(t)) => format!("{a} - {t}"),
                (None, Some(t)) => t.clone(),
                _ => e.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
            };
            out.push_str(&format!("#EXTINF:{},{}\n{}\n", e.duration_s.round() as i64, name.replace('\n', " "), e.path.display()));
        }
        out
    }
}
