//! The bodies of genrespace's fuzz targets, one function per input path a user can hand the
//! program: audio files (decode + features, tags), FMA's `tracks.csv`, `model.json`, a feature
//! config and a library database. Each writes the fuzzer's bytes where the program would read a
//! file and calls the same library function the CLI calls, so the fuzzer reaches the real code
//! (file opening, extension hints, error paths) and not a copy of it.
//!
//! Beyond "never panics", each target checks what a user relies on: an error names the file it is
//! about, and an accepted input gives well-formed results (finite features of the declared shape,
//! trimmed tags, a runnable model).

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use burn::tensor::{Device, Tensor};
use genrespace_audio::{decode_file, error_chain, DecodeOptions};
use genrespace_classifier::{ArchConfig, ModelMeta};
use genrespace_datasets::{fma, FmaSubset};
use genrespace_features::{FeatureConfig, FeatureExtractor};
use genrespace_recommender::browse::TrackQuery;
use genrespace_recommender::projection::LibraryMap;
use genrespace_recommender::{make_playlist, Library, PlaylistOptions, Query, RecommenderError, Space};

/// The container a decode input claims to be: its first byte picks the file extension, which is
/// symphonia's probe hint, so one corpus covers every format the program reads.
pub const EXTENSIONS: [&str; 10] = ["mp3", "wav", "flac", "ogg", "opus", "m4a", "aiff", "caf", "mkv", "au"];

/// Longest window a decode target reads: a few bytes of FLAC or Opus can declare hours of audio,
/// and the point is the parser, not how long a long file takes.
const MAX_DECODE_S: f64 = 10.0;

/// A private folder for this process's input files (in `$TMPDIR`, which `scripts/fuzz.sh` points
/// at memory). Kept for the life of the process; the script removes it afterwards.
fn scratch_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| tempfile::Builder::new().prefix("genrespace-fuzz-").tempdir().expect("temp folder").keep())
}

/// Write `bytes` to `name` in the scratch folder, replacing what an earlier input left there.
fn scratch_file(name: &str, bytes: &[u8]) -> PathBuf {
    let path = scratch_dir().join(name);
    std::fs::write(&path, bytes).expect("write scratch file");
    path
}

/// The feature front end of the shipped real-music model (musicnn's), built once.
fn extractor() -> &'static FeatureExtractor {
    static FX: OnceLock<FeatureExtractor> = OnceLock::new();
    FX.get_or_init(|| FeatureExtractor::new(FeatureConfig::musicnn()).expect("musicnn config is valid"))
}

/// A user-facing error line must say which file it is about.
fn assert_names(error: &(dyn std::error::Error + 'static), path: &Path) {
    let line = error_chain(error);
    let name = path.file_name().unwrap().to_string_lossy();
    assert!(line.contains(&*name), "error does not name {name}: {line}");
}

/// Decode + features (`genrespace features`, `index`, uploads): a file of arbitrary bytes with
/// each container hint, analysed as far as 10 s.
pub fn decode(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let path = scratch_file(&format!("input.{}", EXTENSIONS[pick as usize % EXTENSIONS.len()]), bytes);
    let fx = extractor();
    let opts = DecodeOptions { offset_s: 0.0, duration_s: Some(MAX_DECODE_S), ..DecodeOptions::default() };
    match fx.analyze_file(&path, opts) {
        Err(e) => assert_names(&e, &path),
        Ok(track) => {
            let c = fx.config();
            assert!(track.duration_s <= MAX_DECODE_S + 0.1, "decoded {} s of a {MAX_DECODE_S}-s window", track.duration_s);
            assert_eq!(track.log_mel.data.nrows(), c.n_mels);
            assert_eq!(track.mfcc.nrows(), c.n_mfcc);
            assert_eq!(track.mfcc.ncols(), track.log_mel.n_frames());
            assert!(track.log_mel.data.iter().chain(track.mfcc.iter()).all(|v| v.is_finite()), "features hold a non-finite value");
            let slices = fx.slices(&track.log_mel);
            assert_eq!(slices.data.dim(), (slices.len(), c.n_mels, c.slice_frames));
        }
    }
}

/// Tag reading: the probe and metadata of a file, decoding as little audio as possible.
pub fn tags(data: &[u8]) {
    let Some((&pick, bytes)) = data.split_first() else { return };
    let path = scratch_file(&format!("tagged.{}", EXTENSIONS[pick as usize % EXTENSIONS.len()]), bytes);
    match decode_file(&path, DecodeOptions { offset_s: 0.0, duration_s: Some(0.05), ..DecodeOptions::default() }) {
        Err(e) => assert_names(&e, &path),
        Ok(audio) => {
            let t = &audio.tags;
            for text in [&t.title, &t.artist, &t.album, &t.genre].into_iter().flatten() {
                assert!(!text.is_empty() && text.trim() == text && !text.chars().any(char::is_control), "untidy tag {text:?}");
            }
            assert!(audio.sample_rate > 0);
        }
    }
}

/// FMA's `tracks.csv` (and `genres.csv`, the part of the input after its first NUL byte, when
/// there is one), loaded as `genrespace dataset --fma` does over an audio tree holding track 2.
pub fn fma_tracks_csv(data: &[u8]) {
    let (tracks, genres) = match data.iter().position(|&b| b == 0) {
        Some(at) => (&data[..at], Some(&data[at + 1..])),
        None => (data, None),
    };
    let meta = scratch_dir().join("fma_metadata");
    let audio = scratch_dir().join("fma_small");
    let mp3 = fma::audio_path(&audio, 2);
    std::fs::create_dir_all(mp3.parent().unwrap()).unwrap();
    std::fs::create_dir_all(&meta).unwrap();
    std::fs::write(&mp3, b"").unwrap();
    std::fs::write(meta.join("tracks.csv"), tracks).unwrap();
    let genres_csv = meta.join("genres.csv");
    match genres {
        Some(g) => std::fs::write(&genres_csv, g).unwrap(),
        None => drop(std::fs::remove_file(&genres_csv)),
    }
    match fma::load(&audio, &meta, FmaSubset::Large) {
        Err(e) => {
            let line = error_chain(&e);
            assert!(line.contains("tracks.csv") || line.contains("genres.csv"), "error names no file: {line}");
        }
        Ok(listing) => {
            let mut ids: Vec<&str> = listing.tracks.iter().map(|t| t.id.as_str()).collect();
            ids.sort();
            ids.dedup();
            assert_eq!(ids.len(), listing.tracks.len(), "a track listed twice");
            assert!(listing.tracks.iter().all(|t| t.path == mp3 && !t.label.is_empty()));
        }
    }
}

/// Models small enough to build and run once per input: the target checks that whatever
/// `ModelMeta::parse` accepts can be built and run, not how fast big models are.
fn small_enough(meta: &ModelMeta) -> bool {
    let c = &meta.feature_config;
    let widths: Vec<usize> = match &meta.architecture {
        ArchConfig::Cnn(a) => a.channels.clone(),
        ArchConfig::Crnn(a) => a.channels.iter().copied().chain([a.gru_hidden]).collect(),
        ArchConfig::Musicnn(a) => vec![a.timbral_filters, a.temporal_filters, a.midend_filters, a.midend_layers, a.backend_units],
        ArchConfig::Vgg(a) => vec![a.filters; a.pools.len()],
    };
    widths.len() <= 8 && widths.iter().all(|&w| w <= 64) && c.n_mels <= 128 && c.slice_frames <= 256 && meta.genres.len() <= 64
}

/// `model.json`: parsed and checked as every command that loads a model does; an accepted
/// description must build a model that maps one patch to one finite score per label.
pub fn model_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let path = PathBuf::from("fuzzed/model.json");
    match ModelMeta::parse(text, path.clone()) {
        Err(e) => assert_names(&e, &path),
        Ok(meta) if small_enough(&meta) => {
            let device = Device::flex();
            let model = meta.init_model(&device);
            let c = &meta.feature_config;
            let patch = Tensor::<4>::zeros([1, 1, c.n_mels, c.slice_frames], &device);
            let logits = model.forward(patch);
            assert_eq!(logits.dims(), [1, meta.genres.len()]);
            let values = logits.into_data().convert::<f32>().try_to_vec::<f32>().expect("f32 logits");
            assert!(values.iter().all(|v| v.is_finite()), "non-finite logits {values:?}");
        }
        Ok(_) => {}
    }
}

/// A feature config file (`genrespace features --config`): one that validates must turn half a
/// second of sound into finite features and slices of its declared shape.
pub fn feature_config(data: &[u8]) {
    let Ok(config) = serde_json::from_slice::<FeatureConfig>(data) else { return };
    let Ok(fx) = FeatureExtractor::new(config) else { return };
    let c = fx.config().clone();
    let n = (c.sample_rate / 2) as usize;
    let samples: Vec<f32> = (0..n).map(|i| (i as f32 * 0.05).sin() * 0.5).collect();
    let (log_mel, mfcc) = fx.log_mel_and_mfcc(&samples).expect("features of a valid config");
    assert_eq!(log_mel.data.nrows(), c.n_mels);
    assert_eq!(mfcc.nrows(), c.n_mfcc);
    assert!(log_mel.data.iter().chain(mfcc.iter()).all(|v| v.is_finite()), "non-finite features for {c:?}");
    let slices = fx.slices(&log_mel);
    assert_eq!(slices.data.dim(), (slices.len(), c.n_mels, c.slice_frames));
}

/// A library database of arbitrary bytes, opened as `serve` (read-only) and `playlist` (read-write,
/// which migrates) open it, then browsed, mapped and asked for a playlist in both spaces.
pub fn library_db(data: &[u8]) {
    let path = scratch_file("library.db", data);
    for leftover in ["library.db-wal", "library.db-shm", "library.db.index-lock"] {
        let _ = std::fs::remove_file(scratch_dir().join(leftover));
    }
    for read_only in [true, false] {
        let opened = if read_only { Library::open_read_only(&path) } else { Library::open(&path) };
        if let Err(e) = opened.and_then(|lib| exercise(&lib)) {
            // Errors are the expected outcome; their text is built too, as the CLI prints it.
            assert!(!error_chain(&e).is_empty());
        }
    }
}

fn exercise(lib: &Library) -> Result<(), RecommenderError> {
    lib.len()?;
    lib.generation()?;
    let page = lib.browse(&TrackQuery { limit: 5, ..Default::default() })?;
    for space in [Space::Genres, Space::Embedding] {
        let vectors = lib.vectors(space)?;
        LibraryMap::of(lib, &vectors, space)?;
        if let Some(row) = page.tracks.first() {
            lib.sequence(row.id)?;
            let query = Query::from_track(lib, row.clone())?;
            let opts = PlaylistOptions { n: 3, space, ..Default::default() };
            make_playlist(lib, &vectors, &[query], &opts)?;
        }
    }
    Ok(())
}
