//! Faster CPU training and inference for the conv blocks: hand-written kernels for burn's Flex (CPU) backend,
//! plugged in through burn's backend extension (`#[backend_extension]`) with hand-written
//! backward passes. What each replaces and why is in its module; what each gained is measured by
//! `examples/profile_cnn.rs --train` and `scripts/bench_train.sh` (README, "Training and
//! inference speed").
//!
//! - [`conv2d`] and [`conv1d`] (stride 1; the bias added after): forward pass and both
//!   gradients as im2col + one matrix product per batch item (`conv`), where burn-flex fills its
//!   im2col element by element and runs a transposed convolution and a convolution whose kernel
//!   is the whole output gradient for the backward pass.
//! - [`batch_norm`]: batch statistics, normalisation and an optional ReLU in one pass each way;
//!   at inference, normalisation and ReLU in one pass.
//! - [`max_pool`] (windows that tile the input): no index tensor; the backward pass finds each
//!   window's maximum again and writes each input gradient once, both passes branch-free.
//!
//! Outputs that a kernel writes in full are not zeroed first (`buffer`).
//!
//! On any other device (wgpu) or dtype the wrappers run burn's stock layers, so models never
//! depend on these kernels for what they compute, only for how fast. Tests compare every
//! kernel, forward and backward, with the stock layer.

mod autodiff;
mod batch_norm;
mod buffer;
mod conv;
mod flex;
mod im2col;
mod matmul;
mod max_pool;

use burn::backend::tensor::FloatTensor;
use burn::backend::{backend_extension, Dispatch};
use burn::nn::conv::{Conv1d, Conv2d};
use burn::nn::pool::MaxPool2d;
use burn::nn::{BatchNorm, PaddingConfig1d, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use burn::tensor::ops::ConvOptions;
use burn::tensor::DType;

/// The operations the Flex backend (and its autodiff wrapper) run with this module's kernels.
#[backend_extension(Flex, Autodiff)]
pub trait CpuKernels: burn::backend::Backend {
    /// A convolution without bias, stride 1, no dilation or groups ([`conv2d`] and [`conv1d`]
    /// send no other; they add the bias after).
    fn conv2d_no_bias(x: FloatTensor<Self>, weight: FloatTensor<Self>, options: ConvOptions<2>) -> FloatTensor<Self>;
    /// Training-mode batch-norm (then ReLU when `relu`): `(output, batch mean, batch variance)`.
    fn fused_batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>);
    /// Batch-norm with given statistics (inference, or a frozen layer), then ReLU when `relu`.
    /// This default body is burn's ops, which autodiff differentiates; Flex runs one pass.
    fn batch_norm_eval(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        mean: FloatTensor<Self>,
        var: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
    ) -> FloatTensor<Self> {
        let y = Self::batch_norm(x, gamma, beta, mean, var, epsilon);
        if relu {
            Self::relu(y)
        } else {
            y
        }
    }
    /// Max-pooling with `window` (`[rows, columns]`) as its stride; height and width are
    /// multiples of it.
    fn max_pool(x: FloatTensor<Self>, window: [usize; 2]) -> FloatTensor<Self>;
}

/// Whether `x` lives where these kernels run: burn's CPU backend, in f32.
fn on_kernels<const D: usize>(x: &Tensor<D>) -> bool {
    x.device().inner() == Device::flex() && x.dtype() == DType::F32
}

/// `conv.forward(x)`, by the kernels on the CPU for the convolutions they cover: stride 1, no
/// dilation, no groups.
pub fn conv2d(conv: &Conv2d, x: Tensor<4>) -> Tensor<4> {
    match stride_one_padding(conv) {
        Some(padding) if on_kernels(&x) && conv.groups == 1 && fits(x.dims(), conv.kernel_size, padding) => {
            stride_one(x, conv.weight.val(), conv.bias.as_ref().map(|b| b.val()), padding)
        }
        _ => conv.forward(x),
    }
}

/// `conv.forward(x)` for `[batch, channels, length]` inputs, as [`conv2d`] of a `length x 1`
/// image when the kernels cover it.
pub fn conv1d(conv: &Conv1d, x: Tensor<3>) -> Tensor<3> {
    if !(on_kernels(&x) && conv.stride == 1 && conv.dilation == 1 && conv.groups == 1) {
        return conv.forward(x);
    }
    let padding = match conv.padding {
        PaddingConfig1d::Same => same_padding(conv.kernel_size),
        PaddingConfig1d::Valid => (0, 0),
        PaddingConfig1d::Explicit(begin, end) => (begin, end),
    };
    let [batch, channels, length] = x.dims();
    let [c_out, c_in, k] = conv.weight.dims();
    if !fits([batch, channels, length, 1], [k, 1], [padding, (0, 0)]) {
        return conv.forward(x);
    }
    let weight = conv.weight.val().reshape([c_out, c_in, k, 1]);
    let y = stride_one(x.reshape([batch, channels, length, 1]), weight, conv.bias.as_ref().map(|b| b.val()), [padding, (0, 0)]);
    let [_, _, out_length, _] = y.dims();
    y.reshape([batch, c_out, out_length])
}

/// The kernels' stride-1 convolution, then the bias (burn's broadcast add, which autodiff
/// differentiates).
fn stride_one(x: Tensor<4>, weight: Tensor<4>, bias: Option<Tensor<1>>, padding: [(usize, usize); 2]) -> Tensor<4> {
    let options = ConvOptions::new_with_padding([1, 1], padding, [1, 1], 1);
    let y = Tensor::from_dispatch(Dispatch::conv2d_no_bias(x.into_dispatch(), weight.into_dispatch(), options));
    match bias {
        Some(bias) => {
            let channels = bias.dims()[0];
            y + bias.reshape([1, channels, 1, 1])
        }
        None => y,
    }
}

/// Whether `kernel` fits in the padded input `[batch, channels, h, w]` (otherwise burn's layer
/// runs and reports it).
fn fits([_, _, h, w]: [usize; 4], kernel: [usize; 2], padding: [(usize, usize); 2]) -> bool {
    h + padding[0].0 + padding[0].1 >= kernel[0] && w + padding[1].0 + padding[1].1 >= kernel[1]
}

/// The `(begin, end)` padding of "same" for a stride-1 kernel of `k` taps: `k - 1` in all, the
/// odd one at the end (burn keeps its own computation private).
fn same_padding(k: usize) -> (usize, usize) {
    ((k - 1) / 2, k - 1 - (k - 1) / 2)
}

/// The `(begin, end)` padding of each axis that `conv` applies, for an undilated stride-1
/// convolution; `None` otherwise.
fn stride_one_padding(conv: &Conv2d) -> Option<[(usize, usize); 2]> {
    if conv.stride != [1, 1] || conv.dilation != [1, 1] {
        return None;
    }
    let [kh, kw] = conv.kernel_size;
    Some(match conv.padding {
        PaddingConfig2d::Same => [same_padding(kh), same_padding(kw)],
        PaddingConfig2d::Valid => [(0, 0), (0, 0)],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(top, bottom), (left, right)],
    })
}

/// `norm.forward(x)` (`x` is `[batch, channels, ...]`), then a ReLU when `then_relu`: both in one
/// kernel on the CPU. In training the running statistics are updated exactly as burn's
/// `BatchNorm` updates them.
pub fn batch_norm<const D: usize>(norm: &BatchNorm, x: Tensor<D>, then_relu: bool) -> Tensor<D> {
    if !on_kernels(&x) {
        let y = norm.forward(x);
        return if then_relu { relu(y) } else { y };
    }
    if !(x.device().is_autodiff() && norm.training.is_enabled()) {
        let [mean, var] = [&norm.running_mean, &norm.running_var].map(|s| s.value().to_device(&x.device()).into_dispatch());
        let (gamma, beta) = (norm.gamma.val().into_dispatch(), norm.beta.val().into_dispatch());
        return Tensor::from_dispatch(Dispatch::batch_norm_eval(x.into_dispatch(), gamma, beta, mean, var, norm.epsilon, then_relu));
    }
    let (y, mean, var) =
        Dispatch::fused_batch_norm_train(x.into_dispatch(), norm.gamma.val().into_dispatch(), norm.beta.val().into_dispatch(), norm.epsilon, then_relu);
    let (mean, var) = (Tensor::<1>::from_dispatch(mean), Tensor::<1>::from_dispatch(var));
    let device = mean.device();
    let momentum = norm.momentum;
    let running_mean = norm.running_mean.value_sync().to_device(&device);
    let running_var = norm.running_var.value_sync().to_device(&device);
    norm.running_mean.update(running_mean.mul_scalar(1.0 - momentum).add(mean.detach().mul_scalar(momentum)).detach());
    norm.running_var.update(running_var.mul_scalar(1.0 - momentum).add(var.detach().mul_scalar(momentum)).detach());
    Tensor::from_dispatch(y)
}

/// `pool.forward(x)`; by the kernel on the CPU when `pool`'s windows tile `x`: stride equal to
/// the window, no padding or dilation, height and width multiples of the window.
pub fn max_pool(pool: &MaxPool2d, x: Tensor<4>) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    let [kh, kw] = pool.kernel_size;
    let tiles = kh > 0 && kw > 0 && pool.stride == [kh, kw] && pool.dilation == [1, 1] && pool.padding == PaddingConfig2d::Valid && h % kh == 0 && w % kw == 0;
    if !(tiles && on_kernels(&x)) {
        return pool.forward(x);
    }
    Tensor::from_dispatch(Dispatch::max_pool(x.into_dispatch(), pool.kernel_size))
}

#[cfg(test)]
mod tests {
    use burn::module::Param;
    use burn::nn::conv::{Conv1dConfig, Conv2dConfig};
    use burn::nn::pool::MaxPool2dConfig;
    use burn::nn::{BatchNormConfig, PaddingConfig2d};
    use burn::tensor::Distribution;

    use super::*;
    use crate::testing::values;

    fn random<const D: usize>(shape: [usize; D], device: &Device) -> Tensor<D> {
        Tensor::random(shape, Distribution::Normal(0.0, 1.0), device)
    }

    /// Same values within float rounding (relative to the largest magnitude).
    #[track_caller]
    fn assert_close<const D: usize>(what: &str, fast: Tensor<D>, stock: Tensor<D>) {
        assert_eq!(fast.dims(), stock.dims(), "{what}: shapes");
        assert_values_close(what, &values(fast), &values(stock));
    }

    #[track_caller]
    fn assert_values_close(what: &str, fast: &[f32], stock: &[f32]) {
        assert_eq!(fast.len(), stock.len(), "{what}: size");
        let scale = stock.iter().fold(1f32, |m, v| m.max(v.abs()));
        let worst = fast.iter().zip(stock).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
        assert!(worst <= 2e-5 * scale, "{what}: differs by {worst} (scale {scale})");
    }

    /// Output and gradients (input, then each of `params`) of `layer` on `x` under a random
    /// upstream gradient, so that no gradient is trivially constant.
    fn run<const E: usize, const D: usize>(
        x: &Tensor<E>,
        upstream: &Tensor<D>,
        layer: impl Fn(Tensor<E>) -> Tensor<D>,
        params: &[Tensor<1>],
    ) -> (Tensor<D>, Tensor<E>, Vec<Tensor<1>>) {
        let x = x.clone().detach().require_grad();
        let y = layer(x.clone());
        let grads = (y.clone() * upstream.clone()).sum().backward();
        let dx = x.grad(&grads).expect("input gradient");
        let dp = params.iter().map(|p| p.grad(&grads).expect("parameter gradient")).collect();
        (y.detach(), dx, dp)
    }

    /// Output, input gradient and parameter gradients (kernel, then bias) of a convolution on `x`
    /// under a random upstream gradient, through `layer`.
    fn conv_run<const D: usize>(
        x: &Tensor<D>,
        upstream: &Tensor<D>,
        weight: &Tensor<D>,
        bias: Option<&Tensor<1>>,
        layer: impl Fn(Tensor<D>) -> Tensor<D>,
    ) -> Vec<Vec<f32>> {
        let x = x.clone().detach().require_grad();
        let y = layer(x.clone());
        let grads = (y.clone() * upstream.clone()).sum().backward();
        let mut out = vec![values(y.detach()), values(x.grad(&grads).expect("input gradient"))];
        out.push(values(weight.grad(&grads).expect("kernel gradient")));
        out.extend(bias.map(|b| values(b.grad(&grads).expect("bias gradient"))));
        out
    }

    /// The kernel path `fast` and burn's layer `stock` (a convolution with `weight` and `bias`)
    /// give the same output, input gradient, kernel gradient and bias gradient on `x`.
    #[track_caller]
    fn assert_conv_equals_burns<const D: usize>(
        case: &str,
        x: &Tensor<D>,
        weight: &Tensor<D>,
        bias: Option<&Tensor<1>>,
        fast: impl Fn(Tensor<D>) -> Tensor<D>,
        stock: impl Fn(Tensor<D>) -> Tensor<D>,
    ) {
        let upstream = random(stock(x.clone()).dims(), &x.device());
        let fast = conv_run(x, &upstream, weight, bias, fast);
        let stock = conv_run(x, &upstream, weight, bias, stock);
        assert_eq!(fast.len(), stock.len(), "{case}: same gradients");
        for (what, (fast, stock)) in ["output", "input gradient", "kernel gradient", "bias gradient"].iter().zip(fast.iter().zip(&stock)) {
            assert_values_close(&format!("{case}: {what}"), fast, stock);
        }
    }

    #[test]
    fn conv2d_forward_and_backward_equal_burns() {
        let device = Device::flex().autodiff();
        let cases = [
            ([3, 5], [3, 3], PaddingConfig2d::Same, false),
            ([3, 5], [4, 2], PaddingConfig2d::Same, false), // pads unevenly: (1, 2) and (0, 1)
            ([3, 5], [1, 5], PaddingConfig2d::Valid, true),
            ([3, 5], [3, 3], PaddingConfig2d::Explicit(2, 0, 1, 2), false),
            ([3, 5], [3, 3], PaddingConfig2d::Explicit(4, 1, 0, 3), true), // rows and columns of padding only
            ([1, 6], [7, 4], PaddingConfig2d::Explicit(3, 0, 3, 0), true), // musicnn's timbral filters
            ([1, 6], [4, 1], PaddingConfig2d::Explicit(1, 0, 2, 0), true), // and its even temporal ones
        ];
        for (channels, kernel, padding, bias) in cases {
            let conv = Conv2dConfig::new(channels, kernel).with_padding(padding.clone()).with_bias(bias).init(&device);
            assert!(stride_one_padding(&conv).is_some(), "{kernel:?} {padding:?} takes the kernel path");
            // More items than threads: each thread sums several items' kernel gradients.
            let x = random([12, channels[0], 9, 10], &device);
            let case = format!("{channels:?} kernel {kernel:?}, {padding:?}, bias {bias}");
            let biases = conv.bias.as_ref().map(|b| b.val());
            assert_conv_equals_burns(&case, &x, &conv.weight.val(), biases.as_ref(), |x| conv2d(&conv, x), |x| conv.forward(x));
        }
    }

    #[test]
    fn conv1d_forward_and_backward_equal_burns() {
        let device = Device::flex().autodiff();
        for (kernel, padding) in [(7, PaddingConfig1d::Explicit(3, 3)), (4, PaddingConfig1d::Same), (3, PaddingConfig1d::Valid)] {
            let conv = Conv1dConfig::new(5, 4, kernel).with_padding(padding.clone()).init(&device);
            let x = random([3, 5, 11], &device);
            let bias = conv.bias.as_ref().map(|b| b.val());
            assert_conv_equals_burns(
                &format!("kernel {kernel}, {padding:?}"),
                &x,
                &conv.weight.val(),
                bias.as_ref(),
                |x| conv1d(&conv, x),
                |x| conv.forward(x),
            );
        }
    }

    #[test]
    fn convolutions_the_kernels_do_not_cover_run_burns_layer() {
        let device = Device::flex();
        let strided = Conv2dConfig::new([1, 2], [3, 3]).with_stride([2, 2]).init(&device);
        assert!(stride_one_padding(&strided).is_none());
        let dilated = Conv2dConfig::new([1, 2], [3, 3]).with_dilation([2, 1]).init(&device);
        assert!(stride_one_padding(&dilated).is_none());
        let x = random([1, 1, 6, 6], &device);
        assert_close("strided", conv2d(&strided, x.clone()), strided.forward(x));
        // A kernel larger than the padded input is left to burn, which reports it.
        assert!(!fits([1, 1, 3, 3], [5, 3], [(0, 0), (0, 0)]));
        assert!(fits([1, 1, 3, 3], [5, 3], [(1, 1), (0, 0)]));
    }

    #[test]
    fn batch_norm_relu_forward_backward_and_running_stats_equal_burns() {
        let device = Device::flex().autodiff();
        for then_relu in [true, false] {
            let norm = BatchNormConfig::new(4).init(&device);
            // Not centred, not unit variance, and gamma/beta away from their initial 1 and 0.
            let x = random([3, 4, 5, 6], &device) * 3.0 + 1.5;
            let gamma = random([4], &device).detach();
            let beta = random([4], &device).detach();
            let with_params = || BatchNorm { gamma: Param::from_tensor(gamma.clone()), beta: Param::from_tensor(beta.clone()), ..norm.clone() };
            let (fast_norm, stock_norm) = (with_params(), with_params());
            let upstream = random([3, 4, 5, 6], &device);
            let params = |n: &BatchNorm| vec![n.gamma.val(), n.beta.val()];
            let fast = run(&x, &upstream, |x| batch_norm(&fast_norm, x, then_relu), &params(&fast_norm));
            let stock = run(&x, &upstream, |x| if then_relu { relu(stock_norm.forward(x)) } else { stock_norm.forward(x) }, &params(&stock_norm));
            let case = format!("relu {then_relu}");
            assert_close(&format!("{case}: output"), fast.0, stock.0);
            assert_close(&format!("{case}: input gradient"), fast.1, stock.1);
            for (i, (f, s)) in fast.2.into_iter().zip(stock.2).enumerate() {
                assert_close(&format!("{case}: {} gradient", ["gamma", "beta"][i]), f, s);
            }
            assert_close(&format!("{case}: running mean"), fast_norm.running_mean.value(), stock_norm.running_mean.value());
            assert_close(&format!("{case}: running var"), fast_norm.running_var.value(), stock_norm.running_var.value());
        }
    }

    /// musicnn normalises sequences `[batch, channels, time]` and vectors `[batch, features]`.
    #[test]
    fn batch_norm_of_sequences_and_vectors_equals_burns() {
        let device = Device::flex().autodiff();
        let norm = BatchNormConfig::new(4).init(&device);
        let params = vec![norm.gamma.val(), norm.beta.val()];
        let sequences = random([3, 4, 7], &device) * 2.0 + 0.5;
        let upstream = random([3, 4, 7], &device);
        let fast = run(&sequences, &upstream, |x| batch_norm(&norm, x, false), &params);
        let stock = run(&sequences, &upstream, |x| norm.forward(x), &params);
        assert_close("sequences: output", fast.0, stock.0);
        assert_close("sequences: input gradient", fast.1, stock.1);
        for (i, (f, s)) in fast.2.into_iter().zip(stock.2).enumerate() {
            assert_close(&format!("sequences: {} gradient", ["gamma", "beta"][i]), f, s);
        }
        let vectors = random([5, 4], &device) - 1.0;
        let upstream = random([5, 4], &device);
        let fast = run(&vectors, &upstream, |x| batch_norm(&norm, x, false), &params);
        let stock = run(&vectors, &upstream, |x| norm.forward(x), &params);
        assert_close("vectors: output", fast.0, stock.0);
        assert_close("vectors: input gradient", fast.1, stock.1);
    }

    #[test]
    fn batch_norm_relu_at_inference_equals_burns() {
        let device = Device::flex();
        let norm = BatchNormConfig::new(4).init(&device);
        let norm = BatchNorm { gamma: Param::from_tensor(random([4], &device)), beta: Param::from_tensor(random([4], &device)), ..norm };
        norm.running_mean.update(random([4], &device));
        norm.running_var.update(random([4], &device).abs() + 0.5);
        let x = random([3, 4, 5, 6], &device);
        for then_relu in [true, false] {
            let stock = if then_relu { relu(norm.forward(x.clone())) } else { norm.forward(x.clone()) };
            assert_close(&format!("relu {then_relu}"), batch_norm(&norm, x.clone(), then_relu), stock);
        }
    }

    /// The CNN's 2 x 2 windows, the CRNN's 4 x 2 and 4 x 1, and a wide one; on random values and
    /// on ties (a ReLU's zeros), which must send the gradient to the same input as burn's.
    #[test]
    fn max_pool_forward_and_backward_equal_burns() {
        let device = Device::flex().autodiff();
        let x = random([2, 3, 8, 12], &device);
        let tied = relu(x.clone().floor());
        for window in [[2, 2], [4, 2], [4, 1], [1, 3]] {
            let pool = MaxPool2dConfig::new(window).init();
            let upstream = random([2, 3, 8 / window[0], 12 / window[1]], &device);
            for (case, x) in [("random", &x), ("tied", &tied)] {
                let fast = run(x, &upstream, |x| max_pool(&pool, x), &[]);
                let stock = run(x, &upstream, |x| pool.forward(x), &[]);
                assert_close(&format!("{window:?} {case}: output"), fast.0, stock.0);
                assert_close(&format!("{window:?} {case}: input gradient"), fast.1, stock.1);
            }
        }
    }

    /// Windows that do not tile the input (a height not a multiple, overlapping windows) are
    /// left to burn's layer.
    #[test]
    fn max_pools_the_kernel_does_not_cover_run_burns_layer() {
        let device = Device::flex();
        let square = MaxPool2dConfig::new([2, 2]).init();
        let odd = random([1, 1, 5, 4], &device);
        assert_close("odd height", max_pool(&square, odd.clone()), square.forward(odd));
        let overlapping = MaxPool2dConfig::new([3, 3]).with_strides([2, 2]).init();
        let x = random([1, 2, 7, 7], &device);
        assert_close("overlapping", max_pool(&overlapping, x.clone()), overlapping.forward(x));
    }
}
