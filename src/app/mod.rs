//! The web shell: state, data loading, backend choice, async runners.
//! Everything here is thin; the work is done by `crate::core`.

pub mod automation;
pub mod backend;
pub mod browser;
pub mod loader;
pub mod probe;
pub mod runner;
pub mod session;
pub mod state;

use leptos::prelude::*;

use crate::core::data::DatasetKind;
use crate::core::snapshot::Phase;
use state::{AppState, Progress};

/// Mount the page.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(crate::ui::App);
}

/// Make sure the data set `kind` is loaded (or loading); errors go to the page.
pub fn ensure_dataset(state: AppState, kind: DatasetKind) {
    let present = state.datasets.with_untracked(|d| d.contains_key(&kind));
    let in_flight = state.loading.with_untracked(|l| l.contains(&kind));
    if present || in_flight {
        return;
    }
    state.loading.update(|l| l.push(kind));
    state.phase.set(Phase::Loading);
    leptos::task::spawn_local(async move {
        let label = format!("Loading {}", kind.title());
        let result = loader::load_dataset(kind, |done, total| {
            state.progress.set(Some(Progress {
                label: label.clone(),
                fraction: done as f64 / total.max(1) as f64,
                detail: format!("{done} of {total} files"),
            }));
        })
        .await;
        state.loading.update(|l| l.retain(|k| *k != kind));
        state.progress.set(None);
        match result {
            Ok(dataset) => {
                state.datasets.update(|d| {
                    d.insert(kind, dataset);
                });
                state.timings.update(|t| {
                    t.data_ready_ms.get_or_insert_with(browser::now_ms);
                });
                if state.config.with_untracked(|c| c.dataset) == kind {
                    // The data set on screen is usable: an older failure no longer applies.
                    state.error.set(None);
                    state.phase.set(Phase::Idle);
                }
            }
            Err(message) => state.fail(message),
        }
    });
}
