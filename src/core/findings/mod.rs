//! The findings panel: the seed's three questions answered with the numbers
//! of one run.
//!
//! 1. Where does class structure emerge? Agreement (NMI, purity) of each
//!    layer's clusters with the classes, and the layer of the largest change.
//! 2. Do two classes (3 vs 8, cat vs dog) have different signatures? Their
//!    separability at every layer (see [`crate::core::analysis::separability`])
//!    and the neurons that differ most.
//! 3. What does a foreign input's signature look like? Its mean activation
//!    profile against the run's own images, the neurons that stay silent, and
//!    how well each foreign-input detector tells the two sets apart (AUROC,
//!    foreign = positive class).
//!
//! Detectors (higher score = more foreign):
//! - nearest-centre distance at each layer: Euclidean distance to the nearest
//!   cluster centre under the layer's K in use (what the probe uses);
//! - all layers: the mean over layers of that distance's percentile rank among
//!   the evaluation set's distances (the probe's familiarity score);
//! - max softmax: 1 − the largest class probability (the usual baseline);
//! - Mahalanobis distance at each layer: to the nearest class mean, with one
//!   shared covariance (K-independent).
//!
//! And one yardstick that does not look at the network at all: the mean
//! pixel value ("ink"). Filled animal silhouettes hold more ink than digits,
//! so a detector is only interesting where it beats this.
//!
//! The evaluation set is both what the clusters were fitted on and the
//! in-distribution side of every AUROC (the page has no other labelled
//! images at hand); `examples/ood_target.rs` measures how little that
//! matters against held-out training digits.
//!
//! Only the nearest-centre detectors depend on K, so the page computes the
//! others once per run ([`FixedDetectors`]) and re-runs only the nearest-centre
//! ones when K changes.

mod emergence;
mod foreign;
mod pair;
mod similarity;
mod words;

use thiserror::Error;

use crate::core::analysis::AnalysisError;

pub use emergence::{EmergenceFinding, LayerAgreement, emergence_finding};
pub use foreign::{
    DetectorKind, DetectorScores, FixedDetectors, ForeignFinding, ProfileComparison, SignatureAccumulator,
    fit_mahalanobis, foreign_chunk, foreign_finding, foreign_images, foreign_kind, ink_scores, mahalanobis_distances,
    max_softmax_detector, msp_scores, nearest_centre_detectors, nearest_centre_distances,
};
pub use pair::{PairFinding, PairFindingJob, PairLayer, TOP_NEURONS, default_pair, pair_finding, resolve_pair};
pub use similarity::similarity_sentence;
pub use words::{foreign_noun, set_noun, thousands};

/// Why a finding cannot be computed.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FindingsError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("class {0} is not one of the run's classes")]
    UnknownClass(u8),
    #[error("the two classes to compare must differ")]
    SamePair,
    #[error("the foreign set does not fit the run: {0}")]
    Mismatch(String),
    #[error("there are no foreign images to score")]
    NoForeignImages,
}
