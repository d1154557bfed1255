//! The training loop: Adam with weight decay and a cosine learning-rate schedule, light
//! augmentation, validation every epoch, the best epoch kept, early stopping, and a checkpoint
//! after every epoch so that `--resume` continues a killed run where it stopped.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use genrespace_datasets::cache::{CacheError, FeatureCache, SplitData};
use genrespace_datasets::Split;
use kdam::BarExt;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::data::{all_slices, Augment, Batcher};
use crate::evaluate::Evaluation;
use crate::model::{ArchConfig, GenreModel};
use crate::model_dir::{load_weights, save_weights, write_atomically, ModelError, ModelMeta, TrainingInfo, FORMAT_VERSION, META_FILE, WEIGHTS_FILE};
use crate::normalize::NormStats;
use crate::predict::{predict_split, OutputKind};

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Cache(#[from] CacheError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("{0}")]
    Invalid(String),
}

/// Everything that shapes a training run.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TrainOptions {
    pub name: String,
    pub architecture: ArchConfig,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    pub seed: u64,
    /// Stop after this many epochs without a better validation accuracy.
    pub patience: usize,
    pub augment: Augment,
}

/// One line of `metrics.csv`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EpochMetrics {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub val_slice_accuracy: f64,
    pub val_accuracy: f64,
    pub learning_rate: f64,
    pub seconds: f64,
}

/// `checkpoint/state.json`: where the loop stands.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct LoopState {
    options: TrainOptions,
    epochs_done: usize,
    best_epoch: usize,
    best_accuracy: f64,
    history: Vec<EpochMetrics>,
    seconds: f64,
}

/// What a finished (or early-stopped) run reports.
#[derive(Debug, Clone, Serialize)]
pub struct TrainReport {
    pub model_dir: PathBuf,
    pub history: Vec<EpochMetrics>,
    pub best_epoch: usize,
    pub best_val_accuracy: f64,
    pub stopped_early: bool,
    pub train_samples_per_second: f64,
}

const CHECKPOINT: &str = "checkpoint";

fn cosine_lr(base: f64, step: usize, total: usize) -> f64 {
    let t = step as f64 / total.max(1) as f64;
    let floor = 0.02 * base;
    floor + (base - floor) * 0.5 * (1.0 + (std::f64::consts::PI * t).cos())
}

/// Train a model on `cache` into `out`. `device` is a plain device (`Device::flex()`, a wgpu
/// device); training runs on its autodiff version. With `resume`, continue from `out/checkpoint`.
pub fn train(
    cache: &FeatureCache,
    out: &Path,
    opts: &TrainOptions,
    device: &Device,
    device_name: &str,
    resume: bool,
    progress: bool,
) -> Result<TrainReport, TrainError> {
    if opts.batch_size == 0 || opts.epochs == 0 {
        return Err(TrainError::Invalid("epochs and batch size must be at least 1".into()));
    }
    let training = cache.split(Split::Training)?;
    let validation = cache.split(Split::Validation)?;
    if training.n_slices() == 0 {
        return Err(TrainError::Invalid(format!("{}: the training split is empty", cache.dir().display())));
    }
    let genres = cache.genres().to_vec();
    if genres.len() < 2 {
        return Err(TrainError::Invalid("training needs at least two genres".into()));
    }
    let ckpt = out.join(CHECKPOINT);
    let state_path = ckpt.join("state.json");
    if !resume && (out.join(META_FILE).exists() || state_path.exists()) {
        return Err(TrainError::Invalid(format!("{}: a model is already there; pass --resume to continue it or choose another --out", out.display())));
    }
    let ad = device.clone().autodiff();
    ad.seed(opts.seed);

    let norm = NormStats::from_split(&training);
    let mut meta = ModelMeta {
        format_version: FORMAT_VERSION,
        name: opts.name.clone(),
        architecture: opts.architecture.clone(),
        genres: genres.clone(),
        output: OutputKind::Softmax,
        feature_config: cache.config().clone(),
        normalization: norm.clone(),
        training: None,
        metrics: None,
        provenance: None,
    };
    let mut model: GenreModel = meta.init_model(&ad);
    let mut optim = AdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(opts.weight_decay as f32))).init();
    let mut state = LoopState { options: opts.clone(), epochs_done: 0, best_epoch: 0, best_accuracy: -1.0, history: Vec::new(), seconds: 0.0 };
    if resume && state_path.exists() {
        let text = std::fs::read_to_string(&state_path).map_err(|e| ModelError::Io { path: state_path.clone(), source: e })?;
        state = serde_json::from_str(&text).map_err(|e| ModelError::Corrupt { path: state_path.clone(), reason: e.to_string() })?;
        let saved = ModelMeta::read(&ckpt)?;
        if saved.genres != genres || saved.feature_config != *cache.config() || saved.architecture.name() != opts.architecture.name() {
            return Err(TrainError::Invalid(format!("{}: the checkpoint was made with other data or another architecture", ckpt.display())));
        }
        state.options.epochs = opts.epochs;
        model = load_weights(model, &ckpt.join(WEIGHTS_FILE))?;
        let optim_path = ckpt.join("optimizer.bpk");
        optim = optim.load(&optim_path).map_err(|e| ModelError::Corrupt { path: optim_path, reason: e.to_string() })?;
        // Dropout and augmentation continue from a seed that depends on the epoch reached.
        ad.seed(opts.seed.wrapping_add(state.epochs_done as u64));
    }
    let opts = &state.options.clone();
    let contiguous = cache.config().slice_hop == cache.config().slice_frames;
    let batcher = Batcher::new(&training, &norm, contiguous);
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let items = all_slices(&training);
    let steps_per_epoch = items.len().div_ceil(opts.batch_size);
    let total_steps = steps_per_epoch * opts.epochs;
    let mut stopped_early = false;
    let (mut samples_seen, mut train_seconds) = (0usize, 0f64);

    for epoch in state.epochs_done + 1..=opts.epochs {
        let started = Instant::now();
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9));
        let mut order = items.clone();
        order.shuffle(&mut rng);
        let mut bar = progress.then(|| kdam::tqdm!(total = order.len(), desc = format!("epoch {epoch}/{}", opts.epochs), unit = " slices"));
        let (mut loss_sum, mut correct, mut seen) = (0f64, 0usize, 0usize);
        let mut lr = opts.learning_rate;
        for (b, chunk) in order.chunks(opts.batch_size).enumerate() {
            lr = cosine_lr(opts.learning_rate, (epoch - 1) * steps_per_epoch + b, total_steps);
            let batch = batcher.batch(chunk, &opts.augment, Some(&mut rng), &ad);
            let logits = model.forward(batch.inputs);
            let loss = loss_fn.forward(logits.clone(), batch.targets.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &model);
            model = optim.step(lr, model, grads);
            let predicted: Vec<i64> = logits.argmax(1).into_data().convert::<i64>().try_to_vec::<i64>().expect("class indices");
            let targets: Vec<i64> = batch.targets.into_data().convert::<i64>().try_to_vec::<i64>().expect("class indices");
            correct += predicted.iter().zip(&targets).filter(|(p, t)| p == t).count();
            loss_sum += loss.into_scalar::<f32>() as f64 * chunk.len() as f64;
            seen += chunk.len();
            if let Some(bar) = bar.as_mut() {
                bar.postfix = format!(", loss={:.3}, acc={:.3}", loss_sum / seen as f64, correct as f64 / seen as f64);
                let _ = bar.update(chunk.len());
            }
        }
        if bar.is_some() {
            eprintln!();
        }
        train_seconds += started.elapsed().as_secs_f64();
        samples_seen += seen;

        let eval_split: &SplitData = if validation.n_slices() > 0 { &validation } else { &training };
        let valid_model = model.valid();
        let per_track = predict_split(&valid_model, meta.output, eval_split, &norm, device);
        let tracks: Vec<(Vec<Vec<f32>>, usize)> = per_track.into_iter().enumerate().map(|(i, p)| (p, eval_split.label_index(i))).collect();
        let eval = Evaluation::compute(&tracks, &genres);
        let metrics = EpochMetrics {
            epoch,
            train_loss: loss_sum / seen.max(1) as f64,
            train_accuracy: correct as f64 / seen.max(1) as f64,
            val_slice_accuracy: eval.slice_accuracy,
            val_accuracy: eval.accuracy,
            learning_rate: lr,
            seconds: started.elapsed().as_secs_f64(),
        };
        if progress {
            eprintln!(
                "epoch {epoch}: train loss {:.4} acc {:.3} | validation track acc {:.3} slice acc {:.3}",
                metrics.train_loss, metrics.train_accuracy, metrics.val_accuracy, metrics.val_slice_accuracy
            );
        }
        state.epochs_done = epoch;
        state.seconds += metrics.seconds;
        state.history.push(metrics.clone());
        append_metrics(out, &metrics)?;

        meta.training = Some(TrainingInfo {
            source: cache.manifest().source.describe(),
            cache: cache.dir().to_path_buf(),
            training_tracks: training.tracks().len(),
            training_slices: items.len(),
            validation_tracks: validation.tracks().len(),
            epochs_run: epoch,
            best_epoch: state.best_epoch,
            batch_size: opts.batch_size,
            learning_rate: opts.learning_rate,
            weight_decay: opts.weight_decay,
            seed: opts.seed,
            device: device_name.to_string(),
            seconds: state.seconds,
        });
        if eval.accuracy > state.best_accuracy {
            state.best_accuracy = eval.accuracy;
            state.best_epoch = epoch;
            if let Some(t) = meta.training.as_mut() {
                t.best_epoch = epoch;
            }
            save_weights(&valid_model, &out.join(WEIGHTS_FILE))?;
        }
        meta.write(out)?;
        // The checkpoint: weights, optimiser, loop state; state.json last, so a kill in between
        // resumes from the previous complete checkpoint.
        save_weights(&model, &ckpt.join(WEIGHTS_FILE))?;
        meta.write(&ckpt)?;
        let optim_tmp = ckpt.join(".optimizer.bpk.tmp");
        optim.save(&optim_tmp).map_err(|e| ModelError::Corrupt { path: optim_tmp.clone(), reason: e.to_string() })?;
        std::fs::rename(&optim_tmp, ckpt.join("optimizer.bpk")).map_err(|e| ModelError::Io { path: ckpt.clone(), source: e })?;
        write_atomically(&state_path, serde_json::to_string_pretty(&state).expect("loop state serialises").as_bytes())?;

        if epoch - state.best_epoch >= opts.patience {
            stopped_early = epoch < opts.epochs;
            break;
        }
    }
    Ok(TrainReport {
        model_dir: out.to_path_buf(),
        history: state.history,
        best_epoch: state.best_epoch,
        best_val_accuracy: state.best_accuracy,
        stopped_early,
        train_samples_per_second: samples_seen as f64 / train_seconds.max(1e-9),
    })
}

fn append_metrics(out: &Path, m: &EpochMetrics) -> Result<(), ModelError> {
    let path = out.join("metrics.csv");
    std::fs::create_dir_all(out).map_err(|e| ModelError::Io { path: out.to_path_buf(), source: e })?;
    let fresh = !path.exists();
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&path).map_err(|e| ModelError::Io { path: path.clone(), source: e })?;
    let mut text = String::new();
    if fresh {
        text.push_str("epoch,train_loss,train_accuracy,val_slice_accuracy,val_accuracy,learning_rate,seconds\n");
    }
    text.push_str(&format!(
        "{},{:.6},{:.6},{:.6},{:.6},{:.8},{:.2}\n",
        m.epoch, m.train_loss, m.train_accuracy, m.val_slice_accuracy, m.val_accuracy, m.learning_rate, m.seconds
    ));
    f.write_all(text.as_bytes()).map_err(|e| ModelError::Io { path, source: e })
}
