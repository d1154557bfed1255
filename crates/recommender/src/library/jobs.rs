//! The work queue of a distributed index run on a shared (PostgreSQL) library.
//!
//! Every worker scans the music folder (a file system all of them see at the same paths) and
//! fills the `jobs` table with the files that are new or changed; those already queued stay as
//! they are. Workers then claim small batches with `FOR UPDATE SKIP LOCKED`, so no two take the
//! same file, and each claim is a lease that a heartbeat thread keeps extending while the worker
//! lives. Writing a track deletes its job in the same transaction ([`super::postgres`]); a worker
//! that dies (SIGKILL, a lost machine) stops renewing, and after the lease its jobs are claimed by
//! the others. A worker finishes when the queue holds nothing but its own jobs: until then it
//! waits, so that the survivors take over a dead worker's share.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use postgres::Client;

use super::location::PostgresUrl;
use super::postgres::{connect, pg};
use super::{path_text, FileStamp, Known, WorkItem};
use crate::error::RecommenderError;

/// A file found in the music folder: its path there, the real file behind it, its stamp.
pub struct Found {
    pub path: PathBuf,
    pub real_path: PathBuf,
    pub stamp: FileStamp,
}

/// What filling the queue found, for this worker's report.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filled {
    /// Files whose track is stored with the same stamp.
    pub unchanged: usize,
    /// Tracks under the folder whose file is gone, removed now.
    pub removed: usize,
    /// Jobs in the queue for this folder (all workers').
    pub queued: usize,
}

/// How a worker takes part in a distributed run.
#[derive(Debug, Clone, Copy)]
pub struct WorkerOptions {
    /// How long a claim holds without a heartbeat; a dead worker's files wait this long.
    pub lease: Duration,
    /// Files claimed at a time.
    pub batch: usize,
}

/// This worker's side of the queue: an iterator over the files it claims.
pub struct SharedQueue {
    client: Client,
    name: PathBuf,
    root: String,
    worker: String,
    opts: WorkerOptions,
    claimed: VecDeque<WorkItem>,
    finished: bool,
    /// Jobs left in the whole queue as of the last claim (all workers').
    left: Arc<AtomicUsize>,
    heartbeat: Option<(Sender<()>, JoinHandle<()>)>,
}

impl SharedQueue {
    /// Connect, queue what `found` (the scan of `root`) needs, remove tracks whose files are
    /// gone, and start the heartbeat.
    /// `worker` is the name of the connection that writes the tracks (see [`crate::Library::worker`]).
    pub fn start(url: &PostgresUrl, name: &Path, worker: &str, root: &Path, found: &[Found], opts: WorkerOptions) -> Result<(Self, Filled), RecommenderError> {
        let mut client = connect(url, name, worker)?;
        let root = path_text(root);
        let filled = fill(&mut client, &root, found).map_err(pg(name))?;
        let worker = worker.to_owned();
        let heartbeat = start_heartbeat(connect(url, name, &worker)?, name.to_path_buf(), worker.clone(), opts.lease);
        let left = Arc::new(AtomicUsize::new(filled.queued));
        let queue = Self { client, name: name.to_path_buf(), root, worker, opts, claimed: VecDeque::new(), finished: false, left, heartbeat: Some(heartbeat) };
        Ok((queue, filled))
    }

    /// Jobs left in the whole queue, as of this worker's last claim.
    pub fn left(&self) -> Arc<AtomicUsize> {
        self.left.clone()
    }

    /// Claim the next batch: free jobs and those whose lease ran out.
    fn claim(&mut self) -> Result<(), postgres::Error> {
        let lease = self.opts.lease.as_secs_f64();
        let batch = self.opts.batch.max(1) as i64;
        let rows = self.client.query(
            "WITH picked AS (
                 SELECT path FROM jobs WHERE root = $1 AND (lease_until IS NULL OR lease_until < now())
                 ORDER BY path LIMIT $2 FOR UPDATE SKIP LOCKED)
             UPDATE jobs j SET worker = $3, lease_until = now() + make_interval(secs => $4), attempts = j.attempts + 1
             FROM picked LEFT JOIN tracks t ON t.path = picked.path
             WHERE j.path = picked.path
             RETURNING j.path, j.real_path, j.size, j.mtime_ns, t.id, t.size, t.mtime_ns, t.hash",
            &[&self.root, &batch, &self.worker, &lease],
        )?;
        for r in rows {
            let known =
                r.get::<_, Option<i64>>(4).map(|id| Known { id, stamp: FileStamp { size: r.get::<_, i64>(5) as u64, mtime_ns: r.get(6) }, hash: r.get(7) });
            self.claimed.push_back(WorkItem {
                path: PathBuf::from(r.get::<_, String>(0)),
                real_path: PathBuf::from(r.get::<_, String>(1)),
                stamp: FileStamp { size: r.get::<_, i64>(2) as u64, mtime_ns: r.get(3) },
                known,
            });
        }
        Ok(())
    }

    /// Jobs of this folder that are not this worker's: `(all left, held by others)`.
    fn outstanding(&mut self) -> Result<(usize, usize), postgres::Error> {
        let row = self
            .client
            .query_one("SELECT count(*), count(*) FILTER (WHERE worker IS DISTINCT FROM $2) FROM jobs WHERE root = $1", &[&self.root, &self.worker])?;
        Ok((row.get::<_, i64>(0) as usize, row.get::<_, i64>(1) as usize))
    }

    fn next_item(&mut self) -> Result<Option<WorkItem>, postgres::Error> {
        loop {
            if let Some(item) = self.claimed.pop_front() {
                return Ok(Some(item));
            }
            self.claim()?;
            let (left, others) = self.outstanding()?;
            self.left.store(left, Ordering::Relaxed);
            if !self.claimed.is_empty() {
                continue;
            }
            if others == 0 {
                return Ok(None);
            }
            // Others hold the rest: wait for them to finish, or for a dead worker's lease to end.
            std::thread::sleep(self.opts.lease.div_f64(4.0).min(Duration::from_secs(1)));
        }
    }

    fn stop_heartbeat(&mut self) {
        if let Some((stop, thread)) = self.heartbeat.take() {
            drop(stop);
            let _ = thread.join();
        }
    }
}

impl Iterator for SharedQueue {
    type Item = Result<WorkItem, RecommenderError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.next_item() {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.finished = true;
                None
            }
            Err(e) => {
                self.finished = true;
                Some(Err(pg(&self.name)(e)))
            }
        }
    }
}

impl Drop for SharedQueue {
    fn drop(&mut self) {
        self.stop_heartbeat();
    }
}

/// Queue the files of `found` that are new or changed, in one transaction. Fills of one folder
/// take turns (an advisory lock), so workers starting together queue each file once.
fn fill(client: &mut Client, root: &str, found: &[Found]) -> Result<Filled, postgres::Error> {
    let paths: Vec<String> = found.iter().map(|f| path_text(&f.path)).collect();
    let real_paths: Vec<String> = found.iter().map(|f| path_text(&f.real_path)).collect();
    let sizes: Vec<i64> = found.iter().map(|f| f.stamp.size as i64).collect();
    let mtimes: Vec<i64> = found.iter().map(|f| f.stamp.mtime_ns).collect();
    let under = format!("{}/", root.trim_end_matches('/'));
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock(hashtext('genrespace fill ' || $1))", &[&root])?;
    let removed = tx.execute("DELETE FROM tracks WHERE starts_with(path, $1) AND NOT (path = ANY($2))", &[&under, &paths])? as usize;
    tx.execute("DELETE FROM jobs WHERE root = $1 AND NOT (path = ANY($2))", &[&root, &paths])?;
    if removed > 0 {
        tx.execute("SELECT nextval('generation')", &[])?;
    }
    let files = "unnest($1::text[], $2::text[], $3::int8[], $4::int8[]) AS f(path, real_path, size, mtime_ns)";
    let same = "EXISTS (SELECT 1 FROM tracks t WHERE t.path = f.path AND t.size = f.size AND t.mtime_ns = f.mtime_ns)";
    let unchanged: i64 = tx.query_one(&format!("SELECT count(*) FROM {files} WHERE {same}"), &[&paths, &real_paths, &sizes, &mtimes])?.get(0);
    tx.execute(
        &format!("INSERT INTO jobs(path, root, real_path, size, mtime_ns) SELECT f.path, $5, f.real_path, f.size, f.mtime_ns FROM {files} WHERE NOT {same} ON CONFLICT (path) DO NOTHING"),
        &[&paths, &real_paths, &sizes, &mtimes, &root],
    )?;
    let queued: i64 = tx.query_one("SELECT count(*) FROM jobs WHERE root = $1", &[&root])?.get(0);
    tx.commit()?;
    Ok(Filled { unchanged: unchanged as usize, removed, queued: queued as usize })
}

/// Extend this worker's leases every third of a lease, on a connection of its own, until the
/// sender is dropped. A failed renewal is reported; the worker's next write will fail the same way.
fn start_heartbeat(mut client: Client, name: PathBuf, worker: String, lease: Duration) -> (Sender<()>, JoinHandle<()>) {
    let (stop, stopped) = channel::<()>();
    let thread = std::thread::spawn(move || loop {
        match stopped.recv_timeout(lease / 3) {
            Err(RecvTimeoutError::Timeout) => {
                let renewed =
                    client.execute("UPDATE jobs SET lease_until = now() + make_interval(secs => $2) WHERE worker = $1", &[&worker, &lease.as_secs_f64()]);
                if let Err(e) = renewed {
                    eprintln!("warning: {}: could not renew this worker's leases: {}", name.display(), genrespace_audio::error_chain(&e));
                    return;
                }
            }
            _ => return,
        }
    });
    (stop, thread)
}
