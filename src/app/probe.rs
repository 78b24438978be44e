//! Send one input through the finished run's network and place it among the
//! clusters: a drawing, a test image or a foreign (Animal-Shape) image.
//!
//! Probes run on the CPU copy of the model (`session.probe_model`), where the
//! readback resolves at once: a drawing's update fits in a frame. Each request
//! gets a sequence number so a stale result never overwrites a newer one
//! (or a cleared canvas), and notes the experiment it was asked for, so a
//! probe of a superseded experiment never lands on the next one.

use std::sync::Arc;

use burn::tensor::Device;
use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use crate::core::data::{Dataset, DatasetKind, IMAGE_PIXELS, LabeledImages};
use crate::core::results::RunResults;
use crate::core::signature::extract_one;
use crate::core::snapshot::ProbeSource;

use super::browser::sleep_ms;
use super::experiment;
use super::state::{AppState, Probe};

/// Probe sequence numbers (kept in `AppState::probe_seq`).
#[derive(Debug, Default, Clone, Copy)]
pub struct Sequence {
    /// Last sequence number handed out.
    issued: u64,
    /// Sequence number of the probe on screen (or of the last clear).
    published: u64,
}

fn next_seq(state: AppState) -> u64 {
    state
        .probe_seq
        .try_update_value(|s| {
            s.issued += 1;
            s.issued
        })
        .unwrap_or_default()
}

/// Sequence number of the probe last published (or cleared).
pub fn published_seq(state: AppState) -> u64 {
    state.probe_seq.with_value(|s| s.published)
}

/// What to send through the network.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeInput {
    /// 784 values in [0, 1].
    pub pixels: Vec<f32>,
    pub source: ProbeSource,
    /// Position in the evaluation set, when the image is one of it.
    pub eval_row: Option<usize>,
    /// What it is, in words.
    pub caption: String,
}

/// Probe `pixels` (784 values in [0, 1]); the result lands in `state.probe`.
/// Returns at once; the work finishes within the same task on the CPU backend.
pub fn probe_pixels(state: AppState, pixels: Vec<f32>, source: ProbeSource, eval_row: Option<usize>) {
    let caption = match (source, eval_row) {
        (ProbeSource::Drawing, _) => "Your drawing".to_string(),
        (ProbeSource::Dataset, Some(row)) => eval_caption(state, row),
        (ProbeSource::Dataset, None) => "An image".to_string(),
    };
    submit(state, ProbeInput { pixels, source, eval_row, caption });
}

/// Start probing `input`; returns its sequence number (see [`published_seq`]).
pub fn submit(state: AppState, input: ProbeInput) -> u64 {
    let seq = next_seq(state);
    leptos::task::spawn_local(async move {
        if let Err(message) = run(state, input, seq).await {
            state.notice.set(Some(message));
        }
    });
    seq
}

/// Probe `input` and publish it; resolves once `state.probe` holds it.
pub async fn probe_now(state: AppState, input: ProbeInput) -> Result<(), String> {
    run(state, input, next_seq(state)).await
}

async fn run(state: AppState, input: ProbeInput, seq: u64) -> Result<(), String> {
    if input.pixels.len() != IMAGE_PIXELS {
        return Err("The probe must be a 28×28 image.".into());
    }
    let asked_for = experiment::generation();
    let Some(model) = experiment::model() else {
        return Err("Train a network first.".into());
    };
    let signature =
        extract_one(&model, &input.pixels, &Device::flex()).await.map_err(|e| format!("The probe failed: {e}."))?;
    let result = state.results.with_untracked(|r| r.as_ref().map(|r| r.probe(&signature)));
    match result {
        Some(Ok(result)) => {
            if seq < published_seq(state) || !experiment::is_current(asked_for) {
                // A newer probe (or a clear, or another experiment) is already on screen.
                return Ok(());
            }
            state.probe_seq.update_value(|s| s.published = seq);
            let ProbeInput { pixels, source, eval_row, caption } = input;
            state.probe_caption.set(Some(caption));
            state.probe.set(Some(Probe { source, pixels, result, eval_row }));
            Ok(())
        }
        Some(Err(e)) => Err(format!("The probe failed: {e}.")),
        None => Err("Train a network first.".into()),
    }
}

/// Take the probe off screen; results still in flight are dropped.
pub fn clear(state: AppState) {
    let seq = next_seq(state);
    state.probe_seq.update_value(|s| s.published = seq);
    state.probe.set(None);
    state.probe_caption.set(None);
}

/// Pixels of image `index` of a split, scaled to [0, 1].
pub fn image_pixels(split: &LabeledImages, index: usize) -> Option<Vec<f32>> {
    split.images.image(index).map(|image| image.iter().map(|&p| f32::from(p) / 255.0).collect())
}

/// The data set the finished run was trained on (the form may have moved on).
pub fn run_dataset(state: AppState) -> Option<Arc<Dataset>> {
    let kind = state.results.with_untracked(|r| r.as_ref().map(|r| r.config.dataset))?;
    state.datasets.with_untracked(|d| d.get(&kind).cloned())
}

/// "Test image 123, a 7" for evaluation row `row`.
pub fn eval_caption(state: AppState, row: usize) -> String {
    state.results.with_untracked(|r| {
        let Some(r) = r.as_ref() else { return format!("Test image (row {row})") };
        let index = r.eval.test_indices.get(row).copied().unwrap_or(row);
        let class = r.eval.targets.get(row).and_then(|&t| r.classes.value_at(t));
        match class {
            Some(value) => format!("Test image {index}: {}", article(r.config.dataset.class_name(value))),
            None => format!("Test image {index}"),
        }
    })
}

/// "a 7", "an 8", "a cat", "an elephant".
pub fn article(name: &str) -> String {
    let vowel = name.starts_with(['a', 'e', 'i', 'o', 'u', '8']);
    format!("{} {name}", if vowel { "an" } else { "a" })
}

/// The input for evaluation row `row`, if the run's data set is loaded.
pub fn eval_input(state: AppState, row: usize) -> Option<ProbeInput> {
    let dataset = run_dataset(state)?;
    let test_index =
        state.results.with_untracked(|r| r.as_ref().and_then(|r| r.eval.test_indices.get(row).copied()))?;
    let pixels = image_pixels(&dataset.test, test_index)?;
    Some(ProbeInput { pixels, source: ProbeSource::Dataset, eval_row: Some(row), caption: eval_caption(state, row) })
}

/// The input for test image `index` of data set `dataset` (any data set:
/// the run's own or a foreign one, e.g. Animal-Shape for an MNIST run).
pub fn dataset_input(state: AppState, dataset: &Dataset, index: usize) -> Option<ProbeInput> {
    let pixels = image_pixels(&dataset.test, index)?;
    let run_kind = state.results.with_untracked(|r| r.as_ref().map(|r| r.config.dataset));
    if run_kind == Some(dataset.kind) {
        // One of the run's own test images: say so, and let the views mark it.
        let row = state
            .results
            .with_untracked(|r| r.as_ref().and_then(|r| r.eval.test_indices.iter().position(|&i| i == index)));
        if let Some(row) = row {
            return Some(ProbeInput {
                pixels,
                source: ProbeSource::Dataset,
                eval_row: Some(row),
                caption: eval_caption(state, row),
            });
        }
    }
    let name = dataset.test.labels.get(index).map(|&l| dataset.kind.class_name(l)).unwrap_or("?");
    let what = match dataset.kind {
        DatasetKind::Mnist => "MNIST test image",
        DatasetKind::Animals => "Animal-Shape image",
    };
    Some(ProbeInput {
        pixels,
        source: ProbeSource::Dataset,
        eval_row: None,
        caption: format!("{what} {index}: {}", article(name)),
    })
}

/// Make evaluation image `row` the probe (source "dataset").
pub fn probe_eval_row(state: AppState, row: usize) {
    if let Some(input) = eval_input(state, row) {
        submit(state, input);
    }
}

/// Probe the current input again (after K changes, the path and verdict change).
pub fn refresh(state: AppState) {
    if let Some(probe) = state.probe.get_untracked() {
        let caption = state.probe_caption.get_untracked().unwrap_or_default();
        submit(state, ProbeInput { pixels: probe.pixels, source: probe.source, eval_row: probe.eval_row, caption });
    }
}

/// Data set `kind`, loading it in the background if needed (the phase is left alone).
pub async fn dataset_loaded(state: AppState, kind: DatasetKind) -> Result<Arc<Dataset>, String> {
    super::ensure_dataset(state, kind);
    loop {
        if let Some(dataset) = state.datasets.with_untracked(|d| d.get(&kind).cloned()) {
            return Ok(dataset);
        }
        if !state.loading.with_untracked(|l| l.contains(&kind)) {
            return Err(format!("The {} could not be loaded.", kind.title()));
        }
        sleep_ms(50).await;
    }
}

/// `window.sigpath.probeImage(set, index)`: "test" = evaluation row `index`;
/// "mnist" / "animals" = test image `index` of that data set.
async fn probe_image(state: AppState, set: String, index: usize) -> Result<(), String> {
    if state.results.with_untracked(Option::is_none) {
        return Err("Train a network first.".into());
    }
    let input = if set == "test" {
        let count = state.results.with_untracked(|r| r.as_ref().map_or(0, |r| r.eval.len()));
        if index >= count {
            return Err(format!("The evaluation set has {count} images; {index} is past its end."));
        }
        eval_input(state, index).ok_or("The run's data set is not loaded.")?
    } else {
        let kind = DatasetKind::from_id(&set)
            .ok_or_else(|| format!("Unknown image set \"{set}\" (use test, mnist or animals)."))?;
        let dataset = dataset_loaded(state, kind).await?;
        dataset_input(state, &dataset, index).ok_or_else(|| {
            format!("The {} test split has {} images; {index} is past its end.", kind.title(), dataset.test.len())
        })?
    };
    probe_now(state, input).await
}

fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value).ok().and_then(|json| js_sys::JSON::parse(&json).ok()).unwrap_or(JsValue::NULL)
}

/// Add `probeImage(set, index)` to `window.sigpath` (documented in docs/automation.md):
/// a promise of `state().probe` once that image is the probe.
pub fn install_automation(state: AppState) {
    let Some(window) = web_sys::window() else { return };
    let Ok(api) = js_sys::Reflect::get(&window, &"sigpath".into()) else { return };
    if !api.is_object() {
        return;
    }
    let probe = Closure::<dyn Fn(JsValue, JsValue) -> js_sys::Promise>::new(move |set: JsValue, index: JsValue| {
        let set = set.as_string().unwrap_or_default();
        let index = index.as_f64().filter(|i| i.is_finite() && *i >= 0.0 && i.fract() == 0.0);
        wasm_bindgen_futures::future_to_promise(async move {
            let Some(index) = index else {
                return Err(JsValue::from_str("The index must be a whole number ≥ 0."));
            };
            probe_image(state, set, index as usize).await.map_err(|m| JsValue::from_str(&m))?;
            Ok(to_js(&state.snapshot().probe))
        })
    });
    let _ = js_sys::Reflect::set(&api, &"probeImage".into(), probe.as_ref());
    // Lives as long as the page.
    probe.forget();
}

/// Caption of the current probe's class for a run: e.g. the class names.
pub fn class_labels(results: &RunResults) -> Vec<String> {
    results.classes.values().iter().map(|&v| results.config.dataset.class_name(v).to_string()).collect()
}
