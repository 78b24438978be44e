//! The dense network's forward pass on plain arrays, for CPU inference only.
//!
//! Why a second path beside burn's: recording signatures is one dense matrix
//! product per layer in burn, yet most of what goes in is zero (about 80 % of
//! MNIST's pixels, about half of every ReLU output). Adding up only the weight
//! rows of the non-zero inputs does about a fifth of the first layer's work,
//! which is most of the pass. Same weights, same result up to float rounding
//! (tested against `Mlp::forward`); training and the CNN stay on burn.

use wide::f32x4;

use super::{Mlp, ModelError, Tensors, next_data};
use crate::core::analysis::kernels::load4;
use crate::core::data::IMAGE_PIXELS;

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
        let mut data = tensors
            .transaction
            .execute_async()
            .await
            .map_err(|e| ModelError::Readback(format!("{e:?}")))?
            .into_iter();
        let mut layers = Vec::with_capacity(linears.len());
        let mut inputs = IMAGE_PIXELS;
        for linear in linears {
            let [rows, outputs] = linear.weight.shape().dims::<2>();
            let mut next = || {
                next_data(&mut data)?.try_into_vec::<f32>().map_err(|e| ModelError::Readback(format!("{e:?}")))
            };
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

    /// Forward pass of `images`, each 784 pixels in 0..=255 (scaled to [0, 1]
    /// as `Subset::pixels_f32` does).
    pub fn forward<'a>(&self, images: impl ExactSizeIterator<Item = &'a [u8]>) -> SparseOutput {
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
            terms: vec![(0, 0.0); IMAGE_PIXELS.max(widest)],
            pixel_values: std::array::from_fn(|p| p as f32 / 255.0),
        };
        for pixels in images {
            self.forward_image(pixels, &mut buffers, &mut hidden, &mut logits);
        }
        SparseOutput { hidden, logits }
    }

    /// One image through every layer, appended to `hidden` and `logits`. A
    /// function of its own: the browser optimises a wasm function only between
    /// calls, so a single call looping over every image would run entirely in
    /// its baseline code.
    #[inline(never)]
    fn forward_image(&self, pixels: &[u8], buffers: &mut Buffers, hidden: &mut [Vec<f32>], logits: &mut Vec<f32>) {
        let Buffers { current, next, terms, pixel_values } = buffers;
        let mut width = 0;
        for (index, layer) in self.layers.iter().enumerate() {
            let found = if index == 0 {
                gather_pixels(pixels, pixel_values, terms)
            } else {
                gather_nonzero(&current[..width], terms)
            };
            accumulate(layer, &terms[..found], &mut next[..layer.stride]);
            std::mem::swap(current, next);
            width = layer.outputs;
            let values = &mut current[..width];
            match hidden.get_mut(index) {
                Some(column) => {
                    values.iter_mut().for_each(|v| *v = v.max(0.0)); // ReLU
                    column.extend_from_slice(values);
                }
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
    /// The non-zero inputs of the layer being computed.
    terms: Vec<Term>,
    /// `p / 255` for every pixel value, as `Subset::pixels_f32` scales.
    pixel_values: [f32; 256],
}

/// One input that is not zero: its row of the weights and its value.
type Term = (u32, f32);

/// The non-zero pixels of an image into `terms`; returns how many. Pixels go
/// eight at a time as one 64-bit word: a word of background is skipped whole;
/// within a word every pixel is written and only the non-zero ones are kept,
/// without a branch (inside a digit, whether a pixel is zero is close to
/// random, and mispredicted branches cost more than the writes).
fn gather_pixels(pixels: &[u8], pixel_values: &[f32; 256], terms: &mut [Term]) -> usize {
    let pixels = &pixels[..pixels.len().min(IMAGE_PIXELS).min(terms.len())];
    let mut found = 0;
    let mut keep_nonzero = |start: usize, run: &[u8]| {
        for (offset, &p) in run.iter().enumerate() {
            // `found` never passes the pixel's own index, and `terms` holds one per pixel.
            terms[found] = ((start + offset) as u32, pixel_values[usize::from(p)]);
            found += usize::from(p != 0);
        }
    };
    let mut words = pixels.chunks_exact(8);
    for (word_index, bytes) in (&mut words).enumerate() {
        if let Ok(word) = <[u8; 8]>::try_from(bytes)
            && u64::from_ne_bytes(word) != 0
        {
            keep_nonzero(word_index * 8, &word);
        }
    }
    keep_nonzero(pixels.len() - words.remainder().len(), words.remainder());
    found
}

/// The non-zero values of `input` (ReLU outputs) into `terms`; returns how
/// many. Branch-free: whether an activation is zero is close to random.
fn gather_nonzero(input: &[f32], terms: &mut [Term]) -> usize {
    let mut found = 0;
    for (index, &x) in input.iter().enumerate().take(terms.len()) {
        terms[found] = (index as u32, x);
        found += usize::from(x != 0.0);
    }
    found
}

/// `out = bias + Σ scale · weight[row]` over `terms` (row, scale); `out` has
/// the layer's padded width. Columns go in blocks of up to 32 (the default
/// first layer in one block) whose sums stay in eight 128-bit registers across
/// all the terms, so a term costs one load, multiply and add per four columns
/// and one bounds check per block.
fn accumulate(layer: &DenseLayer, terms: &[Term], out: &mut [f32]) {
    out.copy_from_slice(&layer.bias);
    let mut start = 0;
    while start < layer.stride {
        start += match (layer.stride - start) / 4 {
            1 => block::<1>(layer, terms, start, out),
            2 => block::<2>(layer, terms, start, out),
            3 => block::<3>(layer, terms, start, out),
            4 => block::<4>(layer, terms, start, out),
            5 => block::<5>(layer, terms, start, out),
            6 => block::<6>(layer, terms, start, out),
            7 => block::<7>(layer, terms, start, out),
            _ => block::<8>(layer, terms, start, out),
        };
    }
}

/// The `4 * V` columns from `start` (see [`accumulate`]); returns how many.
#[inline(always)]
fn block<const V: usize>(layer: &DenseLayer, terms: &[Term], start: usize, out: &mut [f32]) -> usize {
    let columns = 4 * V;
    let Some(initial) = out.get(start..start + columns) else { return columns };
    let mut sums: [f32x4; V] = std::array::from_fn(|k| load4(&initial[4 * k..4 * k + 4]));
    for &(index, scale) in terms {
        let begin = index as usize * layer.stride + start;
        let Some(weights) = layer.weight.get(begin..begin + columns) else { continue };
        let scale = f32x4::splat(scale);
        for (sum, part) in sums.iter_mut().zip(weights.chunks_exact(4)) {
            *sum += scale * load4(part);
        }
    }
    for (sum, target) in sums.iter().zip(out[start..start + columns].chunks_exact_mut(4)) {
        target.copy_from_slice(&sum.to_array());
    }
    columns
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::prelude::*;
    use crate::core::config::ExperimentConfig;
    use crate::core::model::Network;
    use approx::assert_abs_diff_eq;
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
        let ours = sparse.forward(pixels.chunks_exact(IMAGE_PIXELS));

        let input: Vec<f32> = pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
        let (burn_hidden, burn_logits) = net.forward(Tensor::from_data(TensorData::new(input, [count, IMAGE_PIXELS]), &device));
        for (layer, (theirs, mine)) in burn_hidden.into_iter().zip(&ours.hidden).enumerate() {
            let theirs = theirs.into_data().try_into_vec::<f32>().unwrap();
            assert_eq!(theirs.len(), mine.len(), "layer {layer}");
            assert!(mine.iter().any(|&v| v > 0.0) && mine.iter().any(|&v| v == 0.0), "layer {layer} has ReLU zeros and positives");
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
    fn empty_batch_gives_empty_output() {
        let config = ExperimentConfig::default();
        let Network::Mlp(net) = Network::new(&config, 10, &Device::flex()).unwrap() else { unreachable!() };
        let sparse = futures_lite::future::block_on(SparseMlp::read(&net)).unwrap();
        let out = sparse.forward(std::iter::empty::<&[u8]>());
        assert_eq!(out.hidden.len(), 2);
        assert!(out.hidden.iter().all(Vec::is_empty) && out.logits.is_empty());
    }
}
