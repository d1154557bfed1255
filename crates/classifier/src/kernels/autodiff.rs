//! The kernels under autodiff: each records one node whose backward pass is written here, over
//! burn's Flex tensors.

use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::backend::autodiff::{Autodiff, NodeId};
use burn::backend::tensor::FloatTensor;
use burn::backend::Flex;
use burn::tensor::ops::ConvOptions;
use burn_flex::FlexTensor;

use super::flex::{contiguous, conv_geometry, layout, tensor, values};
use super::{batch_norm, conv, max_pool, CpuKernels};

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

    fn max_pool(x: FloatTensor<Self>, window: [usize; 2]) -> FloatTensor<Self> {
        match MaxPoolBackward.prepare::<C>([x.node()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = (prep.checkpoint(&x), window);
                prep.finish(state, Flex::max_pool(x.into_primitive(), window))
            }
            OpsKind::UnTracked(prep) => prep.finish(Flex::max_pool(x.into_primitive(), window)),
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
        let x = contiguous(checkpointer.retrieve_node_output(x_state));
        let weight = contiguous(checkpointer.retrieve_node_output(weight_state));
        let grad = contiguous(grad);
        let g = conv_geometry(&x, &weight, &options);
        if let Some(node) = node_x {
            grads.register::<Flex>(node.id, tensor(conv::input_grad(values(&weight), values(&grad), &g), g.input));
        }
        if let Some(node) = node_weight {
            let dims: [usize; 4] = weight.layout().shape().dims();
            grads.register::<Flex>(node.id, tensor(conv::weight_grad(values(&x), values(&grad), &g), dims));
        }
    }
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
        let dims = s.x.layout().shape().clone();
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
    type State = (NodeId, max_pool::Window);

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let grad = contiguous(grads.consume::<Flex>(&ops.node));
        let (x_state, window) = ops.state;
        let x = contiguous(checkpointer.retrieve_node_output::<FlexTensor>(x_state));
        if let Some(node) = node_x {
            let dims: [usize; 4] = x.layout().shape().dims();
            grads.register::<Flex>(node.id, tensor(max_pool::backward(values(&x), dims[3], window, values(&grad)), dims));
        }
    }
}
