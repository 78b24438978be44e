//! Experiment files: downloading the experiment on screen and opening one
//! the visitor chose.

use js_sys::Uint8Array;
use leptos::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::config::ExperimentConfig;
use crate::core::share::experiment::{ExperimentFile, FileWriter, MAX_FILE_BYTES};
use crate::core::share::link::ViewOptions;

use crate::app::browser::{self, js_error_text, yield_now};
use crate::app::experiment::{self, Origin};
use crate::app::state::{AppState, Progress};

use super::kept::{self, StoreOp};
use super::restore::restore;

/// Bytes of the encoded experiment compressed per task when keeping it (the
/// demo's run is 4.6 MB encoded: 9 tasks).
const SAVE_SLICE_BYTES: usize = 512 * 1024;

/// The experiment on screen.
fn experiment_file(state: AppState) -> Result<ExperimentFile, String> {
    let weights = experiment::weights().ok_or("there is no trained network yet")?;
    let view = ViewOptions { color: state.color_mode.get_untracked(), pair: state.pair.get_untracked() };
    state
        .results
        .with_untracked(|r| {
            r.as_ref().map(|r| {
                let pair =
                    view.pair.filter(|(a, b)| r.classes.index_of(*a).is_some() && r.classes.index_of(*b).is_some());
                r.to_file(weights, ViewOptions { pair, ..view })
            })
        })
        .ok_or_else(|| "there is no trained network yet".into())
}

/// The experiment on screen as an experiment file, compressed a slice per
/// task: the autosave runs after every change of K, pair or colouring, and
/// must not hold the page (nor must a download).
pub(super) async fn experiment_bytes(state: AppState) -> Result<Vec<u8>, String> {
    // Gathering the run and encoding it are each tens of milliseconds: two tasks.
    let file = experiment_file(state)?;
    yield_now().await;
    let mut writer = FileWriter::new(&file).map_err(|e| e.to_string())?;
    drop(file);
    while !writer.step(SAVE_SLICE_BYTES).map_err(|e| e.to_string())? {
        yield_now().await;
    }
    writer.finish().map_err(|e| e.to_string())
}

/// File name for an export: "sigpath-mnist-mlp-32x64-seed42.sigpath".
fn export_name(config: &ExperimentConfig) -> String {
    let hidden: Vec<String> = config.hidden.iter().map(usize::to_string).collect();
    format!("sigpath-{}-{}-{}-seed{}.sigpath", config.dataset.id(), config.arch.id(), hidden.join("x"), config.seed)
}

/// Download the experiment on screen.
pub fn export(state: AppState) {
    let name = state.results.with_untracked(|r| r.as_ref().map(|r| export_name(&r.config)));
    leptos::task::spawn_local(async move {
        let outcome = experiment_bytes(state).await.and_then(|bytes| {
            browser::download(name.as_deref().unwrap_or("sigpath.sigpath"), &bytes, "application/octet-stream")
        });
        if let Err(why) = outcome {
            state.error.set(Some(format!("The experiment could not be exported: {why}.")));
        }
    });
}

/// Open an experiment file the visitor chose; a bad file changes nothing but the message.
pub fn import(state: AppState, file: web_sys::File) {
    let asked_for = experiment::ask();
    leptos::task::spawn_local(async move {
        let name = file.name();
        let label = format!("Opening {name}");
        let outcome = async {
            if file.size() > MAX_FILE_BYTES as f64 {
                return Err(format!(
                    "it is larger than {} MB, so it cannot be a sigpath experiment",
                    MAX_FILE_BYTES >> 20
                ));
            }
            state.progress.set(Some(Progress { label: label.clone(), fraction: 0.0, detail: "reading".into() }));
            let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| js_error_text(&e))?;
            let bytes = Uint8Array::new(&buffer).to_vec();
            state.progress.set(Some(Progress { label: label.clone(), fraction: 0.5, detail: "checking".into() }));
            // Let the bar paint before the checks run.
            yield_now().await;
            restore(state, asked_for, bytes, Origin::File(name.clone())).await
        }
        .await;
        if state.progress.with_untracked(|p| p.as_ref().is_some_and(|p| p.label == label)) {
            state.progress.set(None);
        }
        match outcome {
            Ok(true) => {
                state.notice.set(Some(format!("Opened {name}: every view shows its experiment.")));
                kept::request(state, StoreOp::Save { settle: false });
            }
            // Another experiment took the screen meanwhile: it speaks for itself.
            Ok(false) => {}
            Err(why) => state.error.set(Some(format!("{name} could not be opened: {why}. The page is unchanged."))),
        }
    });
}
