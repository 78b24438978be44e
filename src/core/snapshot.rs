//! What `window.sigpath.state()` returns: a plain, serialisable description of
//! what the page shows (see README, "Automation surface"). Fields that do not
//! apply yet are `None` and serialise as `null`, never made up.

use serde::{Deserialize, Serialize};

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

/// The page's state as the automation surface reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub backend: Option<BackendKind>,
    pub phase: Phase,
    pub error: Option<String>,
    pub config: ExperimentConfig,
}
