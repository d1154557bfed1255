//! Exact dynamic time warping between multivariate sequences (e.g. MFCC frames), with an optional
//! Sakoe-Chiba band and early abandoning.
//!
//! Sequences are row-major `[frames][dims]` slices. The frame cost is the Euclidean distance
//! between frames ([`Cost::Euclidean`], the sum of distances along the warping path, as fastdtw
//! computes it) or its square ([`Cost::SquaredEuclidean`], with the square root of the path sum
//! taken at the end, as dtaidistance's `dtw_ndim.distance` computes it).
//!
//! Memory is two rows of the cost matrix, so sequences of any length fit; a band restricts each
//! row to the cells within `window` of the diagonal; early abandoning stops as soon as every cell
//! of a row exceeds the caller's threshold, which cannot decrease further down the matrix.

/// How two frames are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Cost {
    /// Sum over the path of `||a_i - b_j||`.
    #[default]
    Euclidean,
    /// `sqrt` of the sum over the path of `||a_i - b_j||^2`.
    SquaredEuclidean,
}

/// Options of one DTW computation.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct DtwOptions {
    pub cost: Cost,
    /// Sakoe-Chiba band around both diagonals (the one from the first cells and the one into the
    /// last cells): cells with `i - window - max(0, n - m) <= j <= i + window + max(0, m - n)`, so
    /// a path always exists whatever the lengths; dtaidistance's `window` is this plus one.
    /// `None` is unconstrained.
    pub window: Option<usize>,
    /// Stop and return `None` as soon as the distance is sure to exceed this value.
    pub abandon_above: Option<f64>,
}

/// The DTW distance between `a` (`n x dims`) and `b` (`m x dims`), or `None` exactly when it is
/// larger than `opts.abandon_above` (found out early whenever a whole row exceeds it).
///
/// # Panics
/// When `dims` is 0 or a sequence's length is not a multiple of `dims`.
pub fn dtw(a: &[f32], b: &[f32], dims: usize, opts: &DtwOptions) -> Option<f64> {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("avx2") && std::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU has AVX2 and FMA, checked just above.
        return unsafe { dtw_avx2(a, b, dims, opts) };
    }
    dtw_portable(a, b, dims, opts)
}

/// The same code compiled for AVX2+FMA (the default x86-64 target only assumes SSE2), picked at
/// run time by [`dtw`]: the frame distances then run 8 columns at a time.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dtw_avx2(a: &[f32], b: &[f32], dims: usize, opts: &DtwOptions) -> Option<f64> {
    dtw_portable(a, b, dims, opts)
}

#[inline(always)]
fn dtw_portable(a: &[f32], b: &[f32], dims: usize, opts: &DtwOptions) -> Option<f64> {
    assert!(dims > 0 && a.len() % dims == 0 && b.len() % dims == 0, "sequences must be whole frames of {dims} values");
    let (n, m) = (a.len() / dims, b.len() / dims);
    if n == 0 || m == 0 {
        return if n == m { Some(0.0) } else { None };
    }
    // How far a row's band reaches left (below the diagonal) and right of column i.
    let (left, right) = match opts.window {
        Some(w) => (w + n.saturating_sub(m), w + m.saturating_sub(n)),
        None => (usize::MAX, usize::MAX),
    };
    // Thresholds compare against the accumulated value, which for SquaredEuclidean is squared.
    let limit = opts.abandon_above.map(|t| match opts.cost {
        Cost::Euclidean => t,
        Cost::SquaredEuclidean => t * t,
    });
    let inf = f64::INFINITY;
    let mut prev = vec![inf; m + 1];
    let mut curr = vec![inf; m + 1];
    let mut sq = vec![0f32; m];
    // `b` transposed to `[dims][m]`, so a row's frame distances are computed 8 columns at a time
    // with contiguous loads (one pass per dimension) instead of one column at a time.
    let mut bt = vec![0f32; dims * m];
    for (j, frame) in b.chunks_exact(dims).enumerate() {
        for (k, &v) in frame.iter().enumerate() {
            bt[k * m + j] = v;
        }
    }
    prev[0] = 0.0;
    for i in 1..=n {
        let ai = &a[(i - 1) * dims..i * dims];
        let lo = i.saturating_sub(left).max(1);
        let hi = i.saturating_add(right).min(m);
        // Only the cells next to this row's band are read later (by this row and the next), so
        // only those need resetting; the rest keep stale values nobody reads.
        curr[lo - 1] = inf;
        if hi < m {
            curr[hi + 1] = inf;
        }
        // Frame costs first (independent of each other, so they pipeline), then the recurrence,
        // whose only serial dependency is the cell to the left.
        let row = &mut sq[lo - 1..hi];
        row.iter_mut().for_each(|c| *c = 0.0);
        for (k, &x) in ai.iter().enumerate() {
            for (c, &y) in row.iter_mut().zip(&bt[k * m + lo - 1..k * m + hi]) {
                let d = x - y;
                *c += d * d;
            }
        }
        let mut row_min = inf;
        let mut left_cell = curr[lo - 1];
        for j in lo..=hi {
            let cost = match opts.cost {
                Cost::Euclidean => (sq[j - 1] as f64).sqrt(),
                Cost::SquaredEuclidean => sq[j - 1] as f64,
            };
            let v = cost + min(min(prev[j - 1], prev[j]), left_cell);
            curr[j] = v;
            left_cell = v;
            row_min = min(row_min, v);
        }
        if let Some(limit) = limit {
            if row_min > limit {
                return None;
            }
        }
        std::mem::swap(&mut prev, &mut curr);
    }
    let total = prev[m];
    if limit.is_some_and(|l| total > l) {
        return None;
    }
    Some(match opts.cost {
        Cost::Euclidean => total,
        Cost::SquaredEuclidean => total.sqrt(),
    })
}

/// The smaller of two costs (never NaN: costs are sums of squares and their roots), without
/// `f64::min`'s NaN handling.
#[inline(always)]
fn min(a: f64, b: f64) -> f64 {
    if a < b {
        a
    } else {
        b
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    /// The textbook full-matrix recursion, kept as simple as possible.
    fn reference(a: &[f32], b: &[f32], dims: usize, cost: Cost, window: Option<usize>) -> f64 {
        let (n, m) = (a.len() / dims, b.len() / dims);
        let band = window.map(|w| (w + n.saturating_sub(m), w + m.saturating_sub(n)));
        let mut d = vec![vec![f64::INFINITY; m + 1]; n + 1];
        d[0][0] = 0.0;
        for i in 1..=n {
            for j in 1..=m {
                if let Some((left, right)) = band {
                    if j + left < i || j > i + right {
                        continue;
                    }
                }
                let sq: f64 = (0..dims).map(|k| ((a[(i - 1) * dims + k] - b[(j - 1) * dims + k]) as f64).powi(2)).sum();
                let c = if cost == Cost::Euclidean { sq.sqrt() } else { sq };
                d[i][j] = c + d[i - 1][j - 1].min(d[i - 1][j]).min(d[i][j - 1]);
            }
        }
        if cost == Cost::Euclidean {
            d[n][m]
        } else {
            d[n][m].sqrt()
        }
    }

    fn random_seq(rng: &mut ChaCha8Rng, frames: usize, dims: usize) -> Vec<f32> {
        (0..frames * dims).map(|_| rng.random_range(-3.0f32..3.0)).collect()
    }

    #[test]
    fn matches_the_reference_on_random_sequences() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for _ in 0..200 {
            let dims = rng.random_range(1..24);
            let (n, m) = (rng.random_range(1..40), rng.random_range(1..40));
            let (a, b) = (random_seq(&mut rng, n, dims), random_seq(&mut rng, m, dims));
            for cost in [Cost::Euclidean, Cost::SquaredEuclidean] {
                for window in [None, Some(0), Some(3), Some(100)] {
                    let got = dtw(&a, &b, dims, &DtwOptions { cost, window, abandon_above: None }).unwrap();
                    let want = reference(&a, &b, dims, cost, window);
                    assert!((got - want).abs() <= 1e-4 * want.max(1.0), "{cost:?} {window:?}: {got} vs {want}");
                }
            }
        }
    }

    #[test]
    fn a_band_covering_the_path_and_early_abandoning_never_change_the_answer() {
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..100 {
            let dims = 20;
            let n = rng.random_range(5..60);
            let m = rng.random_range(5..60);
            let (a, b) = (random_seq(&mut rng, n, dims), random_seq(&mut rng, m, dims));
            let exact = dtw(&a, &b, dims, &DtwOptions::default()).unwrap();
            // A band as wide as the longer sequence covers every path.
            let banded = dtw(&a, &b, dims, &DtwOptions { window: Some(n.max(m)), ..Default::default() }).unwrap();
            assert_eq!(banded, exact);
            // A threshold at or above the answer never abandons; one below always does.
            assert_eq!(dtw(&a, &b, dims, &DtwOptions { abandon_above: Some(exact), ..Default::default() }), Some(exact));
            assert_eq!(dtw(&a, &b, dims, &DtwOptions { abandon_above: Some(exact * 0.999), ..Default::default() }), None);
        }
    }

    #[test]
    fn identical_sequences_are_at_distance_zero_and_stretching_is_free() {
        let a: Vec<f32> = (0..30).map(|i| (i as f32 * 0.3).sin()).collect();
        assert_eq!(dtw(&a, &a, 3, &DtwOptions::default()), Some(0.0));
        // Each frame of a repeated twice: a perfect warp.
        let b: Vec<f32> = a.chunks(3).flat_map(|f| f.iter().chain(f.iter()).copied().collect::<Vec<_>>()).collect();
        assert!(dtw(&a, &b, 3, &DtwOptions::default()).unwrap() < 1e-9);
        assert_eq!(dtw(&[], &[], 3, &DtwOptions::default()), Some(0.0));
        assert_eq!(dtw(&a, &[], 3, &DtwOptions::default()), None);
    }
}
