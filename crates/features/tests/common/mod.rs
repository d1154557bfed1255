//! Helpers shared by the integration tests (each test file is its own crate and includes this).

use ndarray::ArrayView2;

/// `||ours - reference|| / ||reference||`, in f64, over two arrays of one shape.
pub fn relative_l2(ours: ArrayView2<f32>, reference: ArrayView2<f32>) -> f64 {
    assert_eq!(ours.dim(), reference.dim(), "shape");
    let diff: f64 = ours.iter().zip(&reference).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum();
    let norm: f64 = reference.iter().map(|b| f64::from(*b).powi(2)).sum();
    (diff / norm.max(1e-30)).sqrt()
}

/// The absolute differences of two arrays of one shape: the one `per_mille` thousandths of the
/// way up their sorted list (500 for the median), and the largest.
pub fn abs_diff_quantile_and_max(ours: ArrayView2<f32>, reference: ArrayView2<f32>, per_mille: usize) -> (f32, f32) {
    assert_eq!(ours.dim(), reference.dim(), "shape");
    let mut d: Vec<f32> = ours.iter().zip(&reference).map(|(a, b)| (a - b).abs()).collect();
    d.sort_by(f32::total_cmp);
    (d[d.len() * per_mille / 1000], d[d.len() - 1])
}
