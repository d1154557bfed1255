//! The library index and playlists on generated audio, analysed with the shipped model
//! (models/style-cnn): incremental indexing, failures mid-batch, query resolution, playlist
//! invariants and bad input.

mod common;

use common::{analyzer, indexed_library, library, open, opts, write_wav};
use genrespace_recommender::{
    index_library, make_playlist, Analyzer, Library, LibraryMeta, PlaylistOptions, Query, RecommenderError, Rerank, SequenceConfig, Space, Variety,
};

#[test]
fn indexing_is_incremental_and_survives_bad_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    library(&root, 8);
    // Bad files in the middle of the batch: reported, skipped, the rest indexed.
    std::fs::write(root.join("album1/broken.mp3"), b"this is not an mp3").unwrap();
    std::fs::write(root.join("album1/empty.flac"), b"").unwrap();
    std::fs::write(root.join("notes.txt"), b"not audio, not even looked at").unwrap();
    let a = analyzer();
    let db = tmp.path().join("lib.db");
    let mut lib = open(&db, &a);
    let r = index_library(&mut lib, &a, &root, &opts()).unwrap();
    assert_eq!((r.added, r.updated, r.removed, r.unchanged, r.total), (8, 0, 0, 0, 8));
    let failed: Vec<&str> = r.failed.iter().map(|f| f.path.file_name().unwrap().to_str().unwrap()).collect();
    assert_eq!(failed, vec!["broken.mp3", "empty.flac"]);
    assert!(r.failed.iter().all(|f| f.error.contains(&*f.path.to_string_lossy())), "errors name their file: {:?}", r.failed);

    // A rerun is a no-op.
    let r = index_library(&mut lib, &a, &root, &opts()).unwrap();
    assert_eq!((r.added, r.updated, r.removed, r.unchanged, r.total), (0, 0, 0, 8, 8));

    // Touched (same content), rewritten (new content), deleted, added.
    let touched = root.join("album0/track00.wav");
    let bytes = std::fs::read(&touched).unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::write(&touched, &bytes).unwrap();
    let before = lib.track_by_path(&root.join("album1/track01.wav")).unwrap().unwrap();
    write_wav(&root.join("album1/track01.wav"), 6.0, 99);
    std::fs::remove_file(root.join("album2/track02.wav")).unwrap();
    write_wav(&root.join("album2/new.wav"), 3.0, 42);
    let r = index_library(&mut lib, &a, &root, &opts()).unwrap();
    assert_eq!((r.added, r.updated, r.removed, r.unchanged, r.total), (1, 2, 1, 5, 8));
    let after = lib.track_by_path(&root.join("album1/track01.wav")).unwrap().unwrap();
    assert_eq!(after.id, before.id, "an updated track keeps its row");
    assert_ne!(after.hash, before.hash);
    assert!((after.info.duration_s - 6.0).abs() < 0.01);
    assert!(lib.track_by_path(&root.join("album2/track02.wav")).unwrap().is_none());
    // Every track has its vector and sequence: nothing half-written.
    let vectors = lib.vectors(Space::Genres).unwrap();
    assert_eq!(vectors.ids.len(), 8);
    for id in &vectors.ids {
        assert!(lib.sequence(*id).unwrap().frames() >= 6);
    }
    let sum: f32 = vectors.data[..vectors.dims].iter().sum();
    assert!((sum - 1.0).abs() < 1e-3, "a genre vector is a probability distribution");
}

#[test]
fn playlists_exclude_the_query_and_duplicates_and_are_ordered() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    library(&root, 12);
    // An exact copy of the query under another name, and a symlink to it.
    std::fs::copy(root.join("album0/track03.wav"), root.join("album2/copy.wav")).unwrap();
    let a = analyzer();
    let db = tmp.path().join("lib.db");
    let mut lib = open(&db, &a);
    index_library(&mut lib, &a, &root, &opts()).unwrap();
    let vectors = lib.vectors(PlaylistOptions::default().space).unwrap();
    let outside = tmp.path().join("link.wav");
    std::os::unix::fs::symlink(root.join("album0/track03.wav"), &outside).unwrap();

    for query_path in [root.join("album0/track03.wav"), outside.clone(), root.join("album0/../album0/track03.wav")] {
        let query = Query::resolve(&lib, &query_path, || -> Result<&Analyzer, RecommenderError> { panic!("a library track needs no analysis") }).unwrap();
        assert!(query.exclude.len() == 2, "the query and its copy are excluded: {:?}", query.exclude);
        for rerank in [Rerank::Dtw, Rerank::None] {
            let p = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &PlaylistOptions { n: 5, rerank, ..Default::default() }).unwrap();
            assert_eq!(p.tracks.len(), 5);
            let paths: std::collections::HashSet<_> = p.tracks.iter().map(|t| t.path.clone()).collect();
            assert_eq!(paths.len(), 5, "distinct tracks");
            assert!(!paths.contains(&root.join("album0/track03.wav")) && !paths.contains(&root.join("album2/copy.wav")));
            assert!(p.tracks.windows(2).all(|w| w[0].score <= w[1].score), "ordered by score");
            assert_eq!(p.tracks.iter().map(|t| t.rank).collect::<Vec<_>>(), vec![1, 2, 3, 4, 5]);
            assert_eq!(p.tracks.iter().all(|t| t.dtw_distance.is_some()), rerank == Rerank::Dtw);
        }
    }

    // A file outside the library is analysed with the model; asking for more than the library
    // holds gives everything else.
    let fresh = tmp.path().join("fresh.wav");
    write_wav(&fresh, 5.0, 1234);
    let query = Query::resolve(&lib, &fresh, || Ok(&a)).unwrap();
    assert!(!query.info.in_library && query.exclude.is_empty());
    let p = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &PlaylistOptions { n: 100, ..Default::default() }).unwrap();
    assert_eq!(p.tracks.len(), 12, "13 tracks, one of them a duplicate of another");

    // --within-genre keeps the query's top genre only.
    let p = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &PlaylistOptions { n: 100, within_genre: true, ..Default::default() }).unwrap();
    assert!(p.tracks.iter().all(|t| t.top_genre == query.info.top_genre));

    let m3u = genrespace_recommender::playlist::to_m3u(&p.tracks);
    assert!(m3u.starts_with("#EXTM3U\n"));
    assert_eq!(m3u.lines().filter(|l| l.starts_with("#EXTINF:")).count(), p.tracks.len());
}

#[test]
fn bad_input_gives_clear_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let a = analyzer();

    let missing = tmp.path().join("nope.db");
    let e = Library::open(&missing).err().unwrap();
    assert!(matches!(e, RecommenderError::MissingDatabase { .. }) && e.to_string().contains("nope.db"), "{e}");
    assert!(!missing.exists(), "opening never creates a database");

    let text = tmp.path().join("text.db");
    std::fs::write(&text, "definitely not sqlite, but long enough to have a header of some sort........").unwrap();
    let e = Library::open(&text).err().unwrap();
    assert!(e.to_string().contains("text.db"), "{e}");

    // A library built with another model refuses this one.
    let db = tmp.path().join("other.db");
    let mut other = a.identity().clone();
    other.weights_blake3 = "0".repeat(64);
    other.name = "another-model".into();
    drop(Library::open_or_create(&db, LibraryMeta::new(other, SequenceConfig::default())).unwrap());
    let e = Library::open_or_create(&db, LibraryMeta::new(a.identity().clone(), SequenceConfig::default())).err().unwrap();
    assert!(matches!(e, RecommenderError::ModelMismatch { .. }) && e.to_string().contains("another-model"), "{e}");

    // An empty library, an unreadable query.
    let empty_root = tmp.path().join("empty");
    std::fs::create_dir_all(&empty_root).unwrap();
    let db = tmp.path().join("empty.db");
    let mut lib = open(&db, &a);
    let r = index_library(&mut lib, &a, &empty_root, &opts()).unwrap();
    assert_eq!(r.total, 0);
    let vectors = lib.vectors(Space::Genres).unwrap();
    let q = tmp.path().join("q.wav");
    write_wav(&q, 3.0, 5);
    let query = Query::resolve(&lib, &q, || Ok(&a)).unwrap();
    let e = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &PlaylistOptions::default()).err().unwrap();
    assert!(matches!(e, RecommenderError::EmptyLibrary { .. }), "{e}");

    let bad = tmp.path().join("bad.mp3");
    std::fs::write(&bad, [0u8, 1, 2, 3, 4, 5, 6, 7]).unwrap();
    let e = Query::resolve(&lib, &bad, || Ok(&a)).err().unwrap();
    assert!(e.to_string().contains("bad.mp3"), "{e}");
    let e = Query::resolve(&lib, &tmp.path().join("absent.wav"), || Ok(&a)).err().unwrap();
    assert!(e.to_string().contains("absent.wav"), "{e}");

    let e = index_library(&mut lib, &a, &tmp.path().join("no-such-folder"), &opts()).err().unwrap();
    assert!(e.to_string().contains("no-such-folder"), "{e}");
}

/// Every track has an embedding beside its genre vector; playlists search either space; a
/// library indexed before embeddings existed says how to re-index instead of failing obscurely.
#[test]
fn embeddings_are_a_second_space_and_old_libraries_say_to_reindex() {
    let (tmp, lib) = indexed_library(6);
    let (root, db) = (tmp.path().join("music"), tmp.path().join("lib.db"));
    let embedded = lib.vectors(Space::Embedding).unwrap();
    assert_eq!(embedded.ids.len(), 6);
    assert_eq!(embedded.dims, 64, "style-cnn's embedding is its last conv block's 64 pooled channels");
    let row = lib.track_by_path(&root.join("album0/track00.wav")).unwrap().unwrap();
    let query = Query::from_track(&lib, row).unwrap();
    let by_embedding =
        make_playlist(&lib, &embedded, std::slice::from_ref(&query), &PlaylistOptions { n: 3, space: Space::Embedding, ..Default::default() }).unwrap();
    assert_eq!(by_embedding.tracks.len(), 3);
    assert!(by_embedding.tracks.windows(2).all(|w| w[0].score <= w[1].score));

    // A library from before embeddings were stored: the table is missing.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.execute_batch("DROP TABLE embeddings").unwrap();
    drop(conn);
    let old = Library::open(&db).unwrap();
    let err = old.vectors(Space::Embedding).err().unwrap().to_string();
    assert!(err.contains("6 of 6 tracks have no embedding") && err.contains("genrespace index"), "{err}");
    assert_eq!(old.vectors(Space::Genres).unwrap().ids.len(), 6, "genre space still works");
}

/// precision@n against labels, and its random baseline, computed by hand on a small library.
#[test]
fn playlist_quality_counts_same_label_neighbours() {
    let (_tmp, lib) = indexed_library(9);
    let vectors = lib.vectors(Space::Genres).unwrap();
    let opts = PlaylistOptions { n: 2, space: Space::Genres, rerank: Rerank::None, ..Default::default() };
    let q = genrespace_recommender::playlist_quality(&lib, &vectors, &opts, genrespace_recommender::Label::Folder, false).unwrap();
    assert_eq!((q.queries, q.tracks, q.labels), (9, 9, 3));
    // Three folders of three: 2 of the 8 other tracks share a query's folder.
    assert!((q.random_baseline - 0.25).abs() < 1e-12);
    // Recompute precision from the playlists themselves.
    let (mut hits, mut entropy, mut distance) = (0, 0.0, 0.0);
    for row in lib.tracks(&vectors.ids).unwrap() {
        let folder = row.path.parent().unwrap().to_path_buf();
        let p = make_playlist(&lib, &vectors, &[Query::from_track(&lib, row).unwrap()], &opts).unwrap();
        hits += p.tracks.iter().filter(|e| e.path.parent().unwrap() == folder).count();
        entropy += p.cohesion.top_genre_entropy_bits / 9.0;
        distance += p.cohesion.mean_pairwise_genre_distance / 9.0;
    }
    assert!((q.precision - hits as f64 / 18.0).abs() < 1e-12);
    assert!((q.mean_cohesion.top_genre_entropy_bits - entropy).abs() < 1e-9);
    assert!((q.mean_cohesion.mean_pairwise_genre_distance - distance).abs() < 1e-9);
    assert_eq!(q.mean_cohesion.same_artist_pairs, None, "no tags, no artist pairs");
    assert_eq!(q.per_label.iter().map(|l| l.tracks).sum::<usize>(), 9);
}

/// A playlist's cohesion metrics and its entries' explanations, recomputed from its tracks.
#[test]
fn playlist_cohesion_matches_a_recomputation() {
    let (_tmp, lib) = indexed_library(9);
    let vectors = lib.vectors(Space::Embedding).unwrap();
    let row = lib.tracks(&vectors.ids[..1]).unwrap().remove(0);
    let opts = PlaylistOptions { n: 5, ..Default::default() };
    let query = Query::from_track(&lib, row).unwrap();
    let query_vector = query.vector.clone();
    let p = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &opts).unwrap();
    let c = &p.cohesion;
    let seqs: Vec<_> = p.tracks.iter().map(|e| lib.sequence(e.id).unwrap()).collect();
    let dtw: f64 = seqs.windows(2).map(|w| genrespace_recommender::rerank::per_step_dtw(&w[0], &w[1], opts.band, None).unwrap()).sum::<f64>() / 4.0;
    assert!((c.mean_neighbour_dtw.unwrap() - dtw).abs() < 1e-9);
    let genres: Vec<Vec<f32>> = p.tracks.iter().map(|e| lib.vector(e.id).unwrap()).collect();
    let mut total = 0.0;
    for i in 0..5 {
        for j in i + 1..5 {
            total += genres[i].iter().zip(&genres[j]).map(|(a, b)| ((a - b) as f64).powi(2)).sum::<f64>().sqrt();
        }
    }
    assert!((c.mean_pairwise_genre_distance - total / 10.0).abs() < 1e-9);
    // Every entry is explained against the query's genre vector, from its own stored one.
    let names = &lib.meta().model.genres;
    for (e, v) in p.tracks.iter().zip(&genres) {
        let why = e.explanation.as_ref().expect("every entry is explained");
        assert_eq!(why.shared.len(), 2);
        for shared in &why.shared {
            let g = names.iter().position(|n| n == &shared.genre).unwrap();
            assert_eq!((shared.track, shared.query), (v[g], query_vector[g]));
        }
        let d = why.differs.as_ref().unwrap();
        let g = names.iter().position(|n| n == &d.genre).unwrap();
        let largest = v.iter().zip(&query_vector).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert_eq!(d.delta.abs(), largest);
        assert_eq!(d.delta, v[g] - query_vector[g]);
    }
    assert!(c.top_genre_entropy_bits >= 0.0 && c.top_genre_entropy_bits <= 5f64.log2() + 1e-9);
    assert_eq!(c.same_album_pairs, None, "generated files carry no tags");
}

/// Exclusions are honoured exactly, the duration range too, and a shuffle picks reproducibly
/// among the best K.
#[test]
fn variety_and_exclusions_are_exact() {
    let (tmp, lib) = indexed_library(12);
    let root = tmp.path().join("music");
    for i in 0..4 {
        write_wav(&root.join(format!("long/track{i}.wav")), 6.0, 40 + i);
    }
    let a = analyzer();
    let mut lib = lib;
    index_library(&mut lib, &a, &root, &opts()).unwrap();
    let vectors = lib.vectors(Space::Embedding).unwrap();
    let query = || Query::from_track(&lib, lib.track_by_path(&root.join("album0/track00.wav")).unwrap().unwrap()).unwrap();
    let ids = |p: &genrespace_recommender::Playlist| p.tracks.iter().map(|e| e.id).collect::<Vec<_>>();
    let plain = make_playlist(&lib, &vectors, &[query()], &PlaylistOptions { n: 5, ..Default::default() }).unwrap();

    let excluded: std::collections::HashSet<i64> = ids(&plain)[..2].iter().copied().collect();
    let p = make_playlist(&lib, &vectors, &[query()], &PlaylistOptions { n: 5, exclude: excluded.clone(), ..Default::default() }).unwrap();
    assert_eq!(p.tracks.len(), 5);
    assert!(p.tracks.iter().all(|e| !excluded.contains(&e.id)));

    let genre = plain.tracks[0].top_genre.clone();
    let variety = Variety { exclude_genres: vec![genre.to_uppercase()], ..Default::default() };
    let p = make_playlist(&lib, &vectors, &[query()], &PlaylistOptions { n: 5, variety, ..Default::default() }).unwrap();
    assert!(p.tracks.iter().all(|e| e.top_genre != genre), "{genre} left out");

    let variety = Variety { min_duration_s: Some(5.0), ..Default::default() };
    let p = make_playlist(&lib, &vectors, &[query()], &PlaylistOptions { n: 10, variety, ..Default::default() }).unwrap();
    assert_eq!(p.tracks.len(), 4, "only the four 6-s tracks are long enough");
    assert!(p.tracks.iter().all(|e| e.duration_s >= 5.0));

    // Distance order (no DTW, whose score scale depends on n) is the same for any playlist length.
    let best8 = ids(&make_playlist(&lib, &vectors, &[query()], &PlaylistOptions { n: 8, rerank: Rerank::None, ..Default::default() }).unwrap());
    let shuffled = |seed| {
        let variety = Variety { shuffle_among: Some(8), seed, ..Default::default() };
        ids(&make_playlist(&lib, &vectors, &[query()], &PlaylistOptions { n: 4, rerank: Rerank::None, variety, ..Default::default() }).unwrap())
    };
    let (a1, a2) = (shuffled(1), shuffled(1));
    assert_eq!(a1, a2, "the same seed, the same playlist");
    assert!(a1.iter().all(|id| best8.contains(id)), "drawn from the best 8");
    let order: Vec<usize> = a1.iter().map(|id| best8.iter().position(|b| b == id).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "kept in score order");
    assert!((2..12).any(|seed| shuffled(seed) != a1), "other seeds give other playlists");
}

/// Symlinks inside the music folder: a link back to the folder's parent (`loop -> ..`) or to a
/// folder the link is inside (`a/up -> ..`) is not followed and is reported once; a second path to
/// a file (a symlinked file) indexes it once; a symlinked folder elsewhere is followed.
#[test]
fn symlink_loops_and_second_paths_index_each_file_once() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("lib");
    for i in 0..3 {
        write_wav(&root.join(format!("a/t{i}.wav")), 3.0, i);
    }
    write_wav(&tmp.path().join("elsewhere/e.wav"), 3.0, 7);
    std::os::unix::fs::symlink("..", root.join("loop")).unwrap();
    std::os::unix::fs::symlink("..", root.join("a/up")).unwrap();
    std::os::unix::fs::symlink("a/t0.wav", root.join("fav.wav")).unwrap();
    std::os::unix::fs::symlink(tmp.path().join("elsewhere"), root.join("more")).unwrap();
    let a = analyzer();
    let mut lib = open(&tmp.path().join("lib.db"), &a);
    let r = index_library(&mut lib, &a, &root, &opts()).unwrap();
    assert_eq!((r.added, r.total), (4, 4), "t0, t1, t2 once each and e.wav through `more`: {r:?}");
    assert!(r.failed.is_empty(), "{:?}", r.failed);
    assert_eq!(r.warnings.len(), 2, "{:?}", r.warnings);
    assert!(r.warnings.iter().any(|w| w.contains("/lib/loop:")) && r.warnings.iter().any(|w| w.contains("/a/up:")), "{:?}", r.warnings);
    let canonical = std::fs::canonicalize(&root).unwrap();
    assert!(lib.track_by_path(&canonical.join("a/t0.wav")).unwrap().is_some(), "the file's own path is the one kept");
    assert!(lib.track_by_path(&canonical.join("more/e.wav")).unwrap().is_some());
    // A rerun finds nothing new and warns again.
    let r = index_library(&mut lib, &a, &root, &opts()).unwrap();
    assert_eq!((r.added, r.unchanged, r.total, r.warnings.len()), (0, 4, 4, 2));
}

/// A file cut short that still holds enough audio is indexed with a warning saying so; one with
/// too little left is a failure that says it is truncated.
#[test]
fn truncated_files_are_indexed_with_a_warning_or_fail_truthfully() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    write_wav(&root.join("whole.wav"), 8.0, 1);
    let bytes = std::fs::read(root.join("whole.wav")).unwrap();
    std::fs::write(root.join("cut_long.wav"), &bytes[..44 + 6 * 22050 * 2]).unwrap();
    std::fs::write(root.join("cut_short.wav"), &bytes[..44 + 2 * 22050 * 2]).unwrap();
    let a = analyzer();
    let mut lib = open(&tmp.path().join("lib.db"), &a);
    let r = index_library(&mut lib, &a, &root, &opts()).unwrap();
    assert_eq!(r.added, 2, "{r:?}");
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(r.warnings[0].contains("cut_long.wav: truncated: analysed the 6.0 s it holds of the 8.0 s"), "{:?}", r.warnings);
    assert_eq!(r.failed.len(), 1);
    assert!(r.failed[0].error.contains("cut_short.wav") && r.failed[0].error.contains("truncated"), "{:?}", r.failed);
    let row = lib.track_by_path(&std::fs::canonicalize(&root).unwrap().join("cut_long.wav")).unwrap().unwrap();
    assert!((row.info.duration_s - 6.0).abs() < 0.01);
}

/// Two connections creating one new library at the same moment (two `index` runs started
/// together) both open it. Found after a CI run: switching a new file to WAL made SQLite answer
/// "database is locked" at once, without waiting (about once in 30 starts), and one connection
/// could see the other's half-made schema (tables, no `meta`: "a SQLite database of something
/// else", 2 of 15 runs of this test) until creation became one transaction.
#[test]
fn a_new_library_opened_by_two_at_once_opens_for_both() {
    let a = analyzer();
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..60 {
        let db = tmp.path().join(format!("lib{i}.db"));
        let barrier = std::sync::Barrier::new(2);
        std::thread::scope(|s| {
            let open = || {
                barrier.wait();
                Library::open_or_create(&db, LibraryMeta::new(a.identity().clone(), SequenceConfig::default())).map(drop)
            };
            let (x, y) = (s.spawn(open), s.spawn(open));
            for r in [x.join().unwrap(), y.join().unwrap()] {
                r.unwrap_or_else(|e| panic!("attempt {i}: {}", genrespace_audio::error_chain(&e)));
            }
        });
    }
}
