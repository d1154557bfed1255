//! The classifier: model shapes, save/load, a training run that learns, resume, bad model folders.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use burn::prelude::*;
use burn::tensor::Distribution;
use genrespace_classifier::data::Augment;
use genrespace_classifier::model_dir::{LoadedModel, ModelMeta, WEIGHTS_FILE};
use genrespace_classifier::{train, ArchConfig, CnnConfig, CrnnConfig, ModelError, TrainOptions};
use genrespace_datasets::cache::{prepare, FeatureCache, PrepareOptions};
use genrespace_datasets::{Source, Split, SplitOptions};
use genrespace_features::{FeatureConfig, FeatureExtractor};

/// burn's CPU backend keeps one process-wide random generator (weight initialisation, dropout,
/// random tensors): tests that use it run one at a time, so each sees the seed it set.
static BACKEND_RNG: Mutex<()> = Mutex::new(());

fn backend_rng() -> MutexGuard<'static, ()> {
    BACKEND_RNG.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn tiny_cnn() -> ArchConfig {
    ArchConfig::Cnn(CnnConfig { channels: vec![8, 16], dropout: 0.1 })
}

fn tiny_crnn() -> ArchConfig {
    ArchConfig::Crnn(CrnnConfig { channels: vec![8, 16], pools: vec![[2, 2], [4, 2]], gru_hidden: 16, dropout: 0.1 })
}

#[test]
fn both_architectures_map_slices_to_genre_logits() {
    let _rng = backend_rng();
    let device = Device::flex();
    for (arch, mels, frames) in [(ArchConfig::Cnn(CnnConfig::default()), 128, 128), (ArchConfig::Crnn(CrnnConfig::default()), 128, 128), (tiny_crnn(), 32, 32)]
    {
        let model = arch.init(mels, frames, 8, &device);
        let x = Tensor::<4>::random([3, 1, mels, frames], Distribution::Normal(0.0, 1.0), &device);
        let y = model.valid().forward(x);
        assert_eq!(y.dims(), [3, 8], "{}", arch.name());
    }
}

#[test]
fn saved_weights_load_to_identical_outputs() {
    let _rng = backend_rng();
    let dir = tempfile::tempdir().unwrap();
    let device = Device::flex();
    for arch in [tiny_cnn(), tiny_crnn()] {
        let model = arch.init(32, 32, 3, &device).valid();
        let path = dir.path().join(format!("{}.bpk", arch.name()));
        model.clone().save_file(&path).unwrap();
        let loaded = arch.init(32, 32, 3, &device).try_load_file(&path).unwrap().valid();
        let x = Tensor::<4>::random([2, 1, 32, 32], Distribution::Normal(0.0, 1.0), &device);
        let (a, b) = (model.forward(x.clone()).into_data(), loaded.forward(x).into_data());
        assert_eq!(a, b, "{}", arch.name());
    }
}

/// Three audibly different classes: low tones, high tones, noise.
fn write_dataset(root: &Path, per_class: usize) {
    for class in ["low", "high", "noise"] {
        for n in 0..per_class {
            let path = root.join(format!("genres/{class}/{class}.{n:05}.wav"));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            let spec = hound::WavSpec { channels: 1, sample_rate: 22050, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
            let mut w = hound::WavWriter::create(&path, spec).unwrap();
            let mut x: u32 = 12345 + n as u32 * 7919;
            let f = match class {
                "low" => 110.0 + 15.0 * n as f32,
                _ => 2500.0 + 100.0 * n as f32,
            };
            for i in 0..(22050 * 3) {
                let t = i as f32 / 22050.0;
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                let v = match class {
                    "noise" => (x as f32 / u32::MAX as f32 - 0.5) * 0.6,
                    _ => 0.3 * (2.0 * std::f32::consts::PI * f * t).sin() * (1.0 + 0.5 * (6.0 * t).sin()) / 1.5,
                };
                w.write_sample((v * 32767.0) as i16).unwrap();
            }
            w.finalize().unwrap();
        }
    }
}

fn small_features() -> FeatureConfig {
    FeatureConfig { n_mels: 32, slice_frames: 32, slice_hop: 32, ..FeatureConfig::default() }
}

/// A temporary folder with the three-class dataset (`per_class` files each) and its cache.
fn dataset_with_cache(per_class: usize) -> (tempfile::TempDir, FeatureCache) {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), per_class);
    let cache = cache_of(tmp.path());
    (tmp, cache)
}

fn cache_of(root: &Path) -> FeatureCache {
    FeatureCache::open(&cache_with(root, "cache", small_features())).unwrap()
}

/// Prepare the feature cache `root/name` of the dataset under `root` with `features`.
fn cache_with(root: &Path, name: &str, features: FeatureConfig) -> std::path::PathBuf {
    let ds = Source::gtzan(root, SplitOptions::default()).unwrap().load().unwrap();
    let dir = root.join(name);
    prepare(&ds, &FeatureExtractor::new(features).unwrap(), &dir, &PrepareOptions { jobs: Some(2), progress: false }).unwrap();
    dir
}

fn options(arch: ArchConfig, epochs: usize) -> TrainOptions {
    TrainOptions {
        name: "test".into(),
        architecture: arch,
        epochs,
        batch_size: 16,
        learning_rate: 3e-3,
        weight_decay: 1e-4,
        seed: 7,
        patience: 100,
        augment: Augment::default(),
    }
}

fn test_accuracy(model_dir: &Path, cache: &FeatureCache) -> f64 {
    let loaded = LoadedModel::load(model_dir, &Device::flex()).unwrap();
    let test = cache.split(Split::Test).unwrap();
    let per_track = genrespace_classifier::predict::predict_split(&loaded.model, loaded.meta.output, &test, &loaded.meta.normalization, &loaded.device);
    let tracks: Vec<_> = per_track.into_iter().enumerate().map(|(i, p)| (p, test.label_index(i))).collect();
    assert!(tracks.len() >= 6);
    genrespace_classifier::Evaluation::compute(&tracks, cache.genres()).accuracy
}

#[test]
fn a_short_run_learns_and_resumes_from_its_checkpoint() {
    let _rng = backend_rng();
    let (tmp, cache) = dataset_with_cache(20);
    let out = tmp.path().join("model");
    let device = Device::flex();

    // Two epochs, as if the run had been killed there...
    let first = train(&cache, &out, &options(tiny_cnn(), 2), None, &device, "cpu", false, false).unwrap();
    assert_eq!(first.history.len(), 2);
    // ...refusing to overwrite without --resume...
    assert!(train(&cache, &out, &options(tiny_cnn(), 6), None, &device, "cpu", false, false).is_err());
    // ...then resumed up to six epochs: it continues at epoch 3, it does not restart.
    let report = train(&cache, &out, &options(tiny_cnn(), 6), None, &device, "cpu", true, false).unwrap();
    let epochs: Vec<usize> = report.history.iter().map(|m| m.epoch).collect();
    assert_eq!(epochs, vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(report.history[..2], first.history[..]);
    let csv = std::fs::read_to_string(out.join("metrics.csv")).unwrap();
    assert_eq!(csv.lines().count(), 7, "header + one line per epoch:\n{csv}");

    let losses: Vec<f64> = report.history.iter().map(|m| m.train_loss).collect();
    assert!(losses[5] < 0.6 * losses[0], "training loss must fall: {losses:?}");
    let acc = test_accuracy(&out, &cache);
    assert!(acc >= 0.8, "held-out track accuracy {acc} (chance is 0.33)");

    let meta = ModelMeta::read(&out).unwrap();
    assert_eq!(meta.genres, vec!["high", "low", "noise"]);
    assert_eq!(meta.feature_config, small_features());
    assert_eq!(meta.training.as_ref().unwrap().epochs_run, 6);
}

#[test]
fn seeded_training_is_reproducible_whatever_order_the_cache_was_written_in() {
    let _rng = backend_rng();
    let tmp = tempfile::tempdir().unwrap();
    let mut runs = Vec::new();
    for copy in ["a", "b"] {
        let root = tmp.path().join(copy);
        write_dataset(&root, 12);
        // Each copy prepared by two workers: tracks land in the cache in finishing order.
        let cache = cache_of(&root);
        let report = train(&cache, &root.join("model"), &options(tiny_cnn(), 2), None, &Device::flex(), "cpu", false, false).unwrap();
        runs.push(report.history.iter().map(|m| (m.train_loss, m.train_accuracy, m.val_accuracy)).collect::<Vec<_>>());
    }
    assert_eq!(runs[0], runs[1]);
}

#[test]
fn the_crnn_trains_too() {
    let _rng = backend_rng();
    let (tmp, cache) = dataset_with_cache(20);
    let out = tmp.path().join("crnn");
    let report = train(&cache, &out, &options(tiny_crnn(), 6), None, &Device::flex(), "cpu", false, false).unwrap();
    let losses: Vec<f64> = report.history.iter().map(|m| m.train_loss).collect();
    assert!(losses[5] < losses[0], "{losses:?}");
    assert!(test_accuracy(&out, &cache) > 0.5);
}

#[test]
fn bad_model_folders_are_clear_errors() {
    let _rng = backend_rng();
    let tmp = tempfile::tempdir().unwrap();
    let device = Device::flex();
    let err = LoadedModel::load(tmp.path(), &device).err().unwrap();
    assert!(matches!(err, ModelError::NotAModel { .. }), "{err}");

    let meta = ModelMeta {
        format_version: genrespace_classifier::model_dir::FORMAT_VERSION,
        name: "m".into(),
        architecture: tiny_cnn(),
        genres: vec!["a".into(), "b".into()],
        output: Default::default(),
        feature_config: small_features(),
        normalization: genrespace_classifier::normalize::NormStats { mean: vec![0.0; 32], std: vec![1.0; 32] },
        training: None,
        metrics: None,
        provenance: None,
    };
    meta.write(tmp.path()).unwrap();
    let err = LoadedModel::load(tmp.path(), &device).err().unwrap();
    assert!(matches!(err, ModelError::MissingWeights { .. }) && err.to_string().contains("model.bpk"), "{err}");

    std::fs::write(tmp.path().join(WEIGHTS_FILE), b"definitely not burnpack").unwrap();
    let err = LoadedModel::load(tmp.path(), &device).err().unwrap();
    assert!(matches!(err, ModelError::Unreadable { .. }), "{err}");
    assert!(std::error::Error::source(&err).is_some(), "the loader's error is kept as the cause");

    // Weights of another architecture.
    ArchConfig::Cnn(CnnConfig { channels: vec![4], dropout: 0.0 }).init(32, 32, 2, &device).save_file(tmp.path().join(WEIGHTS_FILE)).unwrap();
    assert!(LoadedModel::load(tmp.path(), &device).is_err());

    meta.init_model(&device).save_file(tmp.path().join(WEIGHTS_FILE)).unwrap();
    let loaded = LoadedModel::load(tmp.path(), &device).unwrap();
    let err = loaded.meta.check_features(&FeatureConfig::default()).unwrap_err();
    assert!(err.to_string().contains("32 mels") && err.to_string().contains("128 mels"), "{err}");

    std::fs::write(tmp.path().join("model.json"), b"{ not json").unwrap();
    assert!(matches!(LoadedModel::load(tmp.path(), &device).err().unwrap(), ModelError::Unreadable { .. }));
}

/// Transfer learning, with a small CNN trained here as the pretrained model (musicnn's taggers
/// work the same way, only slower): head only (the backbone untouched, embeddings cached once
/// in the feature cache and reused) and fine-tuned (every layer trains from the pretrained
/// weights). Both give ordinary model folders that load and classify.
#[test]
fn a_pretrained_backbone_transfers_head_only_and_fine_tuned() {
    let _rng = backend_rng();
    let (tmp, cache) = dataset_with_cache(20);
    let device = Device::flex();
    let pretrained_dir = tmp.path().join("pretrained");
    train(&cache, &pretrained_dir, &options(tiny_cnn(), 3), None, &device, "cpu", false, false).unwrap();
    let pretrained = LoadedModel::load(&pretrained_dir, &device).unwrap();

    let head_dir = tmp.path().join("head");
    let report = genrespace_classifier::transfer::train_head(&cache, &pretrained, "tiny-key", &head_dir, &options(tiny_cnn(), 30), "cpu", false).unwrap();
    let embedded = cache.dir().join("embeddings/tiny-key/training.f32");
    let written = std::fs::metadata(&embedded).unwrap().modified().unwrap();
    let accuracy = test_accuracy(&head_dir, &cache);
    println!("head only: best validation {:.3} at epoch {}, test accuracy {accuracy:.3}", report.best_val_accuracy, report.best_epoch);
    assert!(accuracy >= 0.8, "a head on the pretrained embeddings separates the classes: {accuracy}");
    // The backbone is the pretrained one, tensor for tensor; only the head was trained.
    let head_model = LoadedModel::load(&head_dir, &device).unwrap();
    let x = Tensor::<4>::random([2, 1, 32, 32], Distribution::Normal(0.0, 1.0), &device);
    let (_, theirs) = pretrained.model.forward_with_embedding(x.clone());
    let (_, ours) = head_model.model.forward_with_embedding(x);
    assert_eq!(ours.into_data(), theirs.into_data());
    // A second run reuses the cached embeddings.
    genrespace_classifier::transfer::train_head(&cache, &pretrained, "tiny-key", &tmp.path().join("head2"), &options(tiny_cnn(), 2), "cpu", false).unwrap();
    assert_eq!(std::fs::metadata(&embedded).unwrap().modified().unwrap(), written, "embeddings are computed once");

    let tuned_dir = tmp.path().join("tuned");
    train(&cache, &tuned_dir, &options(tiny_cnn(), 2), Some(&pretrained), &device, "cpu", false, false).unwrap();
    let tuned = LoadedModel::load(&tuned_dir, &device).unwrap();
    assert_eq!(tuned.meta.feature_config, pretrained.meta.feature_config);
    assert!(test_accuracy(&tuned_dir, &cache) >= 0.6);

    // A cache with other features than the pretrained model's is refused with the reason.
    let other =
        FeatureCache::open(&cache_with(tmp.path(), "cache-other", FeatureConfig { n_mels: 40, slice_frames: 32, slice_hop: 32, ..FeatureConfig::default() }))
            .unwrap();
    let err =
        genrespace_classifier::transfer::train_head(&other, &pretrained, "k", &tmp.path().join("x"), &options(tiny_cnn(), 1), "cpu", false).err().unwrap();
    assert!(err.to_string().contains("feature config"), "{err}");
}

/// Without validation tracks the best epoch cannot be chosen: a clear error, never a silent
/// validation on the training split.
#[test]
fn an_empty_validation_split_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    write_dataset(tmp.path(), 4);
    let split_file = tmp.path().join("split.csv");
    let mut csv = String::from("path,split\n");
    for class in ["low", "high", "noise"] {
        for n in 0..4 {
            csv.push_str(&format!("{class}/{class}.{n:05}.wav,{}\n", if n < 3 { "training" } else { "test" }));
        }
    }
    std::fs::write(&split_file, csv).unwrap();
    let ds = Source::gtzan(tmp.path(), SplitOptions { split_file: Some(split_file), ..SplitOptions::default() }).unwrap().load().unwrap();
    let dir = tmp.path().join("cache");
    prepare(&ds, &FeatureExtractor::new(small_features()).unwrap(), &dir, &PrepareOptions { jobs: Some(2), progress: false }).unwrap();
    let cache = FeatureCache::open(&dir).unwrap();
    let err = train(&cache, &tmp.path().join("m"), &options(tiny_cnn(), 1), None, &Device::flex(), "cpu", false, false).err().unwrap();
    assert!(err.to_string().contains("validation split is empty"), "{err}");
}

/// A checkpoint damaged on disk (cut short, garbled, missing) is a clear error naming the file on
/// `--resume`, never a panic and never a silent restart.
#[test]
fn a_damaged_checkpoint_is_an_error_naming_the_file() {
    let _rng = backend_rng();
    let (tmp, cache) = dataset_with_cache(12);
    let out = tmp.path().join("model");
    let device = Device::flex();
    train(&cache, &out, &options(tiny_cnn(), 1), None, &device, "cpu", false, false).unwrap();
    let ckpt = out.join("checkpoint");
    let pristine = tmp.path().join("pristine");
    std::fs::create_dir_all(&pristine).unwrap();
    let files = ["state.json", WEIGHTS_FILE, "optimizer.bpk", "model.json"];
    for f in files {
        std::fs::copy(ckpt.join(f), pristine.join(f)).unwrap();
    }
    type Damage = fn(&Path);
    let cut_in_half: Damage = |p| {
        let bytes = std::fs::read(p).unwrap();
        std::fs::write(p, &bytes[..bytes.len() / 2]).unwrap();
    };
    let garble: Damage = |p| {
        let mut bytes = std::fs::read(p).unwrap();
        let n = bytes.len();
        for b in &mut bytes[n / 4..n / 2] {
            *b = b.wrapping_mul(31).wrapping_add(7);
        }
        std::fs::write(p, bytes).unwrap();
    };
    let delete: Damage = |p| std::fs::remove_file(p).unwrap();
    for file in files {
        for (how, damage) in [("cut in half", cut_in_half), ("garbled", garble), ("deleted", delete)] {
            for f in files {
                std::fs::copy(pristine.join(f), ckpt.join(f)).unwrap();
            }
            damage(&ckpt.join(file));
            let run =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| train(&cache, &out, &options(tiny_cnn(), 2), None, &device, "cpu", true, false)));
            let result = run.unwrap_or_else(|_| panic!("{file} {how}: resuming panicked"));
            let Err(e) = result else {
                // state.json is written last: without it no checkpoint was complete (a kill during
                // the first one), so the run starts over, as it must. Garbling bytes inside a
                // tensor's data leaves a readable (if wrong) checkpoint.
                let restart = file == "state.json" && how == "deleted";
                assert!(restart || (how == "garbled" && (file == WEIGHTS_FILE || file == "optimizer.bpk")), "{file} {how}: resumed without an error");
                continue;
            };
            let text = genrespace_audio::error_chain(&e);
            assert!(text.contains(file) || (file == "model.json" && text.contains("checkpoint")), "{file} {how}: {text}");
        }
    }
}

/// `model.json` describing a model that cannot be built or cannot run on its own patches is
/// refused with a reason, never a panic inside burn (the `model_json` fuzz target found the
/// first: a CRNN with dropout 5.1, fuzz/regressions/model_json/). Every shipped model passes.
#[test]
fn model_descriptions_that_cannot_run_are_refused_with_a_reason() {
    let models = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
    for name in ["style-cnn", "msd-musicnn", "msd-vgg"] {
        let text = std::fs::read_to_string(models.join(name).join("model.json")).unwrap();
        ModelMeta::parse(&text, models.join(name).join("model.json")).unwrap();
    }
    let fuzzed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/regressions/model_json/crnn-dropout-above-1.json");
    let err = ModelMeta::parse(&std::fs::read_to_string(&fuzzed).unwrap(), fuzzed.clone()).unwrap_err();
    assert!(err.to_string().contains("dropout 5.1 is outside [0, 1)"), "{err}");

    // style-cnn: 128 x 128 patches; musicnn, vgg: 96 mels x 187 frames.
    let cases: [(&str, serde_json::Value, &str); 8] = [
        ("style-cnn", serde_json::json!({"arch": "cnn", "channels": [], "dropout": 0.3}), "0 conv blocks"),
        ("style-cnn", serde_json::json!({"arch": "cnn", "channels": [8, 0], "dropout": 0.3}), "channels 0 is outside"),
        ("style-cnn", serde_json::json!({"arch": "cnn", "channels": [8, 8, 8, 8, 8, 8, 8, 8], "dropout": 0.3}), "does not fit the 1 left there"),
        ("style-cnn", serde_json::json!({"arch": "crnn", "channels": [8, 8], "pools": [[2, 2]], "gru_hidden": 8, "dropout": 0.3}), "1 pools for 2 conv blocks"),
        ("style-cnn", serde_json::json!({"arch": "crnn", "channels": [8], "pools": [[0, 2]], "gru_hidden": 8, "dropout": 0.3}), "pooling size of 0"),
        (
            "msd-musicnn",
            serde_json::json!({"arch": "musicnn", "timbral_filters": 4, "timbral_heights": [0.4], "temporal_filters": 4, "temporal_lengths": [0], "midend_filters": 8, "midend_layers": 1, "backend_units": 8, "dropout": 0.5}),
            "temporal filter length 0",
        ),
        (
            "msd-musicnn",
            serde_json::json!({"arch": "musicnn", "timbral_filters": 4, "timbral_heights": [1.5], "temporal_filters": 4, "temporal_lengths": [8], "midend_filters": 8, "midend_layers": 1, "backend_units": 8, "dropout": 0.5}),
            "height 1.5",
        ),
        (
            "msd-vgg",
            serde_json::json!({"arch": "vgg", "filters": 8, "pools": [[[200, 1], [1, 1]]], "block_dropout": 0.25, "dropout": 0.5}),
            "pooling 200 along frames does not fit the 187",
        ),
    ];
    for (base, arch, expected) in cases {
        let path = models.join(base).join("model.json");
        let mut meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        meta["architecture"] = arch.clone();
        let err = ModelMeta::parse(&meta.to_string(), path.clone()).unwrap_err();
        assert!(matches!(err, ModelError::Corrupt { .. }) && err.to_string().contains(expected), "{arch}: {err}");
    }
}
