//! End-to-end: `genrespace index` and `playlist` as a user runs them with the shipped model:
//! a real kill in the middle of `index`, every output format, bad input, and playlist quality on
//! a rendered library of several style families.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin() -> Command {
    let mut c = common::bin();
    c.current_dir(env!("CARGO_MANIFEST_DIR"));
    c
}

fn model() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/style-cnn")
}

/// A two-tone chord whose pitch depends on `seed`.
fn write_wav(path: &Path, seconds: f32, seed: u32) {
    let pitch = 120.0 + 17.0 * (seed % 23) as f32;
    common::write_wav(
        path,
        (0..(22050.0 * seconds) as usize).map(|i| {
            let t = i as f32 / 22050.0;
            ((2.0 * std::f32::consts::PI * pitch * t).sin() + 0.5 * (2.0 * std::f32::consts::PI * 1.5 * pitch * t).sin()) * 0.2
        }),
    );
}

/// `genrespace index` of `library` into `db` with the shipped model.
fn index(library: &Path, db: &Path) -> Command {
    let mut c = bin();
    c.args(["index", "--model"]).arg(model()).arg("--library").arg(library).arg("--db").arg(db);
    c
}

fn json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rows(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn index_survives_a_kill_and_a_rerun_completes_it() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    let n = 60;
    for i in 0..n {
        write_wav(&root.join(format!("a{}/t{i:02}.wav", i % 4)), 6.0, i);
    }
    let db = tmp.path().join("lib.db");
    let mut child = index(&root, &db).args(["--jobs", "1", "--json"]).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let start = Instant::now();
    let count = || {
        if db.exists() {
            rusqlite::Connection::open(&db).ok().and_then(|c| c.query_row("SELECT COUNT(*) FROM tracks", [], |r| r.get::<_, i64>(0)).ok()).unwrap_or(0)
        } else {
            0
        }
    };
    while count() < 3 {
        assert!(start.elapsed() < Duration::from_secs(120), "index made no progress");
        assert!(child.try_wait().unwrap().is_none(), "index finished before it could be killed");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let before = count();
    assert!(before > 0 && before < n as i64, "killed mid-run ({before} of {n} indexed)");

    let v = json(&index(&root, &db).arg("--json").output().unwrap());
    assert_eq!(v["total"], n);
    assert_eq!(v["added"].as_i64().unwrap() + v["unchanged"].as_i64().unwrap(), n as i64);
    assert!(v["unchanged"].as_i64().unwrap() >= before, "tracks committed before the kill are kept");
    assert_eq!(v["failed"].as_array().unwrap().len(), 0);
    assert_eq!(rows(&db, "SELECT COUNT(DISTINCT path) FROM tracks"), n as i64);
    assert_eq!(rows(&db, "SELECT COUNT(*) FROM vectors"), n as i64);
    assert_eq!(rows(&db, "SELECT COUNT(*) FROM sequences"), n as i64);
    let v = json(&index(&root, &db).arg("--json").output().unwrap());
    assert_eq!((v["added"].as_i64(), v["updated"].as_i64(), v["unchanged"].as_i64()), (Some(0), Some(0), Some(n as i64)));
}

#[test]
fn playlist_formats_and_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    for i in 0..8 {
        write_wav(&root.join(format!("t{i}.wav")), 4.0, i * 3);
    }
    let db = tmp.path().join("lib.db");
    let out = index(&root, &db).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("8 tracks (8 added"));

    // A relative path to a library track, run from the library's folder.
    let out = bin().current_dir(&root).args(["playlist", "-n", "3", "--json", "--db"]).arg(&db).arg("t2.wav").output().unwrap();
    let v = json(&out);
    assert_eq!(v["seeds"][0]["in_library"], true);
    let tracks = v["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 3);
    for (i, t) in tracks.iter().enumerate() {
        assert_eq!(t["rank"], i + 1);
        for key in ["id", "path", "title", "artist", "album", "genre", "distance", "dtw_distance", "score", "explanation"] {
            assert!(t.get(key).is_some(), "{key} missing from {t}");
        }
        assert_ne!(t["path"], root.join("t2.wav").to_str().unwrap());
    }
    let genres = v["seeds"][0]["genres"].as_object().unwrap();
    assert_eq!(genres.len(), 8);

    let out = bin().args(["playlist", "-n", "4", "--rerank", "none", "--db"]).arg(&db).arg(root.join("t0.wav")).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("rank") && text.contains("[in library]") && text.lines().filter(|l| l.contains(root.to_str().unwrap())).count() >= 4, "{text}");

    let m3u = tmp.path().join("out/list.m3u8");
    std::fs::create_dir_all(m3u.parent().unwrap()).unwrap();
    let fresh = tmp.path().join("fresh.wav");
    write_wav(&fresh, 5.0, 1000);
    let out = bin().args(["playlist", "--format", "m3u", "-n", "5", "--out"]).arg(&m3u).arg("--db").arg(&db).arg(&fresh).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let list = std::fs::read_to_string(&m3u).unwrap();
    assert!(list.starts_with("#EXTM3U\n"));
    let entries: Vec<&str> = list.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(entries.len(), 5);
    assert!(entries.iter().all(|p| Path::new(p).is_file()), "{list}");

    // Bad input: a missing database, an unreadable query, an empty library.
    let out = bin().args(["playlist", "--db"]).arg(tmp.path().join("missing.db")).arg(&fresh).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.db: no library database"), "{}", String::from_utf8_lossy(&out.stderr));
    let junk = tmp.path().join("junk.ogg");
    std::fs::write(&junk, "not audio").unwrap();
    let out = bin().args(["playlist", "--db"]).arg(&db).arg(&junk).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("junk.ogg"), "{}", String::from_utf8_lossy(&out.stderr));
    let empty = tmp.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let empty_db = tmp.path().join("empty.db");
    assert!(index(&empty, &empty_db).output().unwrap().status.success());
    let out = bin().args(["playlist", "--db"]).arg(&empty_db).arg(&fresh).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("the library is empty"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// On freshly rendered music (a seed the model never trained on), a track's playlist is
/// dominated by its own style family.
#[test]
fn playlists_of_rendered_music_stay_in_their_family() {
    if !common::corpus_tools_installed() {
        eprintln!("SKIP: mma, fluidsynth, sox or fluid-soundfont-gm missing (run scripts/setup.sh)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let corpus = tmp.path().join("corpus");
    let families = ["blues", "latin", "march", "jazz"];
    let status = Command::new("python3")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/style_corpus.py"))
        .args(["--families", &families.join(","), "--max-styles", "2", "--clips-per-style", "3", "--seconds", "10", "--seed", "77", "--out"])
        .arg(&corpus)
        .status()
        .unwrap();
    assert!(status.success());
    let db = tmp.path().join("lib.db");
    let v = json(&index(&corpus.join("genres"), &db).arg("--json").output().unwrap());
    assert_eq!(v["total"], 24);
    let family = |p: &str| Path::new(p).parent().unwrap().file_name().unwrap().to_str().unwrap().to_string();
    for rerank in ["dtw", "none"] {
        let (mut same, mut total) = (0, 0);
        for fam in families {
            for i in 0..6 {
                let q = corpus.join(format!("genres/{fam}/{fam}.{i:05}.wav"));
                let v = json(&bin().args(["playlist", "-n", "5", "--json", "--rerank", rerank, "--db"]).arg(&db).arg(&q).output().unwrap());
                for t in v["tracks"].as_array().unwrap() {
                    total += 1;
                    same += (family(t["path"].as_str().unwrap()) == fam) as usize;
                }
            }
        }
        let precision = same as f64 / total as f64;
        eprintln!("same-family precision@5 ({rerank}): {precision:.3} (chance 0.217)");
        assert!(precision >= 0.6, "precision@5 with rerank {rerank} is {precision:.3}");
    }
}

/// A temporary folder with `music/a/t0.wav` .. `t{n-1}.wav`, 3.5 s each; returns it and `music/`.
fn short_tracks(n: u32) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    for i in 0..n {
        write_wav(&root.join(format!("a/t{i}.wav")), 3.5, i);
    }
    (tmp, root)
}

/// The default model is compiled into the program: `index`, `playlist` and `classify` work from
/// a directory with no `models/` folder, the library records `builtin:msd-musicnn`, playlists
/// can search its embedding space and the query's top tags are printed.
#[test]
fn the_builtin_default_model_works_from_any_directory() {
    let (tmp, _root) = short_tracks(4);
    let run = |args: &[&str]| {
        let out = common::bin().current_dir(tmp.path()).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8(out.stdout).unwrap()
    };
    let index: serde_json::Value = serde_json::from_str(&run(&["index", "--json", "--library", "music", "--db", "lib.db"])).unwrap();
    assert_eq!(index["added"], 4);
    let classified: serde_json::Value = serde_json::from_str(&run(&["classify", "--json", "music/a/t0.wav"])).unwrap();
    assert_eq!(classified[0]["genres"].as_object().unwrap().len(), 50, "msd-musicnn has 50 tags");
    let playlist: serde_json::Value =
        serde_json::from_str(&run(&["playlist", "--json", "--db", "lib.db", "--space", "embedding", "-n", "2", "music/a/t1.wav"])).unwrap();
    assert_eq!(playlist["space"], "embedding");
    assert_eq!(playlist["tracks"].as_array().unwrap().len(), 2);
    let text = run(&["playlist", "--db", "lib.db", "-n", "2", "music/a/t1.wav"]);
    assert!(text.lines().nth(1).unwrap().contains('%'), "the query's top tags: {text}");
    let db = rusqlite::Connection::open(tmp.path().join("lib.db")).unwrap();
    let meta: String = db.query_row("SELECT value FROM meta WHERE key = 'library'", [], |r| r.get(0)).unwrap();
    assert!(meta.contains("builtin:msd-musicnn"), "{meta}");
}

/// `--exclude FILE.m3u8` leaves out the songs it lists (relative to the playlist's folder or
/// absolute), with the other variety flags parsed and applied.
#[test]
fn playlist_excludes_an_m3u_and_applies_variety_flags() {
    let (tmp, root) = short_tracks(6);
    let db = tmp.path().join("lib.db");
    assert!(index(&root, &db).output().unwrap().status.success());
    let played = tmp.path().join("played.m3u8");
    std::fs::write(&played, format!("#EXTM3U\n#EXTINF:3,first\nmusic/a/t1.wav\n{}\nnot/in/the/library.wav\n", root.join("a/t2.wav").display())).unwrap();
    let out = bin()
        .args(["playlist", "--json", "-n", "10", "--shuffle", "3", "--seed", "5", "--min-duration", "1", "--max-per-album", "2", "--db"])
        .arg(&db)
        .arg("--exclude")
        .arg(&played)
        .arg(root.join("a/t0.wav"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let paths: Vec<String> = v["tracks"].as_array().unwrap().iter().map(|t| t["path"].as_str().unwrap().to_string()).collect();
    assert_eq!(paths.len(), 3, "six tracks less the query and the two played: {paths:?}");
    assert!(paths.iter().all(|p| !p.ends_with("t1.wav") && !p.ends_with("t2.wav") && !p.ends_with("t0.wav")), "{paths:?}");
    let bad = bin().args(["playlist", "--db"]).arg(&db).args(["--exclude", "missing.m3u8"]).arg(root.join("a/t0.wav")).output().unwrap();
    assert!(!bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("missing.m3u8"));
}

/// Several seeds (named and from an M3U), a path with a waypoint and a genre end, and steering
/// by genre, as the command line takes them.
#[test]
fn seeds_paths_and_steering_from_the_command_line() {
    let (tmp, root) = short_tracks(8);
    let db = tmp.path().join("lib.db");
    assert!(index(&root, &db).output().unwrap().status.success());
    let seeds = tmp.path().join("seeds.m3u8");
    std::fs::write(&seeds, "#EXTM3U\nmusic/a/t5.wav\n").unwrap();
    let v = json(&bin().args(["playlist", "--json", "-n", "4", "--seeds"]).arg(&seeds).arg("--db").arg(&db).arg(root.join("a/t0.wav")).output().unwrap());
    let seed_paths: Vec<&str> = v["seeds"].as_array().unwrap().iter().map(|s| s["path"].as_str().unwrap()).collect();
    assert!(seed_paths.len() == 2 && seed_paths[0].ends_with("t0.wav") && seed_paths[1].ends_with("t5.wav"), "{seed_paths:?}");
    let tracks = v["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 4);
    assert!(tracks.iter().all(|t| !t["path"].as_str().unwrap().ends_with("t0.wav") && !t["path"].as_str().unwrap().ends_with("t5.wav")));

    let v = json(
        &bin()
            .args(["path", "--json", "-n", "5", "--rerank", "none", "--via"])
            .arg(root.join("a/t3.wav"))
            .arg("--db")
            .arg(&db)
            .arg(root.join("a/t0.wav"))
            .arg("jazz")
            .output()
            .unwrap(),
    );
    let kinds: Vec<&str> = v["anchors"].as_array().unwrap().iter().map(|a| a["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["song", "song", "genre"]);
    let steps = v["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 5);
    assert!(steps.iter().any(|s| s["path"].as_str().unwrap().ends_with("t3.wav")), "the waypoint is a step");
    assert!(steps.iter().all(|s| !s["target"]["point"].as_array().unwrap().is_empty() && s["distance_to_end"].is_number()));
    let text =
        String::from_utf8(bin().args(["path", "-n", "3", "--db"]).arg(&db).arg(root.join("a/t0.wav")).arg(root.join("a/t7.wav")).output().unwrap().stdout)
            .unwrap();
    assert!(text.contains("from:") && text.contains("to:") && text.contains("cohesion:"), "{text}");

    let v = json(&bin().args(["playlist", "--json", "-n", "3", "--toward", "rock:0.5", "--db"]).arg(&db).arg(root.join("a/t0.wav")).output().unwrap());
    assert_eq!(v["toward"]["genre"], "rock");
    for (args, complaint) in [
        (vec!["path", "-n", "3", "a-file-that-is-not-there.wav", "jazz"], "a-file-that-is-not-there.wav: no such file"),
        (vec!["playlist", "--toward", "polka", "-n", "2"], "polka"),
        (vec!["path", "--shuffle", "3", "jazz", "rock"], "--shuffle"),
    ] {
        let mut cmd = bin();
        cmd.args(&args).arg("--db").arg(&db);
        if args[0] == "playlist" {
            cmd.arg(root.join("a/t0.wav"));
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success() && stderr.contains(complaint) && stderr.lines().count() == 1, "{args:?}: {stderr}");
    }
}

/// `map` draws the library with a highlighted playlist (PNG of the stated size, or SVG), and
/// `classify --plot --style pie` draws a pie.
#[test]
fn map_and_pie_plots_are_written() {
    let (tmp, root) = short_tracks(6);
    let db = tmp.path().join("lib.db");
    assert!(index(&root, &db).output().unwrap().status.success());
    let png = tmp.path().join("map.png");
    let out = bin().args(["map", "-n", "3", "--db"]).arg(&db).arg("--out").arg(&png).arg("--highlight").arg(root.join("a/t0.wav")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes = std::fs::read(&png).unwrap();
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    assert_eq!((&bytes[1..4], be(16), be(20)), (&b"PNG"[..], 1100, 800));
    let svg = tmp.path().join("map.svg");
    let v = json(
        &bin()
            .args(["map", "--json", "--space", "genres", "-n", "2", "--db"])
            .arg(&db)
            .arg("--out")
            .arg(&svg)
            .arg("--highlight")
            .arg(root.join("a/t1.wav"))
            .output()
            .unwrap(),
    );
    assert_eq!(v["tracks"], 6);
    assert_eq!(v["playlist"].as_array().unwrap().len(), 2);
    let drawn = std::fs::read_to_string(&svg).unwrap();
    assert!(drawn.starts_with("<svg") && drawn.contains("query: t1") && drawn.contains("PC1"), "route and axes drawn");

    let pie = tmp.path().join("pie.svg");
    let out = bin().args(["classify", "--style", "pie", "--model"]).arg(model()).arg("--plot").arg(&pie).arg(root.join("a/t2.wav")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let drawn = std::fs::read_to_string(&pie).unwrap();
    assert!(drawn.contains(r#"width="800" height="640""#) && drawn.contains('%'), "a labelled pie");
}

/// `genrespace serve` over a library built with the compiled-in model: it says where it
/// listens, answers the API, and a missing library is one error line, not a server.
#[test]
fn serve_starts_on_a_library_and_refuses_a_missing_one() {
    use std::io::{BufRead, Read, Write};
    let (tmp, _root) = short_tracks(3);
    let out = common::bin().current_dir(tmp.path()).args(["index", "--library", "music", "--db", "lib.db"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let missing = common::bin().current_dir(tmp.path()).args(["serve", "--db", "none.db"]).output().unwrap();
    assert!(!missing.status.success());
    let err = String::from_utf8_lossy(&missing.stderr);
    assert!(err.starts_with("error: none.db: no library database") && err.lines().count() == 1, "{err}");

    let mut server =
        common::bin().current_dir(tmp.path()).args(["serve", "--db", "lib.db", "--addr", "127.0.0.1:0"]).stdout(std::process::Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let addr = line.split("http://").nth(1).and_then(|s| s.split('/').next()).unwrap_or_else(|| panic!("no address in {line:?}")).to_string();
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(s, "GET /api/library HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    server.kill().unwrap();
    let _ = server.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("\"tracks\":3") && answer.contains("msd-musicnn"), "{answer}");
}

/// An error names the file once, on one line; `-v` shows each cause on its own line.
#[test]
fn errors_name_the_file_once_and_verbose_shows_the_causes() {
    let (tmp, root) = short_tracks(2);
    assert!(index(&root, &tmp.path().join("lib.db")).output().unwrap().status.success());
    std::fs::write(tmp.path().join("text.mp3"), b"not audio").unwrap();
    let run = |args: &[&str]| {
        let out = common::bin().current_dir(tmp.path()).args(args).output().unwrap();
        assert!(!out.status.success(), "{args:?}");
        String::from_utf8(out.stderr).unwrap()
    };
    let err = run(&["playlist", "--db", "lib.db", "text.mp3"]);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert_eq!(err.matches("text.mp3").count(), 1, "the path once: {err}");
    assert!(err.contains("not a recognised audio format: ") && err.contains("no suitable format reader"), "the decoder's cause is kept: {err}");
    let err = run(&["playlist", "--db", "lib.db", "missing.mp3"]);
    assert_eq!((err.lines().count(), err.matches("missing.mp3").count()), (1, 1), "{err}");
    assert!(err.contains("No such file"), "the cause is shown: {err}");
    let err = run(&["-v", "playlist", "--db", "lib.db", "missing.mp3"]);
    assert!(err.lines().next().unwrap().ends_with("missing.mp3") && err.lines().nth(1).unwrap().contains("caused by: No such file"), "{err}");
}

/// Two `index` runs on one library at once: the second waits for the first (saying so) and then
/// finds every track unchanged, so no file is analysed twice.
#[test]
fn a_second_index_run_waits_for_the_first_instead_of_doubling_the_work() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    let n = 12;
    for i in 0..n {
        write_wav(&root.join(format!("t{i:02}.wav")), 4.0, i);
    }
    let db = tmp.path().join("lib.db");
    let start = || index(&root, &db).args(["--jobs", "1", "--json"]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let (a, b) = (start(), start());
    let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
    let mut added: Vec<i64> = outs
        .iter()
        .map(|o| {
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            json(o)["added"].as_i64().unwrap()
        })
        .collect();
    added.sort();
    assert_eq!(added, vec![0, n as i64], "one run analysed everything, the other nothing");
    let waited = outs.iter().filter(|o| String::from_utf8_lossy(&o.stderr).contains("waiting for it to finish")).count();
    assert_eq!(waited, 1);
    assert_eq!(rows(&db, "SELECT COUNT(*) FROM tracks"), n as i64);
}
