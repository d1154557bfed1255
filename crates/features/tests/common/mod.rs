//! Helpers shared by the integration tests (each test file is its own crate and includes this).

use ndarray::ArrayView2;

/// `||ours - reference|| / ||reference||`, in f64, over two arrays of one shape.
pub fn relative_l2(ours: ArrayView2<f32>, reference: ArrayView2<f32>) -> f64 {
    assert_eq!(ours.dim(), reference.dim(), "shape");
    let diff: f64 = ours.iter().zip(&reference).map(|(a, b)| (f64::from(*a) - f64::from(*b)).powi(2)).sum();
    let norm: f64 = reference.iter().map(|b| f64::from(*b).powi(2)).sum();
    (diff / norm.max(1e-30)).sqrt()
}
