//! Real recordings from ../shared/real-clips (not part of the repository): every file decodes,
//! its length agrees with `soxi`, and its features are finite. Skips with a message when the
//! folder or soxi is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use genrespace_audio::{decode_file, DecodeOptions};
use genrespace_features::{FeatureConfig, FeatureExtractor};

fn clips_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/real-clips");
    dir.is_dir().then_some(dir)
}

fn soxi_samples(path: &Path) -> Option<u64> {
    let out = Command::new("soxi").arg("-s").arg(path).output().ok()?;
    String::from_utf8(out.stdout).ok()?.trim().parse().ok()
}

#[test]
fn real_clips_decode_match_soxi_and_give_finite_features() {
    let Some(dir) = clips_dir() else {
        eprintln!("SKIP: ../shared/real-clips not found; real-audio checks not run");
        return;
    };
    let have_soxi = Command::new("soxi").arg("--version").output().is_ok();
    if !have_soxi {
        eprintln!("SKIP (partly): soxi not installed; lengths not cross-checked");
    }
    let fx = FeatureExtractor::new(FeatureConfig::default()).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    let mut checked = 0;
    for path in files.iter().filter(|p| genrespace_audio::is_audio_path(p)) {
        let audio = decode_file(path, DecodeOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        let ours = audio.samples.len() as u64;
        if let Some(theirs) = have_soxi.then(|| soxi_samples(path)).flatten() {
            let is_mp3 = path.extension().is_some_and(|e| e == "mp3");
            if is_mp3 {
                // soxi counts the encoder delay and padding that gapless decoding removes
                // (LAME: 576 + 529 samples of delay plus up to one 1152-sample frame of padding).
                assert!(ours <= theirs && theirs - ours <= 3 * 1152, "{}: ours {ours} soxi {theirs}", path.display());
            } else {
                // Within one STFT hop at the file's rate.
                assert!(ours.abs_diff(theirs) <= 512, "{}: ours {ours} soxi {theirs}", path.display());
            }
        }
        let t = fx.analyze_file(path, DecodeOptions { offset_s: 0.0, duration_s: Some(30.0) }).unwrap();
        assert!(t.log_mel.data.iter().all(|v| v.is_finite()), "{}", path.display());
        assert!(t.mfcc.iter().all(|v| v.is_finite()), "{}", path.display());
        checked += 1;
    }
    assert!(checked >= 5, "expected the shared clips, found {checked}");

    // Gapless decoding: the 320k mp3 transcode of Vibe Ace has exactly the samples of the ogg,
    // and the 30-s mp3 excerpt is exactly 30 s (1,323,000 samples, not 1,324,800).
    let len = |n: &str| decode_file(&dir.join(n), DecodeOptions::default()).unwrap().samples.len();
    if dir.join("vibe_ace.mp3").exists() && dir.join("vibe_ace.ogg").exists() {
        assert_eq!(len("vibe_ace.mp3"), len("vibe_ace.ogg"));
    }
    if dir.join("lets_go_fishin_30s.mp3").exists() {
        assert_eq!(len("lets_go_fishin_30s.mp3"), 1_323_000);
    }
}

#[test]
fn a_window_late_in_a_long_file_matches_the_same_window_decoded_from_the_start() {
    let Some(dir) = clips_dir() else {
        eprintln!("SKIP: ../shared/real-clips not found");
        return;
    };
    let path = dir.join("gtzan_country.00000.wav");
    if !path.exists() {
        eprintln!("SKIP: {} not found", path.display());
        return;
    }
    let full = decode_file(&path, DecodeOptions::default()).unwrap().samples;
    let win = decode_file(&path, DecodeOptions { offset_s: 20.0, duration_s: Some(3.0) }).unwrap().samples;
    assert_eq!(&win[..], &full[20 * 22050..23 * 22050]);
}
