//! A finished run, as the page shows it: the evaluation set, each hidden
//! layer's signatures with their clusterings, silhouettes, agreement scores and
//! PCA plane, and the training summary. Also the conversions to what leaves the
//! page (the signatures CSV, experiment files) and the probing of one input.
//!
//! - `layer`: one hidden layer ([`LayerResult`]) and its agreement scores;
//! - `run`: the run ([`RunResults`]) and its evaluation set;
//! - `probe`: one input placed among the clusters ([`ProbeResult`]);
//! - `csv`: the signatures CSV;
//! - `file`: experiment files, both ways ([`FileAssembly`]).

mod csv;
mod file;
mod layer;
mod probe;
mod run;

use thiserror::Error;

use crate::core::analysis::AnalysisError;
use crate::core::data::DataError;

pub use file::FileAssembly;
pub use layer::{AgreementScores, LayerResult};
pub use probe::{ProbeLayer, ProbeResult};
pub use run::{EvalSet, RunResults};

/// Why results cannot be assembled or restored.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ResultsError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("the results do not fit together: {0}")]
    Mismatch(String),
    #[error("layer {layer} has no clustering with K = {k}")]
    UnknownK { layer: String, k: usize },
}
