//! Timing harness for scripts/bench_train.sh: training and inference throughput of genrespace's
//! CNN or CRNN on random 1 x 128 x 128 slices, or of msd-musicnn (its published sizes, 50 tags)
//! on random 1 x 96 x 187 patches, batch 32, on burn's CPU backend or (`--device wgpu`, in a build
//! with the `wgpu` feature) on a GPU.
//! Prints one JSON line; the script runs PyTorch on the same architecture in the same run. Off the
//! CPU it also checks the trained model's outputs against the CPU backend's.
//!
//! Usage: bench_train [--arch cnn|crnn|musicnn] [--channels 32,64,128,128] [--batch 32] [--steps 20]
//!        [--warmup 3] [--infer-batch 16] [--device cpu|wgpu]

use std::time::Instant;

use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::decay::WeightDecayConfig;
use burn::optim::{AdamConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::{Distribution, Int, TensorData};
use genrespace_classifier::model::MusicnnConfig;
use genrespace_classifier::{ArchConfig, CnnConfig, CrnnConfig, GenreModel};

fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The burn device named on the command line; the GPU only in a build with the `wgpu` feature.
fn device(name: &str) -> Device {
    match name {
        "cpu" => Device::flex(),
        "wgpu" => genrespace_classifier::device::gpu().expect("--device wgpu needs a harness built with --features wgpu"),
        other => panic!("--device {other}: cpu or wgpu"),
    }
}

/// The largest difference between the model's outputs on its device and on the CPU backend, for
/// the same weights and slices: a GPU's timings count only if it computed the same thing.
fn max_difference_from_cpu(model: &GenreModel, slices: &Tensor<4>) -> f32 {
    let cpu = Device::flex();
    let here = model.forward(slices.clone()).into_data().try_to_vec::<f32>().expect("f32 outputs");
    let on_cpu = model.clone().to_device(&cpu).forward(slices.clone().to_device(&cpu)).into_data().try_to_vec::<f32>().expect("f32 outputs");
    here.iter().zip(&on_cpu).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max)
}

fn main() {
    // As the CLI's `train` runs (see the module); inference was measured the same either way.
    genrespace_audio::allocator::reuse_large_buffers();
    genrespace_audio::allocator::keep_freed_memory();
    let arch_name: String = arg("--arch", "cnn".to_string());
    let batch: usize = arg("--batch", 32);
    let steps: usize = arg("--steps", 20);
    let warmup: usize = arg("--warmup", 3);
    let infer_batch: usize = arg("--infer-batch", 16);
    let channels: Option<Vec<usize>> = std::env::args()
        .collect::<Vec<_>>()
        .windows(2)
        .find(|w| w[0] == "--channels")
        .map(|w| w[1].split(',').map(|c| c.parse().expect("channel count")).collect());
    // The input patch (mel bands x frames) and the outputs each architecture is used with.
    let (arch, [mels, frames], n_classes) = match arch_name.as_str() {
        "crnn" => (ArchConfig::Crnn(CrnnConfig { channels: channels.unwrap_or(CrnnConfig::default().channels), ..Default::default() }), [128, 128], 8),
        "musicnn" => (ArchConfig::Musicnn(MusicnnConfig::default()), [96, 187], 50),
        _ => (ArchConfig::Cnn(CnnConfig { channels: channels.unwrap_or(CnnConfig::default().channels), ..Default::default() }), [128, 128], 8),
    };
    let device_name: String = arg("--device", "cpu".to_string());
    let device = device(&device_name);
    let ad = device.clone().autodiff();
    ad.seed(0);
    let mut model = arch.init(mels, frames, n_classes, &ad);
    let params = model.num_params();
    let mut optim = AdamConfig::new().with_weight_decay(Some(WeightDecayConfig::new(1e-4))).init();
    let loss_fn = CrossEntropyLossConfig::new().init(&ad);
    let x = Tensor::<4>::random([batch, 1, mels, frames], Distribution::Normal(0.0, 1.0), &ad);
    let y = Tensor::<1, Int>::from_data(TensorData::new((0..batch as i64).map(|i| i % n_classes as i64).collect::<Vec<_>>(), [batch]), &ad);

    let mut last_loss = 0f32;
    let mut timed = None;
    for i in 0..warmup + steps {
        if i == warmup {
            timed = Some(Instant::now());
        }
        let logits = model.forward(x.clone());
        let loss = loss_fn.forward(logits, y.clone());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        model = optim.step(1e-3, model, grads);
        // Reading the loss waits for the step's work to finish.
        last_loss = loss.into_scalar::<f32>();
    }
    let train_sps = (steps * batch) as f64 / timed.expect("at least one timed step").elapsed().as_secs_f64();

    let valid = model.valid();
    let xi = Tensor::<4>::random([infer_batch, 1, mels, frames], Distribution::Normal(0.0, 1.0), &device);
    let _ = valid.forward(xi.clone()).into_data();
    let t = Instant::now();
    let reps = (320 / infer_batch).max(5);
    for _ in 0..reps {
        let _ = valid.forward(xi.clone()).into_data();
    }
    let infer_sps = (reps * infer_batch) as f64 / t.elapsed().as_secs_f64();
    let difference = if device_name == "cpu" { 0.0 } else { max_difference_from_cpu(&valid, &xi) };
    println!("{{\"arch\": \"{}\", \"device\": \"{device_name}\", \"params\": {params}, \"batch\": {batch}, \"train_samples_per_s\": {train_sps:.2}, \"inference_slices_per_s\": {infer_sps:.2}, \"last_loss\": {last_loss:.4}, \"max_difference_from_cpu\": {difference:e}}}", arch.name());
}
