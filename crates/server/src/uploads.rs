//! Songs uploaded to be queries: admitted (at most `jobs` analysed at once, `queue` more
//! waiting, the rest turned away at once so that a burst cannot fill the disk or the memory),
//! stored in a private temporary folder, analysed with the library's model, deleted, and kept
//! as queries (by content hash) so that the playlist, its options and the map can be asked for
//! again without another upload.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use genrespace_audio::AudioError;
use genrespace_features::FeatureError;
use genrespace_recommender::analysis::prepare_file;
use genrespace_recommender::{Analyzer, Library, Query, RecommenderError};
use tokio::sync::Semaphore;

use crate::error::ServerError;
use crate::libraries::{poisoned, Libraries};

/// Uploaded queries kept for later requests; the oldest is forgotten first.
const KEPT_QUERIES: usize = 256;

/// Loads a model (a model folder or a name such as `builtin:msd-musicnn`, the CLI knows which)
/// for analysing uploads.
pub type LoadAnalyzer = Arc<dyn Fn(&Path) -> Result<Analyzer, RecommenderError> + Send + Sync>;

/// How uploads are limited.
#[derive(Debug, Clone)]
pub struct UploadLimits {
    /// Largest upload in bytes.
    pub max_bytes: u64,
    /// Analyses run at once.
    pub jobs: usize,
    /// Uploads that may wait for an analysis slot.
    pub queue: usize,
    /// Patches analysed per upload, spread over the song (bounds the time a long file takes).
    pub max_patches: Option<usize>,
}

pub struct Uploads {
    pub limits: UploadLimits,
    dir: tempfile::TempDir,
    admitted: AtomicUsize,
    slots: Semaphore,
    load: LoadAnalyzer,
    /// The model uploads are analysed with.
    model: PathBuf,
    analyzers: Mutex<Vec<Analyzer>>,
    kept: Mutex<VecDeque<Arc<Uploaded>>>,
}

/// An analysed upload.
pub struct Uploaded {
    /// BLAKE3 of its content: its name in URLs (`?upload=...`).
    pub hash: String,
    /// The file name the client gave.
    pub name: String,
    pub query: Query,
    /// Milliseconds spent decoding and analysing it (0 when it is a copy of a library track).
    pub analysis_ms: f64,
}

/// An admitted upload's place; dropping it frees the place.
pub struct Ticket<'a>(&'a AtomicUsize);

impl Drop for Ticket<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Uploads {
    pub fn new(limits: UploadLimits, load: LoadAnalyzer, model: PathBuf) -> Result<Self, ServerError> {
        let dir = tempfile::Builder::new()
            .prefix("genrespace-uploads-")
            .tempdir()
            .map_err(|source| ServerError::Io { context: "cannot create the upload folder", source })?;
        Ok(Self {
            slots: Semaphore::new(limits.jobs.max(1)),
            limits,
            dir,
            admitted: AtomicUsize::new(0),
            load,
            model,
            analyzers: Mutex::default(),
            kept: Mutex::default(),
        })
    }

    /// Load the first analyzer now and check it against the library, so that a wrong model is
    /// an error at start-up, not at the first upload.
    pub fn preload(&self, libraries: &Libraries) -> Result<(), ServerError> {
        let analyzer = (self.load)(&self.model)?;
        libraries.read(|lib| Ok(lib.check_model(analyzer.identity())?))?;
        self.analyzers.lock().map_err(poisoned)?.push(analyzer);
        Ok(())
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Admit one more upload, or say the server is busy (before any of its body is read).
    pub fn admit(&self) -> Result<Ticket<'_>, ServerError> {
        let capacity = self.limits.jobs.max(1) + self.limits.queue;
        let before = self.admitted.fetch_add(1, Ordering::SeqCst);
        let ticket = Ticket(&self.admitted);
        if before >= capacity {
            return Err(ServerError::Busy { retry_after_s: 5 });
        }
        Ok(ticket)
    }

    /// A new file in the upload folder for an upload named `name` (its extension kept: the
    /// decoder uses it as a hint); deleted when dropped.
    pub fn new_file(&self, name: &str) -> Result<tempfile::NamedTempFile, ServerError> {
        let ext: String = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").chars().filter(char::is_ascii_alphanumeric).take(8).collect();
        let suffix = if ext.is_empty() { String::new() } else { format!(".{ext}") };
        tempfile::Builder::new().suffix(&suffix).tempfile_in(self.dir.path()).map_err(|source| ServerError::Io { context: "cannot store the upload", source })
    }

    /// Wait for an analysis slot (the admission bound keeps this wait short).
    pub async fn slot(&self) -> Result<tokio::sync::SemaphorePermit<'_>, ServerError> {
        self.slots.acquire().await.map_err(|_| ServerError::Internal("the analysis slots were closed".into()))
    }

    /// The uploaded query `hash`, if it is still kept.
    pub fn get(&self, hash: &str) -> Result<Arc<Uploaded>, ServerError> {
        let kept = self.kept.lock().map_err(poisoned)?;
        kept.iter()
            .find(|u| u.hash == hash)
            .cloned()
            .ok_or_else(|| ServerError::NotFound(format!("no upload {hash} here (uploads are kept while the server runs; upload it again)")))
    }

    /// Analyse the stored upload `file` (named `name` by the client) against `lib`, keep it
    /// and return it. Blocking: call from a blocking task holding a [`Uploads::slot`].
    pub fn analyse(&self, lib: &Library, file: &Path, name: &str) -> Result<Arc<Uploaded>, ServerError> {
        let hash = genrespace_recommender::hash::file_blake3(file).map_err(|source| ServerError::Io { context: "cannot read the stored upload", source })?;
        if let Ok(known) = self.get(&hash) {
            return Ok(known);
        }
        let shown = PathBuf::from(name);
        let start = Instant::now();
        let query = match Query::copy_of_track(lib, &hash, &shown)? {
            Some(copy) => copy,
            None => {
                let analyzer = self.take_analyzer()?;
                let result = self.run_model(lib, &analyzer, file, name, &shown, start);
                self.analyzers.lock().map_err(poisoned)?.push(analyzer);
                result?
            }
        };
        let uploaded = Arc::new(Uploaded { hash, name: name.to_string(), analysis_ms: query.analysis_seconds * 1e3, query });
        let mut kept = self.kept.lock().map_err(poisoned)?;
        if kept.len() >= KEPT_QUERIES {
            kept.pop_front();
        }
        kept.push_back(uploaded.clone());
        Ok(uploaded)
    }

    fn run_model(&self, lib: &Library, analyzer: &Analyzer, file: &Path, name: &str, shown: &Path, start: Instant) -> Result<Query, ServerError> {
        lib.check_model(analyzer.identity())?;
        let prepared = prepare_file(analyzer.extractor(), file, &lib.meta().sequence, self.limits.max_patches).map_err(|e| not_audio(name, e))?;
        let analysis = analyzer.embed(prepared);
        Ok(Query::from_analysis(lib, shown.to_path_buf(), analysis, start.elapsed().as_secs_f64()))
    }

    /// An idle analyzer, or a newly loaded one (at most `jobs` exist: one per slot).
    fn take_analyzer(&self) -> Result<Analyzer, ServerError> {
        if let Some(a) = self.analyzers.lock().map_err(poisoned)?.pop() {
            return Ok(a);
        }
        Ok((self.load)(&self.model)?)
    }
}

/// A decoding failure as the client's fault (415, the decoder's reason without the server's
/// file name) or the server's (500).
fn not_audio(name: &str, e: FeatureError) -> ServerError {
    let reason = match &e {
        FeatureError::Audio(a) => match a {
            AudioError::Empty { .. } => "the file is empty".to_string(),
            AudioError::UnsupportedFormat { source, .. } => format!("not a recognised audio format ({source})"),
            AudioError::NoAudioTrack { .. } => "contains no audio track that can be decoded".to_string(),
            AudioError::Decode { source, .. } => format!("cannot decode audio: {source}"),
            AudioError::BadPackets { failed, total, last, .. } => format!("cannot decode audio: {failed} of {total} packets failed ({last})"),
            AudioError::BadStream { reason, .. } => format!("cannot decode audio: {reason}"),
            AudioError::Truncated { decoded_s, declared_s, .. } => format!("truncated: {decoded_s:.2} s of the {declared_s:.2} s its header declares"),
            AudioError::TruncatedInTag { tag_bytes, file_bytes, .. } => {
                format!("truncated: it ends inside its ID3v2 tag ({file_bytes} of the tag's {tag_bytes} bytes), before any audio")
            }
            AudioError::NoSamples { .. } => "decoded no audio samples".to_string(),
            _ => return ServerError::Internal(format!("{name}: {e}")),
        },
        FeatureError::EmptyRange { .. } | FeatureError::EmptySignal => "no audio to analyse".to_string(),
        FeatureError::Config(_) => return ServerError::Internal(format!("{name}: {e}")),
    };
    ServerError::NotAudio { name: name.to_string(), reason }
}
