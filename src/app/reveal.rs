//! Putting a run's results on screen a section per task.
//!
//! Every view of a run mounts when its results arrive: mounted in one task,
//! they held the page in one long task after the demo loaded, and the same
//! views mount when a training run finishes (figures: docs/performance.md). The sections (`ui::widgets::Staged`) wait for their stage
//! instead; this raises the stage one task at a time and only then says
//! "ready", so whoever reads the page at `Phase::Ready` (the visitor's
//! keyboard, the tests, notebooks) finds it whole. A showing whose experiment
//! is superseded (`experiment::is_current`) stops raising stages.

use leptos::prelude::*;

use crate::core::results::RunResults;
use crate::core::snapshot::Phase;

use super::browser::yield_now;
use super::experiment::{self, Generation};
use super::state::AppState;

/// How many stages the views mount in; `AppState::view_stage` at this value
/// means everything is on screen.
pub const VIEW_STAGES: u8 = 5;

/// Set `results` of experiment `generation`, mount their views a stage per
/// task, then enter `Phase::Ready`. `false` when a newer experiment took over
/// before the end (it finishes the job, phase included).
pub async fn show_results(state: AppState, generation: Generation, results: RunResults) -> bool {
    state.view_stage.set(0);
    state.results.set(Some(results));
    for stage in 1..=VIEW_STAGES {
        yield_now().await;
        if !experiment::is_current(generation) {
            return false;
        }
        state.view_stage.set(stage);
    }
    state.phase.set(Phase::Ready);
    true
}

/// The results went off screen (`experiment::begin`, which also stops a
/// showing under way, so it cannot say "ready" in the middle of a run).
pub fn abandon(state: AppState) {
    state.view_stage.set(VIEW_STAGES);
}

/// Whether every section of the results on screen has mounted.
pub fn all_shown(state: AppState) -> bool {
    state.view_stage.get() >= VIEW_STAGES
}
