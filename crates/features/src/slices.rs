//! Fixed-size log-mel slices: the CNN's input unit.

use ndarray::{s, Array2, Array3};

/// A track's log-mel cut into windows of `n_mels x slice_frames`.
#[derive(Debug, Clone, PartialEq)]
pub struct Slices {
    /// Shape `(n_slices, n_mels, slice_frames)`.
    pub data: Array3<f32>,
    /// First frame of each slice in the track's log-mel.
    pub starts: Vec<usize>,
}

impl Slices {
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }
}

/// Cut `log_mel` `(n_mels, n_frames)` into windows of `frames` starting every `hop` frames.
///
/// Windows lie fully inside the spectrogram (a tail shorter than a window is left out, as every
/// window must be real audio of the same length). A clip shorter than one window still yields one
/// slice, padded on the right with `floor` — the value silence has in the compressed spectrogram — so no
/// track is ever dropped silently.
pub fn cut(log_mel: &Array2<f32>, floor: f32, frames: usize, hop: usize) -> Slices {
    let (n_mels, n_frames) = log_mel.dim();
    if n_frames < frames {
        let mut data = Array3::from_elem((1, n_mels, frames), floor);
        data.slice_mut(s![0, .., ..n_frames]).assign(log_mel);
        return Slices { data, starts: vec![0] };
    }
    let starts: Vec<usize> = (0..=n_frames - frames).step_by(hop).collect();
    let mut data = Array3::zeros((starts.len(), n_mels, frames));
    for (i, &start) in starts.iter().enumerate() {
        data.slice_mut(s![i, .., ..]).assign(&log_mel.slice(s![.., start..start + frames]));
    }
    Slices { data, starts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(n_mels: usize, n_frames: usize) -> Array2<f32> {
        Array2::from_shape_fn((n_mels, n_frames), |(m, t)| (m * 1000 + t) as f32)
    }

    #[test]
    fn windows_tile_the_spectrogram() {
        let x = ramp(4, 300);
        let sl = cut(&x, -80.0, 128, 128);
        assert_eq!(sl.starts, vec![0, 128]);
        assert_eq!(sl.data.dim(), (2, 4, 128));
        assert_eq!(sl.data[[1, 2, 0]], x[[2, 128]]);
        assert_eq!(sl.data[[1, 3, 127]], x[[3, 255]]);
    }

    #[test]
    fn overlapping_hop_and_exact_fit() {
        let sl = cut(&ramp(2, 256), 0.0, 128, 64);
        assert_eq!(sl.starts, vec![0, 64, 128]);
    }

    #[test]
    fn short_clip_is_padded_with_the_floor_not_dropped() {
        let x = ramp(3, 10);
        let sl = cut(&x, -73.5, 128, 128);
        assert_eq!(sl.len(), 1);
        assert_eq!(sl.data[[0, 1, 9]], x[[1, 9]]);
        assert!(sl.data.slice(s![0, .., 10..]).iter().all(|&v| v == -73.5));
    }
}
