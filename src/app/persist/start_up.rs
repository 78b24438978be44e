//! Start-up: a link in the address, else the experiment kept in this
//! browser, else the demo; then the page is marked interactive.

use std::sync::Arc;

use leptos::prelude::*;

use crate::core::data::{Dataset, DatasetKind};
use crate::core::share::link;
use crate::core::snapshot::Phase;

use crate::app::browser::{self, now_ms, sleep_ms, yield_now};
use crate::app::experiment::{self, Origin};
use crate::app::state::AppState;

use super::DEMO_PATH;
use super::kept;
use super::link::{address_fragment, apply_link, clear_fragment, link_error_message};
use super::restore::restore;

/// A `performance.mark`, so the start-up's steps show in the browser's profiler
/// and in `performance.getEntriesByType("mark")`.
pub(super) fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Wait for data set `kind` (loading it in the background if nobody has
/// asked yet); `None` if it could not be loaded.
pub(super) async fn wait_for_dataset(state: AppState, kind: DatasetKind) -> Option<Arc<Dataset>> {
    let present = || state.datasets.with_untracked(|d| d.get(&kind).cloned());
    if present().is_none() && !state.loading.with_untracked(|l| l.contains(&kind)) {
        crate::app::ensure_dataset(state, kind);
    }
    loop {
        if let Some(dataset) = present() {
            return Some(dataset);
        }
        if !state.loading.with_untracked(|l| l.contains(&kind)) {
            return None;
        }
        sleep_ms(16).await;
    }
}

/// Record when the page became interactive: after the views had a chance to render.
async fn mark_interactive(state: AppState) {
    yield_now().await;
    yield_now().await;
    mark("sigpath:interactive");
    state.timings.update(|t| {
        t.interactive_ms.get_or_insert_with(now_ms);
    });
}

pub(super) async fn start_up(state: AppState) {
    // What start-up opens is dropped if anything else takes the screen first,
    // however long the kept run or the demo take to arrive.
    let asked_for = experiment::ask();
    let fragment = address_fragment();
    let mut link_error = None;
    if fragment.len() > 1 {
        clear_fragment();
        match link::decode(&fragment) {
            Ok(share) => {
                finish_starting(state);
                let kind = share.config.dataset;
                apply_link(state, share);
                if wait_for_dataset(state, kind).await.is_some() {
                    mark_interactive(state).await;
                }
                return;
            }
            // Fall through to what a visit without a link shows; the message comes last,
            // so finishing loads do not clear it.
            Err(error) => link_error = Some(link_error_message(&error)),
        }
    }

    let lost_run = kept::take_run_marker();
    let mut restored = false;
    match kept::read_kept().await {
        Ok(Some((bytes, saved_at))) => {
            state.autosaved_at.set(Some(saved_at));
            match restore(state, asked_for, bytes, Origin::Kept(saved_at)).await {
                Ok(_) => restored = true,
                Err(why) => state.notice.set(Some(format!(
                    "The experiment kept in this browser could not be restored ({why}); the demo is shown instead."
                ))),
            }
        }
        Ok(None) => {}
        Err(why) => state.notice.set(Some(format!("This browser's storage could not be read ({why}).",))),
    }
    if !restored {
        match browser::fetch_bytes(DEMO_PATH).await {
            Ok(bytes) => {
                if let Err(why) = restore(state, asked_for, bytes, Origin::Demo).await {
                    state.notice.set(Some(format!("The demo could not be opened ({why}). Train a network to begin.")));
                }
            }
            Err(why) => state.notice.set(Some(format!("The demo ({DEMO_PATH}) {why}. Train a network to begin."))),
        }
    }
    finish_starting(state);
    let kind = state.config.with_untracked(|c| c.dataset);
    if wait_for_dataset(state, kind).await.is_some() {
        mark_interactive(state).await;
    }
    if lost_run {
        let kept = if restored { " The last finished experiment is shown." } else { "" };
        state.notice.set(Some(format!(
            "The page was reloaded while a network was training: that run is lost (a run is kept once it finishes).{kept}"
        )));
    }
    if let Some(message) = link_error {
        state.error.set(Some(message));
    }
}

/// Start-up has shown what it opens, or given up: a page whose data set is
/// here and that shows no run is now "idle" (one still loading becomes so when
/// it arrives).
fn finish_starting(state: AppState) {
    state.starting.set(false);
    let kind = state.config.with_untracked(|c| c.dataset);
    if state.phase.get_untracked() == Phase::Loading && state.datasets.with_untracked(|d| d.contains_key(&kind)) {
        state.phase.set(Phase::Idle);
    }
}
