//! End-to-end: a PostgreSQL library shared by several `genrespace index` workers (issue 13), on a
//! real throwaway server (scripts/pg_cluster.sh): workers splitting one run, one of them killed
//! with SIGKILL, the server going away mid-run, a worker with another model, SQLite and
//! PostgreSQL giving the same playlists, and `library copy` both ways.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::pg::PgCluster;

fn bin() -> Command {
    let mut c = common::bin();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/style-cnn")
}

/// `n` short two-tone clips of distinct pitches in `root`.
fn music(root: &Path, n: u32, seconds: f32) {
    for i in 0..n {
        let pitch = 110.0 + 9.0 * i as f32;
        common::write_wav(
            &root.join(format!("d{}/t{i:03}.wav", i % 3)),
            (0..(22050.0 * seconds) as usize).map(|k| {
                let t = k as f32 / 22050.0;
                ((2.0 * std::f32::consts::PI * pitch * t).sin() + 0.5 * (2.0 * std::f32::consts::PI * 1.5 * pitch * t).sin()) * 0.2
            }),
        );
    }
}

fn index(root: &Path, db: &str) -> Command {
    let mut c = bin();
    c.args(["index", "--json", "--jobs", "1", "--model"]).arg(model()).arg("--library").arg(root).args(["--db", db]);
    c
}

fn json(out: &Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn count(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get(0)
}

/// Tracks written by the worker of process `pid` (workers are named `genrespace@host:pid:ms`).
fn tracks_by(client: &mut postgres::Client, pid: u32) -> i64 {
    client.query_one("SELECT count(*) FROM tracks WHERE indexed_by LIKE '%:' || $1 || ':%'", &[&pid.to_string()]).unwrap().get(0)
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool, child: &mut Child) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(120), "timed out waiting until {what}");
        assert!(child.try_wait().unwrap().is_none(), "the worker ended before {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn three_workers_share_a_run_and_a_killed_workers_files_go_to_the_others() {
    let Some(pg) = PgCluster::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    let n = 90;
    music(&root, n, 6.0);
    let mut db = pg.client(&pg.url);
    let start = || index(&root, &pg.url).args(["--lease", "2"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut victim = start();
    let survivors = [start(), start()];
    let pid = victim.id();
    wait_until("the first worker has written 3 tracks", || tables_exist(&mut db) && tracks_by(&mut db, pid) >= 3, &mut victim);
    victim.kill().unwrap(); // SIGKILL
    victim.wait().unwrap();
    let held = count(&mut db, &format!("SELECT count(*) FROM jobs WHERE worker LIKE '%:{pid}:%'"));
    let written_by_victim = tracks_by(&mut db, pid);
    assert!(written_by_victim < n as i64, "killed mid-run");

    let reports: Vec<serde_json::Value> = survivors.into_iter().map(|c| json(&c.wait_with_output().unwrap())).collect();
    assert!(held > 0, "the killed worker held claims when it died (so their lease had to run out)");
    assert_eq!(count(&mut db, "SELECT count(*) FROM jobs"), 0, "the queue is empty");
    assert_eq!(count(&mut db, "SELECT count(*) FROM tracks"), n as i64);
    assert_eq!(count(&mut db, "SELECT count(DISTINCT path) FROM tracks"), n as i64);
    assert_eq!(count(&mut db, "SELECT count(*) FROM vectors"), n as i64);
    assert_eq!(count(&mut db, "SELECT count(*) FROM sequences"), n as i64);
    // Nothing analysed twice: each survivor's additions are the tracks it wrote, and with the
    // victim's they add up to the library.
    let mut added = 0;
    for r in &reports {
        assert_eq!(r["total"], n);
        assert!(r["failed"].as_array().unwrap().is_empty());
        let worker = r["worker"].as_str().unwrap();
        let wrote = count(&mut db, &format!("SELECT count(*) FROM tracks WHERE indexed_by = '{worker}'"));
        assert_eq!(r["added"].as_i64().unwrap(), wrote, "{worker} reports what it wrote");
        added += wrote;
    }
    assert_eq!(added + written_by_victim, n as i64, "no track was analysed by two workers");
    assert!(reports.iter().all(|r| r["added"].as_i64().unwrap() > 0), "both survivors took part: {reports:?}");

    // A rerun finds everything in place.
    let again = json(&index(&root, &pg.url).output().unwrap());
    assert_eq!((again["added"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(n as i64)));
}

fn tables_exist(db: &mut postgres::Client) -> bool {
    db.query_one("SELECT to_regclass('tracks') IS NOT NULL", &[]).map(|r| r.get::<_, bool>(0)).unwrap_or(false)
}

#[test]
fn the_server_going_away_is_one_clear_error_and_a_rerun_finishes_the_library() {
    let Some(pg) = PgCluster::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    let n = 60;
    music(&root, n, 6.0);
    let mut worker = index(&root, &pg.url).args(["--lease", "1"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    {
        let mut db = pg.client(&pg.url);
        let pid = worker.id();
        wait_until("3 tracks are written", || tables_exist(&mut db) && tracks_by(&mut db, pid) >= 3, &mut worker);
    }
    pg.kill();
    let out = worker.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the worker fails");
    assert!(!stderr.contains("panicked"), "{stderr}");
    let error: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error.len(), 1, "one error line: {stderr}");
    assert!(error[0].starts_with(&format!("error: {}: PostgreSQL error", pg.url)), "names the library: {stderr}");

    pg.restart();
    let v = json(&index(&root, &pg.url).args(["--lease", "1"]).output().unwrap());
    assert_eq!(v["total"], n);
    assert!(v["unchanged"].as_i64().unwrap() >= 3, "tracks written before the server went away are kept: {v}");
    assert_eq!(v["added"].as_i64().unwrap() + v["unchanged"].as_i64().unwrap(), n as i64);
    let mut db = pg.client(&pg.url);
    assert_eq!(count(&mut db, "SELECT count(DISTINCT path) FROM tracks"), n as i64);
    assert_eq!(count(&mut db, "SELECT count(*) FROM jobs"), 0);
}

#[test]
fn a_worker_with_another_model_is_refused() {
    let Some(pg) = PgCluster::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    music(&root, 3, 3.0);
    json(&index(&root, &pg.url).output().unwrap());
    let out = bin().args(["index", "--model", "models/msd-vgg", "--library"]).arg(&root).args(["--db", &pg.url]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(stderr.contains("was indexed with model 'style-cnn'") && stderr.contains("cannot be mixed"), "{stderr}");
    let mut db = pg.client(&pg.url);
    assert_eq!(count(&mut db, "SELECT count(*) FROM tracks"), 3);
}

/// Playlist JSON without the timings, which differ run to run.
fn playlist(db: &str, query: &Path, extra: &[&str]) -> serde_json::Value {
    let mut v = json(&bin().args(["playlist", "--json", "-n", "6", "--db", db]).args(extra).arg(query).output().unwrap());
    v.as_object_mut().unwrap().retain(|k, _| k != "timings");
    v
}

/// How many searches the GiST indexes over the points have served (statistics are flushed when
/// a client exits).
fn point_index_scans(client: &mut postgres::Client) -> i64 {
    count(client, "SELECT sum(idx_scan)::bigint FROM pg_stat_user_indexes WHERE indexrelname IN ('vectors_point', 'embeddings_point')")
}

#[test]
fn sqlite_and_postgres_give_the_same_playlists_and_copies_are_exact() {
    let Some(pg) = PgCluster::start() else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    music(&root, 24, 4.0);
    let file = tmp.path().join("lib.db");
    let file = file.to_str().unwrap();
    json(&index(&root, file).output().unwrap());
    json(&index(&root, &pg.url).output().unwrap());
    // The PostgreSQL playlists come from the GiST index (the style model's points have 8 and
    // 64 values), the SQLite ones from a scan of every point; filters and a second seed widen
    // the index search, `--toward` reads every point.
    let second_seed = root.join("d2/t020.wav");
    let variants: [(u32, &[&str]); 7] = [
        (0, &[]),
        (7, &["--space", "embedding"]),
        (15, &["--rerank", "none"]),
        (3, &["--space", "genres", "--within-genre"]),
        (9, &["--space", "genres", "--toward", "jazz:0.5"]),
        (12, &["--max-per-album", "1", "--min-duration", "1"]),
        (4, &[second_seed.to_str().unwrap()]),
    ];
    let mut admin = pg.client(&pg.url);
    let scans_before = point_index_scans(&mut admin);
    for (i, extra) in variants {
        let query = root.join(format!("d{}/t{i:03}.wav", i % 3));
        let (a, b) = (playlist(file, &query, extra), playlist(&pg.url, &query, extra));
        assert_eq!(a, b, "query {i} {extra:?}");
        assert!(!a["tracks"].as_array().unwrap().is_empty(), "query {i} {extra:?}");
    }
    assert!(point_index_scans(&mut pg.client(&pg.url)) >= scans_before + 6, "the PostgreSQL playlists did not search the point indexes");

    // SQLite -> PostgreSQL -> SQLite: the same rows and the same bytes.
    let copy_url = pg.database("copied");
    let to_pg = json(&bin().args(["library", "copy", "--json", "--from", file, "--to", &copy_url]).output().unwrap());
    assert_eq!(to_pg["tracks"], 24);
    let back = tmp.path().join("back.db");
    json(&bin().args(["library", "copy", "--json", "--from", &copy_url, "--to"]).arg(&back).output().unwrap());
    // Every column of every table, as SQLite holds it (blobs byte for byte).
    let dump = |db: &str| -> Vec<Vec<rusqlite::types::Value>> {
        let c = rusqlite::Connection::open(db).unwrap();
        let mut s = c
            .prepare(
                "SELECT t.*, v.data, e.data, s.data FROM tracks t JOIN vectors v ON v.track_id = t.id JOIN embeddings e ON e.track_id = t.id
                 JOIN sequences s ON s.track_id = t.id ORDER BY t.id",
            )
            .unwrap();
        let columns = s.column_count();
        s.query_map([], |r| (0..columns).map(|i| r.get(i)).collect()).unwrap().collect::<Result<_, _>>().unwrap()
    };
    let (original, round_trip) = (dump(file), dump(back.to_str().unwrap()));
    assert_eq!(original.len(), 24);
    assert!(original == round_trip, "the round trip changed a row");
    let query = root.join("d1/t004.wav");
    assert_eq!(playlist(file, &query, &[]), playlist(&copy_url, &query, &[]));

    // A copy never writes into a library that holds tracks.
    let out = bin().args(["library", "copy", "--from", file, "--to", &copy_url]).output().unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("already holds 24 tracks"), "{}", String::from_utf8_lossy(&out.stderr));

    // Tracks indexed into the copy are numbered after the copied ones.
    music(&tmp.path().join("more"), 1, 2.0);
    json(&index(&tmp.path().join("more"), &copy_url).output().unwrap());
    let mut copied = pg.client(&copy_url);
    assert_eq!(count(&mut copied, "SELECT max(id) FROM tracks"), 1 + count(&mut copied, "SELECT max(id) FROM tracks WHERE path NOT LIKE '%/more/%'"));
    assert_eq!(count(&mut copied, "SELECT count(*) FROM tracks"), 25);
}
