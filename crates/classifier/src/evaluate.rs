//! Genre accuracy of a model on tracks it never trained on: slice- and track-level accuracy,
//! top-2, per-genre precision/recall/F1 and the confusion matrix.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::predict::{argmax, mean_probabilities};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenreScores {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

/// What `genrespace evaluate --json` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evaluation {
    /// Track-level accuracy: a track's prediction is the argmax of its mean slice softmax.
    pub accuracy: f64,
    pub slice_accuracy: f64,
    pub top2_accuracy: f64,
    pub n_tracks: usize,
    pub n_slices: usize,
    pub per_genre: BTreeMap<String, GenreScores>,
    /// `confusion[true][predicted]`, in the order of `genres`.
    pub confusion: Vec<Vec<usize>>,
    pub genres: Vec<String>,
}

impl Evaluation {
    /// Score `tracks`: each one's per-slice probabilities (over `genres`) and true class.
    pub fn compute(tracks: &[(Vec<Vec<f32>>, usize)], genres: &[String]) -> Self {
        let k = genres.len();
        let mut confusion = vec![vec![0usize; k]; k];
        let (mut correct, mut top2, mut slices, mut slice_correct) = (0usize, 0usize, 0usize, 0usize);
        for (probs, truth) in tracks {
            let mean = mean_probabilities(probs);
            let predicted = argmax(&mean);
            confusion[*truth][predicted] += 1;
            correct += usize::from(predicted == *truth);
            let mut order: Vec<usize> = (0..k).collect();
            order.sort_by(|&a, &b| mean[b].total_cmp(&mean[a]));
            top2 += usize::from(order.iter().take(2).any(|&c| c == *truth));
            slices += probs.len();
            slice_correct += probs.iter().filter(|p| argmax(p) == *truth).count();
        }
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let per_genre = genres
            .iter()
            .enumerate()
            .map(|(g, name)| {
                let tp = confusion[g][g];
                let predicted: usize = (0..k).map(|t| confusion[t][g]).sum();
                let support: usize = confusion[g].iter().sum();
                let (precision, recall) = (ratio(tp, predicted), ratio(tp, support));
                let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
                (name.clone(), GenreScores { precision, recall, f1, support })
            })
            .collect();
        Self {
            accuracy: ratio(correct, tracks.len()),
            slice_accuracy: ratio(slice_correct, slices),
            top2_accuracy: ratio(top2, tracks.len()),
            n_tracks: tracks.len(),
            n_slices: slices,
            per_genre,
            confusion,
            genres: genres.to_vec(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_a_known_confusion() {
        let genres = vec!["a".to_string(), "b".to_string()];
        let p = |x: f32| vec![x, 1.0 - x];
        let tracks = vec![
            (vec![p(0.9), p(0.8)], 0), // right
            (vec![p(0.6), p(0.2)], 0), // mean 0.4: wrong, slices 1 of 2 right
            (vec![p(0.1)], 1),         // right
            (vec![p(0.3), p(0.3)], 1), // right
        ];
        let e = Evaluation::compute(&tracks, &genres);
        assert_eq!(e.accuracy, 0.75);
        assert_eq!(e.slice_accuracy, 6.0 / 7.0);
        assert_eq!(e.top2_accuracy, 1.0);
        assert_eq!(e.confusion, vec![vec![1, 1], vec![0, 2]]);
        assert_eq!(e.per_genre["a"], GenreScores { precision: 1.0, recall: 0.5, f1: 2.0 / 3.0, support: 2 });
        assert!((e.per_genre["b"].precision - 2.0 / 3.0).abs() < 1e-12);
    }
}
