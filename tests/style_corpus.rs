//! The style corpus renderer (scripts/style_corpus.py, Debian's mma + fluidsynth + FluidR3 GM):
//! a tiny corpus renders deterministically in GTZAN's layout and loads as a GTZAN dataset.
//! Skips with a message when the tools are not installed (scripts/setup.sh installs them; CI runs it).

mod common;

use std::path::Path;
use std::process::Command;

fn render(out: &Path) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/style_corpus.py");
    let status = Command::new("python3")
        .arg(script)
        .args(["--families", "blues,rock", "--max-styles", "2", "--clips-per-style", "1", "--seconds", "5", "--seed", "9", "--out"])
        .arg(out)
        .status()
        .unwrap();
    assert!(status.success());
}

#[test]
fn a_tiny_style_corpus_renders_deterministically_as_gtzan() {
    if !common::corpus_tools_installed() {
        eprintln!("SKIP: mma, fluidsynth, sox or fluid-soundfont-gm missing (run scripts/setup.sh)");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    render(&a);
    render(&b);
    for f in ["genres/blues/blues.00000.wav", "genres/blues/blues.00001.wav", "genres/rock/rock.00000.wav", "genres/rock/rock.00001.wav", "corpus.csv"] {
        let (x, y) = (std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap());
        assert!(x == y, "{f} differs between two renders with the same seed");
    }
    let csv = std::fs::read_to_string(a.join("corpus.csv")).unwrap();
    assert!(csv.starts_with("file,family,style,variant,tempo,key,progression,seed\n"));
    assert_eq!(csv.lines().count(), 5);
    assert!(csv.contains(",blues,fastblues,") && csv.contains(",rock,60srock,"));

    let out = Command::new(env!("CARGO_BIN_EXE_genrespace")).args(["dataset", "stats", "--json", "--gtzan"]).arg(&a).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["genres"], serde_json::json!(["blues", "rock"]));
    assert_eq!(v["tracks"], 4);
    assert_eq!(v["unreadable"].as_array().unwrap().len(), 0);

    let out = Command::new(env!("CARGO_BIN_EXE_genrespace")).args(["features", "--json"]).arg(a.join("genres/rock/rock.00000.wav")).output().unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["sample_rate"], 22050);
    assert_eq!(v["source_sample_rate"], 22050);
    assert!((v["duration_s"].as_f64().unwrap() - 5.0).abs() < 1e-3);
    assert!(v["max"].as_f64().unwrap() > 0.0, "rendered audio is not silent");
}
