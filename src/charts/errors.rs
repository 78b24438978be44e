//! Errors of the chart functions.

use thiserror::Error;

/// Why a chart could not be drawn.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum ChartError {
    /// The drawing backend (canvas, SVG, ...) refused an operation.
    #[error("drawing failed: {0}")]
    Backend(String),
    /// Two inputs that must match in length do not.
    #[error("{what}: expected {expected} values, got {got}")]
    LengthMismatch { what: &'static str, expected: usize, got: usize },
    /// An index (category, node, cluster, ...) points past its table.
    #[error("{what}: index {index} is out of range (there are {len})")]
    IndexOutOfRange { what: &'static str, index: usize, len: usize },
    /// The drawing area cannot hold the chart at all.
    #[error("drawing area too small: {width}x{height} px")]
    AreaTooSmall { width: u32, height: u32 },
    /// Any other inconsistent input.
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

impl ChartError {
    /// Backend errors are generic over the backend type; keep only their text so
    /// `ChartError` stays one concrete type for every backend.
    pub(crate) fn backend<E: std::fmt::Display>(e: E) -> Self {
        ChartError::Backend(e.to_string())
    }
}
