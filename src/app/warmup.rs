//! Warms the CPU training path while the page waits for the visitor.
//!
//! The browser compiles wasm in two tiers: a quick baseline first, then
//! optimised code for the functions that turn out hot. A first epoch on the
//! CPU ran markedly slower than a second one in the same page: the first paid
//! for running in baseline code until the matrix kernels were recompiled
//! (figures: docs/performance.md). A few training
//! steps on the test images, soon after the page is ready, get that
//! recompilation done before the visitor presses Train. The throwaway network
//! then records the signatures of a thousand test images and clusters them,
//! so the clustering code is recompiled too: the clustering workers run the
//! page's compiled module and start from what it has recompiled (measured
//! faster on alternating builds). When WebGPU would train, only the clustering part runs
//! (the clustering is on the CPU whatever trains), with an untrained network;
//! the training part waits until the visitor ticks `force-cpu`. A run that
//! starts meanwhile stops either.

use burn::tensor::Device;
use leptos::prelude::*;

use crate::core::analysis::{K_RANGE, LayerSweep, SweepStep};
use crate::core::config::ExperimentConfig;
use crate::core::data::{ClassSet, DatasetKind, Subset};
use crate::core::model::Network;
use crate::core::signature::extract;
use crate::core::snapshot::Phase;
use crate::core::train::Trainer;

use super::backend;
use super::browser::{now_ms, sleep_ms, yield_now};
use super::state::AppState;

/// Steps of the default network at batch 256 (three passes over MNIST's test
/// split). One pass (40 steps) was enough until a change elsewhere in the
/// code moved which functions the browser had recompiled by then, and the
/// first epoch fell back towards its unwarmed speed; three passes hold with
/// margin (figures: docs/performance.md).
const WARMUP_STEPS: usize = 120;
const WARMUP_BATCH: usize = 256;
/// Test images whose signatures the warm-up clusters: every K-means and
/// silhouette kernel runs, each piece of work a few milliseconds.
const WARMUP_CLUSTER_IMAGES: usize = 1_000;
/// Silhouette pairs per task: the run's own 4 million would be the whole
/// warm-up silhouette (half a million pairs) in one task, in baseline code.
const WARMUP_PAIRS_PER_STEP: u64 = 50_000;
/// Let what the first screen shows settle before starting.
const SETTLE_MS: i32 = 300;
/// Give up waiting for a usable page after this long.
const WAIT_LIMIT_MS: f64 = 60_000.0;

/// Which warm-ups are under way or done, once per page (kept in `AppState::warmup`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Claims {
    /// A warm-up is under way, or the training one is done.
    claimed: bool,
    /// The clustering part is done (by either kind of warm-up).
    clustering_warmed: bool,
}

/// Warm up once the page is ready or idle (the training part only if the CPU
/// would train), and the training part later when the visitor ticks
/// `force-cpu` (if it has not run yet).
pub fn install(state: AppState) {
    start(state);
    Effect::new(move |_| {
        if state.force_cpu.get() {
            start(state);
        }
    });
}

fn start(state: AppState) {
    if state.warmup.with_value(|w| w.claimed) {
        return;
    }
    state.warmup.update_value(|w| w.claimed = true);
    leptos::task::spawn_local(async move {
        let warmed = wait_and_warm(state).await;
        if !warmed {
            // Training not warmed (WebGPU would train, or a run came first): a later tick of `force-cpu` may try again.
            state.warmup.update_value(|w| w.claimed = false);
        }
    });
}

async fn wait_and_warm(state: AppState) -> bool {
    let started = now_ms();
    loop {
        let settled = matches!(state.phase.get_untracked(), Phase::Ready | Phase::Idle);
        if settled && !state.running.get_untracked() && state.current_dataset().is_some() {
            break;
        }
        if now_ms() - started > WAIT_LIMIT_MS {
            return false;
        }
        sleep_ms(200).await;
    }
    sleep_ms(SETTLE_MS).await;
    // The box is read after the probe (and again after the clustering part),
    // with no await before the claim is released: a tick before that is seen
    // here, and the `start` a later tick makes finds the claim free. (A tick
    // during the probe once found the claim taken and was lost, and the run
    // that followed trained in baseline code.)
    if !backend::cpu_would_train(state).await {
        // An untrained network's signatures exercise the same code.
        if let Some(model) = untrained_network(state) {
            warm_clustering_once(state, &model).await;
        }
        if !state.force_cpu.get_untracked() {
            return false;
        }
    }
    let warm_started = now_ms();
    let Some(steps) = warm(state).await else { return false };
    let ms = now_ms() - warm_started;
    state.timings.update(|t| {
        t.warmup_ms = Some(ms);
        t.warmup_steps = Some(steps as u64);
    });
    true
}

/// Up to `WARMUP_STEPS` steps of a throwaway network, then the clustering
/// part if no warm-up has done it yet; the steps done, or `None` when it
/// could not start or a run began first.
async fn warm(state: AppState) -> Option<usize> {
    let dataset = state.current_dataset()?;
    let kind = dataset.kind;
    let classes = all_classes(kind)?;
    let images = Subset::new(&dataset.test, &classes, None, 0, "test").ok()?;
    let config = ExperimentConfig {
        batch_size: WARMUP_BATCH.min(images.len()),
        // Enough passes over the test images for WARMUP_STEPS steps.
        epochs: WARMUP_STEPS.div_ceil(images.len().div_ceil(WARMUP_BATCH).max(1)).max(1),
        ..network_config(kind)
    };
    let mut trainer = Trainer::new(&config, &images, &Device::flex()).ok()?;
    let mut steps = 0;
    while steps < WARMUP_STEPS && !trainer.is_finished() {
        // A step in baseline code is a few milliseconds: one per task.
        yield_now().await;
        if state.running.get_untracked() {
            return None;
        }
        trainer.step(&images).ok()?;
        steps += 1;
    }
    let model = trainer.model().ok()?.copy_to(&Device::flex()).await.ok()?;
    warm_clustering_once(state, &model).await?;
    Some(steps)
}

/// Every class of the data set.
fn all_classes(kind: DatasetKind) -> Option<ClassSet> {
    let all: Vec<u8> = (0..kind.class_count()).collect();
    ClassSet::new(&all, kind.class_count()).ok()
}

/// The default network over every class of the data set.
fn network_config(kind: DatasetKind) -> ExperimentConfig {
    ExperimentConfig { dataset: kind, classes: (0..kind.class_count()).collect(), ..ExperimentConfig::default() }
}

/// The default network, untrained, on the CPU.
fn untrained_network(state: AppState) -> Option<Network> {
    let kind = state.current_dataset()?.kind;
    Network::new(&network_config(kind), kind.class_count().into(), &Device::flex()).ok()
}

/// Unless a warm-up has done it: the signatures of the first test images
/// through `model`, then the clustering sweep of every layer, a step per
/// task. `None` when a run began first or something could not start.
async fn warm_clustering_once(state: AppState, model: &Network) -> Option<()> {
    if state.warmup.with_value(|w| w.clustering_warmed) {
        return Some(());
    }
    let started = now_ms();
    let dataset = state.current_dataset()?;
    let classes = all_classes(dataset.kind)?;
    // Once per data set; the runs' evaluation subsets take their rows of it.
    super::runner::list_test_pixels(state, &dataset);
    yield_now().await;
    let indices: Vec<usize> = (0..WARMUP_CLUSTER_IMAGES.min(dataset.test.len())).collect();
    let images = Subset::from_indices(&dataset.test, &classes, &indices);
    yield_now().await;
    let signatures = extract(model, &images, &Device::flex()).await.ok()?;
    for layer in signatures.layers {
        let mut sweep = LayerSweep::new(layer.values, K_RANGE, 0).ok()?.with_pairs_per_step(WARMUP_PAIRS_PER_STEP);
        loop {
            yield_now().await;
            if state.running.get_untracked() {
                return None;
            }
            if sweep.step().ok()? == SweepStep::Done {
                break;
            }
        }
    }
    state.warmup.update_value(|w| w.clustering_warmed = true);
    let ms = now_ms() - started;
    state.timings.update(|t| t.warmup_clustering_ms = Some(ms));
    Some(())
}
