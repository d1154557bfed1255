//! The music library: a SQLite database of tracks placed in genre space.
//!
//! Tables: `meta` (format version, the model and the sequence pooling the library was built
//! with), `tracks` (path as found in the music folder, the real path behind any symlinks, size,
//! mtime, content hash, tags, duration, top genre), `vectors` (the
//! genre vectors, in a table of their own so the nearest-neighbour scan reads a few MB and never
//! touches text or sequences), `embeddings` (the model's mean penultimate activations, the other
//! space a playlist can search, see [`Space`]) and `sequences` (pooled MFCC frames for DTW). A
//! track's rows are written in one transaction, so a killed index run leaves every track either complete or
//! absent. WAL journaling keeps readers working while an index run writes.

use std::path::{Path, PathBuf};

use genrespace_audio::Tags;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::analysis::{Analysis, ModelIdentity};
use crate::error::RecommenderError;
use crate::sequence::{bytes_to_floats, floats_to_bytes, MfccSequence, SequenceConfig};

pub const FORMAT_VERSION: u32 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS tracks (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    real_path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    hash TEXT NOT NULL,
    title TEXT, artist TEXT, album TEXT, genre TEXT, year INTEGER,
    duration_s REAL NOT NULL,
    top_genre TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tracks_hash ON tracks(hash);
CREATE INDEX IF NOT EXISTS tracks_real_path ON tracks(real_path);
CREATE TABLE IF NOT EXISTS vectors (
    track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS embeddings (
    track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS sequences (
    track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
    data BLOB NOT NULL
);
";

/// The space a playlist searches: the model's outputs (genre or tag probabilities, axes with
/// names) or its embedding (the last hidden layer: more dimensions, no names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Space {
    Genres,
    Embedding,
}

impl Space {
    fn table(self) -> &'static str {
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

/// An indexed track as stored, without its vector and sequence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TrackRow {
    pub id: i64,
    pub path: PathBuf,
    pub hash: String,
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub duration_s: f64,
    pub top_genre: String,
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
}

pub struct Library {
    pub(crate) conn: Connection,
    path: PathBuf,
    meta: LibraryMeta,
}

impl Library {
    /// Open the library at `path`, creating it for `meta` when absent. An existing library built
    /// with another model (or another sequence pooling) is refused.
    pub fn open_or_create(path: &Path, meta: LibraryMeta) -> Result<Self, RecommenderError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| RecommenderError::Io { path: dir.to_path_buf(), source: e })?;
        }
        let mut conn = Connection::open(path).map_err(sql(path))?;
        configure(&conn, path)?;
        // Read, and create when new, in one write transaction: a second run opening the same new
        // library at that moment waits and then finds it whole, not half a schema without `meta`.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql(path))?;
        let meta = match read_meta(&tx, path)? {
            Some(stored) => {
                check_same_model(path, &stored, &meta)?;
                // Libraries from before embeddings were stored gain the table; re-indexed tracks fill it.
                tx.execute_batch(SCHEMA).map_err(sql(path))?;
                stored
            }
            None => {
                tx.execute_batch(SCHEMA).map_err(sql(path))?;
                tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('library', ?1)", params![serde_json::to_string(&meta).expect("meta serialises")])
                    .map_err(sql(path))?;
                meta
            }
        };
        tx.commit().map_err(sql(path))?;
        Ok(Self { conn, path: path.to_path_buf(), meta })
    }

    /// Open an existing library (never creates one).
    pub fn open(path: &Path) -> Result<Self, RecommenderError> {
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_WRITE)
    }

    /// Open an existing library that this connection can only read (a server's): an index run
    /// may write it meanwhile, and each [`Library::snapshot`] sees one committed state.
    pub fn open_read_only(path: &Path) -> Result<Self, RecommenderError> {
        Self::open_with(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
    }

    fn open_with(path: &Path, mode: OpenFlags) -> Result<Self, RecommenderError> {
        if !path.is_file() {
            return Err(RecommenderError::MissingDatabase { path: path.to_path_buf() });
        }
        let conn = Connection::open_with_flags(path, mode | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(sql(path))?;
        configure(&conn, path)?;
        let meta =
            read_meta(&conn, path)?.ok_or_else(|| RecommenderError::NotALibrary { path: path.to_path_buf(), reason: "no genrespace metadata".into() })?;
        Ok(Self { conn, path: path.to_path_buf(), meta })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn meta(&self) -> &LibraryMeta {
        &self.meta
    }

    /// Refuse a model (e.g. the one about to analyse a query) other than the library's.
    pub fn check_model(&self, model: &ModelIdentity) -> Result<(), RecommenderError> {
        check_same_model(&self.path, &self.meta, &LibraryMeta::new(model.clone(), self.meta.sequence))
    }

    pub fn len(&self) -> Result<usize, RecommenderError> {
        self.conn.query_row("SELECT COUNT(*) FROM tracks", [], |r| r.get::<_, i64>(0)).map(|n| n as usize).map_err(sql(&self.path))
    }

    pub fn is_empty(&self) -> Result<bool, RecommenderError> {
        Ok(self.len()? == 0)
    }

    /// Tracks whose path lies under `root` (canonical), by path.
    pub fn known_under(&self, root: &Path) -> Result<std::collections::HashMap<PathBuf, Known>, RecommenderError> {
        let mut stmt = self.conn.prepare("SELECT id, path, size, mtime_ns, hash FROM tracks").map_err(sql(&self.path))?;
        let rows = stmt
            .query_map([], |r| {
                let path: String = r.get(1)?;
                Ok((PathBuf::from(path), Known { id: r.get(0)?, stamp: FileStamp { size: r.get::<_, i64>(2)? as u64, mtime_ns: r.get(3)? }, hash: r.get(4)? }))
            })
            .map_err(sql(&self.path))?;
        let mut out = std::collections::HashMap::new();
        for row in rows {
            let (path, known) = row.map_err(sql(&self.path))?;
            if path.starts_with(root) {
                out.insert(path, known);
            }
        }
        Ok(out)
    }

    /// Insert or replace the track at `path` (whose symlinks resolve to `real_path`) with its
    /// analysis, in one transaction.
    pub fn upsert(&mut self, path: &Path, real_path: &Path, stamp: FileStamp, hash: &str, analysis: &Analysis) -> Result<i64, RecommenderError> {
        let db = self.path.clone();
        // A savepoint: its own transaction, or nested in a bulk one (see `in_transaction`).
        let tx = self.conn.savepoint().map_err(sql(&db))?;
        let Tags { title, artist, album, genre, year, .. } = &analysis.tags;
        let id: i64 = tx
            .query_row(
                "INSERT INTO tracks(path, size, mtime_ns, hash, title, artist, album, genre, year, duration_s, top_genre, real_path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                 ON CONFLICT(path) DO UPDATE SET real_path=excluded.real_path, size=excluded.size, mtime_ns=excluded.mtime_ns, hash=excluded.hash,
                   title=excluded.title, artist=excluded.artist, album=excluded.album, genre=excluded.genre,
                   year=excluded.year, duration_s=excluded.duration_s, top_genre=excluded.top_genre
                 RETURNING id",
                params![
                    path_text(path),
                    stamp.size as i64,
                    stamp.mtime_ns,
                    hash,
                    title,
                    artist,
                    album,
                    genre,
                    year,
                    analysis.duration_s,
                    analysis.top_genre,
                    path_text(real_path)
                ],
                |r| r.get(0),
            )
            .map_err(sql(&db))?;
        tx.execute("INSERT OR REPLACE INTO vectors(track_id, data) VALUES (?1, ?2)", params![id, floats_to_bytes(&analysis.vector)]).map_err(sql(&db))?;
        tx.execute("INSERT OR REPLACE INTO embeddings(track_id, data) VALUES (?1, ?2)", params![id, floats_to_bytes(&analysis.embedding)]).map_err(sql(&db))?;
        tx.execute("INSERT OR REPLACE INTO sequences(track_id, data) VALUES (?1, ?2)", params![id, analysis.sequence.to_bytes()]).map_err(sql(&db))?;
        tx.execute(BUMP_GENERATION, []).map_err(sql(&db))?;
        tx.commit().map_err(sql(&db))?;
        Ok(id)
    }

    /// Record a new size/mtime for a track whose content did not change.
    pub fn restamp(&mut self, id: i64, stamp: FileStamp) -> Result<(), RecommenderError> {
        self.conn
            .execute("UPDATE tracks SET size = ?2, mtime_ns = ?3 WHERE id = ?1", params![id, stamp.size as i64, stamp.mtime_ns])
            .map(|_| ())
            .map_err(sql(&self.path))
    }

    /// Remove tracks (with their vectors and sequences) in one transaction.
    pub fn remove(&mut self, ids: &[i64]) -> Result<(), RecommenderError> {
        let db = self.path.clone();
        let tx = self.conn.transaction().map_err(sql(&db))?;
        for id in ids {
            tx.execute("DELETE FROM tracks WHERE id = ?1", params![id]).map_err(sql(&db))?;
        }
        tx.execute(BUMP_GENERATION, []).map_err(sql(&db))?;
        tx.commit().map_err(sql(&db))
    }

    /// Every track's point in `space`, for the neighbour search. Every track must have one: a
    /// library indexed before embeddings were stored says to re-index.
    pub fn vectors(&self, space: Space) -> Result<GenreVectors, RecommenderError> {
        let (count, dims) = self.space_shape(space)?;
        let tracks = self.len()?;
        if count < tracks {
            return Err(RecommenderError::MissingEmbeddings { path: self.path.clone(), missing: tracks - count, total: tracks });
        }
        let mut out = GenreVectors { dims, ..Default::default() };
        let mut stmt = self.conn.prepare_cached(&format!("SELECT track_id, data FROM {} ORDER BY track_id", space.table())).map_err(sql(&self.path))?;
        let mut rows = stmt.query([]).map_err(sql(&self.path))?;
        while let Some(row) = rows.next().map_err(sql(&self.path))? {
            let id: i64 = row.get(0).map_err(sql(&self.path))?;
            let bytes = row.get_ref(1).and_then(|v| v.as_blob().map_err(Into::into)).map_err(sql(&self.path))?;
            if bytes.len() != dims * 4 {
                return Err(self.corrupt(format!("track {id}: {space:?} vector of {} bytes, expected {}", bytes.len(), dims * 4)));
            }
            out.ids.push(id);
            out.data.extend(bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])));
        }
        Ok(out)
    }

    /// How many tracks have a point in `space`, and its dimension (genres: the model's labels;
    /// embedding: the length stored, 0 for a library without embeddings).
    fn space_shape(&self, space: Space) -> Result<(usize, usize), RecommenderError> {
        if space == Space::Genres {
            let n: i64 = self.conn.query_row("SELECT COUNT(*) FROM vectors", [], |r| r.get(0)).map_err(sql(&self.path))?;
            return Ok((n as usize, self.meta.model.genres.len()));
        }
        if !self.has_embeddings()? {
            return Ok((0, 0));
        }
        let (n, bytes): (i64, Option<i64>) =
            self.conn.query_row("SELECT COUNT(*), MAX(LENGTH(data)) FROM embeddings", [], |r| Ok((r.get(0)?, r.get(1)?))).map_err(sql(&self.path))?;
        Ok((n as usize, bytes.unwrap_or(0) as usize / 4))
    }

    /// The track stored under `path`, compared as given against the paths found in the music
    /// folder and the real paths behind them (pass an absolute or a canonical path).
    pub fn track_by_path(&self, path: &Path) -> Result<Option<TrackRow>, RecommenderError> {
        self.conn
            .query_row(
                &format!("SELECT {TRACK_COLUMNS} FROM tracks WHERE path = ?1 UNION ALL SELECT {TRACK_COLUMNS} FROM tracks WHERE real_path = ?1 LIMIT 1"),
                params![path_text(path)],
                track_row,
            )
            .optional()
            .map_err(sql(&self.path))
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

    /// Tracks by id, in the order given (ids not found are left out).
    pub fn tracks(&self, ids: &[i64]) -> Result<Vec<TrackRow>, RecommenderError> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {TRACK_COLUMNS} FROM tracks WHERE id = ?1")).map_err(sql(&self.path))?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(row) = stmt.query_row(params![id], track_row).optional().map_err(sql(&self.path))? {
                out.push(row);
            }
        }
        Ok(out)
    }

    /// Ids of every track whose content hash is `hash` (exact duplicates).
    pub fn ids_with_hash(&self, hash: &str) -> Result<Vec<i64>, RecommenderError> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM tracks WHERE hash = ?1").map_err(sql(&self.path))?;
        let ids = stmt.query_map(params![hash], |r| r.get(0)).map_err(sql(&self.path))?;
        ids.collect::<Result<_, _>>().map_err(sql(&self.path))
    }

    /// A track's genre vector.
    pub fn vector(&self, id: i64) -> Result<Vec<f32>, RecommenderError> {
        let bytes: Vec<u8> = self.conn.query_row("SELECT data FROM vectors WHERE track_id = ?1", params![id], |r| r.get(0)).map_err(sql(&self.path))?;
        bytes_to_floats(&bytes).filter(|v| v.len() == self.meta.model.genres.len()).ok_or_else(|| self.corrupt(format!("track {id}: bad genre vector")))
    }

    /// A track's embedding, if the library stored one for it.
    pub fn embedding(&self, id: i64) -> Result<Option<Vec<f32>>, RecommenderError> {
        if !self.has_embeddings()? {
            return Ok(None);
        }
        let bytes: Option<Vec<u8>> =
            self.conn.query_row("SELECT data FROM embeddings WHERE track_id = ?1", params![id], |r| r.get(0)).optional().map_err(sql(&self.path))?;
        bytes.map(|b| bytes_to_floats(&b).ok_or_else(|| self.corrupt(format!("track {id}: bad embedding")))).transpose()
    }

    /// Whether the library has the embeddings table (libraries indexed before it existed do not).
    fn has_embeddings(&self) -> Result<bool, RecommenderError> {
        self.conn
            .query_row("SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'embeddings')", [], |r| r.get(0))
            .map_err(sql(&self.path))
    }

    /// Ids of the tracks whose most likely genre is `genre`.
    pub fn ids_with_top_genre(&self, genre: &str) -> Result<std::collections::HashSet<i64>, RecommenderError> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM tracks WHERE top_genre = ?1").map_err(sql(&self.path))?;
        let ids = stmt.query_map(params![genre], |r| r.get(0)).map_err(sql(&self.path))?;
        ids.collect::<Result<_, _>>().map_err(sql(&self.path))
    }

    /// A track's pooled MFCC sequence.
    pub fn sequence(&self, id: i64) -> Result<MfccSequence, RecommenderError> {
        let mut stmt = self.conn.prepare_cached("SELECT data FROM sequences WHERE track_id = ?1").map_err(sql(&self.path))?;
        let bytes: Vec<u8> = stmt.query_row(params![id], |r| r.get(0)).map_err(sql(&self.path))?;
        MfccSequence::from_bytes(&bytes, self.meta.sequence_dims).ok_or_else(|| self.corrupt(format!("track {id}: bad MFCC sequence")))
    }

    /// A number that changes whenever tracks are added, changed or removed: a reader that keeps
    /// the library's points in memory (a server) reloads them when it differs.
    pub fn generation(&self) -> Result<u64, RecommenderError> {
        let g: Option<i64> =
            self.conn.query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'", [], |r| r.get(0)).optional().map_err(sql(&self.path))?;
        Ok(g.unwrap_or(0) as u64)
    }

    /// Run `f` on one committed state of the library: an index run committing meanwhile is
    /// seen entirely or not at all (a WAL read transaction).
    pub fn snapshot<T, E: From<RecommenderError>>(&self, f: impl FnOnce(&Self) -> Result<T, E>) -> Result<T, E> {
        self.conn.execute_batch("BEGIN DEFERRED").map_err(sql(&self.path))?;
        let result = f(self);
        let end = self.conn.execute_batch(if result.is_ok() { "COMMIT" } else { "ROLLBACK" }).map_err(sql(&self.path));
        let value = result?;
        end.map_err(E::from).map(|()| value)
    }

    /// Run `f` inside one transaction (bulk loads: benchmarks, imports).
    pub fn in_transaction<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, RecommenderError>) -> Result<T, RecommenderError> {
        self.conn.execute_batch("BEGIN").map_err(sql(&self.path))?;
        match f(self) {
            Ok(v) => {
                self.conn.execute_batch("COMMIT").map_err(sql(&self.path))?;
                Ok(v)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    fn corrupt(&self, reason: String) -> RecommenderError {
        RecommenderError::NotALibrary { path: self.path.clone(), reason }
    }
}

/// Counts the writes that change tracks, see [`Library::generation`].
const BUMP_GENERATION: &str = "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1";

pub(crate) const TRACK_COLUMNS: &str = "id, path, hash, title, artist, album, genre, year, duration_s, top_genre";

pub(crate) fn track_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrackRow> {
    Ok(TrackRow {
        id: r.get(0)?,
        path: PathBuf::from(r.get::<_, String>(1)?),
        hash: r.get(2)?,
        title: r.get(3)?,
        artist: r.get(4)?,
        album: r.get(5)?,
        genre: r.get(6)?,
        year: r.get(7)?,
        duration_s: r.get(8)?,
        top_genre: r.get(9)?,
    })
}

/// Paths are stored as text; non-UTF-8 names are kept lossily (the index reports them as failed
/// before they get here, see `index`).
fn path_text(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// How long a connection waits for another one's lock before saying the library is busy.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

fn configure(conn: &Connection, path: &Path) -> Result<(), RecommenderError> {
    conn.busy_timeout(BUSY_TIMEOUT).map_err(sql(path))?;
    let opening = |e| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::NotADatabase => {
            RecommenderError::NotALibrary { path: path.to_path_buf(), reason: "the file is not a SQLite database".into() }
        }
        e => RecommenderError::Sqlite { path: path.to_path_buf(), source: e },
    };
    // A read-only connection cannot change the journal mode; libraries are created in WAL mode.
    if !conn.is_readonly(rusqlite::MAIN_DB).unwrap_or(false) {
        use_wal(conn).map_err(opening)?;
    }
    // Memory-mapped reads: the neighbour scan touches every page of `vectors` on each playlist.
    conn.execute_batch("PRAGMA foreign_keys = ON; PRAGMA mmap_size = 17179869184;").map_err(opening)
}

/// Switch to WAL. On a new library the switch needs every other connection out of the way, and
/// SQLite then answers "database is locked" at once instead of waiting out the busy timeout (two
/// `index` runs creating one library together failed so about once in 30 starts; the same in
/// Python's sqlite3, 3 of 400): retry it within the timeout.
fn use_wal(conn: &Connection) -> rusqlite::Result<()> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        match conn.execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;") {
            Err(rusqlite::Error::SqliteFailure(f, _)) if f.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(10))
            }
            done => return done,
        }
    }
}

fn read_meta(conn: &Connection, path: &Path) -> Result<Option<LibraryMeta>, RecommenderError> {
    let has_meta: bool =
        conn.query_row("SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta')", [], |r| r.get(0)).map_err(sql(path))?;
    if !has_meta {
        let tables: i64 = conn.query_row("SELECT COUNT(*) FROM sqlite_master", [], |r| r.get(0)).map_err(sql(path))?;
        if tables > 0 {
            return Err(RecommenderError::NotALibrary { path: path.to_path_buf(), reason: "a SQLite database of something else".into() });
        }
        return Ok(None);
    }
    let text: Option<String> = conn.query_row("SELECT value FROM meta WHERE key = 'library'", [], |r| r.get(0)).optional().map_err(sql(path))?;
    let Some(text) = text else { return Ok(None) };
    let meta: LibraryMeta = serde_json::from_str(&text).map_err(|source| RecommenderError::BadMetadata { path: path.to_path_buf(), source })?;
    if meta.format_version != FORMAT_VERSION {
        return Err(RecommenderError::NotALibrary {
            path: path.to_path_buf(),
            reason: format!("format version {} (this genrespace reads {FORMAT_VERSION})", meta.format_version),
        });
    }
    Ok(Some(meta))
}

fn check_same_model(path: &Path, stored: &LibraryMeta, wanted: &LibraryMeta) -> Result<(), RecommenderError> {
    let (a, b) = (&stored.model, &wanted.model);
    let same = a.weights_blake3 == b.weights_blake3 && a.genres == b.genres && a.feature_config == b.feature_config && stored.sequence == wanted.sequence;
    if same {
        return Ok(());
    }
    let describe = |m: &ModelIdentity| format!("'{}' ({}, weights {})", m.name, m.dir.display(), &m.weights_blake3[..12.min(m.weights_blake3.len())]);
    Err(RecommenderError::ModelMismatch { path: path.to_path_buf(), db_model: describe(a), model: describe(b) })
}

pub(crate) fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> RecommenderError + '_ {
    move |source| RecommenderError::Sqlite { path: path.to_path_buf(), source }
}

impl LibraryMeta {
    /// The metadata of a library built with `model` and `sequence` pooling.
    pub fn new(model: ModelIdentity, sequence: SequenceConfig) -> Self {
        let sequence_dims = model.feature_config.n_mfcc.saturating_sub(1);
        Self { format_version: FORMAT_VERSION, model, sequence, sequence_dims }
    }
}
