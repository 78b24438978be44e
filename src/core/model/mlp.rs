//! The dense network: 784 inputs, ReLU hidden layers, one output per kept class.

use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::init::seeded_linear;

/// Layer sizes of a dense network.
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Values per input image (784 for 28x28).
    pub inputs: usize,
    /// Width of each hidden layer, in order.
    pub hidden: Vec<usize>,
    /// Number of outputs (kept classes).
    pub classes: usize,
}

impl MlpConfig {
    /// Build the network with weights drawn from `rng` (see `init::seeded_linear`).
    pub fn init(&self, rng: &mut Xoshiro256PlusPlus, device: &Device) -> Mlp {
        let mut hidden = Vec::with_capacity(self.hidden.len());
        let mut width_in = self.inputs;
        for &width in &self.hidden {
            hidden.push(seeded_linear(width_in, width, rng, device));
            width_in = width;
        }
        let output = seeded_linear(width_in, self.classes, rng, device);
        Mlp { hidden, output }
    }
}

/// `784 -> hidden[0] -> ... -> hidden[n-1] -> classes`, ReLU after every hidden layer.
#[derive(Module, Debug)]
pub struct Mlp {
    pub hidden: Vec<Linear>,
    pub output: Linear,
}

impl Mlp {
    /// - images: `[batch, 784]`
    /// - returns the post-ReLU output of each hidden layer `[batch, width_l]`
    ///   and the logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<2>) -> (Vec<Tensor<2>>, Tensor<2>) {
        let mut outputs = Vec::with_capacity(self.hidden.len());
        let mut x = images;
        for layer in &self.hidden {
            x = relu(layer.forward(x)); // [batch, width_l]
            outputs.push(x.clone());
        }
        let logits = self.output.forward(x); // [batch, classes]
        (outputs, logits)
    }

    /// Widths of the hidden layers.
    pub fn widths(&self) -> Vec<usize> {
        self.hidden.iter().map(|l| l.weight.shape().dims::<2>()[1]).collect()
    }

    pub fn classes(&self) -> usize {
        self.output.weight.shape().dims::<2>()[1]
    }
}
