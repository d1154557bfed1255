//! The training loop: Adam with weight decay and a cosine learning-rate schedule, light
//! augmentation, validation every epoch, the best epoch kept, early stopping, and a checkpoint
//! after every epoch so that `--resume` continues a killed run where it stopped.
//!
//! [`train`] reads as its steps: [`splits`], [`starting_model`] (fresh, or a pretrained network
//! under a new head), [`restore`] (on `--resume`), then per epoch [`fit_epoch`], [`validate`],
//! the metrics line, the best weights and [`save_checkpoint`]. genrespace keeps its own loop
//! rather than burn-train's `Learner` for the checkpoint layout `--resume` relies on, kdam
//! progress and reproducible seeding per epoch.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::lr_scheduler::module_lr_scheduler::ModuleLrScheduler;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
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
use crate::model_dir::{
    load_weights, save_weights, write_atomically, LoadedModel, ModelError, ModelMeta, TrainingInfo, FORMAT_VERSION, META_FILE, WEIGHTS_FILE,
};
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
/// Where the next checkpoint is written, and where the previous one waits during the swap.
const CHECKPOINT_NEXT: &str = "checkpoint.next";
const CHECKPOINT_OLD: &str = "checkpoint.old";
const STATE_FILE: &str = "state.json";

/// The learning rate of every step: a cosine from `base` down to 2 % of it over `total_steps`
/// (burn-optim's cosine annealing).
pub(crate) fn cosine_schedule(base: f64, total_steps: usize) -> Result<ModuleLrScheduler, TrainError> {
    CosineAnnealingLrSchedulerConfig::new(base, total_steps.max(1)).with_min_lr(0.02 * base).init().map_err(TrainError::Invalid)
}

/// The training and validation splits of `cache`. Both must hold tracks: the best epoch and
/// early stopping are decided on validation accuracy, and validating on the training split
/// instead would silently pick the most over-fitted epoch.
pub(crate) fn splits(cache: &FeatureCache) -> Result<(SplitData, SplitData), TrainError> {
    let training = cache.split(Split::Training)?;
    let validation = cache.split(Split::Validation)?;
    if training.n_slices() == 0 {
        return Err(TrainError::Invalid(format!("{}: the training split is empty", cache.dir().display())));
    }
    if validation.n_slices() == 0 {
        return Err(TrainError::Invalid(format!(
            "{}: the validation split is empty; training picks its best epoch on validation tracks (GTZAN/folders: give --split-ratio a validation share, e.g. 80/10)",
            cache.dir().display()
        )));
    }
    if cache.genres().len() < 2 {
        return Err(TrainError::Invalid("training needs at least two genres".into()));
    }
    Ok((training, validation))
}

/// The model to train and its `model.json`: fresh, or `pretrained`'s network under a new output
/// layer (fine-tuning).
fn starting_model(
    cache: &FeatureCache,
    opts: &TrainOptions,
    pretrained: Option<&LoadedModel>,
    training: &SplitData,
    ad: &Device,
) -> Result<(ModelMeta, GenreModel), TrainError> {
    let genres = cache.genres().to_vec();
    if let Some(pretrained) = pretrained {
        crate::transfer::check_cache(pretrained, cache)?;
        let model = crate::transfer::with_new_head(pretrained, genres.len(), ad)?;
        return Ok((crate::transfer::transferred_meta(pretrained, &opts.name, genres), model));
    }
    let meta = ModelMeta {
        format_version: FORMAT_VERSION,
        name: opts.name.clone(),
        architecture: opts.architecture.clone(),
        genres,
        output: OutputKind::Softmax,
        feature_config: cache.config().clone(),
        normalization: NormStats::from_split(training),
        training: None,
        metrics: None,
        provenance: None,
    };
    let model = meta.init_model(ad);
    Ok((meta, model))
}

/// Continue from `ckpt`: the loop state, weights and optimiser of the last complete epoch.
fn restore(ckpt: &Path, meta: &ModelMeta, model: GenreModel, optim: ModuleOptimizer) -> Result<(LoopState, GenreModel, ModuleOptimizer), TrainError> {
    let state_path = ckpt.join(STATE_FILE);
    let text = std::fs::read_to_string(&state_path).map_err(|e| ModelError::Io { path: state_path.clone(), source: e })?;
    let state: LoopState =
        serde_json::from_str(&text).map_err(|e| ModelError::Unreadable { path: state_path.clone(), what: "unreadable training state", source: e.into() })?;
    let saved = ModelMeta::read(ckpt)?;
    if saved.genres != meta.genres || saved.feature_config != meta.feature_config || saved.architecture.name() != meta.architecture.name() {
        return Err(TrainError::Invalid(format!("{}: the checkpoint was made with other data or another architecture", ckpt.display())));
    }
    let model = load_weights(model, &ckpt.join(WEIGHTS_FILE))?;
    let optim_path = ckpt.join("optimizer.bpk");
    let optim = optim.load(&optim_path).map_err(|e| ModelError::Unreadable { path: optim_path, what: "unreadable optimizer state", source: e.into() })?;
    Ok((state, model, optim))
}

/// The seed of one epoch's shuffle, dropout and augmentation: a function of the run's seed and
/// the epoch only, which is what makes `--resume` reproduce an uninterrupted run.
fn epoch_seed(seed: u64, epoch: usize) -> u64 {
    seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9)
}

/// What one pass over the training split measured.
struct Fit {
    loss_sum: f64,
    correct: usize,
    seen: usize,
    learning_rate: f64,
}

/// One epoch: every training slice once, shuffled by a seed of the epoch, one optimiser step
/// per batch.
#[allow(clippy::too_many_arguments)]
fn fit_epoch(
    model: &mut GenreModel,
    optim: &mut ModuleOptimizer,
    schedule: &mut ModuleLrScheduler,
    batcher: &Batcher,
    items: &[crate::data::SliceRef],
    opts: &TrainOptions,
    epoch: usize,
    ad: &Device,
    progress: bool,
) -> Fit {
    let mut rng = ChaCha8Rng::seed_from_u64(epoch_seed(opts.seed, epoch));
    let mut order = items.to_vec();
    order.shuffle(&mut rng);
    let loss_fn = CrossEntropyLossConfig::new().init(ad);
    let mut bar = progress.then(|| kdam::tqdm!(total = order.len(), desc = format!("epoch {epoch}/{}", opts.epochs), unit = " slices"));
    let mut fit = Fit { loss_sum: 0.0, correct: 0, seen: 0, learning_rate: opts.learning_rate };
    for chunk in order.chunks(opts.batch_size) {
        let lr = schedule.step();
        fit.learning_rate = lr.base();
        let batch = batcher.batch(chunk, &opts.augment, Some(&mut rng), ad);
        let logits = model.forward(batch.inputs);
        let loss = loss_fn.forward(logits.clone(), batch.targets.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &*model);
        *model = optim.step(lr, model.clone(), grads);
        let predicted: Vec<i64> = logits.argmax(1).into_data().convert::<i64>().try_to_vec::<i64>().expect("class indices");
        let targets: Vec<i64> = batch.targets.into_data().convert::<i64>().try_to_vec::<i64>().expect("class indices");
        fit.correct += predicted.iter().zip(&targets).filter(|(p, t)| p == t).count();
        fit.loss_sum += loss.into_scalar::<f32>() as f64 * chunk.len() as f64;
        fit.seen += chunk.len();
        if let Some(bar) = bar.as_mut() {
            bar.postfix = format!(", loss={:.3}, acc={:.3}", fit.loss_sum / fit.seen as f64, fit.correct as f64 / fit.seen as f64);
            let _ = bar.update(chunk.len());
        }
    }
    if bar.is_some() {
        eprintln!();
    }
    fit
}

/// Track accuracy on the validation split.
fn validate(model: &GenreModel, meta: &ModelMeta, validation: &SplitData, device: &Device) -> Evaluation {
    let per_track = predict_split(model, meta.output, validation, &meta.normalization, device);
    let tracks: Vec<(Vec<Vec<f32>>, usize)> = per_track.into_iter().enumerate().map(|(i, p)| (p, validation.label_index(i))).collect();
    Evaluation::compute(&tracks, &meta.genres)
}

/// The checkpoint of the epoch just finished: weights, optimiser and loop state, written whole
/// into `checkpoint.next/` (`state.json` last) and then swapped in for `checkpoint/` by renaming
/// folders, so the files of one checkpoint always belong to the same epoch. Writing them in
/// place would let a kill between the weights and `state.json` pair one epoch's weights with
/// the previous epoch's state, and a resumed run would diverge from the uninterrupted one.
fn save_checkpoint(out: &Path, model: &GenreModel, meta: &ModelMeta, optim: &ModuleOptimizer, state: &LoopState) -> Result<(), ModelError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| ModelError::Io { path, source }
    };
    let (current, next, old) = (out.join(CHECKPOINT), out.join(CHECKPOINT_NEXT), out.join(CHECKPOINT_OLD));
    if next.exists() {
        std::fs::remove_dir_all(&next).map_err(io(&next))?;
    }
    save_weights(model, &next.join(WEIGHTS_FILE))?;
    meta.write(&next)?;
    let optim_path = next.join("optimizer.bpk");
    genrespace_audio::write_atomically(&optim_path, |tmp| optim.save(tmp).map_err(std::io::Error::other))
        .map_err(|source| ModelError::Io { path: optim_path.clone(), source })?;
    write_atomically(&next.join(STATE_FILE), serde_json::to_string_pretty(state).expect("loop state serialises").as_bytes())?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    if current.exists() {
        std::fs::rename(&current, &old).map_err(io(&current))?;
    }
    std::fs::rename(&next, &current).map_err(io(&next))?;
    std::fs::remove_dir_all(&old).or_else(|e| if e.kind() == std::io::ErrorKind::NotFound { Ok(()) } else { Err(e) }).map_err(io(&old))
}

/// The last complete checkpoint in `out`: `checkpoint/`, or `checkpoint.old/` when a kill fell
/// between the two renames of [`save_checkpoint`]; `None` before the first one is complete.
fn complete_checkpoint(out: &Path) -> Option<PathBuf> {
    [CHECKPOINT, CHECKPOINT_OLD].iter().map(|d| out.join(d)).find(|d| d.join(STATE_FILE).is_file())
}

/// Train a model on `cache` into `out`, from scratch or (with `pretrained`) fine-tuning a
/// pretrained network under a new output layer. `device` is a plain device (`Device::flex()`,
/// a wgpu device); training runs on its autodiff version. With `resume`, continue from
/// `out/checkpoint`.
#[allow(clippy::too_many_arguments)]
pub fn train(
    cache: &FeatureCache,
    out: &Path,
    opts: &TrainOptions,
    pretrained: Option<&LoadedModel>,
    device: &Device,
    device_name: &str,
    resume: bool,
    progress: bool,
) -> Result<TrainReport, TrainError> {
    if opts.batch_size == 0 || opts.epochs == 0 {
        return Err(TrainError::Invalid("epochs and batch size must be at least 1".into()));
    }
    let features = cache.config();
    if let Err(reason) = opts.architecture.validate(features.n_mels, features.slice_frames) {
        return Err(TrainError::Invalid(format!("the {} architecture: {reason}", opts.architecture.name())));
    }
    let (training, validation) = splits(cache)?;
    let checkpoint = complete_checkpoint(out);
    if !resume && (out.join(META_FILE).exists() || checkpoint.is_some()) {
        return Err(TrainError::Invalid(format!("{}: a model is already there; pass --resume to continue it or choose another --out", out.display())));
    }
    let ad = device.clone().autodiff();
    ad.seed(opts.seed);
    let (mut meta, mut model) = starting_model(cache, opts, pretrained, &training, &ad)?;
    let mut optim = AdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(opts.weight_decay as f32))).init();
    let mut state = LoopState { options: opts.clone(), epochs_done: 0, best_epoch: 0, best_accuracy: -1.0, history: Vec::new(), seconds: 0.0 };
    if let Some(ckpt) = checkpoint.filter(|_| resume) {
        (state, model, optim) = restore(&ckpt, &meta, model, optim)?;
        state.options.epochs = opts.epochs;
    }
    let opts = &state.options.clone();
    let contiguous = cache.config().slice_hop == cache.config().slice_frames;
    let batcher = Batcher::new(&training, &meta.normalization, contiguous);
    let items = all_slices(&training);
    let steps_per_epoch = items.len().div_ceil(opts.batch_size);
    let mut schedule = cosine_schedule(opts.learning_rate, steps_per_epoch * opts.epochs)?;
    (0..state.epochs_done * steps_per_epoch).for_each(|_| {
        schedule.step();
    });
    let mut stopped_early = false;
    let (mut samples_seen, mut train_seconds) = (0usize, 0f64);

    for epoch in state.epochs_done + 1..=opts.epochs {
        // Dropout and augmentation draw from a seed of the epoch, so a run resumed at any epoch
        // continues exactly as the uninterrupted run would have.
        ad.seed(epoch_seed(opts.seed, epoch));
        let started = Instant::now();
        let fit = fit_epoch(&mut model, &mut optim, &mut schedule, &batcher, &items, opts, epoch, &ad, progress);
        train_seconds += started.elapsed().as_secs_f64();
        samples_seen += fit.seen;
        let valid_model = model.valid();
        let eval = validate(&valid_model, &meta, &validation, device);
        let metrics = EpochMetrics {
            epoch,
            train_loss: fit.loss_sum / fit.seen.max(1) as f64,
            train_accuracy: fit.correct as f64 / fit.seen.max(1) as f64,
            val_slice_accuracy: eval.slice_accuracy,
            val_accuracy: eval.accuracy,
            learning_rate: fit.learning_rate,
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
        if eval.accuracy > state.best_accuracy {
            state.best_accuracy = eval.accuracy;
            state.best_epoch = epoch;
            save_weights(&valid_model, &out.join(WEIGHTS_FILE))?;
        }
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
        meta.write(out)?;
        save_checkpoint(out, &model, &meta, &optim, &state)?;
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

pub(crate) fn append_metrics(out: &Path, m: &EpochMetrics) -> Result<(), ModelError> {
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
