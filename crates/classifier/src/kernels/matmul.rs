//! A safe face for `gemm`'s matrix product (the crate burn-flex multiplies with): the
//! convolution kernels multiply one batch item at a time, each on one thread, so they call it
//! without its own parallelism, and read transposed operands through strides instead of copies.

use std::mem::MaybeUninit;

/// A matrix over a slice: `rows x cols`, element `(r, c)` at `r * row_stride + c * col_stride`.
#[derive(Clone, Copy)]
pub struct Matrix<'a> {
    values: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Matrix<'a> {
    /// The row-major `rows x cols` matrix in `values`.
    pub fn new(values: &'a [f32], rows: usize, cols: usize) -> Self {
        assert_eq!(values.len(), rows * cols, "a {rows} x {cols} matrix");
        Matrix { values, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// The transpose, reading the same values.
    pub fn t(self) -> Self {
        Matrix { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }
}

/// `dst = a * b` (or `dst += a * b` when `accumulate`), `dst` row-major, on the calling thread.
pub fn matmul(dst: &mut [f32], a: Matrix, b: Matrix, accumulate: bool) {
    check(dst.len(), &a, &b);
    // SAFETY: `check`ed sizes; a unique borrow, so no operand aliases `dst`.
    unsafe { gemm_into(dst.as_mut_ptr(), a, b, accumulate) }
}

/// `dst = a * b` into uninitialised memory: every value of `dst` is written.
pub fn matmul_into(dst: &mut [MaybeUninit<f32>], a: Matrix, b: Matrix) {
    check(dst.len(), &a, &b);
    // SAFETY: as in `matmul`; without `accumulate` gemm only writes `dst`, never reads it.
    unsafe { gemm_into(dst.as_mut_ptr().cast(), a, b, false) }
}

/// The sizes a product `a * b` into `len` values needs.
fn check(len: usize, a: &Matrix, b: &Matrix) {
    assert_eq!(a.cols, b.rows, "inner dimensions");
    assert_eq!(len, a.rows * b.cols, "a {} x {} product", a.rows, b.cols);
}

/// gemm's product into the row-major `a.rows x b.cols` values at `dst`.
///
/// # Safety
/// `dst` must be valid for writes (and reads when `accumulate`) of `a.rows * b.cols` values and
/// alias neither operand. (Each `Matrix`'s largest offset, `(rows - 1) * row_stride + (cols - 1)
/// * col_stride`, lies inside its slice: both constructors keep that.)
unsafe fn gemm_into(dst: *mut f32, a: Matrix, b: Matrix, accumulate: bool) {
    // SAFETY: the caller's contract for `dst`; the operands by `Matrix`'s invariant.
    unsafe {
        gemm::gemm(
            a.rows,
            b.cols,
            a.cols,
            dst,
            1,
            b.cols as isize,
            accumulate,
            a.values.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.values.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0,
            1.0,
            false,
            false,
            false,
            gemm::Parallelism::None,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against the schoolbook product, plain and through transposes, and accumulating.
    #[test]
    fn products_equal_the_schoolbook_ones() {
        let a: Vec<f32> = (0..6).map(|v| v as f32 - 2.5).collect(); // 2 x 3
        let b: Vec<f32> = (0..12).map(|v| (v * v) as f32 / 7.0).collect(); // 3 x 4
        let schoolbook = |i: usize, j: usize| (0..3).map(|k| a[i * 3 + k] * b[k * 4 + j]).sum::<f32>();
        let mut dst = vec![0f32; 8];
        matmul(&mut dst, Matrix::new(&a, 2, 3), Matrix::new(&b, 3, 4), false);
        let expected: Vec<f32> = (0..8).map(|e| schoolbook(e / 4, e % 4)).collect();
        let close = |got: &[f32], want: &[f32]| got.iter().zip(want).all(|(g, w)| (g - w).abs() <= 1e-5 * w.abs().max(1.0));
        assert!(close(&dst, &expected), "{dst:?} vs {expected:?}");
        // (b^T a^T)^T = a b: b^T is 4 x 3 read from b's values, a^T 3 x 2 from a's.
        let mut transposed = vec![0f32; 8];
        matmul(&mut transposed, Matrix::new(&b, 3, 4).t(), Matrix::new(&a, 2, 3).t(), false);
        let back: Vec<f32> = (0..8).map(|e| transposed[(e % 4) * 2 + e / 4]).collect();
        assert!(close(&back, &expected), "{back:?} vs {expected:?}");
        matmul(&mut dst, Matrix::new(&a, 2, 3), Matrix::new(&b, 3, 4), true);
        assert!(close(&dst, &expected.iter().map(|v| 2.0 * v).collect::<Vec<_>>()), "{dst:?}");
    }
}
