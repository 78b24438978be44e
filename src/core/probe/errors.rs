//! What can go wrong when the page hands over a drawing.

use thiserror::Error;

/// Errors raised while taking a raster from the page.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ProbeError {
    #[error("the drawing is {width}x{height} pixels but {found} ink values were given")]
    SizeMismatch { width: usize, height: usize, found: usize },
    #[error("the drawing is empty (its width or height is 0)")]
    ZeroSize,
    #[error("the drawing has more than {limit} pixels, which is too large")]
    TooLarge { limit: usize },
}
