//! Stage 1 of a playlist: exact nearest neighbours by Euclidean distance, in genre space or in
//! the model's embedding space.
//!
//! Brute force over a contiguous `n x genres` matrix: at 8–16 genres a scan of a million tracks
//! is a few milliseconds, far below what an approximate index would save, and it is exact. A
//! one-off query of a shared catalogue would spend far longer reading every point than scanning
//! them, so there [`Points::Indexed`] asks the database's own exact index for the few nearest.

use std::borrow::Cow;
use std::collections::HashSet;

use rayon::prelude::*;

use crate::error::RecommenderError;
use crate::library::{GenreVectors, Library, Space};

/// Where a playlist's candidates are searched.
#[derive(Debug, Clone)]
pub enum Points<'a> {
    /// Every track's point in the space, in memory: scanned on every core.
    Loaded(Cow<'a, GenreVectors>),
    /// The library engine's nearest-neighbour index over `space`'s points of `dims` values
    /// ([`Library::indexed_dims`]): only the candidates' points are read.
    Indexed { space: Space, dims: usize },
}

/// The candidates [`Points::find`] returned, with their points. Fewer than asked for means the
/// library holds no more that the filter admits.
pub struct Candidates<'a> {
    /// Nearest first.
    pub neighbours: Vec<Neighbour>,
    /// At least the neighbours' points.
    pub points: Cow<'a, GenreVectors>,
}

impl<'a> Points<'a> {
    /// `space` of `lib` searched the cheapest exact way: by the engine's index where it has
    /// one for the space (and so holds at least one point), else by reading every point once.
    pub fn of(lib: &Library, space: Space) -> Result<Points<'static>, RecommenderError> {
        Ok(match lib.indexed_dims(space)? {
            Some(dims) => Points::Indexed { space, dims },
            None => Points::Loaded(Cow::Owned(lib.vectors(space)?)),
        })
    }

    /// Values per point.
    pub fn dims(&self) -> usize {
        match self {
            Points::Loaded(vectors) => vectors.dims,
            Points::Indexed { dims, .. } => *dims,
        }
    }

    pub fn is_empty(&self, lib: &Library) -> Result<bool, RecommenderError> {
        match self {
            Points::Loaded(vectors) => Ok(vectors.ids.is_empty()),
            Points::Indexed { .. } => lib.is_empty(),
        }
    }

    /// Every point, read from `lib` when not in memory (a genre's target needs them all).
    pub fn all(&self, lib: &Library) -> Result<Cow<'_, GenreVectors>, RecommenderError> {
        match self {
            Points::Loaded(vectors) => Ok(Cow::Borrowed(vectors.as_ref())),
            Points::Indexed { space, .. } => Ok(Cow::Owned(lib.vectors(*space)?)),
        }
    }

    /// The `k` tracks nearest to `query` that `filter` admits, as [`nearest`] finds them in
    /// memory. From an index, the nearest `k` + excluded are fetched and ranked by [`nearest`]
    /// itself (the same f32 distances and ties); while the filter leaves fewer than `k` of
    /// them, four times as many are fetched, until the library has no more.
    pub fn find(&self, lib: &Library, query: &[f32], k: usize, filter: &Filter) -> Result<Candidates<'_>, RecommenderError> {
        let (neighbours, points) = match self {
            Points::Loaded(vectors) => (nearest(vectors, query, k, filter), Cow::Borrowed(vectors.as_ref())),
            Points::Indexed { space, .. } => find_indexed(lib, *space, query, k, filter)?,
        };
        Ok(Candidates { neighbours, points })
    }
}

/// [`Points::find`] by the engine's index.
fn find_indexed(
    lib: &Library,
    space: Space,
    query: &[f32],
    k: usize,
    filter: &Filter,
) -> Result<(Vec<Neighbour>, Cow<'static, GenreVectors>), RecommenderError> {
    let mut fetch = k.saturating_add(filter.exclude.len());
    loop {
        let near = lib.nearest_indexed(space, query, fetch)?.ok_or_else(|| RecommenderError::NotALibrary {
            path: lib.path().to_path_buf(),
            reason: format!("no nearest-neighbour index over its {space:?} points"),
        })?;
        let neighbours = nearest(&near, query, k, filter);
        if neighbours.len() == k || near.ids.len() < fetch {
            return Ok((neighbours, Cow::Owned(near)));
        }
        fetch = fetch.saturating_mul(4);
    }
}

impl<'a> From<&'a GenreVectors> for Points<'a> {
    fn from(vectors: &'a GenreVectors) -> Self {
        Points::Loaded(Cow::Borrowed(vectors))
    }
}

impl<'a> From<&'a Points<'_>> for Points<'a> {
    fn from(points: &'a Points<'_>) -> Self {
        match points {
            Points::Loaded(vectors) => Points::Loaded(Cow::Borrowed(vectors.as_ref())),
            Points::Indexed { space, dims } => Points::Indexed { space: *space, dims: *dims },
        }
    }
}

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
    nearest_by(&vectors.ids, k, filter, |row| squared_distance(&vectors.data[row * dims..(row + 1) * dims], query))
}

/// Squared Euclidean distance, for ranking (no square root).
pub(crate) fn squared_distance(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// Euclidean distance accumulated in `f64`, for reporting.
pub(crate) fn euclidean(a: &[f32], b: &[f32]) -> f64 {
    a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum::<f64>().sqrt()
}

/// The `k` of `ids` with the smallest `squared_distance(row)` (`row` indexes `ids`), nearest
/// first, with their distances (square roots).
///
/// Without an `only` set, every track is scored (on every core) and the exclusions are applied to the best
/// `k + excluded` alone: exact (at most `excluded` of those can be excluded) and it spares a hash
/// lookup per track, the larger cost of a scan over low-dimensional points.
pub fn nearest_by(ids: &[i64], k: usize, filter: &Filter, squared_distance: impl Fn(usize) -> f32 + Sync) -> Vec<Neighbour> {
    let score = |(row, &id): (usize, &i64)| Neighbour { id, distance: squared_distance(row).max(0.0) };
    let mut all: Vec<Neighbour> = match &filter.only {
        Some(only) => ids.iter().enumerate().filter(|(_, id)| only.contains(id) && !filter.exclude.contains(id)).map(score).collect(),
        None => ids.par_iter().enumerate().map(score).collect(),
    };
    let by_distance = |a: &Neighbour, b: &Neighbour| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id));
    let keep = |all: &mut Vec<Neighbour>, k: usize| {
        if all.len() > k && k > 0 {
            all.select_nth_unstable_by(k - 1, by_distance);
        }
        all.truncate(k);
    };
    if filter.only.is_none() {
        keep(&mut all, k.saturating_add(filter.exclude.len()));
        all.retain(|n| !filter.exclude.contains(&n.id));
    }
    keep(&mut all, k);
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
