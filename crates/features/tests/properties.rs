//! Properties that must hold for any input the pipeline can meet: any sample rate, any channel
//! count, very short clips, pure silence.

use std::path::Path;

use genrespace_audio::DecodeOptions;
use genrespace_features::{FeatureConfig, FeatureExtractor};
use proptest::prelude::*;

fn write_wav(path: &Path, rate: u32, channels: u16, frames: usize, amplitude: f32, float: bool) {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: if float { 32 } else { 16 },
        sample_format: if float { hound::SampleFormat::Float } else { hound::SampleFormat::Int },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..frames {
        for c in 0..channels {
            let f = 220.0 * (c + 1) as f32;
            let v = amplitude * (2.0 * std::f32::consts::PI * f * i as f32 / rate as f32).sin();
            if float {
                w.write_sample(v).unwrap();
            } else {
                w.write_sample((v * 32767.0) as i16).unwrap();
            }
        }
    }
    w.finalize().unwrap();
}

fn extractor() -> FeatureExtractor {
    FeatureExtractor::new(FeatureConfig::default()).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Any rate 8-96 kHz, 1-8 channels, 1 sample to 2 s: the right frame count at 22050 Hz,
    /// finite values, at least one slice.
    #[test]
    fn any_rate_and_channel_count(rate in 8000u32..=96000, channels in 1u16..=8, millis in 0u32..2000, extra in 1usize..64, float in any::<bool>()) {
        let frames = (rate as usize * millis as usize / 1000) + extra;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("clip.wav");
        write_wav(&path, rate, channels, frames, 0.5, float);
        let fx = extractor();
        let t = fx.analyze_file(&path, DecodeOptions::default()).unwrap();
        let resampled = (frames as f64 * 22050.0 / rate as f64).ceil() as usize;
        prop_assert_eq!(t.log_mel.n_frames(), 1 + resampled / 512);
        prop_assert_eq!(t.log_mel.data.nrows(), 128);
        prop_assert_eq!(t.mfcc.dim(), (20, t.log_mel.n_frames()));
        prop_assert!(t.log_mel.data.iter().all(|v| v.is_finite()));
        prop_assert!(t.mfcc.iter().all(|v| v.is_finite()));
        let slices = fx.slices(&t.log_mel);
        prop_assert!(!slices.is_empty());
        prop_assert_eq!(slices.data.dim().1, 128);
        prop_assert_eq!(slices.data.dim().2, 128);
    }
}

#[test]
fn silence_gives_the_floor_everywhere() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silence.wav");
    write_wav(&path, 44100, 2, 44100 * 4, 0.0, false);
    let fx = extractor();
    let t = fx.analyze_file(&path, DecodeOptions::default()).unwrap();
    assert!(t.log_mel.data.iter().all(|&v| v == -100.0), "silence must sit at 10 log10(amin)");
    assert_eq!(t.log_mel.floor, -100.0);
    assert!(t.mfcc.iter().all(|v| v.is_finite()));
    let slices = fx.slices(&t.log_mel);
    assert_eq!(slices.len(), 1);
    assert!(slices.data.iter().all(|&v| v == -100.0));
}

#[test]
fn clips_shorter_than_n_fft_still_give_one_padded_slice() {
    let fx = extractor();
    for len in [1usize, 100, 1023, 2047] {
        let x: Vec<f32> = (0..len).map(|i| (i as f32 * 0.1).sin() * 0.3).collect();
        let lm = fx.log_mel(&x).unwrap();
        assert_eq!(lm.n_frames(), 1 + len / 512);
        assert!(lm.data.iter().all(|v| v.is_finite()));
        let slices = fx.slices(&lm);
        assert_eq!(slices.len(), 1);
        assert_eq!(slices.data[[0, 0, 127]], lm.floor);
    }
    assert!(fx.log_mel(&[]).is_err(), "an empty signal is an error, not a panic");
}
