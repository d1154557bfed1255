//! `index`: bring a library up to date with a music folder.
//!
//! Files whose size and mtime are unchanged are skipped without reading them; changed ones are
//! hashed, and re-analysed only when their content changed; files gone from the folder are
//! removed. Decoding and features run on every core; the model and the database writes run on
//! one thread, a transaction per track, so a killed run loses at most the tracks in flight and a
//! rerun carries on where it stopped. Unreadable files are reported and skipped.
//!
//! On a SQLite library one run works at a time (a second waits for the first). On a PostgreSQL
//! library any number of runs, on any number of machines, share the work through the library's
//! job queue ([`crate::library::jobs`]): each is one worker of the same distributed run.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use genrespace_features::{parallel, FeatureExtractor};
use kdam::BarExt;
use serde::Serialize;

use crate::analysis::{prepare_file, Analyzer, Prepared};
use crate::error::RecommenderError;
use crate::hash::file_blake3;
use crate::library::jobs::{Found, SharedQueue, WorkerOptions};
use crate::library::{FileStamp, Library, Location, WorkItem};
use crate::sequence::SequenceConfig;

/// How long a shared run's claim lasts without a heartbeat, unless `--lease` says otherwise.
pub const DEFAULT_LEASE: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, Default)]
pub struct IndexOptions {
    /// Worker threads for decoding and features (default: all cores).
    pub jobs: Option<usize>,
    /// Analyse at most this many slices per track, evenly spread (default: all).
    pub max_slices: Option<usize>,
    /// Show a kdam progress bar on stderr.
    pub progress: bool,
    /// A shared library's lease on claimed files (default [`DEFAULT_LEASE`]).
    pub lease: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub path: PathBuf,
    pub error: String,
}

/// What an index run did. `total` is the number of tracks in the library afterwards.
#[derive(Debug, Clone, Default, Serialize)]
pub struct IndexReport {
    pub added: usize,
    pub updated: usize,
    pub removed: usize,
    pub unchanged: usize,
    pub failed: Vec<Failure>,
    /// What was passed over or cut short without failing (symlink loops, truncated files).
    pub warnings: Vec<String>,
    pub total: usize,
    /// Seconds of audio analysed in this run.
    pub audio_seconds: f64,
    pub seconds: f64,
    /// This run's name in a shared library's job queue (`None` on SQLite).
    pub worker: Option<String>,
}

enum Outcome {
    /// Same content as the stored track (e.g. only touched): refresh its stamp.
    SameContent,
    Analysed {
        hash: String,
        prepared: Box<Prepared>,
    },
    Failed(String),
}

/// Index every audio file under `root` into `lib` with `analyzer`'s model.
pub fn index_library(lib: &mut Library, analyzer: &Analyzer, root: &Path, opts: &IndexOptions) -> Result<IndexReport, RecommenderError> {
    let start = Instant::now();
    let root_err = |reason: String| RecommenderError::LibraryRoot { path: root.to_path_buf(), reason };
    let root = std::fs::canonicalize(root).map_err(|e| root_err(format!("cannot open the music folder: {e}")))?;
    if !root.is_dir() {
        return Err(root_err("not a folder".into()));
    }
    let mut report = IndexReport::default();
    let (files, walk_failures, warnings) = audio_files(&root);
    report.failed.extend(walk_failures);
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    report.warnings = warnings;
    let mut found = Vec::with_capacity(files.len());
    for (path, real_path) in files {
        match FileStamp::of(&path) {
            Ok(stamp) => found.push(Found { path, real_path, stamp }),
            Err(e) => report.failed.push(Failure { path, error: e.to_string() }),
        }
    }

    match lib.location().clone() {
        Location::File(db) => {
            let _lock = lock_for_indexing(&db)?;
            let work = plan(lib, &root, found, &mut report)?;
            let total = work.len();
            run(lib, analyzer, work.into_iter().map(Ok), Progress::Local { total }, opts, &mut report)?;
        }
        Location::Postgres(url) => {
            let worker = WorkerOptions { lease: opts.lease.unwrap_or(DEFAULT_LEASE), batch: parallel::threads(opts.jobs) };
            let name = lib.worker().expect("a PostgreSQL library names its connection").to_owned();
            let (queue, filled) = SharedQueue::start(&url, lib.path(), &name, &root, &found, worker)?;
            report.unchanged = filled.unchanged;
            report.removed = filled.removed;
            report.worker = Some(name);
            let progress = Progress::Shared { queued: filled.queued, left: queue.left() };
            run(lib, analyzer, queue, progress, opts, &mut report)?;
        }
    }
    report.total = lib.len()?;
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

/// A one-machine run's work: the files that are new or changed. Tracks whose files are gone are
/// removed here.
fn plan(lib: &mut Library, root: &Path, found: Vec<Found>, report: &mut IndexReport) -> Result<Vec<WorkItem>, RecommenderError> {
    let mut known = lib.known_under(root)?;
    let mut work = Vec::new();
    for Found { path, real_path, stamp } in found {
        match known.remove(&path) {
            Some(k) if k.stamp == stamp => report.unchanged += 1,
            k => work.push(WorkItem { path, real_path, stamp, known: k }),
        }
    }
    // Whatever is left in `known` is no longer in the folder.
    let gone: Vec<i64> = known.values().map(|k| k.id).collect();
    lib.remove(&gone)?;
    report.removed = gone.len();
    Ok(work)
}

/// Hold the library's index lock (`<db>.index-lock`, an OS file lock the kernel releases when the
/// process ends, however it ends) for the whole run. A second `index` on the same library waits
/// here and then sees the first run's tracks as unchanged, instead of analysing every file
/// again beside it. (Readers — playlists, the web app — never take it.)
fn lock_for_indexing(db: &Path) -> Result<std::fs::File, RecommenderError> {
    let path = PathBuf::from(format!("{}.index-lock", db.display()));
    let io = |source| RecommenderError::Io { path: path.clone(), source };
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).map_err(io)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => {
            eprintln!("{}: another index run is updating this library; waiting for it to finish", db.display());
            file.lock().map_err(io)?;
            Ok(file)
        }
        Err(std::fs::TryLockError::Error(e)) => Err(io(e)),
    }
}

/// What the progress bar counts: this run's files, or the whole shared queue (all workers').
enum Progress {
    Local { total: usize },
    Shared { queued: usize, left: Arc<AtomicUsize> },
}

/// Analyse `items` in parallel and write each result to `lib` as it comes.
fn run(
    lib: &mut Library,
    analyzer: &Analyzer,
    items: impl Iterator<Item = Result<WorkItem, RecommenderError>> + Send,
    progress: Progress,
    opts: &IndexOptions,
    report: &mut IndexReport,
) -> Result<(), RecommenderError> {
    if let Progress::Local { total: 0 } = progress {
        return Ok(());
    }
    let pool = parallel::pool(opts.jobs).map_err(|source| RecommenderError::Io { path: lib.path().to_path_buf(), source })?;
    let fx = analyzer.extractor();
    let sequence = lib.meta().sequence;
    let total = match &progress {
        Progress::Local { total } => *total,
        Progress::Shared { queued, .. } => *queued,
    };
    let mut bar = opts.progress.then(|| kdam::tqdm!(total = total, desc = "indexing", unit = " tracks"));
    let work = |item: Result<WorkItem, RecommenderError>| {
        item.map(|job| {
            let outcome = examine(&job, fx, &sequence, opts.max_slices);
            (job, outcome)
        })
    };
    let written = parallel::analyse_then_write(&pool, items, work, |item| {
        let (job, outcome) = item?;
        write(lib, analyzer, &job, outcome, report)?;
        if let Some(bar) = bar.as_mut() {
            bar.postfix = format!(", failed={}", report.failed.len());
            let _ = match &progress {
                Progress::Local { .. } => bar.update(1),
                Progress::Shared { queued, left } => {
                    // The whole library's progress: the queue as of this worker's last claim.
                    let left = left.load(Ordering::Relaxed);
                    bar.postfix.push_str(&format!(", queue={left}"));
                    bar.update_to(queued.saturating_sub(left))
                }
            };
        }
        Ok::<(), RecommenderError>(())
    });
    if bar.is_some() {
        eprintln!(); // end the bar's line, also before an error
    }
    written
}

/// The writer side: store what a worker found.
fn write(lib: &mut Library, analyzer: &Analyzer, job: &WorkItem, outcome: Outcome, report: &mut IndexReport) -> Result<(), RecommenderError> {
    match outcome {
        Outcome::SameContent => {
            report.updated += 1;
            lib.restamp(job.known.as_ref().expect("same content implies a stored track").id, job.stamp)
        }
        Outcome::Analysed { hash, prepared } => {
            report.audio_seconds += prepared.duration_s;
            if let Some(cut) = prepared.truncated {
                let warning = format!(
                    "{}: truncated: analysed the {:.1} s it holds of the {:.1} s its header declares",
                    job.path.display(),
                    cut.decoded_s,
                    cut.declared_s
                );
                eprintln!("warning: {warning}");
                report.warnings.push(warning);
            }
            let analysis = analyzer.embed(*prepared);
            match &job.known {
                Some(_) => report.updated += 1,
                None => report.added += 1,
            }
            lib.upsert(&job.path, &job.real_path, job.stamp, &hash, &analysis).map(|_| ())
        }
        Outcome::Failed(error) => {
            eprintln!("warning: skipping {error}");
            lib.record_failure(&job.path, &error)?;
            report.failed.push(Failure { path: job.path.clone(), error });
            Ok(())
        }
    }
}

/// The worker side: hash, and analyse when the content is new.
fn examine(job: &WorkItem, fx: &FeatureExtractor, sequence: &SequenceConfig, max_slices: Option<usize>) -> Outcome {
    let hash = match file_blake3(&job.path) {
        Ok(h) => h,
        Err(e) => return Outcome::Failed(format!("{}: {e}", job.path.display())),
    };
    if job.known.as_ref().is_some_and(|k| k.hash == hash) {
        return Outcome::SameContent;
    }
    match prepare_file(fx, &job.path, sequence, max_slices) {
        Ok(prepared) => Outcome::Analysed { hash, prepared: Box::new(prepared) },
        Err(e) => Outcome::Failed(with_path(&job.path, &e)),
    }
}

/// `e` naming `path` once: audio errors name their file already, the others get it here.
fn with_path(path: &Path, e: &genrespace_features::FeatureError) -> String {
    let text = genrespace_audio::error_chain(e);
    match e.path() {
        Some(_) => text,
        None => format!("{}: {text}", path.display()),
    }
}

/// The audio files under `root` (a canonical folder) as `(path in the folder, real path behind its
/// symlinks)`, sorted, each real file once (the first path that reaches it), and the entries that
/// could not be read. A file reached through a symlink is indexed under the link's path, so
/// deleting the link removes the track. A symlinked folder is followed unless it leads back to
/// a folder the walk is already inside (the root, one of its ancestors, or the link's own
/// parents): such a loop would index the same files again under longer and longer paths, so it is
/// skipped and reported once as a warning.
fn audio_files(root: &Path) -> (Vec<(PathBuf, PathBuf)>, Vec<Failure>, Vec<String>) {
    let mut files = Vec::new();
    let mut failures = Vec::new();
    let mut warnings = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let loop_warning = |link: &Path, target: &Path| format!("{}: a symlink back to {} (a folder it is inside); not followed", link.display(), target.display());
    let mut outside_loops = Vec::new();
    // walkdir finds links to an ancestor within the walk; `link_loop` also those that leave the
    // root towards one of its ancestors.
    let walk = walkdir::WalkDir::new(root).follow_links(true).sort_by_file_name().into_iter().filter_entry(|e| match link_loop(e) {
        Some(target) => {
            outside_loops.push(loop_warning(e.path(), &target));
            false
        }
        None => true,
    });
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) if e.loop_ancestor().is_some() => {
                let (link, target) = (e.path().unwrap_or(root), e.loop_ancestor().unwrap_or(root));
                warnings.push(loop_warning(link, target));
                continue;
            }
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_else(|| root.to_path_buf());
                failures.push(Failure { error: format!("{}: {e}", path.display()), path });
                continue;
            }
        };
        if !entry.file_type().is_file() || !genrespace_audio::is_audio_path(entry.path()) {
            continue;
        }
        if entry.path().to_str().is_none() {
            failures.push(Failure { path: entry.path().to_path_buf(), error: format!("{}: the file name is not valid UTF-8", entry.path().display()) });
            continue;
        }
        match std::fs::canonicalize(entry.path()) {
            Ok(real) if seen.insert(real.clone()) => files.push((entry.path().to_path_buf(), real)),
            Ok(_) => {} // a second path to a file already listed
            Err(e) => failures.push(Failure { path: entry.path().to_path_buf(), error: format!("{}: {e}", entry.path().display()) }),
        }
    }
    warnings.extend(outside_loops);
    warnings.sort();
    (files, failures, warnings)
}

/// The folder a symlinked directory leads back to, when it is one the link is already inside.
fn link_loop(entry: &walkdir::DirEntry) -> Option<PathBuf> {
    if !entry.path_is_symlink() || !entry.file_type().is_dir() {
        return None;
    }
    let target = std::fs::canonicalize(entry.path()).ok()?;
    let parent = std::fs::canonicalize(entry.path().parent()?).ok()?;
    parent.starts_with(&target).then_some(target)
}
