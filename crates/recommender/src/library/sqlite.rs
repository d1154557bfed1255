//! The SQLite engine: a library in one file, for one machine (the default).
//!
//! WAL journaling keeps readers (playlists, the web app) working while an index run writes; the
//! vectors are read memory-mapped, as the neighbour scan touches every page of `vectors` on each
//! playlist. Points are little-endian `f32` blobs.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OpenFlags, OptionalExtension};

use super::{parse_meta, FileStamp, GenreVectors, Known, LibraryMeta, Space, Store, TrackInfo, TrackRecord, TrackRow, TRACK_COLUMNS};
use crate::browse::{like_pattern, SortKey, TrackPage, TrackQuery};
use crate::error::RecommenderError;
use crate::sequence::{bytes_to_floats, floats_to_bytes};

/// The schema, one entry per version (`PRAGMA user_version` says how many are applied). Version 1
/// is written with `IF NOT EXISTS` because libraries from before versioning hold it already, some
/// without `embeddings` (they gain the table; re-indexed tracks fill it).
const MIGRATIONS: &[&str] = &["
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
"];

/// Counts the writes that change tracks, see [`Store::generation`].
const BUMP_GENERATION: &str = "INSERT INTO meta(key, value) VALUES ('generation', '1') ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1";

/// How long a connection waits for another one's lock before saying the library is busy.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

pub(crate) struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    /// Open the library at `path`, creating it for `meta` when absent; returns the stored
    /// metadata (the caller checks it against the model).
    pub(crate) fn open_or_create(path: &Path, meta: &LibraryMeta) -> Result<(Self, LibraryMeta), RecommenderError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| RecommenderError::Io { path: dir.to_path_buf(), source: e })?;
        }
        let mut conn = Connection::open(path).map_err(sql(path))?;
        configure(&conn, path)?;
        // Read, and create when new, in one write transaction: a second run opening the same new
        // library at that moment waits and then finds it whole, not half a schema without `meta`.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate).map_err(sql(path))?;
        let stored = read_meta(&tx, path)?;
        migrate(&tx, path)?;
        let stored = match stored {
            Some(stored) => stored,
            None => {
                tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('library', ?1)", params![serde_json::to_string(meta).expect("meta serialises")])
                    .map_err(sql(path))?;
                meta.clone()
            }
        };
        tx.commit().map_err(sql(path))?;
        Ok((Self { conn, path: path.to_path_buf() }, stored))
    }

    /// Open an existing library (never creates one).
    pub(crate) fn open(path: &Path, read_only: bool) -> Result<(Self, LibraryMeta), RecommenderError> {
        if !path.is_file() {
            return Err(RecommenderError::MissingDatabase { path: path.to_path_buf() });
        }
        let mode = if read_only { OpenFlags::SQLITE_OPEN_READ_ONLY } else { OpenFlags::SQLITE_OPEN_READ_WRITE };
        let conn = Connection::open_with_flags(path, mode | OpenFlags::SQLITE_OPEN_NO_MUTEX).map_err(sql(path))?;
        configure(&conn, path)?;
        let meta =
            read_meta(&conn, path)?.ok_or_else(|| RecommenderError::NotALibrary { path: path.to_path_buf(), reason: "no genrespace metadata".into() })?;
        Ok((Self { conn, path: path.to_path_buf() }, meta))
    }

    /// Whether the library has the embeddings table (libraries indexed before it existed do not).
    fn has_embeddings(&self) -> Result<bool, RecommenderError> {
        self.conn
            .query_row("SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'embeddings')", [], |r| r.get(0))
            .map_err(sql(&self.path))
    }

    fn err(&self) -> impl Fn(rusqlite::Error) -> RecommenderError + '_ {
        sql(&self.path)
    }
}

impl Store for SqliteStore {
    fn worker(&self) -> Option<&str> {
        None
    }

    fn len(&self) -> Result<usize, RecommenderError> {
        self.conn.query_row("SELECT COUNT(*) FROM tracks", [], |r| r.get::<_, i64>(0)).map(|n| n as usize).map_err(self.err())
    }

    fn known(&self) -> Result<Vec<(PathBuf, Known)>, RecommenderError> {
        let mut stmt = self.conn.prepare("SELECT id, path, size, mtime_ns, hash FROM tracks").map_err(self.err())?;
        let rows = stmt
            .query_map([], |r| {
                let path: String = r.get(1)?;
                Ok((PathBuf::from(path), Known { id: r.get(0)?, stamp: FileStamp { size: r.get::<_, i64>(2)? as u64, mtime_ns: r.get(3)? }, hash: r.get(4)? }))
            })
            .map_err(self.err())?;
        rows.collect::<Result<_, _>>().map_err(self.err())
    }

    fn put(&mut self, t: &TrackRecord) -> Result<i64, RecommenderError> {
        let db = self.path.clone();
        // A savepoint: its own transaction, or nested in a bulk one (see `begin`).
        let tx = self.conn.savepoint().map_err(sql(&db))?;
        let id: i64 = tx
            .query_row(
                "INSERT INTO tracks(id, path, size, mtime_ns, hash, title, artist, album, genre, year, duration_s, top_genre, real_path)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
                 ON CONFLICT(path) DO UPDATE SET real_path=excluded.real_path, size=excluded.size, mtime_ns=excluded.mtime_ns, hash=excluded.hash,
                   title=excluded.title, artist=excluded.artist, album=excluded.album, genre=excluded.genre,
                   year=excluded.year, duration_s=excluded.duration_s, top_genre=excluded.top_genre
                 RETURNING id",
                params![
                    t.id,
                    t.path,
                    t.stamp.size as i64,
                    t.stamp.mtime_ns,
                    t.hash,
                    t.info.title,
                    t.info.artist,
                    t.info.album,
                    t.info.genre,
                    t.info.year,
                    t.info.duration_s,
                    t.info.top_genre,
                    t.real_path
                ],
                |r| r.get(0),
            )
            .map_err(sql(&db))?;
        tx.execute("INSERT OR REPLACE INTO vectors(track_id, data) VALUES (?1, ?2)", params![id, floats_to_bytes(&t.vector)]).map_err(sql(&db))?;
        match &t.embedding {
            Some(e) => tx.execute("INSERT OR REPLACE INTO embeddings(track_id, data) VALUES (?1, ?2)", params![id, floats_to_bytes(e)]),
            None => tx.execute("DELETE FROM embeddings WHERE track_id = ?1", params![id]),
        }
        .map_err(sql(&db))?;
        tx.execute("INSERT OR REPLACE INTO sequences(track_id, data) VALUES (?1, ?2)", params![id, t.sequence]).map_err(sql(&db))?;
        tx.execute(BUMP_GENERATION, []).map_err(sql(&db))?;
        tx.commit().map_err(sql(&db))?;
        Ok(id)
    }

    fn restamp(&mut self, id: i64, stamp: FileStamp) -> Result<(), RecommenderError> {
        self.conn
            .execute("UPDATE tracks SET size = ?2, mtime_ns = ?3 WHERE id = ?1", params![id, stamp.size as i64, stamp.mtime_ns])
            .map(|_| ())
            .map_err(self.err())
    }

    fn remove(&mut self, ids: &[i64]) -> Result<(), RecommenderError> {
        let db = self.path.clone();
        let tx = self.conn.transaction().map_err(sql(&db))?;
        for id in ids {
            tx.execute("DELETE FROM tracks WHERE id = ?1", params![id]).map_err(sql(&db))?;
        }
        tx.execute(BUMP_GENERATION, []).map_err(sql(&db))?;
        tx.commit().map_err(sql(&db))
    }

    fn space_shape(&self, space: Space) -> Result<(usize, usize), RecommenderError> {
        if space == Space::Embedding && !self.has_embeddings()? {
            return Ok((0, 0));
        }
        let (n, bytes): (i64, Option<i64>) = self
            .conn
            .query_row(&format!("SELECT COUNT(*), MAX(LENGTH(data)) FROM {}", space.table()), [], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(self.err())?;
        Ok((n as usize, bytes.unwrap_or(0) as usize / 4))
    }

    fn vectors(&self, space: Space, out: &mut GenreVectors) -> Result<(), RecommenderError> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT track_id, data FROM {} ORDER BY track_id", space.table())).map_err(self.err())?;
        let mut rows = stmt.query([]).map_err(self.err())?;
        while let Some(row) = rows.next().map_err(self.err())? {
            let id: i64 = row.get(0).map_err(self.err())?;
            let bytes = row.get_ref(1).and_then(|v| v.as_blob().map_err(Into::into)).map_err(self.err())?;
            let point = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]));
            out.push(id, point, || format!("track {id}: {space:?} vector of {} bytes", bytes.len()))
                .map_err(|reason| RecommenderError::NotALibrary { path: self.path.clone(), reason })?;
        }
        Ok(())
    }

    fn point(&self, space: Space, id: i64) -> Result<Option<Vec<f32>>, RecommenderError> {
        if space == Space::Embedding && !self.has_embeddings()? {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(&format!("SELECT data FROM {} WHERE track_id = ?1", space.table())).map_err(self.err())?;
        let bytes: Option<Vec<u8>> = stmt.query_row(params![id], |r| r.get(0)).optional().map_err(self.err())?;
        bytes
            .map(|b| {
                bytes_to_floats(&b)
                    .ok_or_else(|| RecommenderError::NotALibrary { path: self.path.clone(), reason: format!("track {id}: bad {space:?} vector") })
            })
            .transpose()
    }

    fn track_by_path(&self, path: &str) -> Result<Option<TrackRow>, RecommenderError> {
        self.conn
            .query_row(
                &format!("SELECT {TRACK_COLUMNS} FROM tracks WHERE path = ?1 UNION ALL SELECT {TRACK_COLUMNS} FROM tracks WHERE real_path = ?1 LIMIT 1"),
                params![path],
                track_row,
            )
            .optional()
            .map_err(self.err())
    }

    fn tracks(&self, ids: &[i64]) -> Result<Vec<TrackRow>, RecommenderError> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {TRACK_COLUMNS} FROM tracks WHERE id = ?1")).map_err(self.err())?;
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            out.extend(stmt.query_row(params![id], track_row).optional().map_err(self.err())?);
        }
        Ok(out)
    }

    fn ids_with_hash(&self, hash: &str) -> Result<Vec<i64>, RecommenderError> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM tracks WHERE hash = ?1").map_err(self.err())?;
        let ids = stmt.query_map(params![hash], |r| r.get(0)).map_err(self.err())?;
        ids.collect::<Result<_, _>>().map_err(self.err())
    }

    fn ids_with_top_genre(&self, genre: &str) -> Result<HashSet<i64>, RecommenderError> {
        let mut stmt = self.conn.prepare_cached("SELECT id FROM tracks WHERE top_genre = ?1").map_err(self.err())?;
        let ids = stmt.query_map(params![genre], |r| r.get(0)).map_err(self.err())?;
        ids.collect::<Result<_, _>>().map_err(self.err())
    }

    fn sequences(&self, ids: &[i64]) -> Result<Vec<Option<Vec<u8>>>, RecommenderError> {
        let mut stmt = self.conn.prepare_cached("SELECT data FROM sequences WHERE track_id = ?1").map_err(self.err())?;
        ids.iter().map(|id| stmt.query_row(params![id], |r| r.get(0)).optional().map_err(self.err())).collect()
    }

    fn real_path(&self, id: i64) -> Result<Option<PathBuf>, RecommenderError> {
        self.conn
            .query_row("SELECT real_path FROM tracks WHERE id = ?1", params![id], |r| r.get::<_, String>(0))
            .optional()
            .map(|p| p.map(PathBuf::from))
            .map_err(self.err())
    }

    fn generation(&self) -> Result<u64, RecommenderError> {
        let g: Option<i64> =
            self.conn.query_row("SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'generation'", [], |r| r.get(0)).optional().map_err(self.err())?;
        Ok(g.unwrap_or(0) as u64)
    }

    /// SQLite's top-N sort keeps a page of a 100,000-track library within tens of milliseconds
    /// without an index per sort column (README, "The web app").
    fn browse(&self, query: &TrackQuery) -> Result<TrackPage, RecommenderError> {
        let words: Vec<String> = query.words().map(|w| like_pattern(&w)).collect();
        let filter = (1..=words.len())
            .map(|p| format!("(title LIKE ?{p} ESCAPE '\\' OR artist LIKE ?{p} ESCAPE '\\' OR album LIKE ?{p} ESCAPE '\\' OR path LIKE ?{p} ESCAPE '\\')"))
            .collect::<Vec<_>>()
            .join(" AND ");
        let filter = if filter.is_empty() { String::new() } else { format!("WHERE {filter}") };
        let args = rusqlite::params_from_iter(words.iter());
        let total: i64 = self.conn.query_row(&format!("SELECT COUNT(*) FROM tracks {filter}"), args.clone(), |r| r.get(0)).map_err(self.err())?;
        let order = query.order_by(order_terms);
        let page = format!("SELECT {TRACK_COLUMNS} FROM tracks {filter} ORDER BY {order}, id LIMIT {} OFFSET {}", query.limit, query.offset);
        let mut stmt = self.conn.prepare(&page).map_err(self.err())?;
        let tracks = stmt.query_map(args, track_row).map_err(self.err())?.collect::<Result<Vec<_>, _>>().map_err(self.err())?;
        Ok(TrackPage { total: total as usize, offset: query.offset, tracks })
    }

    fn record_failure(&mut self, _: &str, _: &str) -> Result<(), RecommenderError> {
        Ok(())
    }

    fn begin(&self, read_only: bool) -> Result<(), RecommenderError> {
        // A deferred transaction on a WAL library reads one committed state.
        self.conn.execute_batch(if read_only { "BEGIN DEFERRED" } else { "BEGIN" }).map_err(self.err())
    }

    fn end(&self, commit: bool) -> Result<(), RecommenderError> {
        self.conn.execute_batch(if commit { "COMMIT" } else { "ROLLBACK" }).map_err(self.err())
    }

    fn records(&self, visit: &mut dyn FnMut(TrackRecord) -> Result<(), RecommenderError>) -> Result<(), RecommenderError> {
        let embeddings = if self.has_embeddings()? { "(SELECT data FROM embeddings e WHERE e.track_id = t.id)" } else { "NULL" };
        let mut stmt = self
            .conn
            .prepare(&format!(
                "SELECT t.id, t.path, t.real_path, t.size, t.mtime_ns, t.hash, t.title, t.artist, t.album, t.genre, t.year, t.duration_s, t.top_genre,
                        v.data, {embeddings}, s.data
                 FROM tracks t JOIN vectors v ON v.track_id = t.id JOIN sequences s ON s.track_id = t.id ORDER BY t.id"
            ))
            .map_err(self.err())?;
        let mut rows = stmt.query([]).map_err(self.err())?;
        while let Some(r) = rows.next().map_err(self.err())? {
            let record = record(r).map_err(self.err())?;
            let record = record
                .ok_or_else(|| RecommenderError::NotALibrary { path: self.path.clone(), reason: "a vector blob of a length not a multiple of 4".into() })?;
            visit(record)?;
        }
        Ok(())
    }

    fn indexed_dims(&self, _: Space) -> Result<Option<usize>, RecommenderError> {
        Ok(None)
    }

    fn nearest(&self, _: Space, _: &[f32], _: usize, _: &mut GenreVectors) -> Result<bool, RecommenderError> {
        Ok(false)
    }
}

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<Option<TrackRecord>> {
    let floats = |i: usize| -> rusqlite::Result<Option<Vec<f32>>> { Ok(r.get::<_, Option<Vec<u8>>>(i)?.and_then(|b| bytes_to_floats(&b))) };
    let (Some(vector), embedding) = (floats(13)?, floats(14)?) else { return Ok(None) };
    Ok(Some(TrackRecord {
        id: Some(r.get(0)?),
        path: r.get(1)?,
        real_path: r.get(2)?,
        stamp: FileStamp { size: r.get::<_, i64>(3)? as u64, mtime_ns: r.get(4)? },
        hash: r.get(5)?,
        info: track_info(r, 6)?,
        vector,
        embedding,
        sequence: r.get(15)?,
    }))
}

/// A sort key's ORDER BY terms in SQLite: text without regard to case.
fn order_terms(key: SortKey) -> &'static [&'static str] {
    match key {
        SortKey::Title => &["COALESCE(title, path) COLLATE NOCASE"],
        SortKey::Artist => &["artist IS NULL", "artist COLLATE NOCASE"],
        SortKey::Album => &["album IS NULL", "album COLLATE NOCASE"],
        SortKey::Path => &["path"],
        SortKey::Duration => &["duration_s"],
        SortKey::TopGenre => &["top_genre COLLATE NOCASE"],
    }
}

fn track_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TrackRow> {
    Ok(TrackRow { id: r.get(0)?, path: PathBuf::from(r.get::<_, String>(1)?), hash: r.get(2)?, info: track_info(r, 3)? })
}

/// The [`TrackInfo`] in the seven columns from `first` on.
fn track_info(r: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<TrackInfo> {
    Ok(TrackInfo {
        title: r.get(first)?,
        artist: r.get(first + 1)?,
        album: r.get(first + 2)?,
        genre: r.get(first + 3)?,
        year: r.get(first + 4)?,
        duration_s: r.get(first + 5)?,
        top_genre: r.get(first + 6)?,
    })
}

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

/// Bring the schema to the newest version, inside the caller's write transaction.
fn migrate(conn: &Connection, path: &Path) -> Result<(), RecommenderError> {
    let applied: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql(path))?;
    for (version, step) in MIGRATIONS.iter().enumerate().skip(applied.max(0) as usize) {
        conn.execute_batch(step).map_err(sql(path))?;
        conn.execute_batch(&format!("PRAGMA user_version = {}", version + 1)).map_err(sql(path))?;
    }
    Ok(())
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
    text.map(|t| parse_meta(path, &t)).transpose()
}

fn sql(path: &Path) -> impl Fn(rusqlite::Error) -> RecommenderError + '_ {
    move |source| RecommenderError::Sqlite { path: path.to_path_buf(), source }
}
