//! Transfer learning from a pretrained model (musicnn's taggers) to a dataset's genres.
//!
//! Two ways, both ending in an ordinary model folder (the pretrained network with a new output
//! layer for the dataset's genres, softmax output) that `evaluate`, `classify` and `index` use
//! like any other:
//!
//! - **head only** ([`train_head`]): the backbone stays frozen. Each cached slice's embedding is
//!   computed once and stored in the feature cache (`embeddings/MODEL-HASH/`), then only the
//!   output layer is trained on those vectors: minutes on a CPU, and a second run with other
//!   hyper-parameters reuses the embeddings;
//! - **fine-tuning**: [`with_new_head`] gives the training loop ([`crate::train`]) the pretrained
//!   weights under a freshly initialised output layer, and every layer trains.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig};
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::store::{ModuleSnapshot, PathFilter};
use burn::tensor::activation::softmax;
use burn::tensor::TensorData;
use genrespace_datasets::cache::{FeatureCache, SplitData};
use genrespace_datasets::Split;
use rand::seq::SliceRandom;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::evaluate::Evaluation;
use crate::model::GenreModel;
use crate::model_dir::{save_weights, write_atomically, LoadedModel, ModelMeta, TrainingInfo};
use crate::predict::{rows, split_outputs, OutputKind};
use crate::train::{append_metrics, cosine_schedule, EpochMetrics, TrainError, TrainOptions, TrainReport};

/// `pretrained`'s network with a freshly initialised output layer for `n_classes`, on `device`
/// (an autodiff device to train it). Every other tensor is copied; the old head is left behind.
pub fn with_new_head(pretrained: &LoadedModel, n_classes: usize, device: &Device) -> Result<GenreModel, TrainError> {
    let c = &pretrained.meta.feature_config;
    let mut model = pretrained.meta.architecture.init(c.n_mels, c.slice_frames, n_classes, device);
    let backbone = PathFilter::new().with_predicate(|path, _| !path.starts_with("head."));
    let tensors = pretrained.model.collect(Some(backbone), None, true);
    let result = model.apply(tensors, None, None, true);
    let stray: Vec<&String> = result.missing.iter().map(|(p, _)| p).filter(|p| !p.contains("head.")).collect();
    if !stray.is_empty() || !result.errors.is_empty() {
        return Err(TrainError::Invalid(format!("cannot transfer {}: missing {stray:?}, errors {:?}", pretrained.meta.name, result.errors)));
    }
    Ok(model)
}

/// The meta of a model that starts from `pretrained` and learns `genres`.
pub fn transferred_meta(pretrained: &LoadedModel, name: &str, genres: Vec<String>) -> ModelMeta {
    let mut provenance = pretrained.meta.provenance.clone();
    if let Some(p) = provenance.as_mut() {
        p.source = format!("{} — backbone of {}", p.source, pretrained.meta.name);
    }
    ModelMeta { name: name.to_string(), genres, output: OutputKind::Softmax, training: None, metrics: None, provenance, ..pretrained.meta.clone() }
}

/// Refuse a cache whose features are not the ones the pretrained model was trained on.
pub fn check_cache(pretrained: &LoadedModel, cache: &FeatureCache) -> Result<(), TrainError> {
    pretrained.meta.check_features(cache.config()).map_err(|e| {
        TrainError::Invalid(format!("{}: {e}; build the cache with the pretrained model's feature config (its model.json)", cache.dir().display()))
    })
}

/// The output layer trained alone: dropout then linear, as in front of every architecture's head.
#[derive(Module, Debug)]
struct Head {
    dropout: Dropout,
    head: Linear,
}

/// Embeddings of one split, slice by slice, with the track each slice belongs to.
struct Embedded {
    dims: usize,
    values: Vec<f32>,
    track_of: Vec<usize>,
    labels: Vec<usize>,
}

impl Embedded {
    fn len(&self) -> usize {
        self.track_of.len()
    }
}

/// What `embeddings/KEY/SPLIT.json` records beside `SPLIT.f32`.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct EmbeddingFile {
    dims: usize,
    track_of: Vec<usize>,
}

/// The embeddings of `split` by `pretrained` (known as `key`: name and weights hash), read from
/// the cache when an earlier run stored them, computed and stored otherwise.
fn embeddings(cache: &FeatureCache, which: Split, split: &SplitData, pretrained: &LoadedModel, key: &str) -> Result<Embedded, TrainError> {
    let dir = cache.dir().join("embeddings").join(key);
    let (values_path, meta_path) = (dir.join(format!("{}.f32", which.name())), dir.join(format!("{}.json", which.name())));
    let labels = (0..split.tracks().len()).map(|i| split.label_index(i)).collect();
    if let (Ok(meta), Ok(bytes)) = (std::fs::read_to_string(&meta_path), std::fs::read(&values_path)) {
        if let Ok(file) = serde_json::from_str::<EmbeddingFile>(&meta) {
            if bytes.len() == file.track_of.len() * file.dims * 4 {
                let values = bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
                return Ok(Embedded { dims: file.dims, values, track_of: file.track_of, labels });
            }
        }
    }
    let per_track = split_outputs(&pretrained.model, pretrained.meta.output, split, &pretrained.meta.normalization, &pretrained.device);
    let dims = per_track.iter().find_map(|t| t.embeddings.first()).map_or(0, Vec::len);
    let mut values = Vec::new();
    let mut track_of = Vec::new();
    for (t, outputs) in per_track.iter().enumerate() {
        for e in &outputs.embeddings {
            values.extend_from_slice(e);
            track_of.push(t);
        }
    }
    let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    write_atomically(&values_path, &bytes)?;
    // The description last: a kill between the two leaves no description, so the next run recomputes.
    write_atomically(&meta_path, serde_json::to_string(&EmbeddingFile { dims, track_of: track_of.clone() }).expect("serialises").as_bytes())?;
    Ok(Embedded { dims, values, track_of, labels })
}

/// Train only the output layer of `pretrained` (known as `key`) on `cache`'s genres and write
/// the whole model to `out`.
pub fn train_head(
    cache: &FeatureCache,
    pretrained: &LoadedModel,
    key: &str,
    out: &Path,
    opts: &TrainOptions,
    device_name: &str,
    progress: bool,
) -> Result<TrainReport, TrainError> {
    let started = Instant::now();
    check_cache(pretrained, cache)?;
    let (training, validation) = crate::train::splits(cache)?;
    if out.join(crate::model_dir::META_FILE).exists() {
        return Err(TrainError::Invalid(format!("{}: a model is already there; choose another --out", out.display())));
    }
    let genres = cache.genres().to_vec();
    let train_set = embeddings(cache, Split::Training, &training, pretrained, key)?;
    let valid_set = embeddings(cache, Split::Validation, &validation, pretrained, key)?;
    let device = pretrained.device.clone();
    let ad = device.clone().autodiff();
    ad.seed(opts.seed);
    let mut head = Head { dropout: DropoutConfig::new(0.5).init(), head: LinearConfig::new(train_set.dims, genres.len()).init(&ad) };
    let mut optim = AdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(opts.weight_decay as f32))).init();
    let steps_per_epoch = train_set.len().div_ceil(opts.batch_size);
    let mut schedule = cosine_schedule(opts.learning_rate, steps_per_epoch * opts.epochs)?;
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let (mut history, mut best, mut best_head) = (Vec::new(), (0usize, -1.0f64), head.valid());
    let mut order: Vec<usize> = (0..train_set.len()).collect();
    for epoch in 1..=opts.epochs {
        let epoch_start = Instant::now();
        let mut rng = ChaCha8Rng::seed_from_u64(opts.seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9));
        order.shuffle(&mut rng);
        let (mut loss_sum, mut correct, mut lr) = (0f64, 0usize, opts.learning_rate);
        for chunk in order.chunks(opts.batch_size) {
            lr = schedule.step().base();
            let x: Vec<f32> = chunk.iter().flat_map(|&i| train_set.values[i * train_set.dims..(i + 1) * train_set.dims].iter().copied()).collect();
            let y: Vec<i64> = chunk.iter().map(|&i| train_set.labels[train_set.track_of[i]] as i64).collect();
            let x = Tensor::<2>::from_data(TensorData::new(x, [chunk.len(), train_set.dims]), &ad);
            let targets = Tensor::<1, Int>::from_data(TensorData::new(y.clone(), [chunk.len()]), &ad);
            let logits = head.head.forward(head.dropout.forward(x));
            let loss = loss_fn.forward(logits.clone(), targets);
            let predicted: Vec<i64> = logits.argmax(1).into_data().convert::<i64>().try_to_vec::<i64>().expect("class indices");
            correct += predicted.iter().zip(&y).filter(|(p, t)| p == t).count();
            loss_sum += loss.clone().into_scalar::<f32>() as f64 * chunk.len() as f64;
            let grads = GradientsParams::from_grads(loss.backward(), &head);
            head = optim.step(lr, head, grads);
        }
        let eval = evaluate_head(&head.valid(), &valid_set, &genres, &device);
        let metrics = EpochMetrics {
            epoch,
            train_loss: loss_sum / train_set.len().max(1) as f64,
            train_accuracy: correct as f64 / train_set.len().max(1) as f64,
            val_slice_accuracy: eval.slice_accuracy,
            val_accuracy: eval.accuracy,
            learning_rate: lr,
            seconds: epoch_start.elapsed().as_secs_f64(),
        };
        if progress {
            eprintln!(
                "epoch {epoch}: train loss {:.4} acc {:.3} | validation track acc {:.3}",
                metrics.train_loss, metrics.train_accuracy, metrics.val_accuracy
            );
        }
        append_metrics(out, &metrics)?;
        history.push(metrics);
        if eval.accuracy > best.1 {
            best = (epoch, eval.accuracy);
            best_head = head.valid();
        }
        if epoch - best.0 >= opts.patience {
            break;
        }
    }
    let mut model = with_new_head(pretrained, genres.len(), &device)?;
    let trained = best_head.collect(Some(PathFilter::new().with_predicate(|path, _| path.starts_with("head."))), None, true);
    let applied = model.apply(trained, None, None, true);
    if !applied.errors.is_empty() || applied.applied.len() != 2 {
        return Err(TrainError::Invalid(format!("cannot place the trained head into {}: {:?}", pretrained.meta.name, applied.errors)));
    }
    let mut meta = transferred_meta(pretrained, &opts.name, genres);
    meta.training = Some(TrainingInfo {
        source: format!("{} (head only on {} embeddings)", cache.manifest().source.describe(), pretrained.meta.name),
        cache: cache.dir().to_path_buf(),
        training_tracks: training.tracks().len(),
        training_slices: train_set.len(),
        validation_tracks: validation.tracks().len(),
        epochs_run: history.len(),
        best_epoch: best.0,
        batch_size: opts.batch_size,
        learning_rate: opts.learning_rate,
        weight_decay: opts.weight_decay,
        seed: opts.seed,
        device: device_name.to_string(),
        seconds: started.elapsed().as_secs_f64(),
    });
    save_weights(&model, &out.join(crate::model_dir::WEIGHTS_FILE))?;
    meta.write(out)?;
    let seen: usize = history.len() * train_set.len();
    let train_seconds: f64 = history.iter().map(|m| m.seconds).sum();
    Ok(TrainReport {
        model_dir: PathBuf::from(out),
        stopped_early: history.len() < opts.epochs,
        history,
        best_epoch: best.0,
        best_val_accuracy: best.1,
        train_samples_per_second: seen as f64 / train_seconds.max(1e-9),
    })
}

/// Track accuracy of a head on embedded slices (each track: the mean softmax of its slices).
fn evaluate_head(head: &Head, set: &Embedded, genres: &[String], device: &Device) -> Evaluation {
    let x = Tensor::<2>::from_data(TensorData::new(set.values.clone(), [set.len(), set.dims]), device);
    let mut tracks: Vec<(Vec<Vec<f32>>, usize)> = set.labels.iter().map(|&l| (Vec::new(), l)).collect();
    for (i, p) in rows(softmax(head.head.forward(x), 1)).into_iter().enumerate() {
        tracks[set.track_of[i]].0.push(p);
    }
    Evaluation::compute(&tracks, genres)
}
