//! The library in two dimensions, for a map: principal component analysis of the tracks'
//! points. PCA keeps the map's distances honest (a linear projection: far apart on the map is far
//! apart in the space) and places a new query exactly where the library's tracks would put it;
//! t-SNE/UMAP draw tighter clusters but distort distances between them.
//!
//! The covariance matrix (`dims x dims`, at most a few hundred) is formed with ndarray's matrix
//! product and decomposed with nalgebra's symmetric eigensolver.

use nalgebra::{DMatrix, SymmetricEigen};
use ndarray::{Array1, Array2, ArrayView2, Axis};

use genrespace_classifier::predict::argmax;

use crate::error::RecommenderError;
use crate::library::{GenreVectors, Library, Space};
use crate::target::genre_vectors;

/// A fitted 2-D projection and the library's tracks projected with it.
#[derive(Debug, Clone)]
pub struct Projection {
    pub ids: Vec<i64>,
    /// `(x, y)` of each track, in the order of `ids`.
    pub xy: Vec<(f32, f32)>,
    /// The share of the library's variance along each axis.
    pub explained: (f64, f64),
    mean: Array1<f64>,
    /// `2 x dims`: the first two principal directions.
    axes: Array2<f64>,
}

/// The library as a map: its points projected, each with its top genre/tag (the index of its
/// largest genre probability, the colour it is drawn in).
#[derive(Debug, Clone)]
pub struct LibraryMap {
    pub projection: Projection,
    /// The top genre/tag of each track, in the order of `projection.ids`.
    pub groups: Vec<usize>,
}

impl LibraryMap {
    /// The map of `lib`'s points `vectors` in `space`.
    pub fn of(lib: &Library, vectors: &GenreVectors, space: Space) -> Result<Self, RecommenderError> {
        let projection = Projection::fit(vectors)?;
        let genres = genre_vectors(lib, vectors, space)?;
        let groups = projection.ids.iter().map(|&id| genres.row(id).map_or(0, argmax)).collect();
        Ok(Self { projection, groups })
    }
}

impl Projection {
    /// Fit the projection to `vectors` (at least two tracks).
    pub fn fit(vectors: &GenreVectors) -> Result<Self, RecommenderError> {
        let n = vectors.ids.len();
        if n < 2 || vectors.dims < 2 {
            return Err(RecommenderError::Request(format!("a map needs at least two tracks with two dimensions, not {n} of {}", vectors.dims)));
        }
        let data = ArrayView2::from_shape((n, vectors.dims), &vectors.data).map_err(|e| RecommenderError::Request(e.to_string()))?.mapv(f64::from);
        let mean = data.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(vectors.dims));
        let centred = &data - &mean;
        let covariance = centred.t().dot(&centred) / (n - 1) as f64;
        let dims = vectors.dims;
        let eigen = SymmetricEigen::new(DMatrix::from_fn(dims, dims, |i, j| covariance[[i, j]]));
        let mut order: Vec<usize> = (0..dims).collect();
        order.sort_by(|&a, &b| eigen.eigenvalues[b].total_cmp(&eigen.eigenvalues[a]));
        let total: f64 = eigen.eigenvalues.iter().map(|v| v.max(0.0)).sum::<f64>().max(1e-12);
        let axes = Array2::from_shape_fn((2, dims), |(k, d)| eigen.eigenvectors[(d, order[k])]);
        let xy = centred.dot(&axes.t()).rows().into_iter().map(|r| (r[0] as f32, r[1] as f32)).collect();
        Ok(Self {
            ids: vectors.ids.clone(),
            xy,
            explained: (eigen.eigenvalues[order[0]].max(0.0) / total, eigen.eigenvalues[order[1]].max(0.0) / total),
            mean,
            axes,
        })
    }

    /// Where `point` (in the fitted space) falls on the map.
    pub fn place(&self, point: &[f32]) -> (f32, f32) {
        let centred: Array1<f64> = point.iter().map(|&v| v as f64).collect::<Array1<f64>>() - &self.mean;
        let xy = self.axes.dot(&centred);
        (xy[0] as f32, xy[1] as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// Points spread along two known directions with known variances: PCA finds those
    /// directions, in order, and their shares of the variance.
    #[test]
    fn recovers_the_directions_of_largest_variance() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let dims = 5;
        let (u, v) = ([0.6f32, 0.8, 0.0, 0.0, 0.0], [0.0f32, 0.0, 0.0, 1.0, 0.0]);
        let n = 4000;
        let mut data = Vec::with_capacity(n * dims);
        for _ in 0..n {
            let (a, b) = (rng.random_range(-1.0f32..1.0) * 10.0, rng.random_range(-1.0f32..1.0) * 3.0);
            data.extend((0..dims).map(|d| 5.0 + a * u[d] + b * v[d] + rng.random_range(-0.1f32..0.1)));
        }
        let vectors = GenreVectors { ids: (0..n as i64).collect(), dims, data };
        let p = Projection::fit(&vectors).unwrap();
        let dot = |axis: usize, w: &[f32]| (0..dims).map(|d| p.axes[[axis, d]] * w[d] as f64).sum::<f64>().abs();
        assert!(dot(0, &u) > 0.999 && dot(1, &v) > 0.999, "{:?}", p.axes);
        // Variances 100/3 and 9/3 (uniform), plus a little noise: shares ~0.915 and ~0.082.
        assert!((p.explained.0 - 0.915).abs() < 0.01 && (p.explained.1 - 0.082).abs() < 0.01, "{:?}", p.explained);
        // A library track placed again lands on its own projection.
        let (x, y) = p.place(&vectors.data[7 * dims..8 * dims]);
        assert!((x - p.xy[7].0).abs() < 1e-4 && (y - p.xy[7].1).abs() < 1e-4);
        assert!(Projection::fit(&GenreVectors { ids: vec![1], dims, data: vec![0.0; dims] }).is_err());
    }
}
