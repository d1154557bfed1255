//! A playlist for one or more seed songs: their nearest neighbours in genre space or in the
//! model's embedding space (stage 1, see [`Space`]), reranked by DTW between MFCC sequences
//! (stage 2, see [`crate::rerank`]), optionally steered towards a genre/tag
//! ([`crate::target::Toward`]), with exact duplicates of the seeds left out and the limits,
//! exclusions and shuffle of [`Variety`].

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::Instant;

use genrespace_classifier::predict::ranked_genres;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use crate::analysis::{Analysis, Analyzer};
use crate::cohesion::{cohesion, Cohesion};
use crate::error::RecommenderError;
use crate::explain::{explain, Explanation};
use crate::hash::file_blake3;
use crate::library::{tag_key, Library, Space, TrackRow};
use crate::rerank::{rerank, RerankParams};
use crate::search::{squared_distance, Candidates, Filter, Neighbour, Points};
use crate::sequence::MfccSequence;
use crate::target::{steer, Target, Toward};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
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
    /// Limits, exclusions and shuffling of the result.
    pub variety: Variety,
    /// Library tracks never to return (e.g. the songs already played).
    pub exclude: HashSet<i64>,
    /// Steer the seeds' targets towards a genre/tag.
    pub toward: Option<Toward>,
}

impl Default for PlaylistOptions {
    fn default() -> Self {
        Self {
            n: 10,
            space: Space::Embedding,
            rerank: Rerank::Dtw,
            candidates: 50,
            dtw_weight: 0.5,
            band: 0.1,
            within_genre: false,
            variety: Variety::default(),
            exclude: HashSet::new(),
            toward: None,
        }
    }
}

/// What a playlist may hold besides closeness: per-artist and per-album limits (compared
/// case-insensitively; untagged tracks are not limited), genres left out (the model's top genre),
/// a duration range, and a seeded shuffle that picks the playlist at random among the best
/// `shuffle_among` eligible tracks (kept in score order), the same for the same seed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Variety {
    pub max_per_artist: Option<usize>,
    pub max_per_album: Option<usize>,
    pub exclude_genres: Vec<String>,
    pub min_duration_s: Option<f64>,
    pub max_duration_s: Option<f64>,
    pub shuffle_among: Option<usize>,
    pub seed: u64,
}

impl Variety {
    /// Whether anything here can pass over one of the best-scored tracks.
    fn skips_any(&self) -> bool {
        self != &Variety { seed: self.seed, ..Variety::default() }
    }

    /// Whether a track's own facts admit it (its top genre, its duration).
    fn admits(&self, top_genre: &str, duration_s: f64) -> bool {
        !self.exclude_genres.iter().any(|g| g.eq_ignore_ascii_case(top_genre))
            && self.min_duration_s.is_none_or(|m| duration_s >= m)
            && self.max_duration_s.is_none_or(|m| duration_s <= m)
    }

    pub(crate) fn admits_row(&self, row: &TrackRow) -> bool {
        self.admits(&row.info.top_genre, row.info.duration_s)
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
#[derive(Clone)]
pub struct Query {
    pub info: QueryInfo,
    /// The library track it is (`None` for a file outside the library).
    pub id: Option<i64>,
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
    pub fn resolve<'a>(lib: &Library, path: &Path, analyzer: impl FnOnce() -> Result<&'a Analyzer, RecommenderError>) -> Result<Self, RecommenderError> {
        let io = |source: std::io::Error| RecommenderError::Io { path: path.to_path_buf(), source };
        let canonical = std::fs::canonicalize(path).map_err(io)?;
        if !canonical.is_file() {
            return Err(RecommenderError::Analysis { path: path.to_path_buf(), reason: "the query is not a file".into() });
        }
        if let Some(row) = lib.track_named(path)? {
            return Self::from_track(lib, row);
        }
        let hash = file_blake3(&canonical).map_err(io)?;
        if let Some(copy) = Self::copy_of_track(lib, &hash, &canonical)? {
            return Ok(copy);
        }
        let start = Instant::now();
        let analyzer = analyzer()?;
        lib.check_model(analyzer.identity())?;
        let analysis = analyzer.analyze(&canonical, &lib.meta().sequence, None)?;
        Ok(Self::from_analysis(lib, canonical, analysis, start.elapsed().as_secs_f64()))
    }

    /// A file outside the library (known as `path`) whose content hash is that of a library
    /// track: that track's stored analysis, reported as outside the library.
    pub fn copy_of_track(lib: &Library, hash: &str, path: &Path) -> Result<Option<Self>, RecommenderError> {
        let Some(&id) = lib.ids_with_hash(hash)?.first() else { return Ok(None) };
        let Some(row) = lib.track(id)? else { return Ok(None) };
        let mut query = Self::from_track(lib, row)?;
        query.id = None;
        query.info.in_library = false;
        query.info.path = path.to_path_buf();
        Ok(Some(query))
    }

    /// The query for a song outside the library, analysed (in `seconds`) with the library's model.
    pub fn from_analysis(lib: &Library, path: PathBuf, analysis: Analysis, seconds: f64) -> Self {
        let Analysis { vector, embedding, top_genre, sequence, tags, .. } = analysis;
        Self {
            info: QueryInfo {
                path,
                in_library: false,
                genres: ranked_genres(&lib.meta().model.genres, &vector),
                title: tags.title,
                artist: tags.artist,
                album: tags.album,
                top_genre,
            },
            id: None,
            vector,
            embedding: Some(embedding),
            sequence,
            exclude: HashSet::new(),
            analysis_seconds: seconds,
        }
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
                title: row.info.title,
                artist: row.info.artist,
                album: row.info.album,
                top_genre: row.info.top_genre,
            },
            id: Some(row.id),
            sequence: lib.sequence(row.id)?,
            embedding: lib.embedding(row.id)?,
            vector,
            exclude,
            analysis_seconds: 0.0,
        })
    }
}

impl Query {
    /// Where the query sits in `space` (whose points have `dims` values), with its genre vector.
    pub fn target(&self, space: Space, lib: &Library, dims: usize) -> Result<Target, RecommenderError> {
        let point = match space {
            Space::Genres => self.vector.clone(),
            Space::Embedding => {
                self.embedding.clone().ok_or_else(|| RecommenderError::MissingEmbeddings { path: lib.path().to_path_buf(), missing: 1, total: 1 })?
            }
        };
        if point.len() != dims {
            return Err(RecommenderError::Analysis {
                path: self.info.path.clone(),
                reason: format!("the query has {} dimensions in the {space:?} space, the library's vectors {dims}", point.len()),
            });
        }
        Ok(Target { point, genres: self.vector.clone() })
    }
}

fn as_map<S: serde::Serializer>(pairs: &[(String, f32)], s: S) -> Result<S::Ok, S::Error> {
    s.collect_map(pairs.iter().map(|(g, p)| (g, p)))
}

/// One playlist entry.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub rank: usize,
    /// The seed it was chosen for (an index into the playlist's seeds; 0 with one seed and in
    /// a path).
    pub seed: usize,
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
    /// The genres/tags it shares with the query and where it differs most.
    pub explanation: Option<Explanation>,
}

impl Entry {
    /// An unnumbered, unexplained entry for a library track.
    pub(crate) fn from_row(row: &TrackRow, seed: usize, distance: f64, dtw_distance: Option<f64>, score: f64) -> Self {
        Entry {
            rank: 0,
            seed,
            id: row.id,
            path: row.path.clone(),
            title: row.info.title.clone(),
            artist: row.info.artist.clone(),
            album: row.info.album.clone(),
            genre: row.info.genre.clone(),
            duration_s: row.info.duration_s,
            top_genre: row.info.top_genre.clone(),
            distance,
            dtw_distance,
            score,
            explanation: None,
        }
    }
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
    pub seeds: Vec<QueryInfo>,
    /// The genre/tag the seeds' targets were moved towards.
    pub toward: Option<Toward>,
    pub tracks: Vec<Entry>,
    pub cohesion: Cohesion,
    pub space: Space,
    pub rerank: Rerank,
    pub timings: Timings,
}

/// Build the playlist of `seeds` from `lib`, whose points in `opts.space` are `points`.
///
/// With several seeds, each candidate belongs to the seed it is nearest to (Euclidean, in the
/// searched space), is scored against that seed alone (distance, DTW to that seed's sequence)
/// and the seeds' ranked lists are interleaved, best of each in turn: every seed is represented
/// and no track is pulled towards a centroid between styles that none of the seeds has. Seeds
/// themselves (and their exact copies) are never in the playlist.
pub fn make_playlist<'a>(lib: &Library, points: impl Into<Points<'a>>, seeds: &[Query], opts: &PlaylistOptions) -> Result<Playlist, RecommenderError> {
    let points = points.into();
    if seeds.is_empty() {
        return Err(RecommenderError::Request("a playlist needs at least one seed song".into()));
    }
    if points.is_empty(lib)? {
        return Err(RecommenderError::EmptyLibrary { path: lib.path().to_path_buf() });
    }
    let mut timings = Timings { query_analysis_ms: seeds.iter().map(|q| q.analysis_seconds).sum::<f64>() * 1e3, ..Default::default() };
    let targets = seed_targets(lib, &points, seeds, opts)?;
    let filter = Filter { exclude: seeds.iter().flat_map(|q| &q.exclude).chain(&opts.exclude).copied().collect(), only: within_genre(lib, seeds, opts)? };
    let n = opts.n.max(1);
    let mut k = match opts.rerank {
        Rerank::Dtw => opts.candidates.max(n),
        Rerank::None => n,
    }
    .max(opts.variety.shuffle_among.unwrap_or(0));
    loop {
        let mut groups = Vec::with_capacity(seeds.len());
        let mut exhausted = false;
        for (s, (seed, target)) in seeds.iter().zip(&targets).enumerate() {
            let t = Instant::now();
            let Candidates { mut neighbours, points: near } = points.find(lib, &target.point, k, &filter)?;
            exhausted |= neighbours.len() < k;
            if targets.len() > 1 {
                neighbours.retain(|c| near.row(c.id).is_some_and(|p| nearest_target(&targets, p) == s));
            }
            let rows = distinct_content(lib.tracks(&neighbours.iter().map(|c| c.id).collect::<Vec<_>>())?);
            timings.search_ms += t.elapsed().as_secs_f64() * 1e3;
            let t = Instant::now();
            groups.push(rank(lib, &seed.sequence, s, &neighbours, &rows, opts, n)?);
            timings.rerank_ms += t.elapsed().as_secs_f64() * 1e3;
        }
        let tracks = pick(interleave(groups), n, &opts.variety);
        // Too few after the limits: widen the candidate set, unless it already holds everything.
        if tracks.len() >= n || exhausted {
            let mut tracks = tracks;
            let genre_vectors = tracks.iter().map(|e| lib.vector(e.id)).collect::<Result<Vec<_>, _>>()?;
            for (e, v) in tracks.iter_mut().zip(&genre_vectors) {
                e.explanation = Some(explain(&lib.meta().model.genres, &seeds[e.seed].vector, v));
            }
            let cohesion = cohesion(lib, &tracks, &genre_vectors, opts.band)?;
            return Ok(Playlist {
                seeds: seeds.iter().map(|q| q.info.clone()).collect(),
                toward: opts.toward.clone(),
                tracks,
                cohesion,
                space: opts.space,
                rerank: opts.rerank,
                timings,
            });
        }
        k *= 4;
    }
}

/// Each seed's target in the searched space, moved towards `opts.toward`'s genre when asked
/// (which reads every point: a genre's target is where its most typical tracks are).
fn seed_targets(lib: &Library, points: &Points, seeds: &[Query], opts: &PlaylistOptions) -> Result<Vec<Target>, RecommenderError> {
    let targets = seeds.iter().map(|q| q.target(opts.space, lib, points.dims())).collect::<Result<Vec<_>, _>>()?;
    match &opts.toward {
        Some(toward) => steer(lib, &*points.all(lib)?, opts.space, Some(toward), targets),
        None => Ok(targets),
    }
}

/// With `within_genre`, the tracks whose top genre is one of the seeds'.
fn within_genre(lib: &Library, seeds: &[Query], opts: &PlaylistOptions) -> Result<Option<HashSet<i64>>, RecommenderError> {
    if !opts.within_genre {
        return Ok(None);
    }
    let mut only = HashSet::new();
    for genre in seeds.iter().map(|q| &q.info.top_genre).collect::<HashSet<_>>() {
        only.extend(lib.ids_with_top_genre(genre)?);
    }
    Ok(Some(only))
}

/// The index of the target nearest to `point` (the first on a tie).
pub(crate) fn nearest_target(targets: &[Target], point: &[f32]) -> usize {
    let d = |t: &Target| squared_distance(&t.point, point);
    (0..targets.len()).min_by(|&a, &b| d(&targets[a]).total_cmp(&d(&targets[b])).then(a.cmp(&b))).unwrap_or(0)
}

/// The ranked lists merged best of each in turn: `[a1, b1, a2, b2, b3]` for `[a1, a2]`, `[b1, b2, b3]`.
fn interleave(groups: Vec<Vec<Entry>>) -> Vec<Entry> {
    let longest = groups.iter().map(Vec::len).max().unwrap_or(0);
    let mut iters: Vec<_> = groups.into_iter().map(Vec::into_iter).collect();
    (0..longest).flat_map(|_| iters.iter_mut().filter_map(Iterator::next).collect::<Vec<_>>()).collect()
}

/// Drop candidates whose content repeats an earlier (nearer) one.
fn distinct_content(rows: Vec<TrackRow>) -> Vec<TrackRow> {
    let mut seen = HashSet::new();
    rows.into_iter().filter(|r| seen.insert(r.hash.clone())).collect()
}

/// Score the candidates of seed number `seed` (whose MFCC sequence is `sequence`), best first.
fn rank(
    lib: &Library,
    sequence: &MfccSequence,
    seed: usize,
    neighbours: &[Neighbour],
    rows: &[TrackRow],
    opts: &PlaylistOptions,
    n: usize,
) -> Result<Vec<Entry>, RecommenderError> {
    let distance: HashMap<i64, f32> = neighbours.iter().map(|c| (c.id, c.distance)).collect();
    let entry = |row: &TrackRow, dtw: Option<f64>, score: f64| Entry::from_row(row, seed, distance[&row.id] as f64, dtw, score);
    match opts.rerank {
        Rerank::None => Ok(rows.iter().map(|r| entry(r, None, distance[&r.id] as f64)).collect()),
        Rerank::Dtw => {
            let sequences = lib.sequences(&rows.iter().map(|r| r.id).collect::<Vec<_>>())?;
            let candidates: Vec<(f32, &MfccSequence)> = rows.iter().zip(&sequences).map(|(r, s)| (distance[&r.id], s)).collect();
            // Early abandoning is exact only when the best `n` scores are the playlist, i.e.
            // without limits, exclusions or a shuffle that may pass over some of them.
            let keep = (!opts.variety.skips_any()).then_some(n);
            let params = RerankParams { dtw_weight: opts.dtw_weight, band: opts.band, keep };
            Ok(rerank(sequence, &candidates, &params).into_iter().map(|s| entry(&rows[s.index], Some(s.dtw), s.score)).collect())
        }
    }
}

/// The playlist from the ranked candidates: the eligible ones under `variety`'s limits, the first
/// `n` of them (or, with a shuffle, `n` drawn with its seed from the first `shuffle_among`, kept
/// in score order), numbered.
fn pick(ranked: Vec<Entry>, n: usize, variety: &Variety) -> Vec<Entry> {
    let pool_size = variety.shuffle_among.map_or(n, |k| k.max(n));
    let mut limits = TagLimits::default();
    let mut pool = Vec::with_capacity(pool_size);
    for e in ranked.into_iter().filter(|e| variety.admits(&e.top_genre, e.duration_s)) {
        if pool.len() == pool_size {
            break;
        }
        if limits.admits(variety, e.artist.as_deref(), e.album.as_deref()) {
            limits.count(e.artist.as_deref(), e.album.as_deref());
            pool.push(e);
        }
    }
    if pool.len() > n {
        let mut rng = ChaCha8Rng::seed_from_u64(variety.seed);
        let mut chosen = rand::seq::index::sample(&mut rng, pool.len(), n).into_vec();
        chosen.sort_unstable();
        pool = chosen.into_iter().map(|i| pool[i].clone()).collect();
    }
    pool.iter_mut().enumerate().for_each(|(i, e)| e.rank = i + 1);
    pool
}

/// The tracks taken so far per artist and per album (tags compared case-insensitively), for
/// [`Variety`]'s per-artist and per-album limits. Untagged tracks and a missing limit always pass.
#[derive(Debug, Default)]
pub(crate) struct TagLimits {
    per_artist: HashMap<String, usize>,
    per_album: HashMap<String, usize>,
}

impl TagLimits {
    /// Whether one more track by `artist` from `album` stays within `variety`'s limits.
    pub(crate) fn admits(&self, variety: &Variety, artist: Option<&str>, album: Option<&str>) -> bool {
        let under = |counts: &HashMap<String, usize>, tag: Option<&str>, max: Option<usize>| match (max, tag_key(tag)) {
            (Some(max), Some(key)) => counts.get(&key).copied().unwrap_or(0) < max,
            _ => true,
        };
        under(&self.per_artist, artist, variety.max_per_artist) && under(&self.per_album, album, variety.max_per_album)
    }

    /// Count a track taken.
    pub(crate) fn count(&mut self, artist: Option<&str>, album: Option<&str>) {
        for (counts, tag) in [(&mut self.per_artist, artist), (&mut self.per_album, album)] {
            if let Some(key) = tag_key(tag) {
                *counts.entry(key).or_default() += 1;
            }
        }
    }
}

/// An extended M3U8 playlist of `tracks` (UTF-8, absolute paths, durations and `artist - title`
/// names).
pub fn to_m3u(tracks: &[Entry]) -> String {
    to_m3u_with(tracks, |e| e.path.display().to_string())
}

/// [`to_m3u`] with each entry located by `location` (a path, or a URL a server streams it from).
pub fn to_m3u_with(tracks: &[Entry], location: impl Fn(&Entry) -> String) -> String {
    let mut out = String::from("#EXTM3U\n#PLAYLIST:genrespace\n");
    for e in tracks {
        let name = match (&e.artist, &e.title) {
            (Some(a), Some(t)) => format!("{a} - {t}"),
            (None, Some(t)) => t.clone(),
            _ => e.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(),
        };
        out.push_str(&format!("#EXTINF:{},{}\n{}\n", e.duration_s.round() as i64, name.replace('\n', " "), location(e)));
    }
    out
}
