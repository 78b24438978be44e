//! Send one input through the finished run's network and place it among the
//! clusters: a drawing, a test image or a foreign (Animal-Shape) image.

use burn::tensor::Device;
use leptos::prelude::*;

use crate::core::data::{IMAGE_PIXELS, LabeledImages};
use crate::core::signature::extract_one;
use crate::core::snapshot::ProbeSource;

use super::session;
use super::state::{AppState, Probe};

/// Probe `pixels` (784 values in [0, 1]); the result lands in `state.probe`.
/// Returns at once; the work finishes within the same task on the CPU backend.
pub fn probe_pixels(state: AppState, pixels: Vec<f32>, source: ProbeSource, eval_row: Option<usize>) {
    leptos::task::spawn_local(async move {
        if let Err(message) = run(state, pixels, source, eval_row).await {
            state.notice.set(Some(message));
        }
    });
}

async fn run(state: AppState, pixels: Vec<f32>, source: ProbeSource, eval_row: Option<usize>) -> Result<(), String> {
    if pixels.len() != IMAGE_PIXELS {
        return Err("The probe must be a 28×28 image.".into());
    }
    let Some(model) = session::with(|s| s.probe_model.clone()) else {
        return Err("Train a network first (or wait for the demo to load).".into());
    };
    let signature = extract_one(&model, &pixels, &Device::flex()).await.map_err(|e| format!("The probe failed: {e}."))?;
    let result = state.results.with_untracked(|r| r.as_ref().map(|r| r.probe(&signature)));
    match result {
        Some(Ok(result)) => {
            state.probe.set(Some(Probe { source, pixels, result, eval_row }));
            Ok(())
        }
        Some(Err(e)) => Err(format!("The probe failed: {e}.")),
        None => Err("Train a network first.".into()),
    }
}

/// Pixels of image `index` of a split, scaled to [0, 1].
pub fn image_pixels(split: &LabeledImages, index: usize) -> Option<Vec<f32>> {
    split.images.image(index).map(|image| image.iter().map(|&p| f32::from(p) / 255.0).collect())
}

/// Make evaluation image `row` the probe (source "dataset").
pub fn probe_eval_row(state: AppState, row: usize) {
    let Some(dataset) = state.current_dataset() else { return };
    let test_index = state.results.with_untracked(|r| r.as_ref().and_then(|r| r.eval.test_indices.get(row).copied()));
    if let Some(pixels) = test_index.and_then(|i| image_pixels(&dataset.test, i)) {
        probe_pixels(state, pixels, ProbeSource::Dataset, Some(row));
    }
}

/// Probe the current input again (after K changes, the path and verdict change).
pub fn refresh(state: AppState) {
    if let Some(probe) = state.probe.get_untracked() {
        probe_pixels(state, probe.pixels, probe.source, probe.eval_row);
    }
}
