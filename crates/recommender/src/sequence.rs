//! The compact MFCC sequence a track keeps for DTW: MFCC frames mean-pooled to about two frames
//! per second, so a five-minute song is ~600 frames instead of ~13,000.
//!
//! The 0th coefficient is left out: it is the frame's overall loudness, which says more about
//! mastering than about the music, and it is an order of magnitude larger than the others, so it
//! would dominate every frame distance.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

/// How sequences are pooled. Stored in the library so every sequence in it is comparable.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SequenceConfig {
    /// Frames per second after pooling.
    pub rate_hz: f64,
}

impl Default for SequenceConfig {
    fn default() -> Self {
        Self { rate_hz: 2.0 }
    }
}

/// Frames of `dims` values each, row-major (`data[frame * dims + k]`).
#[derive(Debug, Clone, PartialEq)]
pub struct MfccSequence {
    pub dims: usize,
    pub data: Vec<f32>,
}

impl MfccSequence {
    /// Pool `mfcc` (`(n_mfcc, n_frames)` at `frame_rate_hz` frames per second) to `config.rate_hz`:
    /// each output frame is the mean of coefficients 1.. over a window of consecutive frames; a
    /// final partial window is kept, so no audio is dropped and a clip shorter than one window
    /// still gives one frame.
    pub fn pool(mfcc: &Array2<f32>, frame_rate_hz: f64, config: &SequenceConfig) -> Self {
        let (n_coeffs, n_frames) = mfcc.dim();
        let dims = n_coeffs.saturating_sub(1);
        let window = (frame_rate_hz / config.rate_hz).round().max(1.0) as usize;
        let mut data = Vec::with_capacity(n_frames.div_ceil(window) * dims);
        let mut start = 0;
        while start < n_frames {
            let end = (start + window).min(n_frames);
            let block = mfcc.slice(ndarray::s![1.., start..end]);
            data.extend(block.rows().into_iter().map(|row| row.sum() / (end - start) as f32));
            start = end;
        }
        Self { dims, data }
    }

    pub fn frames(&self) -> usize {
        if self.dims == 0 {
            0
        } else {
            self.data.len() / self.dims
        }
    }

    /// Little-endian `f32`s, as stored in the library.
    pub fn to_bytes(&self) -> Vec<u8> {
        floats_to_bytes(&self.data)
    }

    /// The inverse of [`to_bytes`](Self::to_bytes); `None` when the length is not whole frames.
    pub fn from_bytes(bytes: &[u8], dims: usize) -> Option<Self> {
        let data = bytes_to_floats(bytes)?;
        (dims > 0 && data.len() % dims == 0).then_some(Self { dims, data })
    }
}

pub(crate) fn floats_to_bytes(values: &[f32]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub(crate) fn bytes_to_floats(bytes: &[u8]) -> Option<Vec<f32>> {
    (bytes.len() % 4 == 0).then(|| bytes.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pools_windows_drops_c0_and_keeps_the_tail() {
        // 3 coefficients x 5 frames at 4 frames/s, pooled to 2/s: windows [0,1], [2,3], [4].
        let mfcc = Array2::from_shape_vec(
            (3, 5),
            vec![
                100., 100., 100., 100., 100., //
                1., 3., 5., 7., 9., //
                0., 2., 4., 6., 8.,
            ],
        )
        .unwrap();
        let seq = MfccSequence::pool(&mfcc, 4.0, &SequenceConfig { rate_hz: 2.0 });
        assert_eq!(seq.dims, 2);
        assert_eq!(seq.data, vec![2., 1., 6., 5., 9., 8.]);
        assert_eq!(seq.frames(), 3);
        let back = MfccSequence::from_bytes(&seq.to_bytes(), 2).unwrap();
        assert_eq!(back, seq);
        assert!(MfccSequence::from_bytes(&[0u8; 12], 2).is_none());
    }
}
