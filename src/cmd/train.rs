//! `genrespace train`: train a CNN or CRNN genre model on a dataset's feature cache, or
//! transfer a pretrained model (`--from`, optionally `--head-only`) to the dataset's genres.

use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::ValueEnum;
use genrespace_classifier::data::Augment;
use genrespace_classifier::{ArchConfig, CnnConfig, CrnnConfig, TrainOptions};
use genrespace_features::FeatureConfig;

use super::cache::ensure_cache;
use super::device::DeviceArg;
use super::source::SourceArgs;

#[derive(Copy, Clone, Debug, ValueEnum)]
pub enum Arch {
    Cnn,
    Crnn,
}

#[derive(clap::Args)]
pub struct Args {
    #[command(flatten)]
    source: SourceArgs,
    /// Model architecture.
    #[arg(long, value_enum, default_value_t = Arch::Cnn)]
    arch: Arch,
    /// Model folder to write (models/NAME).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Feature cache folder (default: datasets/cache/<dataset>-<features>); prepared if absent.
    #[arg(long, value_name = "DIR")]
    cache: Option<PathBuf>,
    /// Feature configuration as JSON (default: librosa's defaults, 128x128 slices).
    #[arg(long, value_name = "FILE.json", conflicts_with = "from")]
    features: Option<PathBuf>,
    /// Start from a pretrained model (a folder or builtin:msd-musicnn): its network with a new
    /// output layer for the dataset's genres, fed with its own features. --arch and --channels
    /// do not apply.
    #[arg(long, value_name = "DIR")]
    from: Option<PathBuf>,
    /// With --from: train only the new output layer on embeddings computed once and cached
    /// beside the features (minutes on a CPU); without it every layer is fine-tuned.
    #[arg(long, requires = "from", conflicts_with = "resume")]
    head_only: bool,
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Peak learning rate (cosine schedule down to 2 % of it).
    #[arg(long, default_value_t = 1e-3)]
    lr: f64,
    #[arg(long, default_value_t = 1e-4)]
    weight_decay: f64,
    #[arg(long, default_value_t = 42)]
    train_seed: u64,
    /// Stop after this many epochs without a better validation accuracy.
    #[arg(long, default_value_t = 8)]
    patience: usize,
    /// Conv channels per block, e.g. 32,64,128,128.
    #[arg(long, value_delimiter = ',')]
    channels: Option<Vec<usize>>,
    /// SpecAugment: mask up to 16 frames and 12 mel bands per slice.
    #[arg(long)]
    spec_augment: bool,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long)]
    resume: bool,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<()> {
    // Each step frees and reallocates the same buffers: keep them (see the allocator module).
    genrespace_audio::allocator::keep_freed_memory();
    let (device, device_name) = args.device.device()?;
    let pretrained = args.from.as_deref().map(|m| super::model::load(m, &device)).transpose()?;
    let features: FeatureConfig = match (&args.features, &pretrained) {
        (Some(p), _) => serde_json::from_str(&std::fs::read_to_string(p)?)?,
        (None, Some(m)) => m.meta.feature_config.clone(),
        (None, None) => FeatureConfig::default(),
    };
    let architecture = match args.arch {
        Arch::Cnn => ArchConfig::Cnn(CnnConfig { channels: args.channels.clone().unwrap_or(CnnConfig::default().channels), ..Default::default() }),
        Arch::Crnn => {
            let mut c = CrnnConfig::default();
            if let Some(ch) = &args.channels {
                if ch.len() != c.pools.len() {
                    bail!("--channels for the crnn needs {} values (one per pooling stage)", c.pools.len());
                }
                c.channels = ch.clone();
            }
            ArchConfig::Crnn(c)
        }
    };
    let source = args.source.source()?;
    let cache = ensure_cache(&source, &features, args.cache.clone(), !args.json)?;
    let name = args.out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "model".into());
    let opts = TrainOptions {
        name,
        architecture,
        epochs: args.epochs,
        batch_size: args.batch_size,
        learning_rate: args.lr,
        weight_decay: args.weight_decay,
        seed: args.train_seed,
        patience: args.patience,
        augment: Augment { time_mask: if args.spec_augment { 16 } else { 0 }, freq_mask: if args.spec_augment { 12 } else { 0 }, ..Augment::default() },
    };
    let report = match (&pretrained, args.head_only) {
        (Some(m), true) => {
            let key = super::model::weights_key(args.from.as_deref().expect("--head-only requires --from"), &m.meta.name)?;
            genrespace_classifier::transfer::train_head(&cache, m, &key, &args.out, &opts, device_name, !args.json)?
        }
        _ => genrespace_classifier::train(&cache, &args.out, &opts, pretrained.as_ref(), &device, device_name, args.resume, !args.json)?,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        println!(
            "{}: best validation accuracy {:.3} at epoch {} of {}{}; {:.1} training samples/s",
            args.out.display(),
            report.best_val_accuracy,
            report.best_epoch,
            report.history.len(),
            if report.stopped_early { " (stopped early)" } else { "" },
            report.train_samples_per_second
        );
        println!("evaluate it on held-out tracks: genrespace evaluate --model {} <same dataset flags> --split test", args.out.display());
    }
    Ok(())
}
