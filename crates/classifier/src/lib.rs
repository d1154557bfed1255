//! Genre classifiers for genrespace: the fourth stage of the pipeline.
//!
//! Laid out like burn's `examples/guide`: [`data`] turns cached slices into batches, [`model`]
//! holds the CNN, CRNN and musicnn's two pretrained taggers (musicnn, VGG), [`train`] the training loop, [`predict`] inference, [`evaluate`] the
//! metrics, and [`model_dir`] the on-disk model folder. The backend is picked at run time from
//! a `burn::tensor::Device`: `Device::flex()` on the CPU, [`device::gpu`] with the `wgpu`
//! feature.

pub mod classify;
pub mod data;
pub mod device;
pub mod evaluate;
pub mod import;
pub mod kernels;
pub mod model;
pub mod model_dir;
pub mod normalize;
pub mod predict;
pub mod train;
pub mod transfer;

pub use evaluate::Evaluation;
pub use import::{import_safetensors, ImportSpec};
pub use model::{ArchConfig, CnnConfig, CrnnConfig, GenreModel};
pub use model_dir::{LoadedModel, ModelError, ModelMeta, Provenance};
pub use predict::OutputKind;
pub use train::{train, TrainOptions, TrainReport};

/// What the unit tests of several modules share.
#[cfg(test)]
mod testing {
    use burn::prelude::*;

    /// A tensor's values as f32, whatever its rank and element type.
    pub fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().convert::<f32>().try_to_vec::<f32>().expect("f32 values")
    }
}
