//! `genrespace classify`: the genre composition of audio files.

use std::path::PathBuf;

use anyhow::{bail, Result};
use genrespace_audio::DecodeOptions;
use genrespace_classifier::OutputKind;
use serde_json::json;

use super::device::DeviceArg;
use crate::output::write_atomically;

#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Style {
    /// Horizontal bars, most likely first.
    Bars,
    /// A pie: a genre model's composition (the genres not shown as `other`), or a tagger's top
    /// tags as shares of their sum.
    Pie,
}

#[derive(clap::Args)]
pub struct Args {
    /// Model: a model folder, or `builtin:msd-musicnn` (the default,
    /// compiled into the program).
    #[arg(long, value_name = "DIR", default_value = super::model::DEFAULT)]
    model: PathBuf,
    /// Audio files.
    #[arg(required = true)]
    audio: Vec<PathBuf>,
    /// Analyse from this many seconds into each file.
    #[arg(long, default_value_t = 0.0, allow_negative_numbers = true)]
    offset: f64,
    /// Analyse at most this many seconds of each file.
    #[arg(long, allow_negative_numbers = true)]
    duration: Option<f64>,
    /// Draw each file's genre composition (with several files: FILE-1.png, ...); PNG, or SVG
    /// when the name ends in .svg.
    #[arg(long, value_name = "FILE.png|svg")]
    plot: Option<PathBuf>,
    /// The chart --plot draws.
    #[arg(long, value_enum, default_value_t = Style::Bars, requires = "plot")]
    style: Style,
    /// Print and plot the N most likely genres/tags (a tagger has 50); --json lists all.
    #[arg(long, value_name = "N", default_value_t = 10)]
    top: usize,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    let (device, _) = args.device.device()?;
    let loaded = super::model::load(&args.model, &device)?;
    let fx = loaded.extractor();
    let opts = DecodeOptions { offset_s: args.offset, duration_s: args.duration, ..DecodeOptions::default() };
    let mut results = Vec::new();
    let mut failures = 0;
    for (i, path) in args.audio.iter().enumerate() {
        let prediction = match loaded.classify_file(&fx, path, opts) {
            Ok(p) => p,
            Err(e) => {
                eprintln!("error: {}", genrespace_audio::error_chain(&e));
                failures += 1;
                continue;
            }
        };
        if let Some(plot) = &args.plot {
            let target = if args.audio.len() == 1 {
                plot.clone()
            } else {
                let stem = plot.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                let extension = plot.extension().map(|e| e.to_string_lossy().into_owned()).unwrap_or_else(|| "png".into());
                plot.with_file_name(format!("{stem}-{}.{extension}", i + 1))
            };
            let title = format!("{} (model {})", path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(), loaded.meta.name);
            let shown = &prediction.genres[..args.top.min(prediction.genres.len())];
            write_atomically(&target, |tmp| match args.style {
                Style::Bars => Ok(genrespace_plot::bars(shown, &title, tmp)?),
                Style::Pie => Ok(genrespace_plot::pie(shown, loaded.meta.output == OutputKind::Softmax, &title, tmp)?),
            })?;
        }
        if !args.json {
            println!("{}  ->  {}   ({} slices, {:.1} s)", path.display(), prediction.top, prediction.n_slices, prediction.duration_s);
            for (g, p) in prediction.genres.iter().take(args.top) {
                println!("    {g:<16} {:5.1} %  {}", 100.0 * p, "#".repeat((p * 40.0).round() as usize));
            }
        }
        results.push(prediction);
    }
    if args.json {
        let out: Vec<_> = results
            .iter()
            .map(|p| json!({"path": p.path, "top": p.top, "genres": p.genres.iter().map(|(g, v)| (g.clone(), json!(v))).collect::<serde_json::Map<_, _>>(), "n_slices": p.n_slices, "duration_s": p.duration_s}))
            .collect();
        println!("{}", serde_json::to_string_pretty(&out)?);
    }
    if results.is_empty() && failures > 0 {
        bail!("none of the {failures} files could be classified");
    }
    Ok(())
}
