//! Batches of normalised, optionally augmented slices from a feature cache split.

use burn::prelude::*;
use burn::tensor::{Int, TensorData};
use genrespace_datasets::cache::SplitData;
use rand::{Rng, RngExt};
use serde::{Deserialize, Serialize};

use crate::normalize::NormStats;

/// Light augmentation for training batches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Augment {
    /// Random gain, uniform in ±`gain_db` dB (a shift of the log-mel).
    pub gain_db: f32,
    /// Random time offsets: a window starting anywhere inside a slice, continued into the next
    /// slice of the same track (slices are contiguous when `slice_hop == slice_frames`).
    pub random_offsets: bool,
    /// SpecAugment: one time mask of up to this many frames (0 = off).
    pub time_mask: usize,
    /// SpecAugment: one frequency mask of up to this many mel bands (0 = off).
    pub freq_mask: usize,
}

impl Default for Augment {
    fn default() -> Self {
        Self { gain_db: 6.0, random_offsets: true, time_mask: 0, freq_mask: 0 }
    }
}

impl Augment {
    pub fn none() -> Self {
        Self { gain_db: 0.0, random_offsets: false, time_mask: 0, freq_mask: 0 }
    }
}

/// One item: slice `slice` of track `track` in a split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceRef {
    pub track: usize,
    pub slice: usize,
}

/// Every slice of every track of a split, in order.
pub fn all_slices(split: &SplitData) -> Vec<SliceRef> {
    split.tracks().iter().enumerate().flat_map(|(track, t)| (0..t.n_slices as usize).map(move |slice| SliceRef { track, slice })).collect()
}

/// A batch on a device: inputs `[batch, 1, n_mels, frames]` and class indices `[batch]`.
pub struct Batch {
    pub inputs: Tensor<4>,
    pub targets: Tensor<1, Int>,
}

/// Builds batches from a split: gathers slices, augments, normalises, uploads.
pub struct Batcher<'a> {
    split: &'a SplitData,
    norm: &'a NormStats,
    contiguous: bool,
}

impl<'a> Batcher<'a> {
    /// `contiguous`: consecutive slices of a track are adjacent in time (hop = frames), which
    /// random offsets need.
    pub fn new(split: &'a SplitData, norm: &'a NormStats, contiguous: bool) -> Self {
        Self { split, norm, contiguous }
    }

    /// The normalised values of one item, `n_mels * frames` long, augmented when `rng` is given.
    pub fn item(&self, r: SliceRef, augment: &Augment, rng: Option<&mut impl Rng>) -> Vec<f32> {
        let (n_mels, frames) = self.split.slice_shape();
        let track = self.split.track_slices(r.track);
        let len = n_mels * frames;
        let this = &track[r.slice * len..(r.slice + 1) * len];
        let mut out = this.to_vec();
        if let Some(rng) = rng {
            let n_slices = track.len() / len;
            if augment.random_offsets && self.contiguous && r.slice + 1 < n_slices {
                let shift = rng.random_range(0..frames);
                let next = &track[(r.slice + 1) * len..(r.slice + 2) * len];
                for m in 0..n_mels {
                    let row = &mut out[m * frames..(m + 1) * frames];
                    row[..frames - shift].copy_from_slice(&this[m * frames + shift..(m + 1) * frames]);
                    row[frames - shift..].copy_from_slice(&next[m * frames..m * frames + shift]);
                }
            }
            if augment.gain_db > 0.0 {
                let g = rng.random_range(-augment.gain_db..=augment.gain_db);
                out.iter_mut().for_each(|v| *v += g);
            }
            self.norm.apply(&mut out, frames);
            if augment.time_mask > 0 {
                let w = rng.random_range(0..=augment.time_mask.min(frames));
                let t0 = rng.random_range(0..=frames - w);
                for m in 0..n_mels {
                    out[m * frames + t0..m * frames + t0 + w].iter_mut().for_each(|v| *v = 0.0);
                }
            }
            if augment.freq_mask > 0 {
                let h = rng.random_range(0..=augment.freq_mask.min(n_mels));
                let m0 = rng.random_range(0..=n_mels - h);
                out[m0 * frames..(m0 + h) * frames].iter_mut().for_each(|v| *v = 0.0);
            }
        } else {
            self.norm.apply(&mut out, frames);
        }
        out
    }

    /// A batch of `items`, augmented when `rng` is given.
    pub fn batch<R: Rng>(&self, items: &[SliceRef], augment: &Augment, mut rng: Option<&mut R>, device: &Device) -> Batch {
        let (n_mels, frames) = self.split.slice_shape();
        let mut values = Vec::with_capacity(items.len() * n_mels * frames);
        let mut targets = Vec::with_capacity(items.len());
        for &r in items {
            values.extend(self.item(r, augment, rng.as_deref_mut()));
            targets.push(self.split.label_index(r.track) as i64);
        }
        Batch {
            inputs: Tensor::from_data(TensorData::new(values, [items.len(), 1, n_mels, frames]), device),
            targets: Tensor::from_data(TensorData::new(targets, [items.len()]), device),
        }
    }
}
