//! Opening an experiment from its bytes (the demo, the kept run, a file):
//! read and check everything first, a step per task, then hand it to
//! `app::experiment`, which takes the previous one off screen.

use burn::tensor::Device;
use leptos::prelude::*;

use crate::core::config::ConfigDraft;
use crate::core::data::Dataset;
use crate::core::model::Network;
use crate::core::results::{FileAssembly, RunResults};
use crate::core::share::experiment::{self as experiment_file, ExperimentFile};
use crate::core::snapshot::{BackendKind, Phase, TrainingSnapshot};

use crate::app::browser::yield_now;
use crate::app::experiment::{self, Generation, Origin};
use crate::app::state::{AppState, Curves};

use super::kept;
use super::start_up::{mark, wait_for_dataset};

/// Training figures as the page shows them: figures stored as 0 were not measured.
fn shown_training(results: &RunResults) -> TrainingSnapshot {
    let mut training = results.training.clone();
    if training.samples_per_sec == Some(0.0) {
        training.samples_per_sec = None;
    }
    if training.epoch_secs.iter().all(|&s| s == 0.0) {
        training.epoch_secs.clear();
    }
    training
}

/// The training chart of a restored run: its recorded readings, or one
/// point per finished epoch for a file that has none (format 1).
fn curves_of(results: &RunResults) -> Curves {
    let t = &results.training;
    if !results.curve.is_empty() {
        let last = results.curve.last().map_or(0.0, |p| f64::from(p.epochs));
        return Curves {
            loss: results.curve.iter().map(|p| (f64::from(p.epochs), f64::from(p.loss))).collect(),
            train_accuracy: results.curve.iter().map(|p| (f64::from(p.epochs), f64::from(p.accuracy))).collect(),
            test_accuracy: t.test_accuracy.map(|a| vec![(last, a)]).unwrap_or_default(),
        };
    }
    let loss: Vec<(f64, f64)> = t.loss_per_epoch.iter().enumerate().map(|(e, &l)| ((e + 1) as f64, l)).collect();
    let last = loss.last().map_or(0.0, |p| p.0);
    Curves {
        loss,
        train_accuracy: t.train_accuracy.map(|a| vec![(last, a)]).unwrap_or_default(),
        test_accuracy: t.test_accuracy.map(|a| vec![(last, a)]).unwrap_or_default(),
    }
}

/// The file's evaluation labels must be those of the data set's test images.
fn check_labels(file: &ExperimentFile, dataset: &Dataset) -> Result<(), String> {
    let matches = file
        .evaluation
        .indices
        .iter()
        .zip(&file.evaluation.labels)
        .all(|(&index, &label)| dataset.test.labels.get(index as usize) == Some(&label));
    if matches {
        Ok(())
    } else {
        Err(format!("its test images are not labelled as this page's {} test images", dataset.kind.title()))
    }
}

/// Read, check and show an experiment asked for as generation `asked_for`
/// (`experiment::ask`); on any error nothing on the page changes. `Ok(false)`
/// when something asked for later took the screen meanwhile (the visitor
/// opened another file, trained, or pasted a link): that late answer is dropped.
pub async fn restore(state: AppState, asked_for: Generation, bytes: Vec<u8>, origin: Origin) -> Result<bool, String> {
    mark("sigpath:restore-start");
    let file = experiment_file::read(&bytes).map_err(|e| e.to_string())?;
    drop(bytes);
    mark("sigpath:restore-read");
    // Inflating, assembling and showing a run are each tens of milliseconds:
    // separate tasks, so the page keeps painting and taking input between them.
    yield_now().await;
    let kind = file.config.dataset;
    // The views show the test images: the file's data set must be here, and its labels must agree.
    let dataset = wait_for_dataset(state, kind)
        .await
        .ok_or_else(|| format!("the {} it was made with could not be loaded", kind.title()))?;
    check_labels(&file, &dataset)?;
    let mut assembly = FileAssembly::new(file).map_err(|e| e.to_string())?;
    while !assembly.step().map_err(|e| e.to_string())? {
        yield_now().await;
    }
    let (results, weights, view) = assembly.finish().map_err(|e| e.to_string())?;
    yield_now().await;
    let model = Network::from_bytes(&results.config, results.classes.len(), &weights, &Device::flex())
        .map_err(|e| format!("its weights cannot be used: {e}"))?;
    mark("sigpath:restore-checked");
    yield_now().await;
    let startup = origin.at_start_up();
    if state.running.get_untracked() {
        return Err("a network is training; cancel it or let it finish, then open the file again".into());
    }
    if startup && state.phase.get_untracked() == Phase::Error {
        // The data failed meanwhile: leave the page as it is.
        return Ok(false);
    }
    let Some(generation) = experiment::begin_asked(state, asked_for) else {
        // Superseded while it was read: something asked for later is on screen.
        return Ok(false);
    };
    let config = results.config.clone();
    set_if_changed(state.backend, Some(results.backend));
    set_if_changed(state.backend_note, origin.cpu_note().filter(|_| results.backend == BackendKind::Cpu));
    state.curves.set(curves_of(&results));
    state.training.set(Some(shown_training(&results)));
    set_if_changed(state.draft, ConfigDraft::from(&config));
    set_if_changed(state.config, config);
    set_if_changed(state.color_mode, view.color);
    set_if_changed(state.pair, view.pair);
    let k = results.layers.iter().map(|l| l.k_override()).collect();
    if !startup {
        state.error.set(None);
    }
    // The views mount a section per task, then the phase is "ready".
    if !experiment::show(state, generation, results, model, weights, origin).await {
        // A newer experiment took over meanwhile and shows itself.
        return Ok(false);
    }
    mark("sigpath:restore-shown");
    if startup {
        // Already stored (or shipped): nothing to save until something changes.
        // Set before the change tracker sees the views whole (`kept::track_changes`).
        kept::saved_as(state, generation, k, view);
    }
    Ok(true)
}

/// Set a signal only when the value differs: an equal value would still wake
/// every view that reads it (and the scatters are costly to redraw).
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|current| *current != value) {
        signal.set(value);
    }
}
