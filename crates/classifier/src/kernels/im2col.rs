//! im2col and its adjoint col2im for stride-1 convolutions, one batch item at a time: one row
//! per (input channel, kernel row, kernel column) holding the input value each output position
//! sees through that kernel tap (0 in the padding). A convolution is then one matrix product
//! (see `conv`). Hand-written because burn has none the kernels can reach: its `unfold4d` runs
//! a convolution with one-hot kernels, and burn-flex's own im2col (inside its convolution) is
//! private and fills element by element; here each row is a few contiguous copies.

/// The shapes involved: input `[batch, channels, height, width]`, kernel `[kh, kw]`, the
/// `(begin, end)` padding of each axis and the output's `[oh, ow]`.
#[derive(Clone, Copy, Debug)]
pub struct Geometry {
    pub input: [usize; 4],
    pub kernel: [usize; 2],
    pub padding: [(usize, usize); 2],
    pub output: [usize; 2],
}

impl Geometry {
    /// Rows of an item's im2col: channels x kernel taps (the product's inner dimension).
    pub fn taps(&self) -> usize {
        self.input[1] * self.kernel[0] * self.kernel[1]
    }

    /// Columns of an item's im2col: output positions.
    pub fn positions(&self) -> usize {
        self.output[0] * self.output[1]
    }

    /// Values of one input item.
    pub fn item_len(&self) -> usize {
        self.input[1] * self.input[2] * self.input[3]
    }

    /// For each im2col row (channel, tap) and output row, the input row it reads and the output
    /// columns `j0..j1` whose input column `j + b - left` lies inside the plane (`None` when the
    /// whole output row reads padding): `f(row, output row, Some((input offset of column j0,
    /// j0, j1)))`.
    fn spans(&self, mut f: impl FnMut(usize, usize, Option<(usize, usize, usize)>)) {
        let [_, channels, h, w] = self.input;
        let [kh, kw] = self.kernel;
        let [oh, ow] = self.output;
        let (top, left) = (self.padding[0].0, self.padding[1].0);
        for row in 0..channels * kh * kw {
            let (c, a, b) = (row / (kh * kw), row / kw % kh, row % kw);
            let (j0, j1) = (left.saturating_sub(b), (w + left).saturating_sub(b).min(ow));
            for i in 0..oh {
                let source = (i + a).checked_sub(top).filter(|&r| r < h && j0 < j1);
                f(row, i, source.map(|r| ((c * h + r) * w + j0 + b - left, j0, j1)));
            }
        }
    }
}

/// `col` (`[taps, positions]`, every value written) from one input item `x`.
pub fn im2col(x: &[f32], g: &Geometry, col: &mut [f32]) {
    let ow = g.output[1];
    let positions = g.positions();
    g.spans(|row, i, span| {
        let out = &mut col[row * positions + i * ow..][..ow];
        match span {
            Some((start, j0, j1)) => {
                out[..j0].fill(0.0);
                out[j0..j1].copy_from_slice(&x[start..start + j1 - j0]);
                out[j1..].fill(0.0);
            }
            None => out.fill(0.0),
        }
    });
}

/// The adjoint of [`im2col`]: adds each value of `col` to the input value it was read from
/// (padding reads are dropped). Turns the gradient of an item's im2col into its input gradient.
pub fn col2im(col: &[f32], g: &Geometry, dx: &mut [f32]) {
    let ow = g.output[1];
    let positions = g.positions();
    g.spans(|row, i, span| {
        if let Some((start, j0, j1)) = span {
            let from = &col[row * positions + i * ow + j0..][..j1 - j0];
            dx[start..start + j1 - j0].iter_mut().zip(from).for_each(|(d, v)| *d += v);
        }
    });
}
