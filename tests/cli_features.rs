//! End-to-end: the `genrespace features` command as a user runs it.

mod common;

use std::path::{Path, PathBuf};

use ndarray::Array2;
use ndarray_npy::read_npy;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/audio/tests/fixtures").join(name)
}

#[test]
fn json_report_npy_and_plot() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("mel.npy");
    let png = dir.path().join("mel.png");
    let out = common::bin().args(["features", "--json", "--out"]).arg(&npy).arg("--plot").arg(&png).arg(fixture("chord.mp3")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["kind"], "mel");
    assert_eq!(report["sample_rate"], 22050);
    assert_eq!(report["source_sample_rate"], 44100);
    assert!((report["duration_s"].as_f64().unwrap() - 0.6).abs() < 1e-6);
    // 0.6 s at 22050 Hz = 13230 samples -> 1 + 13230 // 512 = 26 frames, librosa's count.
    assert_eq!(report["n_frames"], 26);
    assert_eq!(report["shape"], serde_json::json!([128, 26]));
    assert_eq!(report["tags"]["artist"], "Genrespace Tests");
    let m: Array2<f32> = read_npy(&npy).unwrap();
    assert_eq!(m.dim(), (128, 26));
    assert!(m.iter().all(|v| v.is_finite()));
    assert_eq!(&std::fs::read(&png).unwrap()[1..4], b"PNG");
    // Nothing but the two outputs is left in the folder (no temp files).
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
}

#[test]
fn mfcc_window_of_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let npy = dir.path().join("mfcc.npy");
    let out = common::bin()
        .args(["features", "--kind", "mfcc", "--offset", "0.1", "--duration", "0.3", "--out"])
        .arg(&npy)
        .arg(fixture("chord.flac"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let m: Array2<f32> = read_npy(&npy).unwrap();
    // 0.3 s -> 6615 samples -> 13 frames.
    assert_eq!(m.dim(), (20, 13));
}

#[test]
fn bad_input_fails_cleanly_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let text = dir.path().join("notes.mp3");
    std::fs::write(&text, "not audio at all\n".repeat(100)).unwrap();
    for (path, needle) in
        [(dir.path().join("missing.wav"), "no such file"), (text.clone(), "not a recognised audio format"), (dir.path().to_path_buf(), "is a directory")]
    {
        let out = common::bin().arg("features").arg(&path).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains(&path.display().to_string()), "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    let out = common::bin().args(["features", "--offset", "-3"]).arg(fixture("chord.flac")).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("offset"));
    assert_eq!(out.status.code(), Some(1));
}
