//! End-to-end: `genrespace dataset stats` and `prepare` as a user runs them, including a real
//! kill in the middle of `prepare`.

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

/// A tone of `pitch` Hz.
fn write_wav(path: &Path, seconds: f32, pitch: f32) {
    common::write_wav(path, (0..(22050.0 * seconds) as usize).map(|i| (2.0 * std::f32::consts::PI * pitch * i as f32 / 22050.0).sin() * 0.3));
}

fn gtzan(root: &Path, per_genre: usize, seconds: f32) {
    for (g, genre) in ["classical", "metal"].iter().enumerate() {
        for n in 0..per_genre {
            write_wav(&root.join(format!("genres/{genre}/{genre}.{n:05}.wav")), seconds, 150.0 + 40.0 * (g * per_genre + n) as f32);
        }
    }
    std::fs::write(root.join("genres/metal/metal.00099.wav"), b"RIFF....WAVEfmt broken").unwrap();
}

#[test]
fn stats_json_has_the_documented_shape() {
    let tmp = tempfile::tempdir().unwrap();
    gtzan(tmp.path(), 10, 0.2);
    let out = common::bin().args(["dataset", "stats", "--json", "--gtzan"]).arg(tmp.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["genres"], serde_json::json!(["classical", "metal"]));
    assert_eq!(v["splits"]["training"]["classical"], 8);
    assert_eq!(v["splits"]["validation"]["classical"], 1);
    assert_eq!(v["splits"]["test"]["classical"], 1);
    assert_eq!(v["missing_audio"], 0);
    assert_eq!(v["unreadable"].as_array().unwrap().len(), 1);
    assert!(v["unreadable"][0]["path"].as_str().unwrap().ends_with("metal.00099.wav"));
    // Exactly one dataset must be named.
    let out = common::bin().args(["dataset", "stats"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exactly one dataset"));
}

#[test]
fn prepare_survives_a_kill_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("gtzan");
    gtzan(&root, 40, 6.0);
    let cache = tmp.path().join("cache");
    let mut child = common::bin()
        .args(["dataset", "prepare", "--jobs", "1", "--gtzan"])
        .arg(&root)
        .arg("--out")
        .arg(&cache)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Kill it as soon as some tracks are indexed.
    let index = cache.join("training.index.jsonl");
    let start = Instant::now();
    let mut killed_mid_run = false;
    while start.elapsed() < Duration::from_secs(60) {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if std::fs::read_to_string(&index).map(|s| s.lines().count() >= 3).unwrap_or(false) {
            child.kill().unwrap();
            killed_mid_run = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait().unwrap();
    assert!(killed_mid_run, "prepare finished before it could be interrupted; make the fixture larger");
    assert!(!cache.join("cache.json").exists(), "a killed run must not leave a cache that reads as complete");

    let out = common::bin().args(["dataset", "prepare", "--json", "--gtzan"]).arg(&root).arg("--out").arg(&cache).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let (computed, reused) = (report["computed"].as_u64().unwrap(), report["reused"].as_u64().unwrap());
    assert!(reused >= 3, "the tracks finished before the kill are reused: {report}");
    assert_eq!(computed + reused, 80, "{report}");
    assert_eq!(report["failed"].as_array().unwrap().len(), 1);
    let manifest: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(cache.join("cache.json")).unwrap()).unwrap();
    let tracks: u64 = ["training", "validation", "test"].iter().map(|s| manifest["splits"][s]["tracks"].as_u64().unwrap()).sum();
    assert_eq!(tracks, 80);
    // Every index line points inside the data file: no duplicates, nothing lost.
    let lines = std::fs::read_to_string(&index).unwrap();
    let ids: std::collections::HashSet<&str> = lines.lines().map(|l| l.split('"').nth(3).unwrap()).collect();
    assert_eq!(ids.len(), lines.lines().count());
}
