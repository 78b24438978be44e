//! What can go wrong when building, copying or loading a network.

use thiserror::Error;

/// Errors raised by [`Network`](super::Network) construction, weight transfer and loading.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ModelError {
    #[error("the network needs at least one hidden layer")]
    NoHiddenLayer,
    #[error("hidden layers must have at least one neuron")]
    ZeroWidth,
    #[error("the network needs at least two classes (got {0})")]
    TooFewClasses(usize),
    #[error("the saved weights are not a readable weights file: {0}")]
    CorruptWeights(String),
    #[error("the saved weights do not fit this network (other architecture or layer sizes): {0}")]
    WeightsMismatch(String),
    #[error("reading the weights back from the device failed: {0}")]
    Readback(String),
}
