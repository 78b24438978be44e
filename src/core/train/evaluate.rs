//! Accuracy and predictions of a network on a subset.

use burn::prelude::*;
use burn::tensor::Transaction;

use crate::core::data::Subset;
use crate::core::model::Network;

use super::batcher;
use super::errors::TrainError;

/// Rows per forward pass when evaluating: large enough for efficient matrix
/// products, small enough to keep one chunk's activations modest.
pub const EVAL_CHUNK_ROWS: usize = 2500;

/// How a network does on a subset.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    /// Share of images predicted right, in [0, 1] (0 for an empty subset).
    pub accuracy: f64,
    /// Predicted class index of each image, in subset order.
    pub predictions: Vec<usize>,
}

/// Evaluate `model` on `subset` on `device` (the model is copied there first
/// if its weights live elsewhere). All chunks are queued, then read back at once.
pub async fn evaluate(model: &Network, subset: &Subset, device: &Device) -> Result<Evaluation, TrainError> {
    if model.classes() != subset.classes.len() {
        return Err(TrainError::ClassMismatch { network: model.classes(), data: subset.classes.len() });
    }
    if subset.is_empty() {
        return Ok(Evaluation { accuracy: 0.0, predictions: Vec::new() });
    }
    let model = on_device(model, device).await?;
    let mut transaction = Transaction::default();
    for rows in batcher::chunks(subset.len(), EVAL_CHUNK_ROWS) {
        let images = batcher::images(subset, &rows, device)?; // [chunk, 784]
        let predicted = model.forward(images).logits.argmax(1); // [chunk, 1]
        transaction = transaction.register(predicted);
    }
    let data = transaction.execute_async().await.map_err(|e| TrainError::Readback(format!("{e:?}")))?;
    let predictions: Vec<usize> = data
        .iter()
        .flat_map(|chunk| chunk.iter::<i64>())
        .map(|class| usize::try_from(class).unwrap_or(usize::MAX))
        .collect();
    if predictions.len() != subset.len() {
        return Err(TrainError::Readback(format!("{} predictions for {} images", predictions.len(), subset.len())));
    }
    let correct = predictions.iter().zip(&subset.targets).filter(|(p, t)| p == t).count();
    Ok(Evaluation { accuracy: correct as f64 / subset.len() as f64, predictions })
}

/// `model` without autodiff, on `device`.
pub(crate) async fn on_device(model: &Network, device: &Device) -> Result<Network, TrainError> {
    if model.device() == *device {
        Ok(model.valid())
    } else {
        Ok(model.copy_to(&device.clone().without_autodiff()).await?.valid())
    }
}
