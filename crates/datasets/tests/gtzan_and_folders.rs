//! GTZAN and labelled-folder loaders on fixture trees in their real layouts.

mod common;

use common::*;
use genrespace_datasets::{check, Source, Split, SplitOptions};

#[test]
fn gtzan_tree_loads_with_a_seeded_stratified_split_and_skips_the_corrupt_file() {
    let tmp = tempfile::tempdir().unwrap();
    gtzan_tree(tmp.path(), &["blues", "jazz", "rock"], 10, 0.2);
    let source = Source::gtzan(tmp.path(), SplitOptions::default()).unwrap();
    let mut ds = source.load().unwrap();
    assert_eq!(ds.genres, vec!["blues", "jazz", "rock"]);
    assert_eq!(ds.tracks.len(), 31, "30 tracks + the corrupt jazz.00054 (README.txt ignored)");
    let removed = check::remove_unreadable(&mut ds, false);
    assert_eq!(removed, 1);
    assert!(ds.unreadable[0].path.ends_with("jazz.00054.wav"));
    assert!(ds.unreadable[0].error.contains("jazz.00054.wav"));
    // Splits are drawn before the audio check, so checking (or --no-check) never moves a good
    // track to another split; the corrupt jazz file simply leaves its split one short.
    let stats = ds.stats();
    for g in ["blues", "rock"] {
        assert_eq!(stats.splits[&Split::Training][g], 8, "{g}");
        assert_eq!(stats.splits[&Split::Validation][g], 1, "{g}");
        assert_eq!(stats.splits[&Split::Test][g], 1, "{g}");
    }
    let jazz: usize = Split::ALL.iter().map(|s| stats.splits[s]["jazz"]).sum();
    assert_eq!(jazz, 10);
    // Same seed, same split; another seed, another split.
    let again = Source::gtzan(tmp.path(), SplitOptions::default()).unwrap().load().unwrap();
    let other = Source::gtzan(tmp.path(), SplitOptions { seed: 7, ..Default::default() }).unwrap().load().unwrap();
    let splits = |d: &genrespace_datasets::Dataset| {
        let mut v: Vec<(String, Split)> = d.tracks.iter().map(|t| (t.id.clone(), t.split)).collect();
        v.sort();
        v
    };
    assert_eq!(splits(&again), splits(&source.load().unwrap()));
    assert_ne!(splits(&other), splits(&again));
}

#[test]
fn gtzan_accepts_genres_original_and_au_and_a_published_split_file() {
    let tmp = tempfile::tempdir().unwrap();
    for n in 0..4u32 {
        write_wav(&tmp.path().join(format!("genres_original/pop/pop.{n:05}.wav")), 0.2, n);
    }
    std::fs::copy(codec_fixture("chord_s16.wav"), tmp.path().join("genres_original/pop/pop.00099.au")).unwrap();
    let split_csv = tmp.path().join("split.csv");
    std::fs::write(&split_csv, "path,split\ngenres_original/pop/pop.00000.wav,train\npop/pop.00001.wav,test\npop.00002.wav,valid\npop.00099.au,training\n")
        .unwrap();
    let ds = Source::gtzan(tmp.path(), SplitOptions { split_file: Some(split_csv), ..Default::default() }).unwrap().load().unwrap();
    let got: Vec<(&str, Split)> = ds.tracks.iter().map(|t| (t.id.as_str(), t.split)).collect();
    assert_eq!(got, vec![("pop.00000", Split::Training), ("pop.00099", Split::Training), ("pop.00002", Split::Validation), ("pop.00001", Split::Test)]);
    assert_eq!(ds.unlabelled, 1, "pop.00003 is not in the split file and is left out");
}

#[test]
fn labelled_folders_recurse_take_every_format_and_skip_bad_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    for (label, files) in [("chill", ["chord.flac", "chord.ogg", "chord.mp3"]), ("loud", ["chord.opus", "chord.m4a", "chord_s24.wav"])] {
        for (i, f) in files.iter().enumerate() {
            let dest = root.join(label).join(format!("album{}", i % 2)).join(format!("t{i}_{f}"));
            std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
            std::fs::copy(codec_fixture(f), dest).unwrap();
        }
    }
    write_garbage(&root.join("loud/broken.mp3"));
    std::fs::write(root.join("loud/cover.jpg"), [0xFFu8, 0xD8, 0xFF]).unwrap();
    std::fs::write(root.join("stray.mp3"), b"top-level files have no label").unwrap();
    let mut ds = Source::folders(root, SplitOptions::default()).unwrap().load().unwrap();
    assert_eq!(ds.genres, vec!["chill", "loud"]);
    assert_eq!(ds.tracks.len(), 7);
    assert_eq!(check::remove_unreadable(&mut ds, false), 1);
    assert!(ds.unreadable[0].path.ends_with("broken.mp3"));
    let stats = ds.stats();
    let per_split = |label: &str| Split::ALL.iter().map(|s| stats.splits[s][label]).collect::<Vec<usize>>();
    assert_eq!(per_split("chill"), vec![1, 1, 1], "3 tracks -> one per split");
    assert_eq!(per_split("loud").iter().sum::<usize>(), 3);
    assert!(ds.tracks.iter().any(|t| t.id == "chill/album0/t0_chord.flac"));
}

#[test]
fn missing_or_empty_roots_are_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let err = Source::gtzan(&tmp.path().join("nope"), SplitOptions::default()).unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    std::fs::create_dir_all(tmp.path().join("empty")).unwrap();
    let err = Source::gtzan(&tmp.path().join("empty"), SplitOptions::default()).unwrap().load().unwrap_err();
    assert!(err.to_string().contains("not a GTZAN folder"), "{err}");
    let err = Source::folders(&tmp.path().join("empty"), SplitOptions::default()).unwrap().load().unwrap_err();
    assert!(err.to_string().contains("no labelled audio"), "{err}");
}
