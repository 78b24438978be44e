//! The third question: what does a foreign input's signature look like? Its
//! mean activation profile against the run's own images, the neurons that
//! stay silent, and how well each foreign-input detector tells the two sets
//! apart (AUROC, foreign = positive class).
//!
//! - [`images`]: which images are foreign, in chunks, and when their
//!   signatures must be extracted again;
//! - [`accumulator`]: the chunks' signatures joined into one set;
//! - [`detectors`]: every detector's scores on both sets;
//! - [`finding`]: the profiles, the network's verdicts and the sentence.

mod accumulator;
mod detectors;
mod finding;
mod images;

pub use accumulator::SignatureAccumulator;
pub use detectors::{
    DetectorKind, DetectorScores, FixedDetectors, fit_mahalanobis, ink_scores, mahalanobis_distances,
    max_softmax_detector, msp_scores, nearest_centre_detectors, nearest_centre_distances,
};
pub use finding::{ForeignFinding, ProfileComparison, foreign_finding};
pub use images::{foreign_chunk, foreign_images, foreign_kind};
