//! Stage 2 of a playlist: rerank genre-space candidates by DTW between MFCC sequences.
//!
//! The two distances live on different scales, so each is divided by a scale taken from the
//! candidates themselves before they are mixed:
//!
//! ```text
//! score = (1 - w) * g / median(g over all K candidates)
//!       +      w  * d / median(d over the n genre-nearest candidates)
//! ```
//!
//! where `g` is the Euclidean genre-space distance, `d` the DTW distance divided by the lengths of
//! both sequences (a per-step cost, so a 30-s query and a 5-min track compare fairly), and `w` the
//! DTW weight (default 0.5). Lower is better.
//!
//! The DTW scale comes from the `n` genre-nearest candidates so it is known before the others
//! are computed. That lets every later candidate be abandoned early, exactly: once `n` scores are
//! known, a candidate whose DTW would have to exceed `(S_n - (1 - w) g / g_scale) d_scale / w`
//! (with `S_n` the n-th best score so far) can never enter the playlist, and the DTW stops as soon
//! as it is sure to exceed that. DTWs run in parallel: the reference set at once, the rest in
//! batches of two per core.

use std::collections::BinaryHeap;

use rayon::prelude::*;

use crate::dtw::{dtw, Cost, DtwOptions};
use crate::sequence::MfccSequence;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RerankParams {
    /// `w` above, in [0, 1].
    pub dtw_weight: f64,
    /// Sakoe-Chiba band (around both diagonals, see [`DtwOptions::window`]) as a fraction of the
    /// longer sequence.
    pub band: f64,
    /// How many results the caller keeps; with `Some`, candidates that cannot be among them are
    /// abandoned early and left out of the result. `None` scores every candidate.
    pub keep: Option<usize>,
}

/// A scored candidate: its index in the input, its per-step DTW distance and its score.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scored {
    pub index: usize,
    pub dtw: f64,
    pub score: f64,
}

/// Score `candidates` (genre distance and sequence, nearest in genre space first) against
/// `query`. Returns the scored candidates, best first.
pub fn rerank(query: &MfccSequence, candidates: &[(f32, &MfccSequence)], params: &RerankParams) -> Vec<Scored> {
    if candidates.is_empty() {
        return Vec::new();
    }
    let w = params.dtw_weight.clamp(0.0, 1.0);
    let g_scale = median(candidates.iter().map(|c| c.0 as f64).collect()).max(1e-9);
    let per_step = |i: usize, limit: Option<f64>| per_step_dtw(query, candidates[i].1, params.band, limit);

    // The reference set: exact distances, which also fix the DTW scale.
    let reference = params.keep.unwrap_or(candidates.len()).clamp(1, candidates.len());
    let first: Vec<f64> = (0..reference).into_par_iter().map(|i| per_step(i, None).unwrap_or(f64::INFINITY)).collect();
    let d_scale = median(first.iter().copied().filter(|d| d.is_finite()).collect()).max(1e-9);
    let score = |g: f32, d: f64| (1.0 - w) * g as f64 / g_scale + w * d / d_scale;

    let mut scored: Vec<Scored> = first.iter().enumerate().map(|(i, &d)| Scored { index: i, dtw: d, score: score(candidates[i].0, d) }).collect();
    // The `keep` best scores so far (a max-heap: its top is the worst of them).
    let mut best: BinaryHeap<Ordered> = BinaryHeap::new();
    if let Some(keep) = params.keep {
        for s in &scored {
            push_bounded(&mut best, keep, s.score);
        }
    }
    // The rest in parallel batches, each abandoning against the threshold known when it starts
    // (a little looser than sequential, never wrong).
    let rest: Vec<usize> = (reference..candidates.len()).collect();
    for batch in rest.chunks(2 * rayon::current_num_threads()) {
        let threshold = params.keep.filter(|&k| best.len() >= k).and_then(|_| best.peek()).map(|o| o.0);
        let results: Vec<(usize, Option<f64>)> = batch
            .par_iter()
            .map(|&i| {
                let g = candidates[i].0;
                let limit = match threshold {
                    Some(s) => {
                        let genre_part = (1.0 - w) * g as f64 / g_scale;
                        if genre_part > s {
                            return (i, None);
                        }
                        Some(if w > 0.0 { (s - genre_part) * d_scale / w } else { f64::INFINITY })
                    }
                    None => None,
                };
                (i, per_step(i, limit))
            })
            .collect();
        for (i, d) in results {
            let Some(d) = d else { continue };
            let s = score(candidates[i].0, d);
            if let Some(keep) = params.keep {
                push_bounded(&mut best, keep, s);
            }
            scored.push(Scored { index: i, dtw: d, score: s });
        }
    }
    scored.sort_by(|a, b| a.score.total_cmp(&b.score).then(a.index.cmp(&b.index)));
    scored
}

/// DTW (Euclidean frame cost) divided by the two lengths; `None` when above `limit` (per step).
pub fn per_step_dtw(a: &MfccSequence, b: &MfccSequence, band: f64, limit: Option<f64>) -> Option<f64> {
    let (n, m) = (a.frames(), b.frames());
    let steps = (n + m).max(1) as f64;
    let window = (band.max(0.0) * n.max(m) as f64).ceil() as usize;
    let opts = DtwOptions { cost: Cost::Euclidean, window: Some(window), abandon_above: limit.filter(|l| l.is_finite()).map(|l| l * steps) };
    dtw(&a.data, &b.data, a.dims, &opts).map(|d| d / steps)
}

fn push_bounded(heap: &mut BinaryHeap<Ordered>, keep: usize, score: f64) {
    heap.push(Ordered(score));
    if heap.len() > keep {
        heap.pop();
    }
}

/// `f64` ordered by `total_cmp`, for the heap.
#[derive(Debug, PartialEq)]
struct Ordered(f64);
impl Eq for Ordered {}
impl PartialOrd for Ordered {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Ordered {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.total_cmp(&other.0)
    }
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        0.5 * (v[mid - 1] + v[mid])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn random_seq(rng: &mut ChaCha8Rng, dims: usize) -> MfccSequence {
        let frames = rng.random_range(5..80);
        MfccSequence { dims, data: (0..frames * dims).map(|_| rng.random_range(-5.0f32..5.0)).collect() }
    }

    #[test]
    fn early_abandoning_keeps_exactly_the_best_candidates() {
        let mut rng = ChaCha8Rng::seed_from_u64(4);
        for _ in 0..30 {
            let dims = 6;
            let query = random_seq(&mut rng, dims);
            let seqs: Vec<MfccSequence> = (0..60).map(|_| random_seq(&mut rng, dims)).collect();
            let mut genre: Vec<f32> = (0..60).map(|_| rng.random_range(0.0f32..1.0)).collect();
            genre.sort_by(f32::total_cmp);
            let cands: Vec<(f32, &MfccSequence)> = genre.iter().copied().zip(&seqs).collect();
            let w = rng.random_range(0.0..1.0);
            let keep = 10;
            let exhaustive = rerank(&query, &cands, &RerankParams { dtw_weight: w, band: 1.0, keep: None });
            let pruned = rerank(&query, &cands, &RerankParams { dtw_weight: w, band: 1.0, keep: Some(keep) });
            assert_eq!(exhaustive.len(), 60);
            assert!(pruned.len() >= keep);
            // Same scale (the reference set) in both runs only when keep = all, so compare orders
            // against a brute-force score computed with the pruned run's scales.
            let top: Vec<usize> = pruned[..keep].iter().map(|s| s.index).collect();
            let d_all: Vec<f64> = (0..60).map(|i| per_step_dtw(&query, &seqs[i], 1.0, None).unwrap()).collect();
            let g_scale = median(genre.iter().map(|&g| g as f64).collect());
            let d_scale = median(d_all[..keep].to_vec());
            let mut brute: Vec<(f64, usize)> = (0..60).map(|i| ((1.0 - w) * genre[i] as f64 / g_scale + w * d_all[i] / d_scale, i)).collect();
            brute.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            assert_eq!(top, brute[..keep].iter().map(|b| b.1).collect::<Vec<_>>());
            for s in &pruned {
                assert!((s.dtw - d_all[s.index]).abs() < 1e-9);
            }
            assert!(pruned.windows(2).all(|p| p[0].score <= p[1].score));
        }
    }

    #[test]
    fn weight_zero_is_genre_order_and_weight_one_is_dtw_order() {
        let mut rng = ChaCha8Rng::seed_from_u64(8);
        let query = random_seq(&mut rng, 4);
        let seqs: Vec<MfccSequence> = (0..20).map(|_| random_seq(&mut rng, 4)).collect();
        let cands: Vec<(f32, &MfccSequence)> = (0..20).map(|i| (i as f32 * 0.1 + 0.1, &seqs[i])).collect();
        let by_genre = rerank(&query, &cands, &RerankParams { dtw_weight: 0.0, band: 0.1, keep: None });
        assert_eq!(by_genre.iter().map(|s| s.index).collect::<Vec<_>>(), (0..20).collect::<Vec<_>>());
        let by_dtw = rerank(&query, &cands, &RerankParams { dtw_weight: 1.0, band: 0.1, keep: None });
        assert!(by_dtw.windows(2).all(|p| p[0].dtw <= p[1].dtw));
    }
}
