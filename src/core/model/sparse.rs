//! The dense network's forward pass on plain arrays, for CPU inference only.
//!
//! Why a second path beside burn's: recording signatures is one dense matrix
//! product per layer in burn, yet most of what goes in is zero (about 80 % of
//! MNIST's pixels, about half of every ReLU output). Adding up only the weight
//! rows of the non-zero inputs does about a fifth of the first layer's work,
//! which is most of the pass. The pixels come listed ([`NonzeroPixels`]), the
//! ReLU outputs are listed here as they are made. Same weights, same result
//! up to float rounding (tested against `Mlp::forward`); training and the CNN
//! stay on burn.

use wide::f32x4;

use super::{Mlp, ModelError, Tensors, next_data};
use crate::core::analysis::kernels::load4;
use crate::core::data::IMAGE_PIXELS;
use crate::core::data::NonzeroPixels;
use crate::core::data::nonzero::{push_remainder, push_set_bits};

/// One linear layer, `[inputs, outputs]` row-major as burn stores it, with
/// every row padded with zeros to `stride` (a multiple of four) so that all
/// columns go through 128-bit vectors.
#[derive(Debug, Clone)]
struct DenseLayer {
    /// `[inputs, stride]`.
    weight: Vec<f32>,
    /// `[stride]`.
    bias: Vec<f32>,
    outputs: usize,
    stride: usize,
}

impl DenseLayer {
    fn padded(weight: &[f32], bias: &[f32], outputs: usize) -> DenseLayer {
        let stride = outputs.div_ceil(4) * 4;
        let pad = |rows: &[f32]| -> Vec<f32> {
            rows.chunks_exact(outputs.max(1))
                .flat_map(|row| row.iter().copied().chain(std::iter::repeat_n(0.0, stride - outputs)))
                .collect()
        };
        let (weight, bias) = (pad(weight), pad(bias));
        DenseLayer { weight, bias, outputs, stride }
    }
}

/// What one pass over a batch of images gives, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct SparseOutput {
    /// Post-ReLU output of each hidden layer: `[images * width_l]`.
    pub hidden: Vec<Vec<f32>>,
    /// `[images * classes]`, before softmax.
    pub logits: Vec<f32>,
}

/// A dense network's weights as plain arrays (a copy: the network is untouched).
#[derive(Debug, Clone)]
pub struct SparseMlp {
    /// The hidden layers, then the output layer.
    layers: Vec<DenseLayer>,
}

impl SparseMlp {
    /// Copy the weights of `net`, read back asynchronously in one transaction.
    pub async fn read(net: &Mlp) -> Result<SparseMlp, ModelError> {
        let linears: Vec<_> = net.hidden.iter().chain(std::iter::once(&net.output)).collect();
        let mut tensors = Tensors::default();
        for linear in &linears {
            tensors.linear(linear);
        }
        let mut data =
            tensors.transaction.execute_async().await.map_err(|e| ModelError::Readback(format!("{e:?}")))?.into_iter();
        let mut layers = Vec::with_capacity(linears.len());
        let mut inputs = IMAGE_PIXELS;
        for linear in linears {
            let [rows, outputs] = linear.weight.shape().dims::<2>();
            let mut next =
                || next_data(&mut data)?.try_into_vec::<f32>().map_err(|e| ModelError::Readback(format!("{e:?}")));
            let weight = next()?;
            let bias = match linear.bias {
                Some(_) => next()?,
                None => vec![0.0; outputs],
            };
            if rows != inputs || weight.len() != rows * outputs || bias.len() != outputs {
                return Err(ModelError::Readback(format!(
                    "a layer of {rows}x{outputs} weights does not follow a layer of width {inputs}"
                )));
            }
            // Inputs are listed by u16 index (see `nonzero_pixels`); hidden
            // widths are capped far below this by the configuration.
            if rows > usize::from(u16::MAX) + 1 {
                return Err(ModelError::Readback(format!("a layer of {rows} inputs is too wide to list by index")));
            }
            layers.push(DenseLayer::padded(&weight, &bias, outputs));
            inputs = outputs;
        }
        Ok(SparseMlp { layers })
    }

    /// Width of each hidden layer.
    pub fn widths(&self) -> Vec<usize> {
        let hidden = self.layers.len().saturating_sub(1);
        self.layers[..hidden].iter().map(|l| l.outputs).collect()
    }

    /// Number of outputs (classes).
    pub fn classes(&self) -> usize {
        self.layers.last().map_or(0, |l| l.outputs)
    }

    /// Forward pass of `images` (their non-zero pixels, values in 0..=255,
    /// scaled to [0, 1] as `Subset::pixels_f32` does).
    pub fn forward(&self, images: &NonzeroPixels) -> SparseOutput {
        let count = images.len();
        let Some((output_layer, hidden_layers)) = self.layers.split_last() else {
            return SparseOutput { hidden: Vec::new(), logits: Vec::new() };
        };
        let mut hidden: Vec<Vec<f32>> = hidden_layers.iter().map(|l| Vec::with_capacity(count * l.outputs)).collect();
        let mut logits = Vec::with_capacity(count * output_layer.outputs);
        let widest = self.layers.iter().map(|l| l.stride).max().unwrap_or(0);
        let mut buffers = Buffers {
            current: vec![0.0; widest],
            next: vec![0.0; widest],
            nonzero: vec![0; widest],
            pixel_values: std::array::from_fn(|p| p as f32 / 255.0),
        };
        // Called through a pointer the optimisers cannot see through: wasm-opt
        // inlines a function that has a single caller, `#[inline(never)]` or
        // not, and the whole pass then ran in one call (see `forward_image`).
        type Step = fn(&SparseMlp, &[u16], &[u8], &mut Buffers, &mut [Vec<f32>], &mut Vec<f32>);
        let step: Step = std::hint::black_box(Self::forward_image);
        for (positions, values) in (0..count).filter_map(|row| images.image(row)) {
            step(self, positions, values, &mut buffers, &mut hidden, &mut logits);
        }
        SparseOutput { hidden, logits }
    }

    /// One image (its non-zero pixels: `positions` and their `values`)
    /// through every layer, appended to `hidden` and `logits`. A function of
    /// its own: the browser optimises a wasm function only between calls, so a
    /// single call looping over every image would run entirely in its
    /// baseline code.
    #[inline(never)]
    fn forward_image(
        &self,
        positions: &[u16],
        values: &[u8],
        buffers: &mut Buffers,
        hidden: &mut [Vec<f32>],
        logits: &mut Vec<f32>,
    ) {
        let Buffers { current, next, nonzero, pixel_values } = buffers;
        let mut width = 0;
        for (index, layer) in self.layers.iter().enumerate() {
            let out = &mut next[..layer.stride];
            // Hidden layers end in ReLU; the output layer gives logits.
            let relu = index < hidden.len();
            if index == 0 {
                let value = |entry: usize, _| values.get(entry).map_or(0.0, |&p| pixel_values[usize::from(p)]);
                accumulate(layer, positions, value, relu, out);
            } else {
                let input = &current[..width];
                let found = nonzero_values(input, nonzero);
                accumulate(layer, &nonzero[..found], |_, i| input.get(i).copied().unwrap_or(0.0), relu, out);
            }
            std::mem::swap(current, next);
            width = layer.outputs;
            let values = &current[..width];
            match hidden.get_mut(index) {
                Some(column) => column.extend_from_slice(values),
                None => logits.extend_from_slice(values),
            }
        }
    }
}

/// Scratch space reused from one image to the next.
struct Buffers {
    /// The layer just computed and the one being computed, padded widths.
    current: Vec<f32>,
    next: Vec<f32>,
    /// Indices of the non-zero inputs of the layer being computed.
    nonzero: Vec<u16>,
    /// `p / 255` for every pixel value, as `Subset::pixels_f32` scales.
    pixel_values: [f32; 256],
}

/// Indices of the non-zero `values` (ReLU outputs) into `list` (as long as
/// `values`); returns how many. Eight values are compared at once.
fn nonzero_values(values: &[f32], list: &mut [u16]) -> usize {
    let mut found = 0;
    let mut chunks = values.chunks_exact(8);
    for (chunk_index, chunk) in (&mut chunks).enumerate() {
        let nonzero = |four: &[f32]| !load4(four).simd_eq(f32x4::ZERO).to_bitmask() & 0xf;
        let mask = nonzero(&chunk[..4]) | nonzero(&chunk[4..]) << 4;
        found = push_set_bits(list, found, mask, chunk_index * 8);
    }
    let tail = values.len() - chunks.remainder().len();
    push_remainder(chunks.remainder().iter().map(|&v| v != 0.0), tail, list, found)
}

/// `out = bias + Σ value(k, i) · weight[i]` over the input indices `i =
/// nonzero[k]` (the value by list entry `k` for a listed image, by input `i`
/// for a layer's output), then ReLU if `relu`; `out` has the layer's padded
/// width. Columns go in blocks of up to 32 (the default first layer in one
/// block) whose sums stay in eight 128-bit registers across all the inputs,
/// so an input costs one load, multiply and add per four columns and one
/// bounds check per block.
/// Eight is what Chromium 156 runs fastest (four is slower there; figures in
/// docs/performance.md); Node 20's older V8 spills two of the eight to the
/// stack and prefers four, so measure in the browser before changing it.
fn accumulate(
    layer: &DenseLayer,
    nonzero: &[u16],
    value: impl Fn(usize, usize) -> f32 + Copy,
    relu: bool,
    out: &mut [f32],
) {
    out.copy_from_slice(&layer.bias);
    let mut start = 0;
    while start < layer.stride {
        start += match (layer.stride - start) / 4 {
            1 => block::<1>(layer, nonzero, value, relu, start, out),
            2 => block::<2>(layer, nonzero, value, relu, start, out),
            3 => block::<3>(layer, nonzero, value, relu, start, out),
            4 => block::<4>(layer, nonzero, value, relu, start, out),
            5 => block::<5>(layer, nonzero, value, relu, start, out),
            6 => block::<6>(layer, nonzero, value, relu, start, out),
            7 => block::<7>(layer, nonzero, value, relu, start, out),
            _ => block::<8>(layer, nonzero, value, relu, start, out),
        };
    }
}

/// The `4 * V` columns from `start` (see [`accumulate`]); returns how many.
#[inline(always)]
fn block<const V: usize>(
    layer: &DenseLayer,
    nonzero: &[u16],
    value: impl Fn(usize, usize) -> f32,
    relu: bool,
    start: usize,
    out: &mut [f32],
) -> usize {
    let columns = 4 * V;
    let Some(initial) = out.get(start..start + columns) else { return columns };
    let mut sums: [f32x4; V] = std::array::from_fn(|k| load4(&initial[4 * k..4 * k + 4]));
    for (entry, &input) in nonzero.iter().enumerate() {
        let input = usize::from(input);
        let begin = input * layer.stride + start;
        let Some(weights) = layer.weight.get(begin..begin + columns) else { continue };
        let scale = f32x4::splat(value(entry, input));
        for (sum, part) in sums.iter_mut().zip(weights.chunks_exact(4)) {
            *sum += scale * load4(part);
        }
    }
    if relu {
        // On the vectors, while they are in registers: `f32::max` one value at
        // a time took a fifth of the whole pass in the browser. Keeping only
        // the lanes above zero maps NaN and -0 to +0, as `f32::max(x, 0.0)`
        // does, on every target (vector max instructions differ on NaN).
        sums.iter_mut().for_each(|sum| *sum = sum.simd_gt(f32x4::ZERO) & *sum);
    }
    for (sum, target) in sums.iter().zip(out[start..start + columns].chunks_exact_mut(4)) {
        target.copy_from_slice(&sum.to_array());
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::ExperimentConfig;
    use crate::core::data::nonzero::tests::indices_where;
    use crate::core::model::Network;
    use approx::assert_abs_diff_eq;
    use burn::prelude::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// Images with MNIST's look: a zero border and a blob of mixed intensities.
    fn images(count: usize, seed: u64) -> Vec<u8> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
        let mut pixels = vec![0u8; count * IMAGE_PIXELS];
        for image in pixels.chunks_exact_mut(IMAGE_PIXELS) {
            for (i, p) in image.iter_mut().enumerate() {
                let (y, x) = (i / 28, i % 28);
                if (5..23).contains(&y) && (7..21).contains(&x) && rng.gen_bool(0.4) {
                    *p = rng.gen_range(1..=255);
                }
            }
        }
        // One empty image and one full one: both ends of sparsity.
        pixels[..IMAGE_PIXELS].fill(0);
        if count > 1 {
            pixels[IMAGE_PIXELS..2 * IMAGE_PIXELS].fill(255);
        }
        pixels
    }

    fn check_against_burn(hidden: Vec<usize>, classes: usize) {
        let device = Device::flex();
        let config = ExperimentConfig { hidden, seed: 11, ..ExperimentConfig::default() };
        let Network::Mlp(net) = Network::new(&config, classes, &device).unwrap() else { unreachable!() };
        let count = 37;
        let pixels = images(count, 5);
        let sparse = futures_lite::future::block_on(SparseMlp::read(&net)).unwrap();
        assert_eq!(sparse.widths(), net.widths());
        assert_eq!(sparse.classes(), classes);
        let ours = sparse.forward(&NonzeroPixels::new(pixels.chunks_exact(IMAGE_PIXELS)));

        let input: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
        let (burn_hidden, burn_logits) =
            net.forward(Tensor::from_data(TensorData::new(input, [count, IMAGE_PIXELS]), &device));
        for (layer, (theirs, mine)) in burn_hidden.into_iter().zip(&ours.hidden).enumerate() {
            let theirs = theirs.into_data().try_into_vec::<f32>().unwrap();
            assert_eq!(theirs.len(), mine.len(), "layer {layer}");
            assert!(mine.iter().any(|&v| v > 0.0) && mine.contains(&0.0), "layer {layer} has ReLU zeros and positives");
            for (a, b) in theirs.iter().zip(mine) {
                assert_abs_diff_eq!(a, b, epsilon = 1e-4);
            }
        }
        let theirs = burn_logits.into_data().try_into_vec::<f32>().unwrap();
        assert_eq!(theirs.len(), count * classes);
        for (a, b) in theirs.iter().zip(&ours.logits) {
            assert_abs_diff_eq!(a, b, epsilon = 1e-4);
        }
    }

    #[test]
    fn matches_burn_on_the_default_network() {
        check_against_burn(vec![32, 64], 10);
    }

    #[test]
    fn matches_burn_on_odd_widths_and_three_layers() {
        check_against_burn(vec![7, 100, 13], 3);
    }

    #[test]
    fn lists_nonzero_values_of_any_length() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(4);
        for length in [64, 13, 3, 0] {
            let values: Vec<f32> =
                (0..length).map(|_| if rng.gen_bool(0.5) { rng.gen_range(0.01..3.0) } else { 0.0 }).collect();
            let mut list = vec![u16::MAX; length];
            let found = nonzero_values(&values, &mut list);
            assert_eq!(list[..found], indices_where(values.iter().map(|&v| v != 0.0))[..], "{length} values");
        }
        // -0.0 adds nothing and is skipped; NaN is kept, so it shows in the output as burn's would.
        let mut list = vec![0; 8];
        let found = nonzero_values(&[-0.0, f32::NAN, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0], &mut list);
        assert_eq!(list[..found], [1, 3]);
    }

    #[test]
    fn relu_gives_plus_zero_for_negative_zero_and_nan() {
        // Two inputs, four outputs: sums 1.5, -2, NaN and -0.
        let layer = DenseLayer::padded(&[1.0, -1.0, f32::NAN, -0.0, 0.5, -1.0, 0.0, -0.0], &[0.0, 0.0, 0.0, -0.0], 4);
        let value = |_, _| 1.0;
        let mut out = [9.0; 4];
        accumulate(&layer, &[0, 1], value, true, &mut out);
        assert_eq!(out.map(f32::to_bits), [1.5, 0.0, 0.0, 0.0].map(f32::to_bits));
        accumulate(&layer, &[0, 1], value, false, &mut out);
        assert_eq!(out[..2], [1.5, -2.0]);
        assert!(out[2].is_nan() && out[3].to_bits() == (-0.0f32).to_bits());
    }

    #[test]
    fn empty_batch_gives_empty_output() {
        let config = ExperimentConfig::default();
        let Network::Mlp(net) = Network::new(&config, 10, &Device::flex()).unwrap() else { unreachable!() };
        let sparse = futures_lite::future::block_on(SparseMlp::read(&net)).unwrap();
        let out = sparse.forward(&NonzeroPixels::default());
        assert_eq!(out.hidden.len(), 2);
        assert!(out.hidden.iter().all(Vec::is_empty) && out.logits.is_empty());
    }
}
