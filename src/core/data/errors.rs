//! What can go wrong when reading a data set.

use thiserror::Error;

/// Errors raised while decoding an IDX file or cutting a subset from it.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum DataError {
    #[error("the file is not gzip-compressed and is not a raw IDX file either")]
    NotGzip,
    #[error("the gzip stream is damaged: {0}")]
    CorruptGzip(String),
    #[error("the file unpacks to more than {limit_bytes} bytes, which is too large for a data set")]
    TooLarge { limit_bytes: usize },
    #[error("the file is not an IDX {what} file (magic number {found:#010x}, expected {expected:#010x})")]
    WrongMagic { what: &'static str, expected: u32, found: u32 },
    #[error("the images are {rows}x{cols} pixels; sigpath needs 28x28")]
    WrongDimensions { rows: usize, cols: usize },
    #[error("the file is cut short: its header promises {expected_bytes} bytes, it holds {found_bytes}")]
    Truncated { expected_bytes: usize, found_bytes: usize },
    #[error("the file holds {found_bytes} bytes, more than the {expected_bytes} its header describes")]
    TrailingBytes { expected_bytes: usize, found_bytes: usize },
    #[error("there are {images} images but {labels} labels")]
    CountMismatch { images: usize, labels: usize },
    #[error("label {label} is out of range: this data set has classes 0 to {max}")]
    LabelOutOfRange { label: u8, max: u8 },
    #[error("choose at least two classes (got {0})")]
    TooFewClasses(usize),
    #[error("class {0} does not exist in this data set")]
    UnknownClass(u8),
    #[error("class {class} has no images in the {split} set")]
    EmptyClass { class: u8, split: &'static str },
    #[error("images per class must be at least 1")]
    ZeroPerClass,
}
