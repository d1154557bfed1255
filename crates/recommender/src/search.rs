//! Stage 1 of a playlist: exact nearest neighbours by Euclidean distance, in genre space or in
//! the model's embedding space.
//!
//! Brute force over a contiguous `n x genres` matrix: at 8–16 genres a scan of a million tracks
//! is a few milliseconds, far below what an approximate index would save, and it is exact.

use std::collections::HashSet;

use crate::library::GenreVectors;

/// A candidate: track id and its distance to the query.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Neighbour {
    pub id: i64,
    pub distance: f32,
}

/// Which tracks may be returned.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Never return these ids (the query, its exact duplicates).
    pub exclude: HashSet<i64>,
    /// Only these ids (e.g. the tracks of the query's top genre: classify-then-rank).
    pub only: Option<HashSet<i64>>,
}

/// The `k` tracks nearest to `query`, nearest first (ties by id, so results are deterministic).
pub fn nearest(vectors: &GenreVectors, query: &[f32], k: usize, filter: &Filter) -> Vec<Neighbour> {
    let dims = vectors.dims;
    assert_eq!(query.len(), dims, "query vector and library dimensions differ");
    let mut all: Vec<Neighbour> = vectors
        .data
        .chunks_exact(dims)
        .zip(&vectors.ids)
        .filter(|(_, id)| !filter.exclude.contains(id) && filter.only.as_ref().is_none_or(|only| only.contains(id)))
        .map(|(v, &id)| Neighbour { id, distance: v.iter().zip(query).map(|(a, b)| (a - b) * (a - b)).sum::<f32>() })
        .collect();
    let by_distance = |a: &Neighbour, b: &Neighbour| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id));
    if all.len() > k && k > 0 {
        all.select_nth_unstable_by(k - 1, by_distance);
    }
    all.truncate(k);
    all.sort_unstable_by(by_distance);
    all.iter_mut().for_each(|n| n.distance = n.distance.sqrt());
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn matches_a_full_sort_and_honours_filters() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let dims = 8;
        let n = 2000;
        let data: Vec<f32> = (0..n * dims).map(|_| rng.random_range(0.0f32..1.0)).collect();
        let vectors = GenreVectors { ids: (0..n as i64).map(|i| i * 3).collect(), dims, data };
        let query: Vec<f32> = (0..dims).map(|_| rng.random_range(0.0f32..1.0)).collect();
        let mut filter = Filter::default();
        let got = nearest(&vectors, &query, 25, &filter);
        let mut want: Vec<(f32, i64)> = vectors
            .data
            .chunks_exact(dims)
            .zip(&vectors.ids)
            .map(|(v, &id)| (v.iter().zip(&query).map(|(a, b)| (a - b) * (a - b)).sum::<f32>().sqrt(), id))
            .collect();
        want.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(got.iter().map(|n| n.id).collect::<Vec<_>>(), want[..25].iter().map(|w| w.1).collect::<Vec<_>>());
        assert!(got.windows(2).all(|w| w[0].distance <= w[1].distance));

        filter.exclude = got[..5].iter().map(|n| n.id).collect();
        filter.only = Some(vectors.ids.iter().copied().filter(|id| id % 2 == 0).collect());
        let filtered = nearest(&vectors, &query, 25, &filter);
        assert_eq!(filtered.len(), 25);
        for n in &filtered {
            assert!(!filter.exclude.contains(&n.id));
            assert_eq!(n.id % 2, 0);
        }
        assert_eq!(nearest(&vectors, &query, 5000, &Filter::default()).len(), n);
    }
}
