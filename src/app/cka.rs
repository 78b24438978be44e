//! How alike the layers of the run on screen are (linear CKA, issue 29):
//! the input pixels, every hidden layer and the output probabilities of the
//! evaluation images, all pairs, computed in the background a step per task
//! once the run is shown. A change of K does not change it; a new experiment
//! starts over, and a superseded computation is dropped.

use std::sync::Arc;

use leptos::prelude::*;
use ndarray::Array2;

use crate::core::analysis::cka::CkaJob;
use crate::core::data::IMAGE_PIXELS;

use super::browser::{log_warning, now_ms, yield_now};
use super::experiment::{self, Generation};
use super::state::AppState;

/// Names of the first and last rows: what goes into and out of the network.
pub const INPUT_NAME: &str = "input";
pub const OUTPUT_NAME: &str = "output";

/// Keep `state.cka` in step with the experiment on screen: install once.
pub fn install(state: AppState) {
    Effect::new(move |_| {
        // Tracked: results appearing, going, or changing K; only a new experiment recomputes.
        let shown = state.results.with(Option::is_some) && super::reveal::all_shown(state);
        let generation = experiment::generation();
        if !state.results.with_untracked(Option::is_some) {
            state.cka_for.set_value(None);
            if state.cka.with_untracked(Option::is_some) {
                state.cka.set(None);
            }
            return;
        }
        if !shown || state.cka_for.get_value() == Some(generation) {
            return;
        }
        state.cka_for.set_value(Some(generation));
        if state.cka.with_untracked(Option::is_some) {
            state.cka.set(None);
        }
        leptos::task::spawn_local(compute(state, generation));
    });
}

/// Every layer of the evaluation images, input pixels first, outputs last;
/// `None` when the run's data set is not here.
fn gather(state: AppState) -> Option<Vec<(String, Array2<f32>)>> {
    let dataset = super::probe::run_dataset(state)?;
    state.results.with_untracked(|r| {
        let r = r.as_ref()?;
        let indices = &r.eval.test_indices;
        let mut pixels = Array2::<f32>::zeros((indices.len(), IMAGE_PIXELS));
        for (mut row, &index) in pixels.rows_mut().into_iter().zip(indices) {
            let image = dataset.test.images.image(index)?;
            for (value, &byte) in row.iter_mut().zip(image) {
                *value = f32::from(byte) / 255.0;
            }
        }
        let mut layers = vec![(INPUT_NAME.to_string(), pixels)];
        layers.extend(r.layers.iter().map(|l| (l.name.clone(), l.signatures.clone())));
        layers.push((OUTPUT_NAME.to_string(), r.eval.probabilities.clone()));
        Some(layers)
    })
}

async fn compute(state: AppState, generation: Generation) {
    // After the views' own first drawing.
    yield_now().await;
    if !experiment::is_current(generation) {
        return;
    }
    let Some(layers) = gather(state) else { return };
    let started = now_ms();
    let mut job = match CkaJob::new(layers) {
        Ok(job) => job,
        Err(e) => {
            log_warning(&format!("sigpath: layer similarity not computed ({e})"));
            return;
        }
    };
    loop {
        yield_now().await;
        if !experiment::is_current(generation) {
            return;
        }
        if job.step() {
            break;
        }
    }
    let matrix = job.finish();
    let ms = now_ms() - started;
    state.timings.update_untracked(|t| t.cka_ms = Some(ms));
    state.cka.set(Some(Arc::new(matrix)));
}
