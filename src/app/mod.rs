//! The web shell: state, data loading, backend choice, async runners.
//! Everything here is thin; the work is done by `crate::core`.

pub mod automation;
pub mod backend;
pub mod browser;
pub mod cka;
pub mod experiment;
pub mod gpu_worker;
pub mod loader;
pub mod ood;
pub mod persist;
pub mod probe;
pub mod reveal;
pub mod runner;
pub mod state;
pub mod warmup;
pub mod worker_pool;

use leptos::prelude::*;

use crate::core::data::DatasetKind;
use crate::core::snapshot::Phase;
use state::{AppState, Progress};

/// Mount the page.
pub fn start() {
    console_error_panic_hook::set_once();
    // The same wasm runs in the pool's workers (`worker_pool`), which
    // have no page: there it only answers jobs.
    if web_sys::window().is_none() {
        return;
    }
    leptos::mount::mount_to_body(crate::ui::App);
}

/// Make sure the data set `kind` is loaded (or loading); errors go to the page.
/// Only the configured data set drives the phase and the progress bar: a second
/// one fetched in the background (Animal-Shape images as foreign probes) never
/// leaves the page "loading" nor disturbs "ready" or a running training, and
/// its failure is a notice, not an error phase.
pub fn ensure_dataset(state: AppState, kind: DatasetKind) {
    let present = state.datasets.with_untracked(|d| d.contains_key(&kind));
    let in_flight = state.loading.with_untracked(|l| l.contains(&kind));
    let configured = move || state.config.with_untracked(|c| c.dataset) == kind;
    if present {
        return;
    }
    if in_flight {
        // A background load became the configured one: the page now waits for it.
        if configured() && !state.running.get_untracked() {
            state.phase.set(Phase::Loading);
        }
        return;
    }
    state.loading.update(|l| l.push(kind));
    if configured() {
        state.phase.set(Phase::Loading);
    }
    leptos::task::spawn_local(async move {
        let label = format!("Loading {}", kind.title());
        let result = loader::load_dataset(kind, |done, total| {
            // The bar belongs to the run while one is going.
            if configured() && !state.running.get_untracked() {
                state.progress.set(Some(Progress {
                    label: label.clone(),
                    fraction: done as f64 / total.max(1) as f64,
                    detail: format!("{done} of {total} files"),
                }));
            }
        })
        .await;
        state.loading.update(|l| l.retain(|k| *k != kind));
        if !state.running.get_untracked()
            && state.progress.with_untracked(|p| p.as_ref().is_some_and(|p| p.label == label))
        {
            state.progress.set(None);
        }
        match result {
            Ok(loaded) => {
                state.train_counts.update(|c| {
                    c.insert(kind, loaded.train_counts);
                });
                state.datasets.update(|d| {
                    d.insert(kind, loaded.dataset);
                });
                state.timings.update(|t| {
                    t.data_ready_ms.get_or_insert_with(browser::now_ms);
                });
                let waiting = matches!(state.phase.get_untracked(), Phase::Loading | Phase::Error);
                if configured() && waiting {
                    // The data set on screen is usable: an older failure no longer applies.
                    state.error.set(None);
                    // A start-up still opening the demo or a kept run goes on to "ready" from "loading".
                    state.phase.set(if state.starting.get_untracked() { Phase::Loading } else { Phase::Idle });
                }
            }
            Err(message) if configured() => state.fail(message),
            Err(message) => state.notice.set(Some(message)),
        }
    });
}

/// The configured data set with its training images, fetching them first if
/// the first load left them out (MNIST: they load when the visitor trains).
pub async fn ensure_training(
    state: AppState,
    kind: DatasetKind,
) -> Result<std::sync::Arc<crate::core::data::Dataset>, String> {
    let dataset = state
        .datasets
        .with_untracked(|d| d.get(&kind).cloned())
        .ok_or("The data set is still loading; train again in a moment.")?;
    if loader::has_training_images(&dataset) {
        return Ok(dataset);
    }
    let full = loader::load_training(dataset).await?;
    state.datasets.update(|d| {
        d.insert(kind, full.clone());
    });
    Ok(full)
}
