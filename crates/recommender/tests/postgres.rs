//! The PostgreSQL engine against a real throwaway server (scripts/pg_cluster.sh): its
//! nearest-neighbour index against the exact scan, its schema versions, read-only connections,
//! and browsing that pages like SQLite's.

mod common;
#[path = "../../../tests/common/pg.rs"]
mod pg;

use genrespace_recommender::browse::{SortKey, TrackQuery};
use genrespace_recommender::library::{copy_library, FileStamp, GenreVectors, TrackInfo, TrackRecord};
use genrespace_recommender::search::{nearest, Filter, Points};
use genrespace_recommender::{Library, LibraryMeta, Location, RecommenderError, SequenceConfig, Space};
use rand::{RngExt, SeedableRng};

fn meta() -> LibraryMeta {
    LibraryMeta::new(common::analyzer().identity().clone(), SequenceConfig::default())
}

/// A track with random points: `genres` values and a 64-value embedding.
fn record(i: i64, genres: usize, rng: &mut impl rand::Rng) -> TrackRecord {
    record_with(i, genres, 64, rng)
}

/// A track with random points: `genres` values and an `embedding`-value embedding.
fn record_with(i: i64, genres: usize, embedding: usize, rng: &mut impl rand::Rng) -> TrackRecord {
    TrackRecord {
        id: None,
        path: format!("/music/{i:05}.flac"),
        real_path: format!("/music/{i:05}.flac"),
        stamp: FileStamp { size: 1000 + i as u64, mtime_ns: i },
        hash: format!("{i:064x}"),
        info: TrackInfo {
            title: Some(format!("Track {i}")),
            artist: (i % 3 != 0).then(|| format!("Artist {}", i % 17)),
            album: None,
            genre: None,
            year: Some(2000 + (i % 20) as i32),
            duration_s: 60.0 + i as f64,
            top_genre: "x".into(),
        },
        vector: (0..genres).map(|_| rng.random_range(0.0f32..1.0)).collect(),
        embedding: Some((0..embedding).map(|_| rng.random_range(-1.0f32..1.0)).collect()),
        sequence: vec![0; 4 * 19 * 3],
    }
}

#[test]
fn the_gist_index_finds_the_neighbours_the_exact_scan_finds() {
    let Some(cluster) = pg::PgCluster::start() else { return };
    let meta = meta();
    let genres = meta.model.genres.len();
    let mut lib = Library::open_or_create(Location::parse(&cluster.url), meta).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    lib.in_transaction(|lib| (0..3000).try_for_each(|i| lib.put_record(&record(i, genres, &mut rng)).map(drop))).unwrap();
    for space in [Space::Genres, Space::Embedding] {
        let all = lib.vectors(space).unwrap();
        assert_eq!(all.ids.len(), 3000);
        for _ in 0..25 {
            let query: Vec<f32> = (0..all.dims).map(|_| rng.random_range(-1.0f32..1.0)).collect();
            let near = lib.nearest_indexed(space, &query, 12).unwrap().expect("cube indexes up to 100 dimensions");
            let mut exact: Vec<i64> = nearest(&all, &query, 12, &Filter::default()).iter().map(|n| n.id).collect();
            exact.sort();
            assert_eq!(near.ids, exact, "{space:?}");
            for &id in &near.ids {
                assert_eq!(near.row(id), all.row(id), "points come back bit for bit");
            }
        }
        the_engine_search_finds_what_the_scan_finds(&lib, space, &all, &mut rng);
    }
}

/// A playlist's search in the engine ([`Points::of`]), with filters that leave few of the first
/// fetch (so it fetches more), finds what the scan in memory finds.
fn the_engine_search_finds_what_the_scan_finds(lib: &Library, space: Space, all: &GenreVectors, rng: &mut impl rand::Rng) {
    let searched = Points::of(lib, space).unwrap();
    assert!(matches!(searched, Points::Indexed { dims, .. } if dims == all.dims), "{searched:?}");
    let loaded = Points::from(all);
    for round in 0..10 {
        let query: Vec<f32> = (0..all.dims).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let exclude = nearest(all, &query, 40, &Filter::default()).iter().map(|n| n.id).collect();
        let only = (round % 2 == 0).then(|| all.ids.iter().copied().filter(|id| id % 13 == round).collect());
        let filter = Filter { exclude, only };
        let want = loaded.find(lib, &query, 12, &filter).unwrap();
        let got = searched.find(lib, &query, 12, &filter).unwrap();
        assert_eq!(got.neighbours, want.neighbours, "{space:?} round {round}");
        assert_eq!(got.neighbours.len(), 12, "not exhausted");
        assert_eq!(searched.find(lib, &query, 5000, &filter).unwrap().neighbours, loaded.find(lib, &query, 5000, &filter).unwrap().neighbours);
    }
}

/// Points beyond cube's 100 dimensions: searched in the server by pgvector where the server has
/// it (written one by one and by a copy's bulk path alike), else scanned in the client.
#[test]
fn points_beyond_cube_are_searched_by_pgvector_where_the_server_has_it() {
    let Some(cluster) = pg::PgCluster::start() else { return };
    let pgvector =
        cluster.client(&cluster.url).query_one("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'", &[]).unwrap().get::<_, i64>(0) == 1;
    if !pgvector {
        eprintln!("pgvector is not installed on this PostgreSQL server (Debian 12 packages none): checking the in-client scan only");
    }
    let meta = meta();
    let genres = meta.model.genres.len();
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("lib.db");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let records: Vec<TrackRecord> = (0..1500).map(|i| record_with(i, genres, 200, &mut rng)).collect();
    let mut one_by_one = Library::open_or_create(Location::parse(&cluster.url), meta.clone()).unwrap();
    one_by_one.in_transaction(|lib| records.iter().try_for_each(|r| lib.put_record(r).map(drop))).unwrap();
    let mut sqlite = Library::open_or_create(&file, meta).unwrap();
    sqlite.in_transaction(|lib| records.iter().try_for_each(|r| lib.put_record(r).map(drop))).unwrap();
    drop(sqlite);
    let copied = Location::parse(&cluster.database("copied"));
    copy_library(&Location::File(file), &copied, false).unwrap();
    for lib in [one_by_one, Library::open(&copied).unwrap()] {
        let all = lib.vectors(Space::Embedding).unwrap();
        assert_eq!(all.dims, 200);
        if pgvector {
            the_engine_search_finds_what_the_scan_finds(&lib, Space::Embedding, &all, &mut rng);
        } else {
            assert!(matches!(Points::of(&lib, Space::Embedding).unwrap(), Points::Loaded(_)));
            assert!(lib.nearest_indexed(Space::Embedding, &all.data[..200], 5).unwrap().is_none());
        }
    }
}

#[test]
fn schema_versions_are_recorded_and_foreign_or_newer_schemas_refused() {
    let Some(cluster) = pg::PgCluster::start() else { return };
    let empty = Location::parse(&cluster.database("empty"));
    assert!(matches!(Library::open(&empty), Err(RecommenderError::MissingDatabase { .. })));

    let url = cluster.database("lib");
    drop(Library::open_or_create(Location::parse(&url), meta()).unwrap());
    let mut client = cluster.client(&url);
    let version: i32 = client.query_one("SELECT max(version) FROM schema_migrations", &[]).unwrap().get(0);
    assert_eq!(version, 2);
    // Opening again applies nothing and keeps the metadata.
    drop(Library::open_or_create(Location::parse(&url), meta()).unwrap());
    assert_eq!(client.query_one("SELECT count(*) FROM schema_migrations", &[]).unwrap().get::<_, i64>(0), 2);
    client.execute("INSERT INTO schema_migrations(version) VALUES (7)", &[]).unwrap();
    let e = Library::open(Location::parse(&url)).err().unwrap();
    assert!(e.to_string().contains("schema version 7 is newer"), "{e}");
    assert!(!e.to_string().contains("password"), "{e}");

    let foreign = cluster.database("other_app");
    cluster.client(&foreign).batch_execute("CREATE TABLE tracks (id int)").unwrap();
    let e = Library::open_or_create(Location::parse(&foreign), meta()).err().unwrap();
    assert!(e.to_string().contains("a `tracks` table that is not genrespace's"), "{e}");
}

#[test]
fn read_only_connections_cannot_write() {
    let Some(cluster) = pg::PgCluster::start() else { return };
    let meta = meta();
    let genres = meta.model.genres.len();
    drop(Library::open_or_create(Location::parse(&cluster.url), meta).unwrap());
    let mut lib = Library::open_read_only(Location::parse(&cluster.url)).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let e = lib.put_record(&record(1, genres, &mut rng)).err().unwrap();
    assert!(matches!(e, RecommenderError::Postgres { .. }), "{e}");
    assert_eq!(lib.len().unwrap(), 0);
}

#[test]
fn browsing_pages_as_on_sqlite() {
    let Some(cluster) = pg::PgCluster::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("lib.db");
    let meta = meta();
    let genres = meta.model.genres.len();
    let mut lib = Library::open_or_create(&file, meta).unwrap();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    lib.in_transaction(|lib| (0..200).try_for_each(|i| lib.put_record(&record(i, genres, &mut rng)).map(drop))).unwrap();
    drop(lib);
    let url = Location::parse(&cluster.url);
    assert_eq!(copy_library(&Location::File(file.clone()), &url, false).unwrap().tracks, 200);
    let (sqlite, postgres) = (Library::open(&file).unwrap(), Library::open(&url).unwrap());
    for (text, sort, descending) in [
        ("", SortKey::Title, false),
        ("artist 1", SortKey::Artist, true),
        ("track 1", SortKey::Duration, false),
        ("", SortKey::Path, true),
        ("50%", SortKey::Album, false),
    ] {
        let q = TrackQuery { text: text.into(), sort, descending, offset: 5, limit: 20 };
        let (a, b) = (sqlite.browse(&q).unwrap(), postgres.browse(&q).unwrap());
        assert_eq!(a.total, b.total, "{q:?}");
        assert_eq!(a.tracks, b.tracks, "{q:?}");
    }
}
