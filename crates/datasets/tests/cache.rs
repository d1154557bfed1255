//! The feature cache: bit-identical to direct extraction, resumable after a kill, never read
//! when incomplete, refuses to mix configurations.

mod common;

use std::io::Write;
use std::path::Path;

use common::*;
use genrespace_audio::DecodeOptions;
use genrespace_datasets::cache::{prepare, CacheError, FeatureCache, PrepareOptions};
use genrespace_datasets::{Dataset, Source, Split, SplitOptions};
use genrespace_features::{FeatureConfig, FeatureExtractor};

fn dataset(root: &Path) -> Dataset {
    Source::gtzan(root, SplitOptions::default()).unwrap().load().unwrap()
}

fn small_config() -> FeatureConfig {
    // Small slices keep the test fast while exercising several slices per track.
    FeatureConfig { n_mels: 32, slice_frames: 16, slice_hop: 12, n_mfcc: 8, ..FeatureConfig::default() }
}

fn opts() -> PrepareOptions {
    PrepareOptions { jobs: Some(2), progress: false }
}

/// Every cached slice and MFCC equals what the extractor computes from the file, bit for bit.
fn assert_matches_direct(cache: &FeatureCache, fx: &FeatureExtractor, expected_tracks: usize) {
    let mut seen = 0;
    for split in Split::ALL {
        let data = cache.split(split).unwrap();
        for (i, t) in data.tracks().iter().enumerate() {
            let direct = fx.analyze_file(&t.path, DecodeOptions::default()).unwrap();
            let slices = fx.slices(&direct.log_mel);
            assert_eq!(t.n_slices as usize, slices.len());
            assert_eq!(data.track_slices(i), slices.data.as_slice().unwrap(), "{}", t.id);
            let last = slices.len() - 1;
            assert_eq!(data.slice(i, last), slices.data.index_axis(ndarray::Axis(0), last));
            assert_eq!(data.mfcc(i), direct.mfcc.view(), "{}", t.id);
            assert_eq!(cache.genres()[data.label_index(i)], t.label);
            seen += 1;
        }
    }
    assert_eq!(seen, expected_tracks);
}

#[test]
fn round_trip_is_bit_identical_and_a_rerun_does_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    gtzan_tree(&tmp.path().join("gtzan"), &["blues", "jazz", "rock"], 6, 0.8);
    let ds = dataset(&tmp.path().join("gtzan"));
    let fx = FeatureExtractor::new(small_config()).unwrap();
    let dir = tmp.path().join("cache");

    let report = prepare(&ds, &fx, &dir, &opts()).unwrap();
    assert_eq!(report.computed, 18);
    assert_eq!(report.failed.len(), 1, "the corrupt jazz.00054 is reported and skipped");
    assert!(report.failed[0].error.contains("jazz.00054.wav"));
    let cache = FeatureCache::open(&dir).unwrap();
    assert_eq!(cache.config(), fx.config());
    assert_eq!(cache.genres(), ["blues", "jazz", "rock"]);
    assert_matches_direct(&cache, &fx, 18);
    let total: u64 = cache.manifest().splits.values().map(|s| s.slices).sum();
    assert!(total >= 18 * 2, "several slices per 0.8-s track");

    let again = prepare(&ds, &fx, &dir, &opts()).unwrap();
    assert_eq!((again.computed, again.reused), (0, 18));
    assert_matches_direct(&FeatureCache::open(&dir).unwrap(), &fx, 18);
}

#[test]
fn an_interrupted_prepare_reads_as_incomplete_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    gtzan_tree(&tmp.path().join("gtzan"), &["blues", "rock"], 8, 0.6);
    std::fs::remove_file(tmp.path().join("gtzan/genres/jazz/jazz.00054.wav")).unwrap();
    let ds = dataset(&tmp.path().join("gtzan"));
    let fx = FeatureExtractor::new(small_config()).unwrap();
    let dir = tmp.path().join("cache");

    // A run over half the tracks, then what a kill -9 in the middle of the next append leaves:
    // no manifest, a torn index line, data written past the last indexed track.
    let mut half = ds.clone();
    half.tracks.retain(|t| t.id.ends_with(['0', '2', '4', '6']));
    prepare(&half, &fx, &dir, &opts()).unwrap();
    std::fs::remove_file(dir.join("cache.json")).unwrap();
    let append = |name: &str, bytes: &[u8]| std::fs::OpenOptions::new().append(true).open(dir.join(name)).unwrap().write_all(bytes).unwrap();
    append("training.slices.f32", &[7u8; 1000]);
    append("training.mfcc.f32", &[7u8; 300]);
    append("training.index.jsonl", br#"{"id":"blues.00007","path":"/x","lab"#);
    assert!(matches!(FeatureCache::open(&dir), Err(CacheError::Incomplete { .. })));

    let report = prepare(&ds, &fx, &dir, &opts()).unwrap();
    assert_eq!(report.reused, 8);
    assert_eq!(report.computed, 8);
    let cache = FeatureCache::open(&dir).unwrap();
    assert_matches_direct(&cache, &fx, 16);

    // Byte for byte what an uninterrupted run writes (same order of work is not guaranteed with
    // two threads, so compare per track rather than whole files): done above. The repaired data
    // file holds exactly the indexed slices and nothing of the garbage.
    let training = cache.split(Split::Training).unwrap();
    let slice_len = 32 * 16;
    let bytes = std::fs::metadata(dir.join("training.slices.f32")).unwrap().len() as usize;
    assert_eq!(bytes, training.n_slices() * slice_len * 4);
}

#[test]
fn a_cache_refuses_another_config_or_source() {
    let tmp = tempfile::tempdir().unwrap();
    gtzan_tree(&tmp.path().join("a"), &["blues", "rock"], 3, 0.3);
    let ds = dataset(&tmp.path().join("a"));
    let dir = tmp.path().join("cache");
    prepare(&ds, &FeatureExtractor::new(small_config()).unwrap(), &dir, &opts()).unwrap();

    let other_cfg = FeatureExtractor::new(FeatureConfig { n_mels: 40, ..small_config() }).unwrap();
    let err = prepare(&ds, &other_cfg, &dir, &opts()).unwrap_err();
    assert!(matches!(err, CacheError::Mismatch { .. }) && err.to_string().contains("feature configuration"), "{err}");

    let reseeded = Source::gtzan(&tmp.path().join("a"), SplitOptions { seed: 1, ..Default::default() }).unwrap().load().unwrap();
    let err = prepare(&reseeded, &FeatureExtractor::new(small_config()).unwrap(), &dir, &opts()).unwrap_err();
    assert!(err.to_string().contains("another source"), "{err}");
}
