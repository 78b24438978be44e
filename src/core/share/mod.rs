//! Sharing a run: the configuration and view in a link's fragment
//! ([`link`]), and every result in one downloadable file ([`experiment`]).

pub mod curve;
pub mod errors;
pub mod experiment;
pub mod link;

pub use errors::ShareError;
pub use experiment::{
    ClusterScores, Clustering, EvaluationSet, ExperimentFile, LayerRecord, PcaBasis, TrainingSummary,
};
pub use link::{ColorMode, ShareState, ViewOptions, decode, encode};
