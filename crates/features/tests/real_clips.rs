//! Real recordings from ../shared/real-clips (not part of the repository): every file decodes,
//! its length agrees with `soxi`, and its features are finite. Skips with a message when the
//! folder or soxi is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

mod common;

use common::{abs_diff_quantile_and_max, relative_l2};
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
        let t = fx.analyze_file(path, DecodeOptions { offset_s: 0.0, duration_s: Some(30.0), ..DecodeOptions::default() }).unwrap();
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
    let win = decode_file(&path, DecodeOptions { offset_s: 20.0, duration_s: Some(3.0), ..DecodeOptions::default() }).unwrap().samples;
    assert_eq!(&win[..], &full[20 * 22050..23 * 22050]);
}

/// The largest absolute difference between two equally long sequences of values.
fn max_abs_diff<'a>(a: impl IntoIterator<Item = &'a f32>, b: impl IntoIterator<Item = &'a f32>) -> f32 {
    a.into_iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// All frames of a `(bands, frames)` feature but the first and the last: those see the ends of
/// the signal, where resamplers from different rates pad differently.
fn inner_frames(a: &ndarray::Array2<f32>) -> ndarray::ArrayView2<'_, f32> {
    a.slice(ndarray::s![.., 1..a.ncols() - 1])
}

#[test]
fn decoding_mp3_only_below_the_analysis_band_changes_no_feature() {
    // The feature pipeline tells the mp3 decoder to skip the spectrum above the analysis rate's
    // Nyquist frequency (`DecodeOptions::max_frequency_hz`): its features must be those of a
    // full decode, for both presets (cut above 11,025 and 8,000 Hz).
    let Some(dir) = clips_dir() else {
        eprintln!("SKIP: ../shared/real-clips not found");
        return;
    };
    let (mut checked, mut left_out_something) = (0, false);
    for name in ["lets_go_fishin_30s.mp3", "vibe_ace.mp3", "fma_000010_excerpt.mp3"] {
        let path = dir.join(name);
        if !path.exists() {
            eprintln!("SKIP: {} not found", path.display());
            continue;
        }
        let full = decode_file(&path, DecodeOptions::default()).unwrap();
        for preset in ["default", "musicnn"] {
            let fx = FeatureExtractor::new(FeatureConfig::preset(preset).unwrap()).unwrap();
            let limited = decode_file(&path, fx.decode_options(DecodeOptions::default())).unwrap();
            let changed = if limited.sample_rate == full.sample_rate {
                assert_eq!(limited.samples.len(), full.samples.len());
                max_abs_diff(&limited.samples, &full.samples)
            } else {
                // Synthesised at half rate: every other sample of the track, the first included.
                assert_eq!(2 * limited.sample_rate, full.sample_rate, "{name} ({preset})");
                assert_eq!(limited.samples.len(), full.samples.len().div_ceil(2), "{name} ({preset})");
                f32::INFINITY
            };
            left_out_something |= changed > 1e-3;

            let resampled = genrespace_audio::resample(&full.samples, full.sample_rate, fx.config().sample_rate).unwrap();
            let (want_mel, want_mfcc) = fx.log_mel_and_mfcc(&resampled).unwrap();
            let got = fx.analyze_file(&path, DecodeOptions::default()).unwrap();
            let (mel, mel_max) = abs_diff_quantile_and_max(inner_frames(&got.log_mel.data), inner_frames(&want_mel.data), 999);
            // Relative L2, as the librosa parity tests measure MFCCs: a coefficient's scale is
            // its band energies' sum in dB, where the quietest bands move most.
            let mfcc = relative_l2(inner_frames(&got.mfcc), inner_frames(&want_mfcc));
            eprintln!(
                "{name} ({preset}, decoded at {} Hz): samples differ by up to {changed:.1e}; log-mel by {mel:.1e} (99.9 %), {mel_max:.1e} (max); MFCC by {mfcc:.1e} (relative L2)",
                limited.sample_rate
            );
            // What is left is the resampler's stopband: the content a full decode has above the
            // cut leaks into the top bands at its attenuation (-90 dB or so), which shows most in
            // the decibels of the quietest bands (up to 0.03 dB, in the top band of the excerpt).
            assert!(mel < 1e-3 && mel_max < 0.05, "{name} ({preset}): log-mel differs by {mel} (99.9 %), {mel_max} (max)");
            assert!(mfcc < 1e-4, "{name} ({preset}): MFCC differ by {mfcc} (relative L2)");
        }
        checked += 1;
    }
    assert!(checked > 0, "no mp3 clip found in {}", dir.display());
    // Or the test would have compared full decodes with themselves.
    assert!(left_out_something, "no limited decode differed from the full one");
}
