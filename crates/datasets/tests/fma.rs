//! The FMA loader on fixtures in the raw `tracks.csv` format: three header rows, quoted fields
//! with commas and newlines, audio at `<audio>/<id/1000>/<id>.mp3`.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::*;
use genrespace_datasets::{check, FmaSubset, Source, Split};

/// The columns of the real tracks.csv that the fixture reproduces (level-0, level-1).
const COLUMNS: &[(&str, &str)] = &[
    ("album", "title"),
    ("artist", "bio"),
    ("artist", "name"),
    ("set", "split"),
    ("set", "subset"),
    ("track", "genre_top"),
    ("track", "genres"),
    ("track", "title"),
];

struct Row {
    id: u32,
    split: String,
    subset: String,
    genre_top: String,
    genres: String,
}

fn quote(s: &str) -> String {
    if s.contains([',', '"', '\n']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Write `tracks.csv` exactly as pandas dumps FMA's two-level column index.
fn write_tracks_csv(dir: &Path, rows: &[Row]) {
    std::fs::create_dir_all(dir).unwrap();
    let mut text = String::new();
    text += &format!(",{}\n", COLUMNS.iter().map(|c| c.0).collect::<Vec<_>>().join(","));
    text += &format!(",{}\n", COLUMNS.iter().map(|c| c.1).collect::<Vec<_>>().join(","));
    text += &format!("track_id{}\n", ",".repeat(COLUMNS.len()));
    for r in rows {
        let fields = [
            format!("Album {}, vol. {}", r.id, r.id % 3),
            format!("Line one of the bio.\nLine two, with \"quotes\" of artist {}.", r.id),
            format!("Artist {}", r.id % 17),
            r.split.clone(),
            r.subset.clone(),
            r.genre_top.clone(),
            r.genres.clone(),
            format!("Track {}, take {}", r.id, r.id % 5),
        ];
        text += &format!("{},{}\n", r.id, fields.iter().map(|f| quote(f)).collect::<Vec<_>>().join(","));
    }
    std::fs::write(dir.join("tracks.csv"), text).unwrap();
}

fn write_genres_csv(dir: &Path, top: &[&str]) {
    let mut text = String::from("genre_id,#tracks,parent,title,top_level\n");
    for (i, g) in top.iter().enumerate() {
        text += &format!("{},{},0,{},{}\n", i + 1, 100, quote(g), i + 1);
    }
    text += &format!("{},5,1,Sub-genre,1\n", top.len() + 1);
    std::fs::write(dir.join("genres.csv"), text).unwrap();
}

fn put_mp3(audio: &Path, id: u32) -> PathBuf {
    let path = genrespace_datasets::fma::audio_path(audio, id);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::copy(codec_fixture("chord.mp3"), &path).unwrap();
    path
}

#[test]
fn raw_tracks_csv_subsets_splits_labels_and_bad_audio() {
    let tmp = tempfile::tempdir().unwrap();
    let (meta, audio) = (tmp.path().join("fma_metadata"), tmp.path().join("fma_small"));
    let spec: &[(u32, &str, &str, &str)] = &[
        (2, "training", "small", "Hip-Hop"),
        (5, "training", "small", "Hip-Hop"),
        (10, "validation", "small", "Pop"),
        (140, "test", "small", "Folk"),
        (141, "training", "small", "Folk"),
        (1482, "training", "small", "Old-Time / Historic"),
        (3, "training", "medium", "Hip-Hop"),
        (20, "test", "medium", "Pop"),
        (21, "training", "medium", ""), // no genre_top: unlabelled
        (30, "training", "large", "Rock"),
        (155066, "validation", "small", "Pop"),
    ];
    let rows: Vec<Row> = spec
        .iter()
        .map(|&(id, split, subset, g)| Row { id, split: split.into(), subset: subset.into(), genre_top: g.into(), genres: "[21, 10]".into() })
        .collect();
    write_tracks_csv(&meta, &rows);
    write_genres_csv(&meta, &["Hip-Hop", "Pop", "Folk", "Rock", "Old-Time / Historic"]);
    for &(id, ..) in spec {
        if id != 141 {
            put_mp3(&audio, id);
        }
    }
    // fma_small really has empty and truncated mp3s.
    std::fs::write(genrespace_datasets::fma::audio_path(&audio, 5), b"").unwrap();
    let small = Source::fma(&audio, &meta, FmaSubset::Small).unwrap();
    let mut ds = small.load().unwrap();
    assert_eq!(ds.missing_audio, vec![audio.join("000/000141.mp3")]);
    assert_eq!(ds.tracks.len(), 6);
    assert!(ds.tracks.iter().any(|t| t.id == "155066" && t.path.ends_with("155/155066.mp3") && t.split == Split::Validation));
    assert_eq!(check::remove_unreadable(&mut ds, false), 1);
    assert!(ds.unreadable[0].error.contains("000005.mp3") && ds.unreadable[0].error.contains("empty"));
    let stats = ds.stats();
    assert_eq!(stats.genres, vec!["Folk", "Hip-Hop", "Old-Time / Historic", "Pop"]);
    assert_eq!(stats.splits[&Split::Training]["Hip-Hop"], 1);
    assert_eq!(stats.splits[&Split::Training]["Old-Time / Historic"], 1);
    assert_eq!(stats.splits[&Split::Validation]["Pop"], 2);
    assert_eq!(stats.splits[&Split::Test]["Folk"], 1);

    // medium = small + medium rows; the row without genre_top is counted, not loaded.
    let medium = Source::fma(&audio, &meta, FmaSubset::Medium).unwrap().load().unwrap();
    assert_eq!(medium.tracks.len(), 6 + 2, "the six small tracks with audio and two medium ones");
    assert_eq!(medium.unlabelled, 1);
    let large = Source::fma(&audio, &meta, FmaSubset::Large).unwrap().load().unwrap();
    assert!(large.genres.contains(&"Rock".to_string()));
}

#[test]
fn malformed_metadata_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let meta = tmp.path().join("meta");
    std::fs::create_dir_all(&meta).unwrap();
    let audio = tmp.path().to_path_buf();
    let err = Source::fma(&audio, &meta, FmaSubset::Small).unwrap().load().unwrap_err();
    assert!(err.to_string().contains("tracks.csv"), "{err}");
    // A one-header CSV (e.g. splits_small.csv passed by mistake) is not the raw format.
    std::fs::write(meta.join("tracks.csv"), "subset,split,track_id,genre_top\nsmall,training,2,Pop\n").unwrap();
    let err = Source::fma(&audio, &meta, FmaSubset::Small).unwrap().load().unwrap_err();
    assert!(err.to_string().contains("tracks.csv") && err.to_string().contains("header"), "{err}");
    // A genre_top that genres.csv does not know.
    write_tracks_csv(&meta, &[Row { id: 2, split: "training".into(), subset: "small".into(), genre_top: "Vaporwave".into(), genres: "[]".into() }]);
    write_genres_csv(&meta, &["Pop"]);
    let err = Source::fma(&audio, &meta, FmaSubset::Small).unwrap().load().unwrap_err();
    assert!(err.to_string().contains("Vaporwave"), "{err}");
}

/// A few hundred real rows from ../shared/fma (ids, splits, genres of fma_small and
/// fma_medium), written in the raw format: the loader must reproduce the table's counts.
#[test]
fn real_fma_rows_give_the_real_counts() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fma");
    if !shared.join("splits_small.csv").exists() {
        eprintln!("SKIP: ../shared/fma not found; real FMA split check not run");
        return;
    }
    let read = |name: &str, every: usize| -> Vec<Row> {
        let mut r = csv::Reader::from_path(shared.join(name)).unwrap();
        r.records()
            .map(|rec| rec.unwrap())
            .enumerate()
            .filter(|(i, _)| i % every == 0)
            .map(|(_, rec)| Row {
                subset: rec[0].to_string(),
                split: rec[1].to_string(),
                id: rec[2].parse().unwrap(),
                genre_top: rec[3].to_string(),
                genres: rec[4].to_string(),
            })
            .collect()
    };
    let mut rows = read("splits_small.csv", 25);
    rows.extend(read("splits_medium_only.csv", 100));
    rows.sort_by_key(|r| r.id);
    let tmp = tempfile::tempdir().unwrap();
    let (meta, audio) = (tmp.path().join("fma_metadata"), tmp.path().join("fma_medium"));
    write_tracks_csv(&meta, &rows);
    for r in &rows {
        put_mp3(&audio, r.id);
    }
    for (subset, name) in [(FmaSubset::Small, "small"), (FmaSubset::Medium, "medium")] {
        let mut expected: BTreeMap<(Split, String), usize> = BTreeMap::new();
        let mut unlabelled = 0;
        for r in rows.iter().filter(|r| r.subset == "small" || name == "medium") {
            if r.genre_top.is_empty() {
                unlabelled += 1;
            } else {
                *expected.entry((Split::parse(&r.split).unwrap(), r.genre_top.clone())).or_default() += 1;
            }
        }
        let ds = Source::fma(&audio, &meta, subset).unwrap().load().unwrap();
        let stats = ds.stats();
        let mut got: BTreeMap<(Split, String), usize> = BTreeMap::new();
        for (split, counts) in &stats.splits {
            for (g, n) in counts.iter().filter(|(_, n)| **n > 0) {
                got.insert((*split, g.clone()), *n);
            }
        }
        assert_eq!(got, expected, "{name}");
        assert_eq!(ds.unlabelled, unlabelled, "{name}");
        assert!(ds.tracks.len() > 250, "{name}: {} tracks", ds.tracks.len());
    }
    let small = Source::fma(&audio, &meta, FmaSubset::Small).unwrap().load().unwrap();
    assert_eq!(small.genres.len(), 8, "fma_small has 8 genres");
}
