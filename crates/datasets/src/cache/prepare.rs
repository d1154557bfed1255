//! `prepare`: compute the features of every track of a dataset into a cache folder, in parallel,
//! resuming whatever an earlier run finished.

use std::collections::{BTreeMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use genrespace_audio::DecodeOptions;
use genrespace_features::{parallel, FeatureExtractor, Slices};
use kdam::BarExt;
use ndarray::Array2;
use serde::Serialize;

use super::format::{index_file, io_err, mfcc_file, read_index, slices_file, CacheError, CachedTrack, Manifest, SplitSummary, FORMAT_VERSION, MANIFEST};
use crate::dataset::{Dataset, Skipped, Track};
use crate::split::Split;

#[derive(Debug, Clone, Default)]
pub struct PrepareOptions {
    /// Worker threads; `None` uses every core.
    pub jobs: Option<usize>,
    /// Show a kdam progress bar on stderr.
    pub progress: bool,
}

/// What a `prepare` run did.
#[derive(Debug, Clone, Serialize)]
pub struct PrepareReport {
    pub cache: PathBuf,
    /// Tracks computed by this run.
    pub computed: usize,
    /// Tracks already in the cache from an earlier run.
    pub reused: usize,
    pub failed: Vec<Skipped>,
    pub splits: BTreeMap<Split, SplitSummary>,
    /// Wall time of this run and seconds of audio it analysed.
    pub seconds: f64,
    pub audio_seconds: f64,
}

/// Features of one track, ready to append.
struct Computed {
    slices: Slices,
    mfcc: Array2<f32>,
    duration_s: f64,
}

/// Appends tracks to one split's three files.
struct SplitWriter {
    slices_path: PathBuf,
    mfcc_path: PathBuf,
    index_path: PathBuf,
    slices: BufWriter<File>,
    mfcc: BufWriter<File>,
    index: File,
    entries: Vec<CachedTrack>,
    next_slice: u64,
    next_mfcc: u64,
}

impl SplitWriter {
    /// Open a split for appending, first repairing what a killed run may have left: a torn last
    /// index line is dropped and the data files are cut back to the end of the last indexed track.
    fn open(dir: &Path, split: Split, slice_len: usize, n_mfcc: usize) -> Result<Self, CacheError> {
        let index_path = index_file(dir, split);
        let (entries, torn) = read_index(&index_path)?;
        if torn {
            rewrite_index(&index_path, &entries)?;
        }
        let (next_slice, next_mfcc) =
            entries.last().map_or((0, 0), |t| (t.slice_offset + t.n_slices as u64, t.mfcc_offset + t.mfcc_frames as u64 * n_mfcc as u64));
        let open_data = |path: PathBuf, floats: u64| -> Result<(PathBuf, BufWriter<File>), CacheError> {
            let file = OpenOptions::new().create(true).read(true).write(true).truncate(false).open(&path).map_err(io_err(&path))?;
            let want = floats * 4;
            let have = file.metadata().map_err(io_err(&path))?.len();
            if have < want {
                return Err(CacheError::Corrupt { path, reason: format!("{have} bytes but the index needs {want}") });
            }
            file.set_len(want).map_err(io_err(&path))?;
            let mut file = file;
            std::io::Seek::seek(&mut file, std::io::SeekFrom::End(0)).map_err(io_err(&path))?;
            Ok((path, BufWriter::with_capacity(1 << 20, file)))
        };
        let (slices_path, slices) = open_data(slices_file(dir, split), next_slice * slice_len as u64)?;
        let (mfcc_path, mfcc) = open_data(mfcc_file(dir, split), next_mfcc)?;
        let index = OpenOptions::new().create(true).append(true).open(&index_path).map_err(io_err(&index_path))?;
        Ok(Self { slices_path, mfcc_path, index_path, slices, mfcc, index, entries, next_slice, next_mfcc })
    }

    /// Data first, then the index line that makes it visible.
    fn append(&mut self, track: &Track, c: &Computed) -> Result<(), CacheError> {
        let slice_data = c.slices.data.as_slice().expect("slices are in standard layout");
        let mfcc_data = c.mfcc.as_standard_layout();
        let mfcc_data = mfcc_data.as_slice().expect("standard layout");
        self.slices.write_all(bytemuck::cast_slice(slice_data)).map_err(io_err(&self.slices_path))?;
        self.mfcc.write_all(bytemuck::cast_slice(mfcc_data)).map_err(io_err(&self.mfcc_path))?;
        self.slices.flush().map_err(io_err(&self.slices_path))?;
        self.mfcc.flush().map_err(io_err(&self.mfcc_path))?;
        let entry = CachedTrack {
            id: track.id.clone(),
            path: track.path.clone(),
            label: track.label.clone(),
            slice_offset: self.next_slice,
            n_slices: c.slices.len() as u32,
            mfcc_offset: self.next_mfcc,
            mfcc_frames: c.mfcc.ncols() as u32,
            duration_s: c.duration_s,
        };
        let mut line = serde_json::to_string(&entry).expect("index entries serialise");
        line.push('\n');
        self.index.write_all(line.as_bytes()).map_err(io_err(&self.index_path))?;
        self.next_slice += c.slices.len() as u64;
        self.next_mfcc += mfcc_data.len() as u64;
        self.entries.push(entry);
        Ok(())
    }

    /// Flush and fsync everything, dropping index entries of tracks no longer in the dataset
    /// (their data stays in the files, unreferenced).
    fn finish(mut self, keep: &HashSet<&str>) -> Result<SplitSummary, CacheError> {
        self.slices.flush().map_err(io_err(&self.slices_path))?;
        self.mfcc.flush().map_err(io_err(&self.mfcc_path))?;
        self.slices.get_ref().sync_all().map_err(io_err(&self.slices_path))?;
        self.mfcc.get_ref().sync_all().map_err(io_err(&self.mfcc_path))?;
        if self.entries.iter().any(|e| !keep.contains(e.id.as_str())) {
            self.entries.retain(|e| keep.contains(e.id.as_str()));
            rewrite_index(&self.index_path, &self.entries)?;
        } else {
            self.index.sync_all().map_err(io_err(&self.index_path))?;
        }
        Ok(SplitSummary { tracks: self.entries.len(), slices: self.entries.iter().map(|e| e.n_slices as u64).sum() })
    }
}

fn rewrite_index(path: &Path, entries: &[CachedTrack]) -> Result<(), CacheError> {
    let mut text = String::new();
    for e in entries {
        text.push_str(&serde_json::to_string(e).expect("index entries serialise"));
        text.push('\n');
    }
    write_atomically(path, text.as_bytes())
}

fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), CacheError> {
    genrespace_audio::write_atomically(path, |tmp| std::fs::write(tmp, bytes)).map_err(io_err(path))
}

/// The features of one track, or the error (with its causes) that stopped them.
fn compute(fx: &FeatureExtractor, track: &Track) -> Result<Computed, String> {
    fx.analyze_file(&track.path, DecodeOptions::default())
        .map(|f| Computed { slices: fx.slices(&f.log_mel), mfcc: f.mfcc, duration_s: f.duration_s })
        .map_err(|e| genrespace_audio::error_chain(&e))
}

fn check_compatible(dir: &Path, dataset: &Dataset, fx: &FeatureExtractor) -> Result<(), CacheError> {
    let path = dir.join(MANIFEST);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(io_err(&path)(e)),
    };
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|source| CacheError::Unreadable { path: path.clone(), what: "unreadable manifest".into(), source })?;
    let mismatch = |what: String| Err(CacheError::Mismatch { path: dir.to_path_buf(), what });
    if manifest.format_version != FORMAT_VERSION {
        return mismatch(format!("in format version {} (this genrespace writes {FORMAT_VERSION})", manifest.format_version));
    }
    if &manifest.feature_config != fx.config() {
        return mismatch("with a different feature configuration".into());
    }
    if manifest.source != dataset.source {
        return mismatch(format!("from another source ({})", manifest.source.describe()));
    }
    Ok(())
}

/// Compute and store the features of every track of `dataset` in `dir`, skipping tracks already
/// there. Tracks that fail to decode are reported and skipped; the run finishes the rest.
pub fn prepare(dataset: &Dataset, fx: &FeatureExtractor, dir: &Path, opts: &PrepareOptions) -> Result<PrepareReport, CacheError> {
    let start = Instant::now();
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    check_compatible(dir, dataset, fx)?;
    let cfg = fx.config();
    let slice_len = cfg.n_mels * cfg.slice_frames;

    let mut writers = BTreeMap::new();
    for split in Split::ALL {
        writers.insert(split, SplitWriter::open(dir, split, slice_len, cfg.n_mfcc)?);
    }
    let done: HashSet<(Split, String)> = writers.iter().flat_map(|(s, w)| w.entries.iter().map(move |e| (*s, e.id.clone()))).collect();
    let work: Vec<&Track> = dataset.tracks.iter().filter(|t| !done.contains(&(t.split, t.id.clone()))).collect();
    let reused = dataset.tracks.len() - work.len();
    let manifest_path = dir.join(MANIFEST);
    if !work.is_empty() {
        // From here until the new manifest is renamed into place, the cache reads as incomplete.
        match std::fs::remove_file(&manifest_path) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io_err(&manifest_path)(e)),
            _ => {}
        }
    }

    let mut failed = Vec::new();
    let mut audio_seconds = 0.0;
    let pool = parallel::pool(opts.jobs).map_err(io_err(dir))?;
    let mut bar = opts.progress.then(|| kdam::tqdm!(total = work.len(), desc = "preparing features", unit = " tracks"));
    parallel::analyse_then_write(
        &pool,
        work.iter().copied(),
        |track| (track, compute(fx, track)),
        |(track, result)| {
            match result {
                Ok(c) => {
                    audio_seconds += c.duration_s;
                    writers.get_mut(&track.split).expect("a writer per split").append(track, &c)?;
                }
                Err(error) => {
                    eprintln!("warning: skipping {error}");
                    failed.push(Skipped { path: track.path.clone(), error });
                }
            }
            if let Some(bar) = bar.as_mut() {
                bar.postfix = format!(", failed={}", failed.len());
                let _ = bar.update(1);
            }
            Ok::<(), CacheError>(())
        },
    )?;
    if bar.is_some() {
        eprintln!();
    }

    let mut splits = BTreeMap::new();
    for (split, writer) in writers {
        let keep: HashSet<&str> = dataset.split(split).map(|t| t.id.as_str()).collect();
        splits.insert(split, writer.finish(&keep)?);
    }
    let manifest = Manifest {
        format_version: FORMAT_VERSION,
        feature_config: cfg.clone(),
        source: dataset.source.clone(),
        genres: dataset.genres.clone(),
        splits: splits.clone(),
        failed: failed.clone(),
    };
    write_atomically(&manifest_path, serde_json::to_string_pretty(&manifest).expect("manifest serialises").as_bytes())?;
    Ok(PrepareReport {
        cache: dir.to_path_buf(),
        computed: work.len() - failed.len(),
        reused,
        failed,
        splits,
        seconds: start.elapsed().as_secs_f64(),
        audio_seconds,
    })
}
