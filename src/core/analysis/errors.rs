//! What can go wrong while analysing signatures.

use thiserror::Error;

/// Errors raised by clustering, scoring and projecting signatures. Every
/// input-dependent failure ends up here instead of in a panic.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum AnalysisError {
    #[error("there are no signatures to analyse")]
    EmptyData,
    #[error("signatures have width 0; there is nothing to analyse")]
    ZeroWidth,
    #[error("K must be at least 1")]
    ZeroClusters,
    #[error("cannot make {k} clusters from {points} points")]
    TooManyClusters { k: usize, points: usize },
    #[error("signature {row} holds a value that is not a finite number (column {col})")]
    NonFinite { row: usize, col: usize },
    #[error("{what}: expected {expected} values, found {found}")]
    LengthMismatch { what: &'static str, expected: usize, found: usize },
    #[error("rows {start}..{end} are not the next rows to process (next is {expected_start}, total {total})")]
    RowsOutOfOrder { start: usize, end: usize, expected_start: usize, total: usize },
    #[error("silhouette rows {start}..{end} overlap rows already counted or fall outside the {total} points")]
    SilhouetteShare { start: usize, end: usize, total: usize },
    #[error("the silhouette has the sums of {rows} of its {total} points")]
    SilhouetteIncomplete { rows: usize, total: usize },
    #[error("a message to or from a clustering worker is damaged: {0}")]
    Message(String),
    #[error("class {0} has no signatures here")]
    EmptyClass(usize),
    #[error("the two classes to compare must differ (got {0} twice)")]
    SameClass(usize),
    #[error("layer \"{layer}\" has {found} images where the first has {expected}: CKA compares the same images")]
    ImageCountMismatch { layer: String, expected: usize, found: usize },
    #[error("K-means failed: {0}")]
    KMeans(String),
    #[error("PCA failed: {0}")]
    Pca(String),
    #[error("linear algebra failed: {0}")]
    Linalg(String),
}
