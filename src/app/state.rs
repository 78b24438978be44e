//! The page's shared state: plain values in signals, provided through context.
//! Burn devices and models never go in here (they are not `Send`); see `runner`.

use std::collections::HashMap;
use std::sync::Arc;

use leptos::prelude::*;

use crate::core::analysis::cka::CkaMatrix;
use crate::core::config::{ConfigDraft, ExperimentConfig};
use crate::core::data::{Dataset, DatasetKind};
use crate::core::findings::ForeignFinding;
use crate::core::results::{ProbeResult, RunResults};
use crate::core::share::link::ColorMode;
use crate::core::snapshot::{BackendKind, OodSnapshot, Phase, ProbeSource, Snapshot, TrainingSnapshot};

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
    /// Signatures of the evaluation set, one batched pass.
    pub extract_ms: Option<f64>,
    /// K-means for K = 2..10 and all silhouettes, every layer.
    pub cluster_ms: Option<f64>,
    /// Workers that did it (0: the page itself, see `app::worker_pool`).
    pub cluster_workers: Option<u64>,
    /// From the end of the last stroke to updated views.
    pub probe_ms: Option<f64>,
    /// Strokes measured so far (two strokes can take the same `probe_ms`).
    pub probe_count: u64,
    /// From navigation start to the page being interactive.
    pub interactive_ms: Option<f64>,
    /// The last full redraw of a layer's scatter (every evaluation image).
    pub scatter_ms: Option<f64>,
    /// Foreign-input analysis in the background (signatures of the foreign
    /// set and every detector), from its start to `state().ood`.
    pub ood_ms: Option<f64>,
    /// The longest single slice of that work (how long it held the page).
    pub ood_slice_ms: Option<f64>,
    /// Re-scoring the foreign set after a change of K (synchronous).
    pub ood_rescore_ms: Option<f64>,
    /// Computing the two-class finding (synchronous, on a change of pair or K).
    pub pair_ms: Option<f64>,
    /// Layer similarity (linear CKA) of every pair of layers, from the run
    /// being shown to `state().cka` (`app::cka`, in short tasks).
    pub cka_ms: Option<f64>,
    /// Warming the CPU training path after the page became ready (see
    /// `app::warmup`): its duration and the steps it ran; null when skipped.
    pub warmup_ms: Option<f64>,
    pub warmup_steps: Option<u64>,
    /// The clustering part of the warm-up (done once, also when WebGPU
    /// would train); null until done.
    pub warmup_clustering_ms: Option<f64>,
    /// Listing the non-zero pixels of the test split (once per data set, by
    /// the warm-up or else by the first run, before its training; the
    /// signature pass reads that list: see `core::data::nonzero`).
    pub listing_ms: Option<f64>,
}

/// Points of the live training chart: x in epochs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Curves {
    pub loss: Vec<(f64, f64)>,
    pub train_accuracy: Vec<(f64, f64)>,
    pub test_accuracy: Vec<(f64, f64)>,
}

/// The probe shown in the drawing panel and over every view.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    pub source: ProbeSource,
    /// The 28×28 input the network received, in [0, 1].
    pub pixels: Vec<f32>,
    pub result: ProbeResult,
    /// For a data-set probe: its position in the evaluation set, if it is one.
    pub eval_row: Option<usize>,
}

/// Evaluation images picked out in every scatter (a hovered flow band, a
/// contingency cell, ...), with what they are in words.
#[derive(Debug, Clone, PartialEq)]
pub struct Highlight {
    pub label: String,
    /// Rows of the evaluation set.
    pub rows: Arc<[usize]>,
}

#[derive(Clone, Copy)]
pub struct AppState {
    pub phase: RwSignal<Phase>,
    pub error: RwSignal<Option<String>>,
    /// The last valid configuration (what `state().config` reports).
    pub config: RwSignal<ExperimentConfig>,
    /// The form as typed.
    pub draft: RwSignal<ConfigDraft>,
    /// The loaded data sets. A data set's `train` split stays empty until the
    /// visitor trains (`app::ensure_training`); `train_counts` has its sizes.
    pub datasets: RwSignal<HashMap<DatasetKind, Arc<Dataset>>>,
    /// Training images of each class value, per loaded data set (known before
    /// the training images themselves are loaded).
    pub train_counts: RwSignal<HashMap<DatasetKind, Vec<usize>>>,
    /// Data sets being fetched right now.
    pub loading: RwSignal<Vec<DatasetKind>>,
    /// The page is opening a kept run or the demo: it stays "loading" until
    /// that is shown or given up, rather than passing through "idle".
    pub starting: RwSignal<bool>,
    pub progress: RwSignal<Option<Progress>>,
    pub backend: RwSignal<Option<BackendKind>>,
    /// Why training runs on the CPU, when it does.
    pub backend_note: RwSignal<Option<String>>,
    /// The visitor asked for the CPU.
    pub force_cpu: RwSignal<bool>,
    pub timings: RwSignal<Timings>,
    /// Training progress of the running or last run.
    pub training: RwSignal<Option<TrainingSnapshot>>,
    pub curves: RwSignal<Curves>,
    /// The finished run.
    pub results: RwSignal<Option<RunResults>>,
    pub probe: RwSignal<Option<Probe>>,
    /// What the probe is, in words ("your drawing", "test image 123, a 7").
    pub probe_caption: RwSignal<Option<String>>,
    pub ood: RwSignal<Option<OodSnapshot>>,
    pub share_url: RwSignal<Option<String>>,
    /// Two kept classes compared in the findings panel (share links store it).
    pub pair: RwSignal<Option<(u8, u8)>>,
    /// The foreign-input analysis of the finished run (findings panel;
    /// `app::ood`); `state.ood` is its summary.
    pub foreign: RwSignal<Option<Arc<ForeignFinding>>>,
    /// What that analysis is doing, or why it could not run; `None` when idle or done.
    pub foreign_status: RwSignal<Option<String>>,
    /// When the experiment kept in this browser (IndexedDB) was saved, in ms
    /// since 1970; `None` when nothing is kept.
    pub autosaved_at: RwSignal<Option<f64>>,
    /// A run is in progress (training or analysing).
    pub running: RwSignal<bool>,
    /// The visitor pressed cancel.
    pub cancel_requested: RwSignal<bool>,
    /// What the experiment on screen is and where it came from, in words
    /// (`experiment::Origin`); `None` before any, and for a link's settings.
    pub origin: RwSignal<Option<String>>,
    /// A share link's K per layer, applied when a run of its settings finishes.
    pub pending_k: StoredValue<Option<(ExperimentConfig, Vec<Option<usize>>)>>,
    /// Why WebGPU could not start in the worker, once it failed: later runs
    /// go straight to the CPU instead of failing the same way again.
    pub webgpu_failed: StoredValue<Option<String>>,
    /// The probes' sequence numbers (`app::probe`).
    pub probe_seq: StoredValue<super::probe::Sequence>,
    /// The foreign-input analysis's bookkeeping (`app::ood`).
    pub foreign_work: StoredValue<super::ood::Work>,
    /// The kept copy's save queue and what it last saved (`app::persist::kept`).
    pub keeper: StoredValue<super::persist::kept::Keeper>,
    /// How alike every two layers of the run on screen are (`app::cka`).
    pub cka: RwSignal<Option<Arc<CkaMatrix>>>,
    /// The experiment `cka` was computed (or is being computed) for.
    pub cka_for: StoredValue<Option<super::experiment::Generation>>,
    /// Which warm-ups are claimed or done (`app::warmup`).
    pub warmup: StoredValue<super::warmup::Claims>,
    /// WebGPU failed mid-run: offer to continue on the CPU.
    pub offer_cpu: RwSignal<bool>,
    /// A short, non-error message ("Training cancelled").
    pub notice: RwSignal<Option<String>>,
    /// How the scatters colour the images (share links store it).
    pub color_mode: RwSignal<ColorMode>,
    /// Images picked out in the scatters while another view is hovered.
    pub highlight: RwSignal<Option<Highlight>>,
    /// How many stages of the results' views have mounted (`reveal.rs`);
    /// `reveal::VIEW_STAGES` when all have.
    pub view_stage: RwSignal<u8>,
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
            train_counts: RwSignal::new(HashMap::new()),
            loading: RwSignal::new(Vec::new()),
            starting: RwSignal::new(true),
            progress: RwSignal::new(None),
            backend: RwSignal::new(None),
            backend_note: RwSignal::new(None),
            force_cpu: RwSignal::new(false),
            timings: RwSignal::new(Timings::default()),
            training: RwSignal::new(None),
            curves: RwSignal::new(Curves::default()),
            results: RwSignal::new(None),
            probe: RwSignal::new(None),
            probe_caption: RwSignal::new(None),
            ood: RwSignal::new(None),
            share_url: RwSignal::new(None),
            pair: RwSignal::new(None),
            foreign: RwSignal::new(None),
            foreign_status: RwSignal::new(None),
            autosaved_at: RwSignal::new(None),
            running: RwSignal::new(false),
            cancel_requested: RwSignal::new(false),
            origin: RwSignal::new(None),
            pending_k: StoredValue::new(None),
            webgpu_failed: StoredValue::new(None),
            probe_seq: StoredValue::new(Default::default()),
            foreign_work: StoredValue::new(Default::default()),
            keeper: StoredValue::new(Default::default()),
            warmup: StoredValue::new(Default::default()),
            cka: RwSignal::new(None),
            cka_for: StoredValue::new(None),
            offer_cpu: RwSignal::new(false),
            notice: RwSignal::new(None),
            color_mode: RwSignal::new(ColorMode::default()),
            highlight: RwSignal::new(None),
            view_stage: RwSignal::new(super::reveal::VIEW_STAGES),
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
            training: self.training.get_untracked(),
            layers: self.results.with_untracked(|r| r.as_ref().map(RunResults::layer_snapshots)),
            probe: self.with_probe_snapshot(),
            ood: self.ood.get_untracked(),
            share_url: self.share_url.get_untracked(),
            cka: self.cka.get_untracked().map(|m| (*m).clone()),
        }
    }

    fn with_probe_snapshot(&self) -> Option<crate::core::snapshot::ProbeSnapshot> {
        let probe = self.probe.get_untracked()?;
        self.results.with_untracked(|r| r.as_ref().map(|r| probe.result.snapshot(probe.source, &r.classes)))
    }
}

impl Default for AppState {
    fn default() -> Self {
        Self::new()
    }
}
