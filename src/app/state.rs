//! The page's shared state: plain values in signals, provided through context.
//! Burn devices and models never go in here (they are not `Send`); see `runner`.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;

use crate::core::config::{ConfigDraft, ExperimentConfig};
use crate::core::data::{Dataset, DatasetKind};
use crate::core::snapshot::{BackendKind, Phase, Snapshot};

/// The running work's progress, for the progress bar.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// What is running, in words ("Loading MNIST digits").
    pub label: String,
    /// Done so far, 0 to 1.
    pub fraction: f64,
    /// Details such as the step or the time left.
    pub detail: String,
}

/// Figures measured in this page, exposed as `window.sigpath.timings()`.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    /// From navigation start to the first data set being parsed and ready.
    pub data_ready_ms: Option<f64>,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub phase: RwSignal<Phase>,
    pub error: RwSignal<Option<String>>,
    /// The last valid configuration (what `state().config` reports).
    pub config: RwSignal<ExperimentConfig>,
    /// The form as typed.
    pub draft: RwSignal<ConfigDraft>,
    pub datasets: RwSignal<HashMap<DatasetKind, Arc<Dataset>>>,
    /// Data sets being fetched right now.
    pub loading: RwSignal<Vec<DatasetKind>>,
    pub progress: RwSignal<Option<Progress>>,
    pub backend: RwSignal<Option<BackendKind>>,
    pub timings: RwSignal<Timings>,
}

impl AppState {
    pub fn new() -> Self {
        let config = ExperimentConfig::default();
        Self {
            phase: RwSignal::new(Phase::Loading),
            error: RwSignal::new(None),
            draft: RwSignal::new(ConfigDraft::from(&config)),
            config: RwSignal::new(config),
            datasets: RwSignal::new(HashMap::new()),
            loading: RwSignal::new(Vec::new()),
            progress: RwSignal::new(None),
            backend: RwSignal::new(None),
            timings: RwSignal::new(Timings::default()),
        }
    }

    /// The data set of the current configuration, once loaded.
    pub fn current_dataset(&self) -> Option<Arc<Dataset>> {
        let kind = self.config.with(|c| c.dataset);
        self.datasets.with(|d| d.get(&kind).cloned())
    }

    /// Show a message to the user and enter the error phase.
    pub fn fail(&self, message: impl Into<String>) {
        self.error.set(Some(message.into()));
        self.phase.set(Phase::Error);
        self.progress.set(None);
    }

    /// What `window.sigpath.state()` returns.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            backend: self.backend.get_untracked(),
            phase: self.phase.get_untracked(),
            error: self.error.get_untracked(),
            config: self.config.get_untracked(),
        }
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}
