//! The music library: tracks placed in genre space, in SQLite (one machine, the default) or in
//! PostgreSQL (a library shared by many machines, filled by index workers together).
//!
//! Both engines hold the same things: the library's metadata (format version, the model and the
//! sequence pooling it was built with), `tracks` (path as found in the music folder, the real path
//! behind any symlinks, size, mtime, content hash, tags, duration, top genre), `vectors` (genre
//! vectors, in a table of their own so the nearest-neighbour scan never touches text or
//! sequences), `embeddings` (the model's mean penultimate activations, the other space a playlist
//! can search, see [`Space`]) and `sequences` (pooled MFCC frames for DTW). A track's rows are
//! written in one transaction, so a killed run leaves every track either complete or absent.
//!
//! [`Library`] is the one interface the rest of genrespace uses; what differs between the
//! engines (SQL dialects, schemas and migrations, transactions, the shared job queue) lives behind
//! the [`Store`] trait in [`sqlite`] and [`postgres`].

mod copy;
pub mod jobs;
mod location;
pub(crate) mod postgres;
pub(crate) mod sqlite;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use self::copy::{copy_library, CopyReport};
pub use self::location::Location;
use crate::analysis::{Analysis, ModelIdentity};
use crate::browse::{TrackPage, TrackQuery};
use crate::error::RecommenderError;
use crate::sequence::{MfccSequence, SequenceConfig};

pub const FORMAT_VERSION: u32 = 1;

/// The space a playlist searches: the model's outputs (genre or tag probabilities, axes with
/// names) or its embedding (the last hidden layer: more dimensions, no names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Space {
    Genres,
    Embedding,
}

impl Space {
    /// The table that holds the space's points, in either engine.
    pub(crate) fn table(self) -> &'static str {
        match self {
            Space::Genres => "vectors",
            Space::Embedding => "embeddings",
        }
    }
}

/// What the library records of how it was built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LibraryMeta {
    pub format_version: u32,
    pub model: ModelIdentity,
    pub sequence: SequenceConfig,
    /// Values per pooled MFCC frame.
    pub sequence_dims: usize,
}

/// The file facts that decide whether a track must be analysed again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    pub mtime_ns: i64,
}

impl FileStamp {
    pub fn of(path: &Path) -> std::io::Result<Self> {
        let md = std::fs::metadata(path)?;
        let mtime_ns = md.modified()?.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as i64).unwrap_or_else(|e| -(e.duration().as_nanos() as i64));
        Ok(Self { size: md.len(), mtime_ns })
    }
}

/// What a library knows of a track besides where it is and what it holds: its tags, its length
/// and its top genre. Both the rows read back ([`TrackRow`]) and the records written
/// ([`TrackRecord`]) carry it; each engine reads it from seven columns in its fields' order.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackInfo {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub duration_s: f64,
    pub top_genre: String,
}

/// The `tracks` columns a [`TrackRow`] is read from, in its fields' order (the info from the
/// fourth on).
pub(crate) const TRACK_COLUMNS: &str = "id, path, hash, title, artist, album, genre, year, duration_s, top_genre";

/// An indexed track as stored, without its vector and sequence. Serialized flat (the web pages
/// and `--json` read `title`, `top_genre`... next to `id`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackRow {
    pub id: i64,
    pub path: PathBuf,
    pub hash: String,
    #[serde(flatten)]
    pub info: TrackInfo,
}

/// Everything stored of one track: what an index run writes and what `library copy` carries from
/// one engine to the other unchanged (same id, same bytes).
#[derive(Debug, Clone, PartialEq)]
pub struct TrackRecord {
    /// `None` for a new track (the library numbers it); `Some` when copying a library.
    pub id: Option<i64>,
    pub path: String,
    pub real_path: String,
    pub stamp: FileStamp,
    pub hash: String,
    pub info: TrackInfo,
    pub vector: Vec<f32>,
    /// `None` in SQLite libraries indexed before embeddings were stored.
    pub embedding: Option<Vec<f32>>,
    /// The pooled MFCC sequence as [`MfccSequence::to_bytes`] writes it.
    pub sequence: Vec<u8>,
}

impl TrackRecord {
    /// The record of a freshly analysed file.
    fn analysed(path: &Path, real_path: &Path, stamp: FileStamp, hash: &str, analysis: &Analysis) -> Self {
        let tags = &analysis.tags;
        Self {
            id: None,
            path: path_text(path),
            real_path: path_text(real_path),
            stamp,
            hash: hash.to_owned(),
            info: TrackInfo {
                title: tags.title.clone(),
                artist: tags.artist.clone(),
                album: tags.album.clone(),
                genre: tags.genre.clone(),
                year: tags.year,
                duration_s: analysis.duration_s,
                top_genre: analysis.top_genre.clone(),
            },
            vector: analysis.vector.clone(),
            embedding: Some(analysis.embedding.clone()),
            sequence: analysis.sequence.to_bytes(),
        }
    }
}

/// A tag as tracks are compared by it (same artist, album, genre): trimmed and lower-cased;
/// `None` for an absent or blank tag.
pub fn tag_key(tag: Option<&str>) -> Option<String> {
    tag.map(|s| s.trim().to_lowercase()).filter(|s| !s.is_empty())
}

/// What an index run knows of a file already in the library.
#[derive(Debug, Clone)]
pub struct Known {
    pub id: i64,
    pub stamp: FileStamp,
    pub hash: String,
}

/// One file of the music folder that an index run must look at: new, or changed since it was
/// indexed (`known`).
#[derive(Debug, Clone)]
pub struct WorkItem {
    pub path: PathBuf,
    pub real_path: PathBuf,
    pub stamp: FileStamp,
    pub known: Option<Known>,
}

/// Every track's point in one [`Space`], contiguous, for the nearest-neighbour scan.
#[derive(Debug, Clone, Default)]
pub struct GenreVectors {
    pub ids: Vec<i64>,
    pub dims: usize,
    pub data: Vec<f32>,
}

impl GenreVectors {
    /// The point of track `id` (ids are in ascending order, as [`Library::vectors`] reads them).
    pub fn row(&self, id: i64) -> Option<&[f32]> {
        let i = self.ids.binary_search(&id).ok()?;
        Some(&self.data[i * self.dims..(i + 1) * self.dims])
    }

    /// Append a track's point, checking its length (`what` names it in the error).
    pub(crate) fn push(&mut self, id: i64, point: impl IntoIterator<Item = f32>, what: impl FnOnce() -> String) -> Result<(), String> {
        let before = self.data.len();
        self.data.extend(point);
        if self.data.len() - before != self.dims {
            return Err(format!("{}: a point of {} values, expected {}", what(), self.data.len() - before, self.dims));
        }
        self.ids.push(id);
        Ok(())
    }
}

/// What one engine does; [`Library`] adds the checks and conversions both share. Reads take
/// `&self` (a library is read through one connection by one thread at a time).
pub(crate) trait Store: Send {
    /// This connection's name among a shared library's workers (`None` for SQLite).
    fn worker(&self) -> Option<&str>;
    fn len(&self) -> Result<usize, RecommenderError>;
    /// Without counting where counting costs a scan.
    fn is_empty(&self) -> Result<bool, RecommenderError> {
        Ok(self.len()? == 0)
    }
    /// Every track's path and stamp (the caller keeps those under its folder).
    fn known(&self) -> Result<Vec<(PathBuf, Known)>, RecommenderError>;
    /// Insert the track, or replace the one at its path, in one transaction (nested in an open
    /// [`Store::begin`] when there is one). A shared library's job for the path ends with it.
    fn put(&mut self, track: &TrackRecord) -> Result<i64, RecommenderError>;
    /// Write copied tracks (each with its id, none of them in the library yet) in one
    /// transaction, the engine's fastest way; one by one by default.
    fn put_copies(&mut self, records: &[TrackRecord]) -> Result<(), RecommenderError> {
        records.iter().try_for_each(|r| self.put(r).map(drop))
    }
    /// Record a new stamp for a track whose content did not change.
    fn restamp(&mut self, id: i64, stamp: FileStamp) -> Result<(), RecommenderError>;
    /// Remove tracks with their points and sequences, in one transaction.
    fn remove(&mut self, ids: &[i64]) -> Result<(), RecommenderError>;
    /// How many tracks have a point in `space`, and the longest point's length (0 without any).
    fn space_shape(&self, space: Space) -> Result<(usize, usize), RecommenderError>;
    /// Every point of `space` in ascending id order, each of `out.dims` values.
    fn vectors(&self, space: Space, out: &mut GenreVectors) -> Result<(), RecommenderError>;
    /// One track's point in `space`.
    fn point(&self, space: Space, id: i64) -> Result<Option<Vec<f32>>, RecommenderError>;
    fn track_by_path(&self, path: &str) -> Result<Option<TrackRow>, RecommenderError>;
    /// The tracks of `ids` that exist, in the order given (one query where the engine is remote).
    fn tracks(&self, ids: &[i64]) -> Result<Vec<TrackRow>, RecommenderError>;
    fn ids_with_hash(&self, hash: &str) -> Result<Vec<i64>, RecommenderError>;
    fn ids_with_top_genre(&self, genre: &str) -> Result<HashSet<i64>, RecommenderError>;
    /// The sequences of `ids`, in the order given (`None` where a track has none).
    fn sequences(&self, ids: &[i64]) -> Result<Vec<Option<Vec<u8>>>, RecommenderError>;
    fn real_path(&self, id: i64) -> Result<Option<PathBuf>, RecommenderError>;
    fn generation(&self) -> Result<u64, RecommenderError>;
    fn browse(&self, query: &TrackQuery) -> Result<TrackPage, RecommenderError>;
    /// Note that a file of a shared library's queue could not be analysed (its job ends; the
    /// failure is kept for every worker to see). Nothing to do for a one-machine library.
    fn record_failure(&mut self, path: &str, error: &str) -> Result<(), RecommenderError>;
    /// Start a transaction: one consistent snapshot to read, or a bulk write.
    fn begin(&self, read_only: bool) -> Result<(), RecommenderError>;
    fn end(&self, commit: bool) -> Result<(), RecommenderError>;
    /// Every track's full record in ascending id order (library copies).
    fn records(&self, visit: &mut dyn FnMut(TrackRecord) -> Result<(), RecommenderError>) -> Result<(), RecommenderError>;
    /// The length of `space`'s points where the engine's own index searches them; `None` where
    /// it has none (or no points yet).
    fn indexed_dims(&self, space: Space) -> Result<Option<usize>, RecommenderError>;
    /// The points of the `k` tracks nearest to `point` in `space` by the engine's own index, in
    /// `out`; `false` where the engine has none (the caller scans [`Store::vectors`]).
    fn nearest(&self, space: Space, point: &[f32], k: usize, out: &mut GenreVectors) -> Result<bool, RecommenderError>;
}

pub struct Library {
    store: Box<dyn Store>,
    location: Location,
    meta: LibraryMeta,
}

impl Library {
    /// Open the library at `location`, creating it for `meta` when absent. An existing library
    /// built with another model (or another sequence pooling) is refused.
    pub fn open_or_create(location: impl Into<Location>, meta: LibraryMeta) -> Result<Self, RecommenderError> {
        let location = location.into();
        let (store, stored): (Box<dyn Store>, _) = match &location {
            Location::File(path) => {
                let (store, stored) = sqlite::SqliteStore::open_or_create(path, &meta)?;
                (Box::new(store), stored)
            }
            Location::Postgres(url) => {
                let (store, stored) = postgres::PgStore::open_or_create(url, &location.name(), &meta)?;
                (Box::new(store), stored)
            }
        };
        check_same_model(&location.name(), &stored, &meta)?;
        Ok(Self { store, location, meta: stored })
    }

    /// Open an existing library (never creates one).
    pub fn open(location: impl Into<Location>) -> Result<Self, RecommenderError> {
        Self::open_existing(location.into(), false)
    }

    /// Open an existing library that this connection can only read (a server's): an index run
    /// may write it meanwhile, and each [`Library::snapshot`] sees one committed state.
    pub fn open_read_only(location: impl Into<Location>) -> Result<Self, RecommenderError> {
        Self::open_existing(location.into(), true)
    }

    fn open_existing(location: Location, read_only: bool) -> Result<Self, RecommenderError> {
        let (store, meta): (Box<dyn Store>, _) = match &location {
            Location::File(path) => {
                let (store, meta) = sqlite::SqliteStore::open(path, read_only)?;
                (Box::new(store), meta)
            }
            Location::Postgres(url) => {
                let (store, meta) = postgres::PgStore::open(url, &location.name(), read_only)?;
                (Box::new(store), meta)
            }
        };
        Ok(Self { store, location, meta })
    }

    /// The library's name in messages: its file, or its URL without the password.
    pub fn path(&self) -> &Path {
        self.location.name_ref()
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    /// This connection's name among a shared library's workers (PostgreSQL; `None` for SQLite).
    pub fn worker(&self) -> Option<&str> {
        self.store.worker()
    }

    pub fn meta(&self) -> &LibraryMeta {
        &self.meta
    }

    /// Refuse a model (e.g. the one about to analyse a query) other than the library's.
    pub fn check_model(&self, model: &ModelIdentity) -> Result<(), RecommenderError> {
        check_same_model(self.path(), &self.meta, &LibraryMeta::new(model.clone(), self.meta.sequence))
    }

    pub fn len(&self) -> Result<usize, RecommenderError> {
        self.store.len()
    }

    pub fn is_empty(&self) -> Result<bool, RecommenderError> {
        self.store.is_empty()
    }

    /// Tracks whose path lies under `root` (canonical), by path.
    pub fn known_under(&self, root: &Path) -> Result<HashMap<PathBuf, Known>, RecommenderError> {
        Ok(self.store.known()?.into_iter().filter(|(path, _)| path.starts_with(root)).collect())
    }

    /// Insert or replace the track at `path` (whose symlinks resolve to `real_path`) with its
    /// analysis, in one transaction.
    pub fn upsert(&mut self, path: &Path, real_path: &Path, stamp: FileStamp, hash: &str, analysis: &Analysis) -> Result<i64, RecommenderError> {
        self.store.put(&TrackRecord::analysed(path, real_path, stamp, hash, analysis))
    }

    /// Write a track as recorded (a library copy keeps its id).
    pub fn put_record(&mut self, record: &TrackRecord) -> Result<i64, RecommenderError> {
        self.store.put(record)
    }

    /// Write tracks copied from another library (ids kept; none of them here yet).
    pub fn put_copies(&mut self, records: &[TrackRecord]) -> Result<(), RecommenderError> {
        self.store.put_copies(records)
    }

    /// Note that the file at `path` could not be analysed (see [`Store::record_failure`]).
    pub fn record_failure(&mut self, path: &Path, error: &str) -> Result<(), RecommenderError> {
        self.store.record_failure(&path_text(path), error)
    }

    /// Record a new size/mtime for a track whose content did not change.
    pub fn restamp(&mut self, id: i64, stamp: FileStamp) -> Result<(), RecommenderError> {
        self.store.restamp(id, stamp)
    }

    /// Remove tracks (with their vectors and sequences) in one transaction.
    pub fn remove(&mut self, ids: &[i64]) -> Result<(), RecommenderError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.store.remove(ids)
    }

    /// Every track's point in `space`, for the neighbour search. Every track must have one: a
    /// library indexed before embeddings were stored says to re-index.
    pub fn vectors(&self, space: Space) -> Result<GenreVectors, RecommenderError> {
        let (count, dims) = self.space_shape(space)?;
        let tracks = self.len()?;
        if count < tracks {
            return Err(RecommenderError::MissingEmbeddings { path: self.path().to_path_buf(), missing: tracks - count, total: tracks });
        }
        let mut out = GenreVectors { dims, ..Default::default() };
        self.store.vectors(space, &mut out)?;
        Ok(out)
    }

    /// How many tracks have a point in `space`, and its dimension (genres: the model's labels;
    /// embedding: the length stored, 0 for a library without embeddings).
    fn space_shape(&self, space: Space) -> Result<(usize, usize), RecommenderError> {
        let (count, dims) = self.store.space_shape(space)?;
        Ok((count, if space == Space::Genres { self.meta.model.genres.len() } else { dims }))
    }

    /// The track stored under `path`, compared as given against the paths found in the music
    /// folder and the real paths behind them (pass an absolute or a canonical path).
    pub fn track_by_path(&self, path: &Path) -> Result<Option<TrackRow>, RecommenderError> {
        self.store.track_by_path(&path_text(path))
    }

    /// The track a user's `path` names: stored under it as given (made absolute, not resolved),
    /// or under the real file behind it. Paths that cannot be made absolute or resolved just
    /// find nothing.
    pub fn track_named(&self, path: &Path) -> Result<Option<TrackRow>, RecommenderError> {
        for candidate in [std::path::absolute(path).ok(), std::fs::canonicalize(path).ok()].into_iter().flatten() {
            if let Some(row) = self.track_by_path(&candidate)? {
                return Ok(Some(row));
            }
        }
        Ok(None)
    }

    /// One track by id, `None` when there is none.
    pub fn track(&self, id: i64) -> Result<Option<TrackRow>, RecommenderError> {
        Ok(self.store.tracks(&[id])?.pop())
    }

    /// Tracks by id, in the order given (ids not found are left out).
    pub fn tracks(&self, ids: &[i64]) -> Result<Vec<TrackRow>, RecommenderError> {
        self.store.tracks(ids)
    }

    /// Ids of every track whose content hash is `hash` (exact duplicates).
    pub fn ids_with_hash(&self, hash: &str) -> Result<Vec<i64>, RecommenderError> {
        self.store.ids_with_hash(hash)
    }

    /// A track's genre vector.
    pub fn vector(&self, id: i64) -> Result<Vec<f32>, RecommenderError> {
        self.store
            .point(Space::Genres, id)?
            .filter(|v| v.len() == self.meta.model.genres.len())
            .ok_or_else(|| self.corrupt(format!("track {id}: bad or missing genre vector")))
    }

    /// A track's embedding, if the library stored one for it.
    pub fn embedding(&self, id: i64) -> Result<Option<Vec<f32>>, RecommenderError> {
        self.store.point(Space::Embedding, id)
    }

    /// Ids of the tracks whose most likely genre is `genre`.
    pub fn ids_with_top_genre(&self, genre: &str) -> Result<HashSet<i64>, RecommenderError> {
        self.store.ids_with_top_genre(genre)
    }

    /// A track's pooled MFCC sequence.
    pub fn sequence(&self, id: i64) -> Result<MfccSequence, RecommenderError> {
        Ok(self.sequences(&[id])?.remove(0))
    }

    /// The pooled MFCC sequences of `ids`, in that order (the candidates of a rerank: read
    /// together, in one query on PostgreSQL).
    pub fn sequences(&self, ids: &[i64]) -> Result<Vec<MfccSequence>, RecommenderError> {
        let stored = self.store.sequences(ids)?;
        ids.iter()
            .zip(stored)
            .map(|(id, bytes)| {
                let bytes = bytes.ok_or_else(|| self.corrupt(format!("track {id}: no MFCC sequence")))?;
                MfccSequence::from_bytes(&bytes, self.meta.sequence_dims).ok_or_else(|| self.corrupt(format!("track {id}: bad MFCC sequence")))
            })
            .collect()
    }

    /// The file to play for track `id` (the real file behind any symlink).
    pub fn audio_file(&self, id: i64) -> Result<Option<PathBuf>, RecommenderError> {
        self.store.real_path(id)
    }

    /// The tracks `query` asks for.
    pub fn browse(&self, query: &TrackQuery) -> Result<TrackPage, RecommenderError> {
        self.store.browse(query)
    }

    /// The points of the `k` tracks nearest to `point` in `space`, found by the engine's own
    /// index (PostgreSQL's `cube` GiST index, up to 100 dimensions): a playlist's candidates
    /// without reading every track's point. `None` where the engine has no such index; the
    /// caller scans [`Library::vectors`] instead.
    pub fn nearest_indexed(&self, space: Space, point: &[f32], k: usize) -> Result<Option<GenreVectors>, RecommenderError> {
        let mut out = GenreVectors { dims: point.len(), ..Default::default() };
        Ok(self.store.nearest(space, point, k, &mut out)?.then_some(out))
    }

    /// The length of `space`'s points when the engine's own index can find their nearest
    /// ([`Library::nearest_indexed`]); `None` where the caller scans [`Library::vectors`].
    pub fn indexed_dims(&self, space: Space) -> Result<Option<usize>, RecommenderError> {
        self.store.indexed_dims(space)
    }

    /// A number that changes whenever tracks are added, changed or removed: a reader that keeps
    /// the library's points in memory (a server) reloads them when it differs.
    pub fn generation(&self) -> Result<u64, RecommenderError> {
        self.store.generation()
    }

    /// Run `f` on one committed state of the library: an index run committing meanwhile is
    /// seen entirely or not at all.
    pub fn snapshot<T, E: From<RecommenderError>>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E> {
        self.store.begin(true)?;
        let result = f(self);
        let end = self.store.end(result.is_ok());
        let value = result?;
        end.map_err(E::from).map(|()| value)
    }

    /// Run `f` inside one transaction (bulk loads: benchmarks, imports, copies).
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, RecommenderError>) -> Result<T, RecommenderError> {
        self.store.begin(false)?;
        match f(self) {
            Ok(v) => {
                self.store.end(true)?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.store.end(false);
                Err(e)
            }
        }
    }

    /// Every track's full record, in ascending id order.
    pub fn records(&self, visit: &mut dyn FnMut(TrackRecord) -> Result<(), RecommenderError>) -> Result<(), RecommenderError> {
        self.store.records(visit)
    }

    fn corrupt(&self, reason: String) -> RecommenderError {
        RecommenderError::NotALibrary { path: self.path().to_path_buf(), reason }
    }
}

/// Paths are stored as text; non-UTF-8 names are kept lossily (the index reports them as failed
/// before they get here, see `index`).
pub(crate) fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The stored metadata, checked for a format this genrespace reads.
pub(crate) fn parse_meta(name: &Path, text: &str) -> Result<LibraryMeta, RecommenderError> {
    let meta: LibraryMeta = serde_json::from_str(text).map_err(|source| RecommenderError::BadMetadata { path: name.to_path_buf(), source })?;
    if meta.format_version != FORMAT_VERSION {
        return Err(RecommenderError::NotALibrary {
            path: name.to_path_buf(),
            reason: format!("format version {} (this genrespace reads {FORMAT_VERSION})", meta.format_version),
        });
    }
    Ok(meta)
}

fn check_same_model(name: &Path, stored: &LibraryMeta, wanted: &LibraryMeta) -> Result<(), RecommenderError> {
    let (a, b) = (&stored.model, &wanted.model);
    let same = a.weights_blake3 == b.weights_blake3 && a.genres == b.genres && a.feature_config == b.feature_config && stored.sequence == wanted.sequence;
    if same {
        return Ok(());
    }
    let describe = |m: &ModelIdentity| format!("'{}' ({}, weights {})", m.name, m.dir.display(), &m.weights_blake3[..12.min(m.weights_blake3.len())]);
    Err(RecommenderError::ModelMismatch { path: name.to_path_buf(), db_model: describe(a), model: describe(b) })
}

impl LibraryMeta {
    /// The metadata of a library built with `model` and `sequence` pooling.
    pub fn new(model: ModelIdentity, sequence: SequenceConfig) -> Self {
        let sequence_dims = model.feature_config.n_mfcc.saturating_sub(1);
        Self { format_version: FORMAT_VERSION, model, sequence, sequence_dims }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The web pages, `/api/tracks` and `--json` read a row's tags next to its id: the info is
    /// flattened into the row, not nested.
    #[test]
    fn a_track_row_serializes_flat() {
        let info = TrackInfo {
            title: Some("T".into()),
            artist: None,
            album: Some("A".into()),
            genre: None,
            year: Some(1999),
            duration_s: 61.5,
            top_genre: "jazz".into(),
        };
        let row = TrackRow { id: 7, path: PathBuf::from("/m/t.ogg"), hash: "h".into(), info };
        let json = serde_json::to_value(&row).unwrap();
        let expected = serde_json::json!({
            "id": 7, "path": "/m/t.ogg", "hash": "h", "title": "T", "artist": null, "album": "A",
            "genre": null, "year": 1999, "duration_s": 61.5, "top_genre": "jazz"
        });
        assert_eq!(json, expected);
    }
}
