//! The kernels on burn's Flex backend: its tensors' f32 storage in, new tensors out (or, at
//! inference, the input normalised in place when nothing else holds it).

use burn::backend::Flex;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Shape, TensorData};
use burn_flex::FlexTensor;

use super::im2col::Geometry;
use super::{batch_norm, conv, max_pool, CpuKernels};

/// `t` with contiguous storage (copied only when it is a strided view).
pub(super) fn contiguous(t: FlexTensor) -> FlexTensor {
    if t.as_slice::<f32>().is_some() {
        t
    } else {
        t.to_contiguous()
    }
}

/// The values of a contiguous f32 tensor (the wrappers in `super` only send f32).
pub(super) fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>().expect("a contiguous f32 tensor")
}

/// The values of a contiguous f32 tensor to write in place, when nothing else holds its storage
/// and the tensor covers all of it.
fn owned_values(t: &mut FlexTensor) -> Option<&mut [f32]> {
    let len = t.layout().shape().num_elements();
    t.try_storage_mut::<f32>().filter(|s| s.len() == len)
}

/// A normalised copy of `x`, which stays as it was (for a backward pass, or for whoever else
/// holds it).
fn normalised_copy(x: &FlexTensor, l: batch_norm::Layout, affine: &batch_norm::Affine, relu: bool) -> FlexTensor {
    tensor(batch_norm::normalise(values(x), l, affine, relu), x.layout().shape().clone())
}

pub(super) fn tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape))
}

/// The shapes of a stride-1 convolution of `x` by `weight` with `options`' padding.
pub(super) fn conv_geometry(x: &FlexTensor, weight: &FlexTensor, options: &ConvOptions<2>) -> Geometry {
    let input: [usize; 4] = x.layout().shape().dims();
    let [_, _, kh, kw]: [usize; 4] = weight.layout().shape().dims();
    let [(top, bottom), (left, right)] = options.padding;
    let output = [input[2] + top + bottom + 1 - kh, input[3] + left + right + 1 - kw];
    Geometry { input, kernel: [kh, kw], padding: options.padding, output }
}

/// The `[batch, channels, plane]` layout of a tensor `[batch, channels, ...]` (plane: the
/// product of the rest).
pub(super) fn layout(t: &FlexTensor) -> batch_norm::Layout {
    let dims = t.layout().shape();
    batch_norm::Layout { batch: dims[0], channels: dims[1], plane: dims[2..].iter().product() }
}

impl CpuKernels for Flex {
    fn conv2d_no_bias(x: FlexTensor, weight: FlexTensor, options: ConvOptions<2>) -> FlexTensor {
        let [x, weight] = [x, weight].map(contiguous);
        let g = conv_geometry(&x, &weight, &options);
        let c_out = weight.layout().shape()[0];
        tensor(conv::forward(values(&x), values(&weight), &g), [g.input[0], c_out, g.output[0], g.output[1]])
    }

    fn fused_batch_norm_train(x: FlexTensor, gamma: FlexTensor, beta: FlexTensor, epsilon: f64, relu: bool) -> (FlexTensor, FlexTensor, FlexTensor) {
        let [x, gamma, beta] = [x, gamma, beta].map(contiguous);
        let l = layout(&x);
        let (mean, var) = batch_norm::mean_var(values(&x), l);
        // A copy: the backward pass needs the input as it was.
        let affine = batch_norm::Affine { gamma: values(&gamma), beta: values(&beta), mean: &mean, var: &var, epsilon };
        let y = normalised_copy(&x, l, &affine, relu);
        (y, tensor(mean, [l.channels]), tensor(var, [l.channels]))
    }

    fn batch_norm_eval(x: FlexTensor, gamma: FlexTensor, beta: FlexTensor, mean: FlexTensor, var: FlexTensor, epsilon: f64, relu: bool) -> FlexTensor {
        let [mut x, gamma, beta, mean, var] = [x, gamma, beta, mean, var].map(contiguous);
        let l = layout(&x);
        let affine = batch_norm::Affine { gamma: values(&gamma), beta: values(&beta), mean: values(&mean), var: values(&var), epsilon };
        match owned_values(&mut x) {
            Some(values) => {
                batch_norm::normalise_in_place(values, l, &affine, relu);
                x
            }
            None => normalised_copy(&x, l, &affine, relu),
        }
    }

    fn max_pool(x: FlexTensor, window: [usize; 2]) -> FlexTensor {
        let x = contiguous(x);
        let [b, c, h, w]: [usize; 4] = x.layout().shape().dims();
        tensor(max_pool::forward(values(&x), w, window), [b, c, h / window[0], w / window[1]])
    }
}
