//! Putting a run's results on screen a section per task.
//!
//! Every view of a run mounts when its results arrive: mounted in one task,
//! they held the page for 220 to 320 ms after the demo loaded (long tasks
//! measured in headless Chromium, 2026-11-30), and the same views mount when a
//! training run finishes. The sections (`ui::widgets::Staged`) wait for their stage
//! instead; this raises the stage one task at a time and only then says
//! "ready", so whoever reads the page at `Phase::Ready` (the visitor's
//! keyboard, the tests, notebooks) finds it whole.

use std::cell::Cell;

use leptos::prelude::*;

use crate::core::results::RunResults;
use crate::core::snapshot::Phase;

use super::browser::yield_now;
use super::state::AppState;

/// How many stages the views mount in; `AppState::view_stage` at this value
/// means everything is on screen.
pub const VIEW_STAGES: u8 = 5;

thread_local! {
    /// The newest showing ([`show_results`]) or run start ([`abandon`]): a
    /// showing that is no longer the newest stops raising stages.
    static NEWEST: Cell<u64> = const { Cell::new(0) };
}

/// Set `results`, mount their views a stage per task, then enter
/// `Phase::Ready`. `false` when a newer call took over before the end (it
/// finishes the job, phase included).
pub async fn show_results(state: AppState, results: RunResults) -> bool {
    let ticket = NEWEST.with(|n| {
        n.set(n.get() + 1);
        n.get()
    });
    state.view_stage.set(0);
    state.results.set(Some(results));
    for stage in 1..=VIEW_STAGES {
        yield_now().await;
        if NEWEST.with(Cell::get) != ticket {
            return false;
        }
        state.view_stage.set(stage);
    }
    state.phase.set(Phase::Ready);
    true
}

/// A run is starting and has taken the results off screen: a showing still
/// under way stops, so it cannot say "ready" in the middle of the run.
pub fn abandon(state: AppState) {
    NEWEST.with(|n| n.set(n.get() + 1));
    state.view_stage.set(VIEW_STAGES);
}

/// Whether every section of the results on screen has mounted.
pub fn all_shown(state: AppState) -> bool {
    state.view_stage.get() >= VIEW_STAGES
}
