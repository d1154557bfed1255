//! The kernels under autodiff: each records one node whose backward pass is written here, over
//! burn's Flex tensors.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::ops::{FloatTensorOps, ModuleOps};
use burn::backend::tensor::FloatTensor;
use burn::backend::Flex;
use burn::tensor::ops::ConvOptions;
use burn_flex::FlexTensor;

use super::flex::{contiguous, layout, tensor, values};
use super::{batch_norm, im2col, max_pool, CpuKernels};

type Ad<C> = Autodiff<Flex, C>;

impl<C: CheckpointStrategy> CpuKernels for Ad<C> {
    fn conv2d_no_bias(x: FloatTensor<Self>, weight: FloatTensor<Self>, options: ConvOptions<2>) -> FloatTensor<Self> {
        match Conv2dBackward.prepare::<C>([x.node(), weight.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&x), prep.checkpoint(&weight), options.clone());
                prep.finish(state, Flex::conv2d_no_bias(x.into_primitive(), weight.into_primitive(), options))
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::conv2d_no_bias(x.into_primitive(), weight.into_primitive(), options)),
        }
    }

    fn fused_batch_norm_train(
        x: FloatTensor<Self>,
        gamma: FloatTensor<Self>,
        beta: FloatTensor<Self>,
        epsilon: f64,
        relu: bool,
    ) -> (FloatTensor<Self>, FloatTensor<Self>, FloatTensor<Self>) {
        let prep = BatchNormBackward.prepare::<C>([x.node(), gamma.node(), beta.node()]).compute_bound().stateful();
        let x_primitive = contiguous(x.primitive().clone());
        let (y, mean, var) = Flex::fused_batch_norm_train(x_primitive.clone(), gamma.primitive().clone(), beta.primitive().clone(), epsilon, relu);
        let stats = (FloatTensor::<Self>::new(mean.clone()), FloatTensor::<Self>::new(var.clone()));
        let y = match prep {
            OpsKind::Tracked(prep) => {
                let state = BatchNormState { x: x_primitive, output: y.clone(), gamma: contiguous(gamma.primitive().clone()), mean, var, epsilon, relu };
                prep.finish(state, y)
            }
            OpsKind::UnTracked(prep) => prep.finish(y),
        };
        (y, stats.0, stats.1)
    }

    fn max_pool_2x2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match MaxPoolBackward.prepare::<C>([x.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = prep.checkpoint(&x);
                prep.finish(state, Flex::max_pool_2x2(x.into_primitive()))
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::max_pool_2x2(x.into_primitive())),
        }
    }
}

#[derive(Debug)]
struct Conv2dBackward;

impl Backward<Flex, 2> for Conv2dBackward {
    type State = (NodeId, NodeId, ConvOptions<2>);

    fn backward(self, ops: Ops<Self::State, 2>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [node_x, node_weight] = ops.parents;
        let grad = grads.consume::<Flex>(&ops.node);
        let (x_state, weight_state, options) = ops.state;
        let x: FlexTensor = checkpointer.retrieve_node_output(x_state);
        let weight: FlexTensor = checkpointer.retrieve_node_output(weight_state);
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, Flex::conv2d_x_backward(x.clone(), weight.clone(), grad.clone(), options.clone()));
        }
        if let Some(node) = node_weight {
            grads.register::<Flex>(node.id, conv_weight_grad(x, &weight, grad, &options));
        }
    }
}

/// The kernel's gradient of a stride-1 convolution: per batch item the output gradient
/// `[c_out, oh*ow]` times the transposed im2col of its input `[oh*ow, c_in*kh*kw]`, as one batched
/// matrix product, summed over the batch.
fn conv_weight_grad(x: FlexTensor, weight: &FlexTensor, grad: FlexTensor, options: &ConvOptions<2>) -> FlexTensor {
    let x = contiguous(x);
    let [c_out, c_in, kh, kw]: [usize; 4] = weight.layout().shape().dims();
    let [b, _, oh, ow]: [usize; 4] = grad.layout().shape().dims();
    let geometry = im2col::Geometry { input: x.layout().shape().dims(), kernel: [kh, kw], padding: options.padding, output: [oh, ow] };
    let col = tensor(im2col::im2col(values(&x), geometry), [b, c_in * kh * kw, oh * ow]);
    let grad = Flex::float_reshape(grad, [b, c_out, oh * ow].into());
    let per_item = Flex::float_matmul(grad, Flex::float_swap_dims(col, 1, 2));
    Flex::float_reshape(Flex::float_sum_dim(per_item, 0), [c_out, c_in, kh, kw].into())
}

#[derive(Debug)]
struct BatchNormBackward;

/// What the batch-norm's backward pass reads; the output tells where the ReLU let gradient through.
#[derive(Clone, Debug)]
struct BatchNormState {
    x: FlexTensor,
    output: FlexTensor,
    gamma: FlexTensor,
    mean: FlexTensor,
    var: FlexTensor,
    epsilon: f64,
    relu: bool,
}

impl Backward<Flex, 3> for BatchNormBackward {
    type State = BatchNormState;

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, _: &mut Checkpointer) {
        let [node_x, node_gamma, node_beta] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let s = ops.state;
        let saved = batch_norm::Saved {
            x: values(&s.x),
            output: values(&s.output),
            gamma: values(&s.gamma),
            mean: values(&s.mean),
            var: values(&s.var),
            epsilon: s.epsilon,
            relu: s.relu,
        };
        let l = layout(&s.x);
        let (dx, dgamma, dbeta) = batch_norm::backward(&saved, l, values(&grad));
        let dims: [usize; 4] = s.x.layout().shape().dims();
        for (node, g) in [(node_x, tensor(dx, dims)), (node_gamma, tensor(dgamma, [l.channels])), (node_beta, tensor(dbeta, [l.channels]))] {
            if let Some(node) = node {
                grads.register::<Flex>(node.id, g);
            }
        }
    }
}

#[derive(Debug)]
struct MaxPoolBackward;

impl Backward<Flex, 1> for MaxPoolBackward {
    type State = NodeId;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let x = contiguous(checkpointer.retrieve_node_output::<FlexTensor>(ops.state));
        if let Some(node) = node_x {
            let dims: [usize; 4] = x.layout().shape().dims();
            grads.register::<Flex>(node.id, tensor(max_pool::backward(values(&x), dims[3], values(&grad)), dims));
        }
    }
}
