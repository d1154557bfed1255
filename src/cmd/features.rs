//! `genrespace features AUDIO`: log-mel or MFCC of one file, as a summary, JSON, .npy or PNG.

use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::ValueEnum;
use genrespace_audio::DecodeOptions;
use genrespace_features::mel::mel_frequencies;
use genrespace_features::{FeatureConfig, FeatureExtractor};
use genrespace_plot::{heatmap_png, Heatmap};
use ndarray::Array2;
use ndarray_npy::WriteNpyExt;
use serde::Serialize;

use crate::output::write_atomically;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Log-mel spectrogram in dB, (n_mels, n_frames).
    Mel,
    /// MFCC, (n_mfcc, n_frames).
    Mfcc,
}

#[derive(clap::Args)]
pub struct Args {
    /// Audio file (mp3, wav, flac, ogg, opus, m4a, aiff, ...).
    audio: PathBuf,
    /// Which feature to compute.
    #[arg(long, value_enum, default_value_t = Kind::Mel)]
    kind: Kind,
    /// Start this many seconds into the file.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    offset: f64,
    /// Analyse at most this many seconds.
    #[arg(long, allow_negative_numbers = true)]
    duration: Option<f64>,
    /// Write the matrix as float32 .npy, shape (rows, n_frames) like librosa.
    #[arg(long, value_name = "FILE.npy")]
    out: Option<PathBuf>,
    /// Draw the matrix as a PNG with time and frequency axes.
    #[arg(long, value_name = "FILE.png")]
    plot: Option<PathBuf>,
    /// Feature configuration as JSON (a FeatureConfig; missing fields take librosa's defaults).
    #[arg(long, value_name = "FILE.json")]
    config: Option<PathBuf>,
    /// Print a JSON report instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report<'a> {
    path: String,
    kind: Kind,
    sample_rate: u32,
    source_sample_rate: u32,
    duration_s: f64,
    file_duration_s: Option<f64>,
    /// Present when the file is cut short: how much of it could be decoded.
    truncated: Option<genrespace_audio::Truncation>,
    offset_s: f64,
    n_frames: usize,
    shape: [usize; 2],
    min: f32,
    max: f32,
    mean: f32,
    tags: &'a genrespace_audio::Tags,
    out: Option<String>,
    plot: Option<String>,
    config: &'a FeatureConfig,
}

pub fn run(args: Args) -> Result<()> {
    let config = match &args.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
            serde_json::from_str(&text).with_context(|| format!("{}: not a valid feature config", p.display()))?
        }
        None => FeatureConfig::default(),
    };
    let fx = FeatureExtractor::new(config)?;
    let opts = DecodeOptions { offset_s: args.offset, duration_s: args.duration, ..DecodeOptions::default() };
    let track = fx.analyze_file(&args.audio, opts)?;
    let matrix: &Array2<f32> = match args.kind {
        Kind::Mel => &track.log_mel.data,
        Kind::Mfcc => &track.mfcc,
    };

    if let Some(out) = &args.out {
        write_atomically(out, |tmp| {
            let file = std::fs::File::create(tmp)?;
            matrix.write_npy(std::io::BufWriter::new(file)).with_context(|| format!("{}: cannot write .npy", out.display()))
        })?;
    }
    if let Some(plot) = &args.plot {
        let cfg = fx.config();
        let centres = mel_frequencies(cfg.n_mels + 2, cfg.fmin as f64, cfg.fmax_hz() as f64, cfg.mel_scale);
        let name = args.audio.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (title, y_label, unit): (String, &str, &str) = match args.kind {
            Kind::Mel => (format!("log-mel spectrogram: {name}"), "frequency (Hz, mel scale)", "dB"),
            Kind::Mfcc => (format!("MFCC: {name}"), "coefficient", "value"),
        };
        let kind = args.kind;
        let map = Heatmap {
            data: matrix,
            title,
            seconds_per_frame: cfg.hop_length as f64 / cfg.sample_rate as f64,
            y_label: y_label.into(),
            row_label: Box::new(move |r| match kind {
                Kind::Mel => format!("{:.0}", centres[r + 1]),
                Kind::Mfcc => r.to_string(),
            }),
            unit: unit.into(),
        };
        write_atomically(plot, |tmp| Ok(heatmap_png(&map, tmp)?))?;
    }

    let (min, max, sum) = matrix.iter().fold((f32::INFINITY, f32::NEG_INFINITY, 0.0f64), |(lo, hi, s), &v| (lo.min(v), hi.max(v), s + v as f64));
    let report = Report {
        path: args.audio.display().to_string(),
        kind: args.kind,
        sample_rate: fx.config().sample_rate,
        source_sample_rate: track.source_sample_rate,
        duration_s: track.duration_s,
        file_duration_s: track.file_duration_s.is_finite().then_some(track.file_duration_s),
        truncated: track.truncated,
        offset_s: args.offset,
        n_frames: matrix.ncols(),
        shape: [matrix.nrows(), matrix.ncols()],
        min,
        max,
        mean: (sum / matrix.len() as f64) as f32,
        tags: &track.tags,
        out: args.out.as_ref().map(|p| p.display().to_string()),
        plot: args.plot.as_ref().map(|p| p.display().to_string()),
        config: fx.config(),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

fn print_text(r: &Report<'_>) {
    println!("{}", r.path);
    println!(
        "  {:?} {} x {} (rows x frames), {:.2} s analysed at {} Hz (source {} Hz)",
        r.kind, r.shape[0], r.shape[1], r.duration_s, r.sample_rate, r.source_sample_rate
    );
    println!("  values: min {:.2}  mean {:.2}  max {:.2}", r.min, r.mean, r.max);
    if let Some(cut) = r.truncated {
        println!("  truncated: the file holds {:.2} s of the {:.2} s its header declares; analysed what is there", cut.decoded_s, cut.declared_s);
    }
    let t = r.tags;
    let tag_line: Vec<String> = [("title", &t.title), ("artist", &t.artist), ("album", &t.album), ("genre", &t.genre)]
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!("{k}: {v}")))
        .collect();
    if !tag_line.is_empty() {
        println!("  {}", tag_line.join(" | "));
    }
    if let Some(o) = &r.out {
        println!("  wrote {o}");
    }
    if let Some(p) = &r.plot {
        println!("  drew {p}");
    }
}
