//! Activation signatures: for every image, the output of every hidden layer
//! (S = (H1, H2) for the default dense net), plus the softmax probabilities,
//! read back asynchronously in one transaction.

use burn::prelude::*;
use burn::tensor::Transaction;
use burn::tensor::activation::softmax;
use ndarray::Array2;
use thiserror::Error;

use super::analysis::kernels::load4;
use super::data::{IMAGE_PIXELS, Subset};
use super::model::sparse::SparseMlp;
use super::model::{LayerInfo, Mlp, ModelError, Network};
use super::train::batcher;
use super::train::{EVAL_CHUNK_ROWS, TrainError};

/// Rows per forward pass; the whole 10,000-image test set takes four.
pub const SIGNATURE_CHUNK_ROWS: usize = EVAL_CHUNK_ROWS;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum SignatureError {
    #[error("a drawing has {expected} pixels; got {found} values")]
    InputSize { expected: usize, found: usize },
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Data(#[from] TrainError),
    #[error("reading activations back from the device failed: {0}")]
    Readback(String),
}

/// One hidden layer's signatures.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSignatures {
    /// "h1", "conv1", ... (see `model::LayerInfo`).
    pub name: String,
    /// `[images, width]`, post-ReLU.
    pub values: Array2<f32>,
}

/// Signatures of a whole subset.
#[derive(Debug, Clone, PartialEq)]
pub struct Signatures {
    pub layers: Vec<LayerSignatures>,
    /// `[images, classes]`, softmax of the logits.
    pub probabilities: Array2<f32>,
    /// Class index with the largest probability, per image.
    pub predictions: Vec<usize>,
    /// True class index, per image.
    pub targets: Vec<usize>,
}

impl Signatures {
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }
}

/// One image's path through the network.
#[derive(Debug, Clone, PartialEq)]
pub struct SingleSignature {
    /// Per hidden layer: (name, activations of width `width_l`).
    pub layers: Vec<(String, Vec<f32>)>,
    /// `[classes]`, softmax of the logits.
    pub probabilities: Vec<f32>,
    pub prediction: usize,
}

/// Signatures of every image of `subset`, computed on `device` (the model is
/// copied there first if its weights live elsewhere). A dense network on the
/// CPU goes through [`SparseMlp`], which skips zero inputs; anything else
/// through burn's forward pass.
pub async fn extract(model: &Network, subset: &Subset, device: &Device) -> Result<Signatures, SignatureError> {
    if model.classes() != subset.classes.len() {
        return Err(TrainError::ClassMismatch { network: model.classes(), data: subset.classes.len() }.into());
    }
    let model = crate::core::train::evaluate_on_device(model, device).await?;
    if let (Network::Mlp(net), true) = (&model, device.clone().without_autodiff() == Device::flex()) {
        return extract_sparse(net, model.layers(), subset).await;
    }
    let layers = model.layers();
    let classes = model.classes();
    let count = subset.len();

    let mut transaction = Transaction::default();
    for rows in batcher::chunks(count, SIGNATURE_CHUNK_ROWS) {
        let images = batcher::images(subset, &rows, device)?; // [chunk, 784]
        let output = model.forward(images);
        for hidden in output.hidden {
            transaction = transaction.register(hidden); // [chunk, width_l]
        }
        transaction = transaction.register(softmax(output.logits, 1)); // [chunk, classes]
    }
    let data = if count == 0 {
        Vec::new()
    } else {
        transaction.execute_async().await.map_err(|e| SignatureError::Readback(format!("{e:?}")))?
    };

    // The transaction returns, chunk after chunk, every layer then the probabilities.
    let per_chunk = layers.len() + 1;
    let mut columns: Vec<Vec<f32>> = layers
        .iter()
        .map(|l| Vec::with_capacity(count * l.width))
        .chain(std::iter::once(Vec::with_capacity(count * classes)))
        .collect();
    for (i, chunk) in data.into_iter().enumerate() {
        let values = chunk.try_into_vec_as::<f32>().map_err(|e| SignatureError::Readback(format!("{e:?}")))?;
        if let Some(column) = columns.get_mut(i % per_chunk) {
            column.extend_from_slice(&values);
        }
    }
    let probabilities = columns.pop().unwrap_or_default();
    assemble(subset, layers, columns, classes, probabilities)
}

/// [`extract`] for a dense network on the CPU: the same numbers through
/// [`SparseMlp`], which skips zero inputs (most pixels, half the ReLU outputs)
/// and reads the images as lists of their non-zero pixels.
async fn extract_sparse(net: &Mlp, layers: Vec<LayerInfo>, subset: &Subset) -> Result<Signatures, SignatureError> {
    let sparse = SparseMlp::read(net).await?;
    let count = subset.len();
    // Listed now unless the subset came listed (the page lists the test split
    // once, and each run's evaluation subset takes its rows).
    let images = subset.data.nonzero_pixels();
    if images.len() < count {
        return Err(TrainError::RowOutOfRange { row: images.len(), images: images.len() }.into());
    }
    let mut output = sparse.forward(images);
    let classes = sparse.classes();
    softmax_rows(&mut output.logits, classes);
    assemble(subset, layers, output.hidden, classes, output.logits)
}

/// [`Signatures`] from flat row-major values: each hidden layer's
/// `[count * width_l]`, then `[count * classes]` probabilities.
fn assemble(
    subset: &Subset,
    layers: Vec<LayerInfo>,
    hidden: Vec<Vec<f32>>,
    classes: usize,
    probabilities: Vec<f32>,
) -> Result<Signatures, SignatureError> {
    let count = subset.len();
    let array = |width: usize, values: Vec<f32>| {
        Array2::from_shape_vec((count, width), values).map_err(|e| SignatureError::Readback(e.to_string()))
    };
    let layers = layers
        .into_iter()
        .zip(hidden)
        .map(|(info, values)| Ok(LayerSignatures { values: array(info.width, values)?, name: info.name }))
        .collect::<Result<Vec<_>, SignatureError>>()?;
    let probabilities = array(classes, probabilities)?;
    let predictions = probabilities.rows().into_iter().map(|row| argmax(row.iter().copied())).collect();
    Ok(Signatures { layers, probabilities, predictions, targets: subset.targets.clone() })
}

/// Softmax of every row of `logits` (`[rows * classes]`), each row shifted by
/// its largest value for stability. The exponentials go four at a time across
/// row boundaries: one at a time they took a sixth of the pass in the
/// browser (a call into a software `expf` each).
fn softmax_rows(logits: &mut [f32], classes: usize) {
    if classes == 0 {
        return;
    }
    for row in logits.chunks_exact_mut(classes) {
        // Not `f32::max`: a NaN logit leaves the others as they are either way,
        // and the comparison is a single instruction in wasm.
        let largest = row.iter().copied().fold(f32::NEG_INFINITY, |m, v| if v > m { v } else { m });
        row.iter_mut().for_each(|v| *v -= largest);
    }
    let mut fours = logits.chunks_exact_mut(4);
    for four in &mut fours {
        four.copy_from_slice(&load4(four).exp().to_array());
    }
    fours.into_remainder().iter_mut().for_each(|v| *v = v.exp());
    for row in logits.chunks_exact_mut(classes) {
        let total: f32 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= total);
    }
}

/// The path of one drawing: `pixels` are 784 values in [0, 1], row-major 28x28.
pub async fn extract_one(model: &Network, pixels: &[f32], device: &Device) -> Result<SingleSignature, SignatureError> {
    if pixels.len() != IMAGE_PIXELS {
        return Err(SignatureError::InputSize { expected: IMAGE_PIXELS, found: pixels.len() });
    }
    // Clamped so a stray value cannot push activations outside what training saw.
    let pixels: Vec<f32> = pixels.iter().map(|p| if p.is_finite() { p.clamp(0.0, 1.0) } else { 0.0 }).collect();
    let model = crate::core::train::evaluate_on_device(model, device).await?;
    let images = Tensor::<2>::from_data(TensorData::new(pixels, [1, IMAGE_PIXELS]), device); // [1, 784]
    let output = model.forward(images);
    let mut transaction = Transaction::default();
    for hidden in output.hidden {
        transaction = transaction.register(hidden); // [1, width_l]
    }
    transaction = transaction.register(softmax(output.logits, 1)); // [1, classes]
    let mut data = transaction
        .execute_async()
        .await
        .map_err(|e| SignatureError::Readback(format!("{e:?}")))?
        .into_iter()
        .map(|d| d.try_into_vec_as::<f32>().map_err(|e| SignatureError::Readback(format!("{e:?}"))))
        .collect::<Result<Vec<_>, _>>()?;
    let probabilities = data.pop().unwrap_or_default();
    let layers = model.layers().into_iter().map(|l| l.name).zip(data).collect();
    let prediction = argmax(probabilities.iter().copied());
    Ok(SingleSignature { layers, probabilities, prediction })
}

/// Index of the largest value (the first on ties; NaN never wins).
fn argmax(values: impl Iterator<Item = f32>) -> usize {
    let mut best = (0, f32::NEG_INFINITY);
    for (i, v) in values.enumerate() {
        if v > best.1 {
            best = (i, v);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::softmax_rows;
    use approx::assert_relative_eq;

    /// The textbook formula, one row at a time in f64.
    fn reference(row: &[f32]) -> Vec<f32> {
        let largest = row.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let exps: Vec<f64> = row.iter().map(|&v| f64::from(v - largest).exp()).collect();
        let total: f64 = exps.iter().sum();
        exps.iter().map(|e| (e / total) as f32).collect()
    }

    #[test]
    fn softmax_rows_matches_the_formula() {
        // 3 classes: rows straddle the groups of four; large, tiny and equal logits.
        let logits = [2.0, -1.0, 0.5, 80.0, 80.0, -20.0, -300.0, 0.0, 3.0, 1e-3, 7.5, -7.5, 0.0, 0.0, 0.0];
        let mut ours = logits;
        softmax_rows(&mut ours, 3);
        for (row, mine) in logits.chunks_exact(3).zip(ours.chunks_exact(3)) {
            for (a, b) in reference(row).iter().zip(mine) {
                assert_relative_eq!(*a, *b, max_relative = 1e-6, epsilon = 1e-30);
            }
        }
        // No classes: nothing to do, and no division by zero.
        let mut empty: [f32; 0] = [];
        softmax_rows(&mut empty, 0);
    }
}
