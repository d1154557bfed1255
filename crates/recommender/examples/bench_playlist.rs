//! Playlist latency on a large synthetic library, for scripts/bench_playlist.sh.
//!
//! `generate`: fill a library database with N synthetic tracks — genre vectors (softmax of random
//! logits leaning towards one genre), 200-dimensional embeddings (as musicnn's: a fixed random
//! linear map of the genre vector plus noise) and MFCC sequences (2 frames/s for songs of 2–6
//! minutes, a per-track timbre plus noise) — labelled with the real model's identity, so the real
//! CLI can query it. `query`: time playlists for library tracks as the CLI builds them (open the
//! DB, load the genre vectors, resolve the query, neighbours + DTW rerank), excluding any audio
//! analysis. `path`: time 12-step paths between two library tracks the same way, in the default
//! (embedding) space. `catalogue`: playlist latency as a server with the library open sees it
//! (one connection, kept): with `--index` the candidates come from the engine's own search
//! ([`Points::of`]: PostgreSQL's `cube` GiST index, or pgvector beyond 100 dimensions) and only
//! they are read; without, every point is read once up front (as the web app keeps them) and
//! scanned. Each prints one JSON line. DB is a SQLite file
//! or a PostgreSQL URL.
//!
//! Usage: bench_playlist generate DB MODEL_DIR [--tracks 100000] [--seed 1] [--max-seconds 360]
//!        bench_playlist query DB [--queries 30] [--rerank dtw|none]
//!        bench_playlist path DB [--queries 30] [--rerank dtw|none] [-n 12]
//!        bench_playlist catalogue DB [--queries 100] [--index] [--space genres|embedding]

use std::borrow::Cow;
use std::path::Path;
use std::time::Instant;

use genrespace_audio::Tags;
use genrespace_recommender::analysis::Analysis;
use genrespace_recommender::sequence::MfccSequence;
use genrespace_recommender::{
    make_path, make_playlist, Analyzer, Anchor, Library, LibraryMeta, Location, PlaylistOptions, Points, Query, RecommenderError, Rerank, SequenceConfig, Space,
};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// musicnn's embedding size.
const EMBEDDING_DIMS: usize = 200;

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") => generate(&Location::parse(&args[2]), Path::new(&args[3])),
        Some("query") => query(&Location::parse(&args[2])),
        Some("path") => path(&Location::parse(&args[2])),
        Some("catalogue") => catalogue(&Location::parse(&args[2]), args.iter().any(|a| a == "--index")),
        _ => Err("usage: bench_playlist generate DB MODEL_DIR [--tracks N] | query DB [--queries N] [--rerank dtw|none] | path DB [--queries N] [--rerank dtw|none] [-n 12]".into()),
    }
}

fn generate(db: &Location, model: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let tracks: usize = arg("--tracks", 100_000);
    let max_seconds: f64 = arg("--max-seconds", 360.0);
    let mut rng = ChaCha8Rng::seed_from_u64(arg("--seed", 1));
    let analyzer = Analyzer::load(model, &burn::tensor::Device::flex())?;
    let genres = analyzer.identity().genres.clone();
    let meta = LibraryMeta::new(analyzer.identity().clone(), SequenceConfig::default());
    let dims = meta.sequence_dims;
    let embedding_map: Vec<f32> = (0..EMBEDDING_DIMS * genres.len()).map(|_| rng.random_range(-1.0f32..1.0)).collect();
    let mut lib = Library::open_or_create(db, meta)?;
    let start = Instant::now();
    let mut bar = kdam::tqdm!(total = tracks, desc = "generating", unit = " tracks");
    for chunk in (0..tracks).collect::<Vec<_>>().chunks(5000) {
        lib.in_transaction(|lib| {
            for &i in chunk {
                let lean = rng.random_range(0..genres.len());
                let logits: Vec<f32> = (0..genres.len()).map(|g| rng.random_range(-2.0f32..2.0) + if g == lean { 4.0 } else { 0.0 }).collect();
                let total: f32 = logits.iter().map(|l| l.exp()).sum();
                let vector: Vec<f32> = logits.iter().map(|l| l.exp() / total).collect();
                let seconds = rng.random_range(max_seconds / 3.0..max_seconds);
                let frames = (seconds * 2.0) as usize;
                let timbre: Vec<f32> = (0..dims).map(|_| rng.random_range(-20.0f32..20.0)).collect();
                let data = (0..frames * dims).map(|k| timbre[k % dims] + rng.random_range(-5.0f32..5.0)).collect();
                let analysis = Analysis {
                    top_genre: genres[lean].clone(),
                    embedding: (0..EMBEDDING_DIMS)
                        .map(|e| {
                            vector.iter().enumerate().map(|(g, p)| p * embedding_map[e * genres.len() + g]).sum::<f32>() + rng.random_range(-0.05f32..0.05)
                        })
                        .collect(),
                    vector,
                    sequence: MfccSequence { dims, data },
                    tags: Tags { title: Some(format!("Track {i}")), artist: Some(format!("Artist {}", i / 12)), ..Default::default() },
                    duration_s: seconds,
                };
                let path = format!("/synthetic/{:03}/{i:06}.mp3", i / 1000);
                lib.upsert(
                    Path::new(&path),
                    Path::new(&path),
                    genrespace_recommender::library::FileStamp { size: 0, mtime_ns: 0 },
                    &format!("{i:064x}"),
                    &analysis,
                )?;
            }
            Ok::<_, RecommenderError>(())
        })?;
        kdam::BarExt::update(&mut bar, chunk.len())?;
    }
    eprintln!();
    let bytes = match db {
        Location::File(path) => std::fs::metadata(path)?.len(),
        Location::Postgres(_) => 0,
    };
    println!("{}", serde_json::json!({"tracks": lib.len()?, "seconds": start.elapsed().as_secs_f64(), "db_bytes": bytes}));
    Ok(())
}

fn query(db: &Location) -> Result<(), Box<dyn std::error::Error>> {
    let queries: usize = arg("--queries", 30);
    let rerank = if arg("--rerank", "dtw".to_string()) == "none" { Rerank::None } else { Rerank::Dtw };
    let n_tracks = Library::open(db)?.len()?;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let mut total_ms = Vec::new();
    let (mut load, mut search, mut rerank_ms) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..queries {
        let i = rng.random_range(0..n_tracks);
        let path = format!("/synthetic/{:03}/{i:06}.mp3", i / 1000);
        let t = Instant::now();
        // As the CLI does it: open, load the genre vectors, resolve, search and rerank.
        let lib = Library::open(db)?;
        let t_load = Instant::now();
        let vectors = lib.vectors(Space::Genres)?;
        load.push(t_load.elapsed().as_secs_f64() * 1e3);
        let query = resolve(&lib, Path::new(&path))?;
        let p = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &PlaylistOptions { rerank, space: Space::Genres, ..Default::default() })?;
        assert_eq!(p.tracks.len(), 10);
        total_ms.push(t.elapsed().as_secs_f64() * 1e3);
        search.push(p.timings.search_ms);
        rerank_ms.push(p.timings.rerank_ms);
    }
    let first = total_ms[0];
    let p95 = quantile(&mut total_ms.clone(), 0.95);
    println!(
        "{}",
        serde_json::json!({"tracks": n_tracks, "queries": queries, "rerank": format!("{rerank:?}").to_lowercase(),
            "first_ms": first, "median_ms": quantile(&mut total_ms, 0.5), "p95_ms": p95,
            "median_load_vectors_ms": quantile(&mut load, 0.5), "median_search_ms": quantile(&mut search, 0.5), "median_rerank_ms": quantile(&mut rerank_ms, 0.5)})
    );
    Ok(())
}

fn path(db: &Location) -> Result<(), Box<dyn std::error::Error>> {
    let queries: usize = arg("--queries", 30);
    let steps: usize = arg("-n", 12);
    let rerank = if arg("--rerank", "dtw".to_string()) == "none" { Rerank::None } else { Rerank::Dtw };
    let n_tracks = Library::open(db)?.len()?;
    let mut rng = ChaCha8Rng::seed_from_u64(11);
    let (mut total, mut load, mut search, mut rerank_ms) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut dims = 0;
    for _ in 0..queries {
        let ends: Vec<String> = (0..2).map(|_| rng.random_range(0..n_tracks)).map(|i| format!("/synthetic/{:03}/{i:06}.mp3", i / 1000)).collect();
        let t = Instant::now();
        let lib = Library::open(db)?;
        let t_load = Instant::now();
        let vectors = lib.vectors(Space::Embedding)?;
        dims = vectors.dims;
        load.push(t_load.elapsed().as_secs_f64() * 1e3);
        let anchors = ends.iter().map(|p| resolve(&lib, Path::new(p)).map(|q| Anchor::Song(Box::new(q)))).collect::<Result<Vec<_>, _>>()?;
        let j = make_path(
            &lib,
            &vectors,
            &anchors,
            &PlaylistOptions {
                n: steps,
                rerank,
                space: Space::Embedding,
                candidates: genrespace_recommender::journey::DEFAULT_CANDIDATES,
                ..Default::default()
            },
        )?;
        assert_eq!(j.steps.len(), steps);
        total.push(t.elapsed().as_secs_f64() * 1e3 - load.last().copied().unwrap_or(0.0));
        search.push(j.timings.search_ms);
        rerank_ms.push(j.timings.rerank_ms);
    }
    let p95 = quantile(&mut total.clone(), 0.95);
    println!(
        "{}",
        serde_json::json!({"tracks": n_tracks, "dims": dims, "paths": queries, "steps": steps, "rerank": format!("{rerank:?}").to_lowercase(),
            "median_ms_without_loading": quantile(&mut total, 0.5), "p95_ms_without_loading": p95,
            "median_load_vectors_ms": quantile(&mut load, 0.5), "median_search_ms": quantile(&mut search, 0.5), "median_rerank_and_report_ms": quantile(&mut rerank_ms, 0.5)})
    );
    Ok(())
}

fn catalogue(db: &Location, indexed: bool) -> Result<(), Box<dyn std::error::Error>> {
    let queries: usize = arg("--queries", 100);
    let lib = Library::open_read_only(db)?;
    let n_tracks = lib.len()?;
    let space = if arg("--space", "genres".to_string()) == "embedding" { Space::Embedding } else { Space::Genres };
    let opts = PlaylistOptions { rerank: Rerank::Dtw, space, ..Default::default() };
    let t = Instant::now();
    let points = if indexed { Points::of(&lib, space)? } else { Points::Loaded(Cow::Owned(lib.vectors(space)?)) };
    if indexed && matches!(points, Points::Loaded(_)) {
        return Err("no search in the engine for this library and space".into());
    }
    let load_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut total, mut search) = (Vec::new(), Vec::new());
    for _ in 0..queries {
        let i = rng.random_range(0..n_tracks);
        let t = Instant::now();
        let query = resolve(&lib, Path::new(&format!("/synthetic/{:03}/{i:06}.mp3", i / 1000)))?;
        let p = make_playlist(&lib, &points, std::slice::from_ref(&query), &opts)?;
        assert_eq!(p.tracks.len(), 10);
        total.push(t.elapsed().as_secs_f64() * 1e3);
        search.push(p.timings.search_ms);
    }
    println!(
        "{}",
        serde_json::json!({"library": db.to_string(), "tracks": n_tracks, "queries": queries, "space": format!("{space:?}").to_lowercase(), "candidates": if indexed { "search in the engine" } else { "scan of points in memory" },
            "load_points_once_ms": load_ms, "median_ms": quantile(&mut total.clone(), 0.5), "p95_ms": quantile(&mut total, 0.95),
            "median_search_ms": quantile(&mut search, 0.5)})
    );
    Ok(())
}

/// The `q` quantile of `v` (sorted in place): 0.5 the median, 0.95 the 95th percentile.
fn quantile(v: &mut [f64], q: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    v[((v.len() as f64 * q) as usize).min(v.len() - 1)]
}

/// A synthetic track is not a file on disk: look it up by its stored path directly.
fn resolve(lib: &Library, path: &Path) -> Result<Query, RecommenderError> {
    let row = lib.track_by_path(path)?.expect("synthetic track exists");
    Query::from_track(lib, row)
}
