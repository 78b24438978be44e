//! Foreign inputs for the findings panel. Once a run is ready: fetch the
//! foreign data set in the background (Animal-Shape for a digit network,
//! MNIST test digits for an animal one), record its signatures with the run's
//! CPU copy of the network in chunks, yielding to the browser between them,
//! score the K-independent detectors (max softmax, Mahalanobis, ink) in
//! slices too, then publish `state.foreign` and its summary `state.ood`.
//! The phase stays "ready" throughout; failures are words in
//! `state.foreign_status`, never the error phase. When only K changes, the
//! cached foreign signatures are scored again at once (nearest-centre
//! detectors); a new run or an imported one starts over.

use std::sync::Arc;

use burn::tensor::Device;
use leptos::prelude::*;

use crate::core::analysis::Mahalanobis;
use crate::core::data::{Dataset, DatasetKind};
use crate::core::findings::{
    DetectorKind, DetectorScores, FixedDetectors, SignatureAccumulator, foreign_chunk, foreign_finding, foreign_images,
    foreign_kind, foreign_noun, ink_scores, mahalanobis_distances, max_softmax_detector,
};
use crate::core::signature::{Signatures, extract};

use super::browser::{Pacer, now_ms, sleep_ms};
use super::experiment::{self, Generation};
use super::state::AppState;

/// Foreign images per forward pass on the CPU backend: a few milliseconds.
const EXTRACT_CHUNK_ROWS: usize = 250;
/// Mahalanobis distances per slice (each costs ~K·width² operations).
const MAHALANOBIS_CHUNK_ROWS: usize = 500;
/// Work between two yields to the browser.
const SLICE_MS: f64 = 10.0;
/// How long to wait for the run's CPU model to appear (an imported run may
/// publish its results a moment before its network).
const MODEL_WAIT_MS: f64 = 5_000.0;

/// A [`Pacer`] that also remembers the longest stretch between two yields.
struct Slices {
    pacer: Pacer,
    resumed_ms: f64,
    longest_ms: f64,
}

impl Slices {
    fn new() -> Self {
        Self { pacer: Pacer::new(SLICE_MS), resumed_ms: now_ms(), longest_ms: 0.0 }
    }

    fn due(&self) -> bool {
        self.pacer.due()
    }

    async fn pause(&mut self) {
        self.longest_ms = self.longest_ms.max(now_ms() - self.resumed_ms);
        self.pacer.pause().await;
        self.resumed_ms = now_ms();
    }

    async fn tick(&mut self) {
        if self.pacer.due() {
            self.pause().await;
        }
    }
}

/// The foreign signatures and K-independent detectors of one experiment.
struct Cache {
    generation: Generation,
    foreign: Arc<Signatures>,
    fixed: Arc<FixedDetectors>,
}

/// The analysis's bookkeeping, per experiment (kept in `AppState::foreign_work`).
#[derive(Default)]
pub struct Work {
    cache: Option<Cache>,
    /// The experiment whose foreign set is being analysed.
    in_flight: Option<Generation>,
    /// The experiment whose foreign data set was asked for (a failed load is not retried for it).
    requested: Option<Generation>,
    /// (experiment, K per layer) last published, so unrelated updates cost nothing.
    published: Option<(Generation, Vec<usize>)>,
}

/// Keep the findings' foreign-input analysis in step with the run: install once.
pub fn install(state: AppState) {
    Effect::new(move |_| {
        // Tracked: a new run, an import, a change of K; and the data sets (the foreign one arriving).
        let run = state.results.with(|r| r.as_ref().map(|r| (r.config.dataset, ks(r))));
        let Some((kind, ks)) = run else {
            clear(state);
            return;
        };
        let foreign_set = foreign_kind(kind);
        let dataset = state.datasets.with(|d| d.get(&foreign_set).cloned());
        let loading = state.loading.with(|l| l.contains(&foreign_set));
        let key = experiment::generation();

        let cached = state.foreign_work.with_value(|w| {
            w.cache.as_ref().filter(|c| c.generation == key).map(|c| (c.foreign.clone(), c.fixed.clone()))
        });
        if let Some((foreign, fixed)) = cached {
            if state.foreign_work.with_value(|w| w.published.as_ref() != Some(&(key, ks.clone()))) {
                publish(state, key, ks, &foreign, &fixed);
            }
            return;
        }
        if state.foreign_work.with_value(|w| w.in_flight) == Some(key) {
            return;
        }
        // A run not analysed yet: what is shown belongs to an older one.
        if state.foreign.with_untracked(Option::is_some) {
            state.foreign.set(None);
        }
        if state.ood.with_untracked(Option::is_some) {
            state.ood.set(None);
        }
        match dataset {
            Some(dataset) => {
                state.foreign_work.update_value(|w| w.in_flight = Some(key));
                leptos::task::spawn_local(analyse(state, key, dataset));
            }
            None if loading => set_status(state, format!("Loading the {} in the background…", foreign_noun(kind))),
            None if state.foreign_work.with_value(|w| w.requested) == Some(key) => set_status(
                state,
                format!(
                    "The {} could not be loaded, so foreign inputs are not scored for this run.",
                    foreign_noun(kind)
                ),
            ),
            None => {
                state.foreign_work.update_value(|w| w.requested = Some(key));
                set_status(state, format!("Loading the {} in the background…", foreign_noun(kind)));
                // A background load: it leaves the phase and the progress bar alone.
                super::ensure_dataset(state, foreign_set);
            }
        }
    });
}

fn ks(results: &crate::core::results::RunResults) -> Vec<usize> {
    results.layers.iter().map(|l| l.k()).collect()
}

fn set_status(state: AppState, status: impl Into<String>) {
    let status = Some(status.into());
    if state.foreign_status.with_untracked(|s| *s != status) {
        state.foreign_status.set(status);
    }
}

fn clear(state: AppState) {
    state.foreign_work.update_value(|w| w.published = None);
    if state.foreign.with_untracked(Option::is_some) {
        state.foreign.set(None);
    }
    if state.foreign_status.with_untracked(Option::is_some) {
        state.foreign_status.set(None);
    }
    if state.ood.with_untracked(Option::is_some) {
        state.ood.set(None);
    }
}

/// Score the foreign set under the run's current K and show it.
fn publish(state: AppState, key: Generation, ks: Vec<usize>, foreign: &Signatures, fixed: &FixedDetectors) {
    let started = now_ms();
    let outcome = state.results.with_untracked(|r| r.as_ref().map(|r| foreign_finding(r, foreign, fixed)));
    let rescore_ms = now_ms() - started;
    state.timings.update_untracked(|t| t.ood_rescore_ms = Some(rescore_ms));
    match outcome {
        Some(Ok(finding)) => {
            state.foreign_work.update_value(|w| w.published = Some((key, ks)));
            state.ood.set(Some(finding.snapshot()));
            state.foreign.set(Some(Arc::new(finding)));
            if state.foreign_status.with_untracked(Option::is_some) {
                state.foreign_status.set(None);
            }
        }
        Some(Err(e)) => set_status(state, format!("The foreign inputs could not be scored: {e}.")),
        None => {}
    }
}

async fn analyse(state: AppState, key: Generation, dataset: Arc<Dataset>) {
    let started = now_ms();
    let outcome = work(state, key, &dataset).await;
    state.foreign_work.update_value(|w| {
        if w.in_flight == Some(key) {
            w.in_flight = None;
        }
    });
    match outcome {
        Ok(Some((foreign, fixed))) if still(state, key) => {
            let (foreign, fixed) = (Arc::new(foreign), Arc::new(fixed));
            let cache = Cache { generation: key, foreign: foreign.clone(), fixed: fixed.clone() };
            state.foreign_work.update_value(|w| w.cache = Some(cache));
            let ks = state.results.with_untracked(|r| r.as_ref().map(ks)).unwrap_or_default();
            publish(state, key, ks, &foreign, &fixed);
            let total_ms = now_ms() - started;
            state.timings.update_untracked(|t| t.ood_ms = Some(total_ms));
        }
        // Superseded by another experiment: its own analysis takes over.
        Ok(_) => {}
        Err(message) => set_status(state, message),
    }
}

/// Whether experiment `key` is still on screen with its results (checked
/// between chunks: a late answer for a superseded experiment is dropped).
fn still(state: AppState, key: Generation) -> bool {
    experiment::is_current(key) && state.results.with_untracked(Option::is_some)
}

async fn work(
    state: AppState,
    key: Generation,
    dataset: &Dataset,
) -> Result<Option<(Signatures, FixedDetectors)>, String> {
    if !still(state, key) {
        return Ok(None);
    }
    let Some((classes, kind)) =
        state.results.with_untracked(|r| r.as_ref().map(|r| (r.classes.clone(), r.config.dataset)))
    else {
        return Ok(None);
    };
    let noun = foreign_noun(kind);
    let mut waited_ms = 0.0;
    let model = loop {
        if let Some(model) = experiment::model().filter(|_| experiment::is_current(key)) {
            break model;
        }
        if waited_ms >= MODEL_WAIT_MS {
            return Err(format!("The {noun} were not scored: the trained network is not available."));
        }
        sleep_ms(100).await;
        waited_ms += 100.0;
        if !still(state, key) {
            return Ok(None);
        }
    };

    // 1. Signatures of every foreign image, chunk by chunk.
    let pool = foreign_images(dataset);
    let total = pool.len();
    let device = Device::flex();
    let mut pacer = Slices::new();
    let mut accumulator = SignatureAccumulator::new();
    set_status(state, format!("Recording the signatures of {total} {noun}…"));
    pacer.pause().await;
    for start in (0..total).step_by(EXTRACT_CHUNK_ROWS) {
        let chunk = foreign_chunk(&pool, start..start + EXTRACT_CHUNK_ROWS, &classes);
        let signatures = extract(&model, &chunk, &device)
            .await
            .map_err(|e| format!("Recording the {noun}' signatures failed: {e}."))?;
        accumulator.push(signatures).map_err(|e| format!("Recording the {noun}' signatures failed: {e}."))?;
        if pacer.due() {
            set_status(state, format!("Recording the signatures of {total} {noun}: {} done…", accumulator.len()));
            pacer.pause().await;
            if !still(state, key) {
                return Ok(None);
            }
        }
    }
    let foreign = accumulator.finish().map_err(|e| format!("Recording the {noun}' signatures failed: {e}."))?;

    // 2. The detectors that do not depend on K.
    set_status(state, format!("Scoring the {noun} with the max-softmax and Mahalanobis detectors…"));
    pacer.pause().await;
    if !still(state, key) {
        return Ok(None);
    }
    let fail = |e: &dyn std::fmt::Display| format!("Scoring the {noun} failed: {e}.");
    let Some(max_softmax) = state.results.with_untracked(|r| {
        r.as_ref().map(|r| max_softmax_detector(r.eval.probabilities.view(), foreign.probabilities.view()))
    }) else {
        return Ok(None);
    };
    let layer_names: Vec<String> = state
        .results
        .with_untracked(|r| r.as_ref().map(|r| r.layers.iter().map(|l| l.name.clone()).collect()))
        .unwrap_or_default();
    let mut mahalanobis = Vec::with_capacity(layer_names.len());
    for (index, name) in layer_names.iter().enumerate() {
        let fitted = state.results.with_untracked(|r| {
            let r = r.as_ref()?;
            let layer = r.layers.get(index)?;
            Some(Mahalanobis::fit(layer.signatures.view(), &r.eval.targets).and_then(|m| m.whiten()))
        });
        let Some(fitted) = fitted else { return Ok(None) };
        let model = fitted.map_err(|e| fail(&e))?;
        pacer.tick().await;
        let in_count = state.results.with_untracked(|r| r.as_ref().map_or(0, |r| r.eval.len()));
        let mut in_scores = Vec::with_capacity(in_count);
        for start in (0..in_count).step_by(MAHALANOBIS_CHUNK_ROWS) {
            let part = state.results.with_untracked(|r| {
                let layer = r.as_ref()?.layers.get(index)?;
                Some(mahalanobis_distances(&model, layer.signatures.view(), start..start + MAHALANOBIS_CHUNK_ROWS))
            });
            let Some(part) = part else { return Ok(None) };
            in_scores.extend(part.map_err(|e| fail(&e))?);
            pacer.tick().await;
        }
        let values = foreign.layers.get(index).map(|l| l.values.view()).ok_or_else(|| fail(&"a layer is missing"))?;
        let mut out_scores = Vec::with_capacity(values.nrows());
        for start in (0..values.nrows()).step_by(MAHALANOBIS_CHUNK_ROWS) {
            out_scores.extend(
                mahalanobis_distances(&model, values, start..start + MAHALANOBIS_CHUNK_ROWS).map_err(|e| fail(&e))?,
            );
            pacer.tick().await;
        }
        if !still(state, key) {
            return Ok(None);
        }
        mahalanobis.push(DetectorScores::new(DetectorKind::Mahalanobis, Some(name.clone()), in_scores, out_scores));
    }

    // The ink yardstick: the run's evaluation images are in its own data set's test split.
    let run_set: Option<(DatasetKind, Vec<usize>)> =
        state.results.with_untracked(|r| r.as_ref().map(|r| (r.config.dataset, r.eval.test_indices.clone())));
    let ink = run_set.and_then(|(run_kind, indices)| {
        let own = state.datasets.with_untracked(|d| d.get(&run_kind).cloned())?;
        let in_scores = ink_scores(&own.test.images, Some(&indices));
        (in_scores.len() == indices.len())
            .then(|| DetectorScores::new(DetectorKind::Ink, None, in_scores, ink_scores(&pool.images, None)))
    });
    let longest_ms = pacer.longest_ms.max(now_ms() - pacer.resumed_ms);
    state.timings.update_untracked(|t| t.ood_slice_ms = Some(longest_ms));
    Ok(Some((foreign, FixedDetectors { max_softmax, mahalanobis, ink })))
}
