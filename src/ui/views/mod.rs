//! The views of a finished run, linked to each other: the layer flow (the
//! data set's paths), a scatter of every layer's PCA plane, the silhouette
//! curve, activation heatmaps and the cluster × class tables.
//!
//! Every chart draws twice: the chart itself (plotters, `crate::charts`) only
//! when its data, size or zoom change, and a transparent overlay canvas on top
//! for what changes with the pointer (hover ring, highlighted images, the
//! probe's marker and path). A mouse move never redraws a chart.

mod cka;
mod contingency;
mod flow;
mod heatmap;
mod scatter;
mod silhouette;

use leptos::prelude::*;
use plotters::style::RGBColor;
use wasm_bindgen::JsCast;
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement};

use crate::app::state::{AppState, Highlight};
use crate::core::results::RunResults;
use crate::core::share::link::ColorMode;

use super::dataset_view::paint_images;
use super::widgets::Staged;

/// What the shared tooltip shows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tip {
    /// `scatter-tooltip` over a scatter, `chart-tooltip` elsewhere.
    pub test_id: &'static str,
    /// Where to show it: the pointer, in client (CSS) pixels.
    pub x: f64,
    pub y: f64,
    pub title: String,
    pub lines: Vec<String>,
    /// An evaluation image to show as a thumbnail.
    pub image_row: Option<usize>,
    /// Machine-readable facts for tests: class values and the cluster.
    pub label: Option<u8>,
    pub prediction: Option<u8>,
    pub cluster: Option<usize>,
}

impl Tip {
    /// A plain `chart-tooltip` at client position (`x`, `y`).
    pub fn chart(x: f64, y: f64, title: String, lines: Vec<String>) -> Self {
        Tip { test_id: "chart-tooltip", x, y, title, lines, ..Tip::default() }
    }

    /// A plain `chart-tooltip` at the pointer of `ev`.
    pub fn at_pointer(ev: &web_sys::MouseEvent, title: String, lines: Vec<String>) -> Self {
        Self::chart(f64::from(ev.client_x()), f64::from(ev.client_y()), title, lines)
    }
}

/// Signals the views share with each other (not with the rest of the page).
#[derive(Clone, Copy)]
pub struct ViewCtx {
    pub tip: RwSignal<Option<Tip>>,
    /// Bumped when the window's size settles, so canvases take their new width.
    pub resized: RwSignal<u64>,
}

/// Names of the kept classes ("3", "cat"), by class index.
pub fn class_names(results: &RunResults) -> Vec<String> {
    results.classes.values().iter().map(|&v| results.config.dataset.class_name(v).to_string()).collect()
}

/// The layer's name as shown in headings ("H1").
pub fn layer_title(name: &str) -> String {
    name.to_uppercase()
}

/// Use K = `k` for a layer (`None`: the silhouette's choice); every view follows.
pub fn set_layer_k(state: AppState, layer: usize, k: Option<usize>) {
    let mut changed = false;
    state.results.update(|r| {
        if let Some(l) = r.as_mut().and_then(|r| r.layers.get_mut(layer)) {
            // Choosing the automatic K by hand keeps it automatic.
            let k = k.filter(|&k| Some(k) != l.k_auto());
            if l.k_override() != k {
                match l.set_k(k) {
                    Ok(()) => changed = true,
                    Err(e) => state.notice.set(Some(format!("{e}."))),
                }
            }
        }
    });
    if changed {
        // The probe's path and verdict depend on K.
        crate::app::probe::refresh(state);
    }
}

/// The 2-D context of a canvas.
pub fn context_2d(canvas: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    canvas.get_context("2d").ok().flatten()?.dyn_into().ok()
}

/// Give the overlay the main canvas's pixel and CSS size, cleared.
pub fn fit_overlay(overlay: &HtmlCanvasElement, main: &HtmlCanvasElement) -> Option<CanvasRenderingContext2d> {
    if overlay.width() != main.width() || overlay.height() != main.height() {
        overlay.set_width(main.width());
        overlay.set_height(main.height());
        // Fully qualified: leptos's prelude has a `style` of its own.
        let (from, to) = (web_sys::HtmlElement::style(main), web_sys::HtmlElement::style(overlay));
        for prop in ["width", "height"] {
            if let Ok(v) = from.get_property_value(prop) {
                let _ = to.set_property(prop, &v);
            }
        }
    }
    let ctx = context_2d(overlay)?;
    ctx.clear_rect(0.0, 0.0, f64::from(overlay.width()), f64::from(overlay.height()));
    Some(ctx)
}

/// A colour as CSS text.
pub fn css(c: RGBColor, alpha: f64) -> String {
    format!("rgba({},{},{},{alpha})", c.0, c.1, c.2)
}

/// Tooltip and scatter text for the colour mode select.
fn mode_label(mode: ColorMode) -> &'static str {
    match mode {
        ColorMode::Cluster => "cluster",
        ColorMode::Label => "true class",
        ColorMode::Prediction => "prediction",
        ColorMode::Correct => "right / wrong",
    }
}

/// The tooltip every chart shares: follows the pointer, never takes it.
#[component]
fn Tooltip() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ctx = expect_context::<ViewCtx>();
    let thumb = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        let Some(element) = thumb.get() else { return };
        let Some(row) = ctx.tip.with(|t| t.as_ref().and_then(|t| t.image_row)) else { return };
        let Some(dataset) = state.current_dataset() else { return };
        let test_index =
            state.results.with_untracked(|r| r.as_ref().and_then(|r| r.eval.test_indices.get(row).copied()));
        if let Some(image) = test_index.and_then(|i| dataset.test.images.image(i)) {
            paint_images(&element, &[image], 1);
        }
    });
    let field = move |f: fn(&Tip) -> Option<String>| move || ctx.tip.with(|t| t.as_ref().and_then(f));
    // Beside the pointer, flipped to the other side near the window's edges.
    let position = move || {
        let (w, h) = web_sys::window()
            .map(|w| {
                let get = |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64()).unwrap_or(1e9);
                (get(w.inner_width()), get(w.inner_height()))
            })
            .unwrap_or((1e9, 1e9));
        ctx.tip.with(|t| {
            let Some(t) = t else { return String::new() };
            let x = if t.x + 16.0 + 240.0 > w { (t.x - 16.0 - 240.0).max(0.0) } else { t.x + 16.0 };
            let y = if t.y + 16.0 + 150.0 > h { (t.y - 16.0 - 150.0).max(0.0) } else { t.y + 16.0 };
            format!("left:{x:.0}px;top:{y:.0}px")
        })
    };
    view! {
        <Show when=move || ctx.tip.with(Option::is_some)>
            <div class="chart-tip" role="tooltip" style=position
                data-testid=move || ctx.tip.with(|t| t.as_ref().map_or("chart-tooltip", |t| t.test_id))
                data-row=field(|t| t.image_row.map(|r| r.to_string()))
                data-label=field(|t| t.label.map(|v| v.to_string()))
                data-prediction=field(|t| t.prediction.map(|v| v.to_string()))
                data-cluster=field(|t| t.cluster.map(|v| v.to_string()))>
                <canvas node_ref=thumb class="pixelated tip-thumb" data-testid="tooltip-image"
                    hidden=move || ctx.tip.with(|t| t.as_ref().and_then(|t| t.image_row).is_none())></canvas>
                <div>
                    <strong>{move || ctx.tip.with(|t| t.as_ref().map(|t| t.title.clone()).unwrap_or_default())}</strong>
                    {move || ctx.tip.with(|t| t.as_ref().map(|t| t.lines.clone()).unwrap_or_default())
                        .into_iter().map(|line| view! { <div class="tip-line">{line}</div> }).collect_view()}
                </div>
            </div>
        </Show>
    }
}

/// The colour mode toggle (`color-mode`).
#[component]
fn ColorModeSelect() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <label class="inline-field">
            <span>"Colour the images by"</span>
            <select data-testid="color-mode" on:change=move |ev| {
                if let Some(mode) = ColorMode::from_id(&event_target_value(&ev)) {
                    state.color_mode.set(mode);
                }
            }>
                {ColorMode::ALL.into_iter().map(|mode| view! {
                    <option value=mode.id() prop:selected=move || state.color_mode.get() == mode>{mode_label(mode)}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// What the scatters highlight right now, in words.
#[component]
fn HighlightNote() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <p class="hint highlight-note" aria-live="polite" data-testid="highlight-note">
            {move || state.highlight.with(|h| match h {
                Some(Highlight { label, rows }) => format!("Highlighted: {label} ({} images).", rows.len()),
                None => "Hover a band of the flow, a heatmap row or a table cell to pick its images out in the scatters.".into(),
            })}
        </p>
    }
}

/// Every view of the finished run.
#[component]
pub fn ViewsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ctx = ViewCtx { tip: RwSignal::new(None), resized: RwSignal::new(0) };
    provide_context(ctx);

    // Redraw at the new width once the window has stopped changing size.
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let listener = window_event_listener(leptos::ev::resize, move |_| {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle =
            set_timeout_with_handle(move || ctx.resized.update(|n| *n += 1), std::time::Duration::from_millis(150))
                .ok();
        pending.set_value(handle);
    });
    on_cleanup(move || listener.remove());

    // Changing only K keeps the layer list (and each view's zoom) as it is.
    let layers = Memo::new(move |_| {
        state.results.with(|r| {
            r.as_ref().map(|r| r.layers.iter().map(|l| l.name.clone()).collect::<Vec<_>>()).unwrap_or_default()
        })
    });
    let has_results = move || state.results.with(Option::is_some);

    view! {
        <Show when=has_results>
            <section class="panel views" aria-label="Views of the run">
                <h2>"The paths of the whole data set"</h2>
                <p class="hint">"From each image's true class (left) through its cluster at every hidden layer to the network's prediction (right). Band width is the number of images; colour is the true class. The white line is the probe's own path."</p>
                // Each group mounts a task after the one before (`app::reveal`).
                <Staged stage=2>
                    <flow::FlowView/>
                </Staged>
                <div class="views-toolbar">
                    <ColorModeSelect/>
                    <HighlightNote/>
                </div>
                <h3>"Signatures in the plane of their two main directions (PCA)"</h3>
                <p class="hint">"Hover an image to see it; click it to follow its path. Wheel or +/− to zoom, drag or arrow keys to pan, 0 to reset; with the chart focused, Enter follows the image at the cross."</p>
                <Staged stage=3>
                    <div class="views-grid">
                        {move || layers.get().into_iter().enumerate().map(|(index, name)| view! {
                            <scatter::ScatterView index name/>
                        }).collect_view()}
                    </div>
                </Staged>
                <h3>"How many clusters?"</h3>
                <Staged stage=4>
                    <silhouette::SilhouetteView/>
                </Staged>
                <h3>"How alike are the layers?"</h3>
                <p class="hint">"Linear CKA between every two layers on the test images, from the input pixels to the output probabilities: 1 when two layers' signatures are the same up to a rotation and a scale, near 0 when unrelated."</p>
                <Staged stage=4>
                    <cka::CkaView/>
                </Staged>
                <h3>"Activations"</h3>
                <p class="hint">"Left: every image as a row (grouped by cluster, nearest to the centre first), every neuron as a column. Right: the mean activation of each class."</p>
                <Staged stage=4>
                    {move || layers.get().into_iter().enumerate().map(|(index, name)| view! {
                        <heatmap::HeatmapView index name/>
                    }).collect_view()}
                </Staged>
                <h3>"Clusters against classes"</h3>
                <Staged stage=5>
                    <div class="views-grid">
                        {move || layers.get().into_iter().enumerate().map(|(index, name)| view! {
                            <contingency::ContingencyView index name/>
                        }).collect_view()}
                    </div>
                </Staged>
            </section>
            <Tooltip/>
        </Show>
    }
}
