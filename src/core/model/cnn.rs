//! The small convolutional network: two conv + ReLU + max-pool blocks, one
//! dense hidden layer, the output. Each block's output is a hidden layer of
//! the signature.

use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::nn::{Linear, PaddingConfig2d};
use burn::prelude::*;
use burn::tensor::activation::relu;
use rand_xoshiro::Xoshiro256PlusPlus;

use super::init::{seeded_conv, seeded_linear};

/// Channels of the first conv block: 4 x 14 x 14 = 784 features after pooling.
pub const CONV1_CHANNELS: usize = 4;
/// Channels of the second conv block: 8 x 7 x 7 = 392 features after pooling.
pub const CONV2_CHANNELS: usize = 8;
/// Image side after the first / second pooling.
const SIDE1: usize = 14;
const SIDE2: usize = 7;
/// Width of the first / second conv block's flattened output.
pub const CONV1_WIDTH: usize = CONV1_CHANNELS * SIDE1 * SIDE1;
pub const CONV2_WIDTH: usize = CONV2_CHANNELS * SIDE2 * SIDE2;

/// Sizes of the CNN.
#[derive(Config, Debug)]
pub struct CnnConfig {
    /// Width of the dense hidden layer after the conv blocks.
    pub dense: usize,
    /// Number of outputs (kept classes).
    pub classes: usize,
}

impl CnnConfig {
    pub fn init(&self, rng: &mut Xoshiro256PlusPlus, device: &Device) -> Cnn {
        let conv = |channels: [usize; 2], rng: &mut Xoshiro256PlusPlus| {
            let config = Conv2dConfig::new(channels, [3, 3]).with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1));
            seeded_conv(&config, rng, device)
        };
        let conv1 = conv([1, CONV1_CHANNELS], rng);
        let conv2 = conv([CONV1_CHANNELS, CONV2_CHANNELS], rng);
        let fc = seeded_linear(CONV2_WIDTH, self.dense, rng, device);
        let output = seeded_linear(self.dense, self.classes, rng, device);
        Cnn { conv1, conv2, pool: MaxPool2dConfig::new([2, 2]).init(), fc, output }
    }
}

/// `[1x28x28] -conv3x3,relu,pool2-> [4x14x14] -conv3x3,relu,pool2-> [8x7x7] -dense,relu-> [fc] -> [classes]`
#[derive(Module, Debug)]
pub struct Cnn {
    pub conv1: Conv2d,
    pub conv2: Conv2d,
    pub pool: MaxPool2d,
    pub fc: Linear,
    pub output: Linear,
}

impl Cnn {
    /// - images: `[batch, 784]`, row-major 28x28
    /// - returns the hidden outputs `[batch, 784]`, `[batch, 392]`, `[batch, fc]`
    ///   (conv blocks flattened channel-major) and the logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<2>) -> (Vec<Tensor<2>>, Tensor<2>) {
        let [batch, _] = images.dims();
        let x = images.reshape([batch, 1, 28, 28]);
        let x = self.pool.forward(relu(self.conv1.forward(x))); // [batch, 4, 14, 14]
        let h1 = x.clone().reshape([batch, CONV1_WIDTH]); // [batch, 784]
        let x = self.pool.forward(relu(self.conv2.forward(x))); // [batch, 8, 7, 7]
        let h2 = x.reshape([batch, CONV2_WIDTH]); // [batch, 392]
        let h3 = relu(self.fc.forward(h2.clone())); // [batch, fc]
        let logits = self.output.forward(h3.clone()); // [batch, classes]
        (vec![h1, h2, h3], logits)
    }

    pub fn dense_width(&self) -> usize {
        self.fc.weight.shape().dims::<2>()[1]
    }

    pub fn classes(&self) -> usize {
        self.output.weight.shape().dims::<2>()[1]
    }
}
