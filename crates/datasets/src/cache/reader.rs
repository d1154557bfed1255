//! Reading a finished feature cache through memory maps.

use std::path::{Path, PathBuf};

use genrespace_features::FeatureConfig;
use memmap2::Mmap;
use ndarray::ArrayView2;

use super::format::{index_file, io_err, mfcc_file, read_index, slices_file, CacheError, CachedTrack, Manifest, FORMAT_VERSION, MANIFEST};
use crate::split::Split;

/// A complete feature cache (one whose manifest exists).
#[derive(Debug, Clone)]
pub struct FeatureCache {
    dir: PathBuf,
    manifest: Manifest,
}

impl FeatureCache {
    pub fn open(dir: &Path) -> Result<Self, CacheError> {
        let path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(CacheError::Incomplete { path: dir.to_path_buf() }),
            Err(e) => return Err(io_err(&path)(e)),
        };
        let manifest: Manifest =
            serde_json::from_str(&text).map_err(|source| CacheError::Unreadable { path: path.clone(), what: "unreadable manifest".into(), source })?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(CacheError::Mismatch {
                path: dir.to_path_buf(),
                what: format!("in format version {} (this genrespace reads {FORMAT_VERSION})", manifest.format_version),
            });
        }
        Ok(Self { dir: dir.to_path_buf(), manifest })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    pub fn config(&self) -> &FeatureConfig {
        &self.manifest.feature_config
    }

    pub fn genres(&self) -> &[String] {
        &self.manifest.genres
    }

    /// Map one split's data files and read its index.
    pub fn split(&self, split: Split) -> Result<SplitData, CacheError> {
        let cfg = self.config();
        let index_path = index_file(&self.dir, split);
        let (mut tracks, torn) = read_index(&index_path)?;
        if torn {
            return Err(CacheError::Corrupt { path: index_path, reason: "last line is incomplete".into() });
        }
        // `prepare` stores tracks in the order its workers finish them, which varies from run to
        // run; readers see them by id, so training order, normalisation statistics and
        // evaluation are the same for every copy of a cache (seeded training is reproducible).
        tracks.sort_by(|a, b| a.id.cmp(&b.id));
        let expected = self.manifest.splits.get(&split).map_or(0, |s| s.tracks);
        if tracks.len() != expected {
            return Err(CacheError::Corrupt { path: index_path, reason: format!("{} tracks, manifest says {expected}", tracks.len()) });
        }
        let slice_len = cfg.n_mels * cfg.slice_frames;
        let slices = map(&slices_file(&self.dir, split))?;
        let mfcc = map(&mfcc_file(&self.dir, split))?;
        let floats = |m: &Option<Mmap>| m.as_ref().map_or(0, |m| m.len() / 4) as u64;
        for t in &tracks {
            let slice_end = (t.slice_offset + t.n_slices as u64) * slice_len as u64;
            let mfcc_end = t.mfcc_offset + t.mfcc_frames as u64 * cfg.n_mfcc as u64;
            if slice_end > floats(&slices) || mfcc_end > floats(&mfcc) {
                return Err(CacheError::Corrupt { path: self.dir.clone(), reason: format!("track {} lies beyond the end of the {split} data files", t.id) });
            }
        }
        let label_index = tracks
            .iter()
            .map(|t| {
                self.genres()
                    .iter()
                    .position(|g| *g == t.label)
                    .ok_or_else(|| CacheError::Corrupt { path: self.dir.clone(), reason: format!("label '{}' not in the genre list", t.label) })
            })
            .collect::<Result<_, _>>()?;
        Ok(SplitData { tracks, label_index, slices, mfcc, slice_len, n_mels: cfg.n_mels, slice_frames: cfg.slice_frames, n_mfcc: cfg.n_mfcc })
    }
}

fn map(path: &Path) -> Result<Option<Mmap>, CacheError> {
    let file = std::fs::File::open(path).map_err(io_err(path))?;
    if file.metadata().map_err(io_err(path))?.len() == 0 {
        return Ok(None);
    }
    // SAFETY: cache data files are append-only; the one operation that shortens them (repair
    // after a killed `prepare`) only cuts bytes that no index entry points to, and every view
    // handed out is bounds-checked against the index read together with the map.
    let mmap = unsafe { Mmap::map(&file) }.map_err(io_err(path))?;
    Ok(Some(mmap))
}

/// One split of a cache: its tracks (in id order) and zero-copy views of their slices and MFCCs.
#[derive(Debug)]
pub struct SplitData {
    tracks: Vec<CachedTrack>,
    label_index: Vec<usize>,
    slices: Option<Mmap>,
    mfcc: Option<Mmap>,
    slice_len: usize,
    n_mels: usize,
    slice_frames: usize,
    n_mfcc: usize,
}

impl SplitData {
    pub fn tracks(&self) -> &[CachedTrack] {
        &self.tracks
    }

    /// Class index (into the manifest's genres) of track `i`.
    pub fn label_index(&self, i: usize) -> usize {
        self.label_index[i]
    }

    pub fn n_slices(&self) -> usize {
        self.slices.as_ref().map_or(0, |m| m.len() / 4 / self.slice_len)
    }

    /// `(n_mels, slice_frames)`.
    pub fn slice_shape(&self) -> (usize, usize) {
        (self.n_mels, self.slice_frames)
    }

    fn floats(map: &Option<Mmap>) -> &[f32] {
        map.as_deref().map_or(&[], bytemuck::cast_slice)
    }

    /// All slices of track `i`, back to back.
    pub fn track_slices(&self, i: usize) -> &[f32] {
        let t = &self.tracks[i];
        let start = t.slice_offset as usize * self.slice_len;
        &Self::floats(&self.slices)[start..start + t.n_slices as usize * self.slice_len]
    }

    /// Slice `j` of track `i` as `(n_mels, slice_frames)`.
    pub fn slice(&self, i: usize, j: usize) -> ArrayView2<'_, f32> {
        let data = &self.track_slices(i)[j * self.slice_len..(j + 1) * self.slice_len];
        ArrayView2::from_shape((self.n_mels, self.slice_frames), data).expect("slice length matches its shape")
    }

    /// The MFCC matrix `(n_mfcc, n_frames)` of track `i`.
    pub fn mfcc(&self, i: usize) -> ArrayView2<'_, f32> {
        let t = &self.tracks[i];
        let start = t.mfcc_offset as usize;
        let len = t.mfcc_frames as usize * self.n_mfcc;
        ArrayView2::from_shape((self.n_mfcc, t.mfcc_frames as usize), &Self::floats(&self.mfcc)[start..start + len]).expect("mfcc length matches its shape")
    }
}
