//! Timing harness for scripts/bench_features.sh: for each file, the median over `--reps` runs
//! of decode only, resampling, log-mel + MFCC, and the whole feature pipeline
//! (`FeatureExtractor::analyze_file`), on one thread, for the default feature config or a preset
//! (`--preset musicnn`). Prints one JSON object per file; the script compares with librosa in the
//! same run.

use std::path::PathBuf;
use std::time::Instant;

use genrespace_audio::{decode_file, resample, DecodeOptions};
use genrespace_features::{FeatureConfig, FeatureExtractor};

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    // As the CLI does, so that what is timed is what its commands do.
    genrespace_audio::allocator::reuse_large_buffers();
    let mut reps = 7usize;
    let mut config = FeatureConfig::default();
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if a == "--reps" {
            reps = args.next().and_then(|r| r.parse().ok()).expect("--reps N");
        } else if a == "--preset" {
            config = args.next().and_then(|p| FeatureConfig::preset(&p)).expect("--preset NAME (a FeatureConfig preset)");
        } else {
            files.push(PathBuf::from(a));
        }
    }
    let rate = config.sample_rate;
    let fx = FeatureExtractor::new(config).unwrap();
    for path in files {
        let opts = fx.decode_options(DecodeOptions::default());
        // Warm the page cache and the FFT plans once.
        let _ = fx.analyze_file(&path, opts).unwrap();
        let (mut decode, mut resample_t, mut features, mut full) = (vec![], vec![], vec![], vec![]);
        let mut n_frames = 0;
        let mut seconds = 0.0;
        for _ in 0..reps {
            let t = Instant::now();
            let audio = decode_file(&path, opts).unwrap();
            decode.push(t.elapsed().as_secs_f64());
            seconds = audio.duration_s();

            let t = Instant::now();
            let y = resample(&audio.samples, audio.sample_rate, rate).unwrap();
            resample_t.push(t.elapsed().as_secs_f64());
            let t = Instant::now();
            let (_, m) = fx.log_mel_and_mfcc(&y).unwrap();
            features.push(t.elapsed().as_secs_f64());
            n_frames = m.ncols();

            let t = Instant::now();
            let track = fx.analyze_file(&path, opts).unwrap();
            full.push(t.elapsed().as_secs_f64());
            assert_eq!(track.mfcc.ncols(), n_frames);
        }
        println!(
            "{{\"path\": {:?}, \"audio_s\": {seconds:.3}, \"n_frames\": {n_frames}, \"decode\": {:.6}, \"resample\": {:.6}, \"features\": {:.6}, \"full\": {:.6}}}",
            path.display().to_string(),
            median(decode),
            median(resample_t),
            median(features),
            median(full)
        );
    }
}
