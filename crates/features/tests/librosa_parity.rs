//! Parity with librosa and python_speech_features on the golden fixtures written by
//! `scripts/reference_features.py` (signals and expected outputs live in tests/fixtures/reference).

use std::path::{Path, PathBuf};

mod common;

use common::{abs_diff_quantile_and_max, relative_l2};
use genrespace_features::{psf, FeatureConfig, FeatureExtractor, MelScale};
use ndarray::{Array1, Array2};
use ndarray_npy::read_npy;
use serde_json::Value;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/reference")
}

fn manifest() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("manifest.json")).unwrap()).unwrap()
}

fn load2(name: &str) -> Array2<f32> {
    read_npy(dir().join(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn config_from(c: &Value) -> FeatureConfig {
    FeatureConfig {
        n_fft: c["n_fft"].as_u64().unwrap() as usize,
        hop_length: c["hop_length"].as_u64().unwrap() as usize,
        n_mels: c["n_mels"].as_u64().unwrap() as usize,
        fmin: c["fmin"].as_f64().unwrap() as f32,
        fmax: c["fmax"].as_f64().map(|f| f as f32),
        mel_scale: if c["htk"].as_bool().unwrap() { MelScale::Htk } else { MelScale::Slaney },
        n_mfcc: c["n_mfcc"].as_u64().unwrap() as usize,
        lifter: c["lifter"].as_f64().unwrap() as f32,
        ..FeatureConfig::default()
    }
}

#[test]
fn log_mel_mel_and_mfcc_match_librosa() {
    let m = manifest();
    let mut checked = 0;
    for case in m["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let signal: Array1<f32> = read_npy(dir().join(format!("{name}.signal.npy"))).unwrap();
        for (cname, files) in case["librosa"].as_object().unwrap() {
            let config = config_from(&m["configs"][cname]);
            let fx = FeatureExtractor::new(config).unwrap();
            let signal = signal.as_slice().unwrap();

            let mel = fx.mel_power(signal).unwrap();
            let mel_err = relative_l2(mel.view(), load2(files["mel"].as_str().unwrap()).view());
            let log_mel = fx.log_mel(signal).unwrap();
            let (median, max) = abs_diff_quantile_and_max(log_mel.data.view(), load2(files["logmel"].as_str().unwrap()).view(), 500);
            let mfcc_err = relative_l2(fx.mfcc(&log_mel.data).view(), load2(files["mfcc"].as_str().unwrap()).view());
            println!("{name}/{cname}: mel rel-L2 {mel_err:.2e}, log-mel |d| median {median:.2e} max {max:.2e} dB, mfcc rel-L2 {mfcc_err:.2e}");
            // Tighter than the brief's 0.05 dB median / 0.5 dB max / 1e-3 relative L2.
            assert!(mel_err < 1e-5, "{name}/{cname} mel rel-L2 {mel_err}");
            assert!(median < 1e-3, "{name}/{cname} log-mel median {median} dB");
            assert!(max < 5e-3, "{name}/{cname} log-mel max {max} dB");
            assert!(mfcc_err < 1e-5, "{name}/{cname} mfcc rel-L2 {mfcc_err}");
            checked += 1;
        }
    }
    assert_eq!(checked, 10, "every 22050 Hz signal x config pair must be checked");
}

#[test]
fn psf_preset_matches_python_speech_features() {
    let m = manifest();
    for case in m["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let sr = case["sample_rate"].as_u64().unwrap() as u32;
        let signal: Array1<f32> = read_npy(dir().join(format!("{name}.signal.npy"))).unwrap();
        let ours = psf::mfcc(signal.as_slice().unwrap(), sr, &psf::PsfConfig::default());
        let theirs = load2(case["psf"].as_str().unwrap());
        let err = relative_l2(ours.view(), theirs.view());
        println!("{name}: psf mfcc rel-L2 {err:.2e}");
        assert!(err < 1e-5, "{name}: psf rel-L2 {err}");
    }
}

/// The `musicnn` preset against librosa's mel power compressed as `log10(1 + 10000 S)` in float32
/// (musicnn's front end without its float16 cast, which overflows on these very signals).
#[test]
fn musicnn_preset_matches_librosa() {
    let m = manifest();
    let fx = FeatureExtractor::new(FeatureConfig::musicnn()).unwrap();
    let mut checked = 0;
    for case in m["cases"].as_array().unwrap().iter().filter(|c| c.get("musicnn").is_some()) {
        let name = case["name"].as_str().unwrap();
        let signal: Array1<f32> = read_npy(dir().join(format!("{name}.signal.npy"))).unwrap();
        let ours = fx.log_mel(signal.as_slice().unwrap()).unwrap();
        let theirs = load2(case["musicnn"]["logmel"].as_str().unwrap());
        let (median, max) = abs_diff_quantile_and_max(ours.data.view(), theirs.view(), 500);
        let err = relative_l2(ours.data.view(), theirs.view());
        println!("{name}/musicnn: log10(1+10000 mel) |d| median {median:.2e} max {max:.2e}, rel-L2 {err:.2e}");
        assert!(max < 1e-4 && err < 1e-5, "{name}: max {max}, rel-L2 {err}");
        assert_eq!(ours.floor, 0.0, "silence is 0 after log10(1 + x)");
        checked += 1;
    }
    assert_eq!(checked, 2, "both 16 kHz signals are checked");
}
