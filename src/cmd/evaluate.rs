//! `genrespace evaluate`: genre accuracy of a trained model on a dataset split it never trained on.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use clap::ValueEnum;
use genrespace_classifier::predict::predict_split;
use genrespace_classifier::Evaluation;
use genrespace_datasets::Split;
use serde::Serialize;

use super::cache::ensure_cache;
use super::device::DeviceArg;
use super::source::SourceArgs;
use crate::output::write_atomically;

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SplitArg {
    Test,
    Validation,
    Training,
    All,
}

#[derive(clap::Args)]
pub struct Args {
    /// Model: a model folder, or `builtin:msd-musicnn` (the default,
    /// compiled into the program).
    #[arg(long, value_name = "DIR", default_value = super::model::DEFAULT)]
    model: PathBuf,
    #[command(flatten)]
    source: SourceArgs,
    #[arg(long, value_enum, default_value_t = SplitArg::Test)]
    split: SplitArg,
    /// Feature cache folder (default: datasets/cache/<dataset>-<features>); prepared if absent.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Map the dataset's labels onto the model's genres: CSV with columns from,to. Tracks whose
    /// label is not mapped are left out.
    #[arg(long, value_name = "CSV")]
    genre_map: Option<PathBuf>,
    /// Draw the confusion matrix.
    #[arg(long, value_name = "FILE.png")]
    confusion_plot: Option<PathBuf>,
    /// Store the results as the model's metrics in its model.json.
    #[arg(long)]
    save_metrics: bool,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    #[arg(long)]
    json: bool,
}

#[derive(Serialize)]
struct Report {
    model: String,
    dataset: String,
    split: String,
    left_out: usize,
    #[serde(flatten)]
    evaluation: Evaluation,
}

fn read_genre_map(path: &Path) -> Result<HashMap<String, String>> {
    let mut reader = csv::ReaderBuilder::new().trim(csv::Trim::All).from_path(path).with_context(|| format!("{}: cannot read", path.display()))?;
    let headers = reader.headers()?.clone();
    let (Some(f), Some(t)) = (headers.iter().position(|h| h == "from"), headers.iter().position(|h| h == "to")) else {
        bail!("{}: needs columns from,to", path.display());
    };
    let mut map = HashMap::new();
    for row in reader.records() {
        let row = row.with_context(|| format!("{}: bad row", path.display()))?;
        map.insert(row[f].to_string(), row[t].to_string());
    }
    Ok(map)
}

pub fn run(args: Args) -> Result<()> {
    let (device, _) = args.device.device()?;
    let loaded = super::model::load(&args.model, &device)?;
    let model_genres = &loaded.meta.genres;
    let source = args.source.source()?;
    let cache = ensure_cache(&source, &loaded.meta.feature_config, args.cache.clone(), !args.json)?;
    loaded.meta.check_features(cache.config())?;
    let map = args.genre_map.as_deref().map(read_genre_map).transpose()?;
    let target = |label: &str| -> Option<usize> {
        let name = match &map {
            Some(m) => m.get(label)?.as_str(),
            None => label,
        };
        model_genres.iter().position(|g| g == name)
    };
    let splits: Vec<Split> = match args.split {
        SplitArg::Test => vec![Split::Test],
        SplitArg::Validation => vec![Split::Validation],
        SplitArg::Training => vec![Split::Training],
        SplitArg::All => Split::ALL.to_vec(),
    };
    let mut tracks = Vec::new();
    let mut left_out = 0;
    for split in &splits {
        let data = cache.split(*split)?;
        let wanted: Vec<Option<usize>> = data.tracks().iter().map(|t| target(&t.label)).collect();
        left_out += wanted.iter().filter(|w| w.is_none()).count();
        let predictions = predict_split(&loaded.model, loaded.meta.output, &data, &loaded.meta.normalization, &device);
        tracks.extend(predictions.into_iter().zip(wanted).filter_map(|(p, w)| w.map(|w| (p, w))));
    }
    if tracks.is_empty() {
        bail!("no track of the chosen split has a label the model knows ({}); use --genre-map", model_genres.join(", "));
    }
    let evaluation = Evaluation::compute(&tracks, model_genres);
    let report =
        Report { model: args.model.display().to_string(), dataset: source.describe(), split: format!("{:?}", args.split).to_lowercase(), left_out, evaluation };
    if let Some(path) = &args.confusion_plot {
        let title =
            format!("{} on {} ({} tracks, accuracy {:.1} %)", loaded.meta.name, report.split, report.evaluation.n_tracks, 100.0 * report.evaluation.accuracy);
        write_atomically(path, |tmp| Ok(genrespace_plot::confusion_png(&report.evaluation.confusion, model_genres, &title, tmp)?))?;
    }
    if args.save_metrics {
        let mut meta = loaded.meta.clone();
        meta.metrics = Some(serde_json::to_value(&report)?);
        meta.write(&args.model)?;
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_text(&report);
    }
    Ok(())
}

fn print_text(r: &Report) {
    let e = &r.evaluation;
    println!(
        "{} on {} [{}]: {} tracks, {} slices{}",
        r.model,
        r.dataset,
        r.split,
        e.n_tracks,
        e.n_slices,
        if r.left_out > 0 { format!(" ({} left out: label not in the model)", r.left_out) } else { String::new() }
    );
    println!("track accuracy {:.3}   slice accuracy {:.3}   top-2 accuracy {:.3}", e.accuracy, e.slice_accuracy, e.top2_accuracy);
    println!("\n{:<16} {:>9} {:>7} {:>7} {:>8}", "genre", "precision", "recall", "f1", "support");
    for g in &e.genres {
        let s = &e.per_genre[g];
        println!("{g:<16} {:>9.3} {:>7.3} {:>7.3} {:>8}", s.precision, s.recall, s.f1, s.support);
    }
    println!("\nconfusion (rows: true, columns: predicted)");
    let w = e.genres.iter().map(|g| g.len()).max().unwrap_or(4).clamp(4, 10);
    print!("{:<w$} ", "");
    for g in &e.genres {
        print!("{:>w$.w$} ", g);
    }
    println!();
    for (g, row) in e.genres.iter().zip(&e.confusion) {
        print!("{g:<w$.w$} ");
        for c in row {
            print!("{c:>w$} ");
        }
        println!();
    }
}
