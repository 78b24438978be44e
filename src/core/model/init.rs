//! Seeded weight initialisation.
//!
//! burn's initialisers draw from the backend's generator, whose seed is global
//! on the CPU backend (`Device::seed` sets one process-wide generator), so two
//! networks built at once in different threads (as host tests are) would
//! interleave their draws. Drawing the weights here from our own seeded stream
//! and uploading them makes initialisation independent of threads and
//! identical on every backend (flex, WebGPU) for one seed.
//!
//! The scheme is Keras's default (Glorot uniform weights, zero biases), the
//! seed project's framework: with burn's default (U(±1/sqrt(fan_in))) the
//! default dense net learns markedly slower in its first epoch.

use burn::module::Param;
use burn::nn::Linear;
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::prelude::*;
use rand::Rng;
use rand_xoshiro::Xoshiro256PlusPlus;

/// `count` values from U(-bound, bound).
fn uniform(count: usize, bound: f32, rng: &mut Xoshiro256PlusPlus) -> Vec<f32> {
    (0..count).map(|_| rng.gen_range(-bound..bound)).collect()
}

/// Glorot (Xavier) uniform: U(-k, k) with k = sqrt(6 / (fan_in + fan_out)).
fn glorot_bound(fan_in: usize, fan_out: usize) -> f32 {
    (6.0 / (fan_in + fan_out).max(1) as f32).sqrt()
}

/// A dense layer `[batch, d_in] -> [batch, d_out]`; weight stored `[d_in, d_out]`.
pub(crate) fn seeded_linear(d_in: usize, d_out: usize, rng: &mut Xoshiro256PlusPlus, device: &Device) -> Linear {
    let k = glorot_bound(d_in, d_out);
    let weight = TensorData::new(uniform(d_in * d_out, k, rng), [d_in, d_out]);
    let bias = TensorData::new(vec![0.0f32; d_out], [d_out]);
    Linear { weight: Param::from_data(weight, device), bias: Some(Param::from_data(bias, device)) }
}

/// A convolution per `config` (stride, padding...), weights drawn from `rng`.
pub(crate) fn seeded_conv(config: &Conv2dConfig, rng: &mut Xoshiro256PlusPlus, device: &Device) -> Conv2d {
    let [c_in, c_out] = config.channels;
    let [kh, kw] = config.kernel_size;
    let groups = config.groups.max(1);
    // Per output position, as Keras counts for a convolution kernel.
    let k = glorot_bound(c_in / groups * kh * kw, c_out / groups * kh * kw);
    let shape = [c_out, c_in / groups, kh, kw];
    let weight = TensorData::new(uniform(shape.iter().product(), k, rng), shape);
    let bias = TensorData::new(vec![0.0f32; c_out], [c_out]);
    // `init` fills the layer's settings; its lazily drawn parameters are replaced
    // before they are ever materialised.
    let conv = config.init(device);
    Conv2d { weight: Param::from_data(weight, device), bias: Some(Param::from_data(bias, device)), ..conv }
}
