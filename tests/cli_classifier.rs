//! End-to-end: `genrespace train`, `evaluate` and `classify` as a user runs them, on a tiny
//! generated dataset with small features so that it runs in seconds.

mod common;

use std::path::{Path, PathBuf};

fn write_tone(path: &Path, freq: f32, noise: bool, seed: u32) {
    let mut x = 2463534242u32 ^ seed;
    common::write_wav(
        path,
        (0..22050 * 2).map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            if noise {
                (x as f32 / u32::MAX as f32 - 0.5) * 0.5
            } else {
                0.3 * (2.0 * std::f32::consts::PI * freq * i as f32 / 22050.0).sin()
            }
        }),
    );
}

/// A GTZAN-layout dataset under `dir/data` of `per_genre` hums and hisses, and small features
/// (32 mels, 32-frame slices) in `dir/features.json` so that training takes seconds.
/// `genrespace train --json --gtzan ROOT --features F --cache C --out OUT` with `options` (epochs,
/// batch, channels, ...) before the data arguments.
fn train_command(options: &[&str], root: &Path, features: &Path, cache: &Path, out: &Path) -> std::process::Command {
    let mut cmd = common::bin();
    cmd.args(["train", "--json"]).args(options).arg("--gtzan").arg(root).arg("--features").arg(features).arg("--cache").arg(cache).arg("--out").arg(out);
    cmd
}

fn hum_and_hiss(dir: &Path, per_genre: u32) -> (PathBuf, PathBuf) {
    let root = dir.join("data");
    for n in 0..per_genre {
        write_tone(&root.join(format!("genres/hum/hum.{n:05}.wav")), 100.0 + 10.0 * n as f32, false, n);
        write_tone(&root.join(format!("genres/hiss/hiss.{n:05}.wav")), 0.0, true, n);
    }
    let features = dir.join("features.json");
    std::fs::write(&features, r#"{"n_mels": 32, "slice_frames": 32, "slice_hop": 32}"#).unwrap();
    (root, features)
}

#[test]
fn train_then_evaluate_then_classify() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, features) = hum_and_hiss(tmp.path(), 20);
    let model = tmp.path().join("models/tiny");
    let cache = tmp.path().join("cache");
    let out = train_command(&["--epochs", "3", "--batch-size", "8", "--channels", "4,8", "--lr", "0.003"], &root, &features, &cache, &model).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["history"].as_array().unwrap().len(), 3);
    for f in ["model.json", "model.bpk", "metrics.csv"] {
        assert!(model.join(f).exists(), "{f}");
    }

    let png = tmp.path().join("confusion.png");
    let out = common::bin()
        .args(["evaluate", "--json", "--save-metrics", "--split", "test", "--model"])
        .arg(&model)
        .arg("--gtzan")
        .arg(&root)
        .arg("--cache")
        .arg(&cache)
        .arg("--confusion-plot")
        .arg(&png)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for key in ["accuracy", "slice_accuracy", "top2_accuracy", "n_tracks", "per_genre", "confusion", "genres"] {
        assert!(!e[key].is_null(), "missing {key}: {e}");
    }
    assert_eq!(e["genres"], serde_json::json!(["hiss", "hum"]));
    assert_eq!(e["n_tracks"], 4);
    assert!(e["accuracy"].as_f64().unwrap() >= 0.75, "hum vs hiss is easy: {e}");
    assert!(e["per_genre"]["hum"]["f1"].is_number());
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(model.join("model.json")).unwrap()).unwrap();
    assert_eq!(meta["metrics"]["accuracy"], e["accuracy"]);

    // A genre map that sends the dataset's "hiss" to the model's "hum" and drops "hum".
    let map = tmp.path().join("map.csv");
    std::fs::write(&map, "from,to\nhiss,hum\n").unwrap();
    let out = common::bin()
        .args(["evaluate", "--json", "--model"])
        .arg(&model)
        .arg("--gtzan")
        .arg(&root)
        .arg("--cache")
        .arg(&cache)
        .arg("--genre-map")
        .arg(&map)
        .output()
        .unwrap();
    let e: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(e["n_tracks"], 2);
    assert_eq!(e["left_out"], 2);

    let bad = tmp.path().join("bad.mp3");
    std::fs::write(&bad, b"nope").unwrap();
    let out = common::bin()
        .args(["classify", "--json", "--model"])
        .arg(&model)
        .arg(root.join("genres/hum/hum.00003.wav"))
        .arg(&bad)
        .arg(root.join("genres/hiss/hiss.00003.wav"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.mp3"));
    let c: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(c.as_array().unwrap().len(), 2, "the bad file is reported and skipped");
    assert_eq!(c[0]["top"], "hum");
    assert_eq!(c[1]["top"], "hiss");
    let sum: f64 = c[0]["genres"].as_object().unwrap().values().map(|v| v.as_f64().unwrap()).sum();
    assert!((sum - 1.0).abs() < 1e-4);

    // A model folder without weights is a clear error.
    std::fs::remove_file(model.join("model.bpk")).unwrap();
    let out = common::bin().args(["classify", "--model"]).arg(&model).arg(root.join("genres/hum/hum.00003.wav")).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("model.bpk"));
}

/// SIGKILL during `train` at ten moments spread over a run, then `--resume`: every resumed run
/// ends with the same per-epoch losses and accuracies, to the last bit, as the uninterrupted
/// seeded run.
#[test]
fn train_killed_anywhere_resumes_to_the_uninterrupted_result() {
    use std::time::Instant;
    let tmp = tempfile::tempdir().unwrap();
    let (root, features) = hum_and_hiss(tmp.path(), 12);
    let cache = tmp.path().join("cache");
    let train = |out: &Path, resume: bool| {
        let mut cmd =
            train_command(&["--epochs", "4", "--batch-size", "4", "--channels", "4,8", "--lr", "0.003", "--train-seed", "11"], &root, &features, &cache, out);
        if resume {
            cmd.arg("--resume");
        }
        cmd
    };
    let history = |stdout: &[u8]| -> Vec<(f64, f64)> {
        let report: serde_json::Value = serde_json::from_slice(stdout).unwrap();
        report["history"].as_array().unwrap().iter().map(|m| (m["train_loss"].as_f64().unwrap(), m["val_accuracy"].as_f64().unwrap())).collect()
    };
    // Two uninterrupted runs: the first also builds the feature cache the others reuse; the
    // second, on the warm cache, is the run the kills are spread over. Their per-epoch losses
    // and accuracies agree to the last bit (the weight files do not compare byte for byte:
    // burnpack stores random parameter ids).
    let out = train(&tmp.path().join("reference"), false).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let expected = history(&out.stdout);
    assert_eq!(expected.len(), 4);
    let started = Instant::now();
    let out = train(&tmp.path().join("again"), false).output().unwrap();
    let run_time = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(history(&out.stdout), expected, "a seeded run is reproducible");

    let mut killed_mid_run = 0;
    for trial in 0..10u32 {
        let out_dir = tmp.path().join(format!("trial{trial}"));
        let mut child = train(&out_dir, false).stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
        // Moments spread over the run: 3 % .. 71 % of its measured length (a loaded machine
        // stretches one run and not the next; a kill past the end would test nothing).
        std::thread::sleep(run_time.mul_f64(0.03 + 0.075 * trial as f64));
        if child.try_wait().unwrap().is_none() {
            killed_mid_run += 1;
        }
        child.kill().ok();
        child.wait().unwrap();
        let out = train(&out_dir, true).output().unwrap();
        assert!(out.status.success(), "trial {trial}: {}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(history(&out.stdout), expected, "trial {trial}: the resumed run's epochs");
    }
    assert!(killed_mid_run >= 5, "only {killed_mid_run} of 10 kills landed before the run ended");
}

/// A build without the `wgpu` feature refuses `--device wgpu` in one line that says how to get
/// it, before it prepares any features.
#[cfg(not(feature = "wgpu"))]
#[test]
fn a_cpu_build_refuses_the_gpu_and_says_how_to_build_it() {
    let tmp = tempfile::tempdir().unwrap();
    let (root, features) = hum_and_hiss(tmp.path(), 1);
    let cache = tmp.path().join("cache");
    let out = train_command(&["--device", "wgpu"], &root, &features, &cache, &tmp.path().join("m")).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("built without GPU support") && err.contains("--features wgpu"), "{err}");
    assert!(!cache.exists(), "features were prepared for a run that cannot start");
}
