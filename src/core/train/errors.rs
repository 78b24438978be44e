//! What can go wrong while training or evaluating.

use thiserror::Error;

use crate::core::config::ConfigError;
use crate::core::model::ModelError;

#[derive(Debug, Error, Clone, PartialEq)]
pub enum TrainError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error("there are no images to train on")]
    EmptySubset,
    #[error("the network has {network} outputs but the data has {data} classes")]
    ClassMismatch { network: usize, data: usize },
    #[error("the training data changed during training ({expected} images before, {found} now)")]
    SubsetChanged { expected: usize, found: usize },
    #[error("image {row} is not in the data ({images} images)")]
    RowOutOfRange { row: usize, images: usize },
    #[error("training has already run all its epochs")]
    Finished,
    #[error("training diverged in epoch {epoch}: the loss is no longer a finite number; try a lower learning rate")]
    Diverged {
        /// 1-based, as shown to people.
        epoch: usize,
    },
    #[error("reading results back from the device failed: {0}")]
    Readback(String),
}

impl TrainError {
    /// The device failed (a readback or the model's tensors), not the run:
    /// on WebGPU the page then offers to continue on the CPU.
    pub fn is_device_fault(&self) -> bool {
        matches!(self, TrainError::Readback(_) | TrainError::Model(_))
    }
}
