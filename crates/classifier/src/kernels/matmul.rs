//! A safe face for `gemm`'s matrix product (the crate burn-flex multiplies with): the
//! convolution kernels multiply one batch item at a time, each on one thread, so they call it
//! without its own parallelism, and read transposed operands through strides instead of copies.

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
    assert_eq!(a.cols, b.rows, "inner dimensions");
    assert_eq!(dst.len(), a.rows * b.cols, "a {} x {} product", a.rows, b.cols);
    // SAFETY: every matrix's largest offset, (rows - 1) * row_stride + (cols - 1) * col_stride,
    // lies inside its slice (both `Matrix` constructors keep that), `dst` is exactly
    // a.rows x b.cols row-major, and `dst` is a unique borrow, so no operand aliases it.
    unsafe {
        gemm::gemm(
            a.rows,
            b.cols,
            a.cols,
            dst.as_mut_ptr(),
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
