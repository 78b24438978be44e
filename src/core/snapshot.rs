//! What `window.sigpath.state()` returns: a plain, serialisable description of
//! what the page shows (see docs/automation.md). Fields that do not
//! apply yet are `None` and serialise as `null`, never made up.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::analysis::cka::CkaMatrix;
use super::config::ExperimentConfig;

/// What the page is doing; mirrored on `body[data-phase]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    #[default]
    Idle,
    Loading,
    Training,
    Analyzing,
    Ready,
    Error,
}

impl Phase {
    pub fn id(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Loading => "loading",
            Phase::Training => "training",
            Phase::Analyzing => "analyzing",
            Phase::Ready => "ready",
            Phase::Error => "error",
        }
    }
}

/// Where training runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BackendKind {
    Webgpu,
    Cpu,
}

/// Training progress and results (`state().training`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct TrainingSnapshot {
    /// Current epoch, 1-based (the last one once finished).
    pub epoch: usize,
    pub epochs: usize,
    /// Steps done in the current epoch.
    pub step: usize,
    /// Steps per epoch.
    pub steps: usize,
    /// Mean training loss of each finished epoch.
    pub loss_per_epoch: Vec<f64>,
    /// Training accuracy of the last finished epoch (or of the steps so far).
    pub train_accuracy: Option<f64>,
    /// Accuracy on the evaluation set once training is done.
    pub test_accuracy: Option<f64>,
    pub epoch_secs: Vec<f64>,
    /// Training throughput over the finished epochs.
    pub samples_per_sec: Option<f64>,
}

/// One hidden layer's clustering (`state().layers[i]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerSnapshot {
    pub name: String,
    pub width: usize,
    /// K in use (the visitor's choice or the automatic one).
    pub k: usize,
    /// K with the best mean silhouette; `None` if every silhouette is undefined.
    pub k_auto: Option<usize>,
    /// Mean silhouette for each K ("2" .. "10"); `null` where undefined.
    pub silhouette_by_k: BTreeMap<String, Option<f64>>,
    pub purity: f64,
    pub nmi: f64,
    pub ari: f64,
    pub cluster_sizes: Vec<usize>,
}

/// Where an input to probe comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeSource {
    Drawing,
    Dataset,
}

/// The probe's path through the network (`state().probe`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProbeSnapshot {
    pub source: ProbeSource,
    /// Predicted class value (e.g. the digit).
    pub prediction: u8,
    /// Probability of each kept class, in class order.
    pub probabilities: Vec<f64>,
    /// Nearest cluster at each hidden layer.
    pub path: Vec<usize>,
    pub ood_score: f64,
    /// "in-distribution" or "unfamiliar".
    pub ood_verdict: String,
}

/// Foreign-input detectors (`state().ood`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OodSnapshot {
    /// The foreign set scored against the evaluation set ("animals").
    pub probe_set: String,
    /// Nearest-centre distance detector per layer (K in use; the distance is
    /// scaled by the clusters' pooled covariance, as in the probe's verdict).
    pub auroc_by_layer: BTreeMap<String, f64>,
    /// The same with plain Euclidean distances, for comparison.
    #[serde(default)]
    pub auroc_euclidean_by_layer: BTreeMap<String, f64>,
    pub auroc_max_softmax: f64,
    /// Mean distance rank over all layers (the probe's familiarity score).
    #[serde(default)]
    pub auroc_all_layers: Option<f64>,
    /// Mahalanobis distance to the nearest class mean, per layer.
    #[serde(default)]
    pub auroc_mahalanobis: BTreeMap<String, f64>,
    /// The mean pixel value as a detector: the yardstick that ignores the network.
    #[serde(default)]
    pub auroc_ink: Option<f64>,
    /// Images scored on each side.
    #[serde(default)]
    pub foreign_count: usize,
    #[serde(default)]
    pub in_count: usize,
}

/// The page's state as the automation surface reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub backend: Option<BackendKind>,
    pub phase: Phase,
    pub error: Option<String>,
    pub config: ExperimentConfig,
    pub training: Option<TrainingSnapshot>,
    pub layers: Option<Vec<LayerSnapshot>>,
    pub probe: Option<ProbeSnapshot>,
    pub ood: Option<OodSnapshot>,
    pub share_url: Option<String>,
    /// How alike every two layers are (linear CKA): the input pixels, each
    /// hidden layer and the output probabilities, on the evaluation images.
    pub cka: Option<CkaMatrix>,
}
