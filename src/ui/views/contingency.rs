//! The cluster × class table of one layer (`contingency-<layer>`), shaded by
//! each cluster's share; hovering a cell picks its images out in the scatters.

use std::sync::Arc;

use leptos::prelude::*;

use crate::app::state::{AppState, Highlight};
use crate::charts::palette;
use crate::charts::{ContingencyData, ContingencyGeometry, ContingencyOptions, draw_contingency};
use crate::core::results::RunResults;

use super::super::canvas;
use super::{Tip, ViewCtx, class_names, css, fit_overlay, layer_title};

struct Prepared {
    title: String,
    /// `k × classes`, row-major.
    counts: Vec<usize>,
    row_labels: Vec<String>,
    col_labels: Vec<String>,
    clusters: Vec<usize>,
    targets: Vec<usize>,
}

impl Prepared {
    fn new(r: &RunResults, index: usize) -> Option<Self> {
        let layer = r.layers.get(index)?;
        let clustering = layer.clustering();
        let (k, n_classes) = (clustering.k, r.classes.len());
        let mut counts = vec![0usize; k * n_classes];
        for (&c, &t) in clustering.labels.iter().zip(&r.eval.targets) {
            if c < k
                && t < n_classes
                && let Some(n) = counts.get_mut(c * n_classes + t)
            {
                *n += 1;
            }
        }
        Some(Self {
            title: layer_title(&layer.name),
            counts,
            row_labels: (0..k).map(|c| format!("cluster {c}")).collect(),
            col_labels: class_names(r),
            clusters: clustering.labels.clone(),
            targets: r.eval.targets.clone(),
        })
    }

    fn height_css(&self) -> f64 {
        (self.row_labels.len() as f64 + 1.0) * 24.0 + 34.0
    }
}

#[component]
pub fn ContingencyView(index: usize, name: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let ctx = expect_context::<ViewCtx>();
    let chart = NodeRef::<leptos::html::Canvas>::new();
    let overlay = NodeRef::<leptos::html::Canvas>::new();
    let prepared = StoredValue::new(None::<Prepared>);
    let geometry = StoredValue::new(None::<ContingencyGeometry>);
    let hovered = RwSignal::new(None::<(usize, usize)>);

    Effect::new(move |_| {
        ctx.resized.track();
        let Some(element) = chart.get() else { return };
        let p = state.results.with(|r| r.as_ref().and_then(|r| Prepared::new(r, index)));
        let drawn = p.as_ref().map(|p| {
            let data = ContingencyData { counts: &p.counts, row_labels: &p.row_labels, col_labels: &p.col_labels };
            canvas::draw(&element, p.height_css(), |area, scale| {
                draw_contingency(area, &data, &ContingencyOptions { scale, ..ContingencyOptions::default() })
            })
        });
        if let Some(Err(e)) = &drawn {
            leptos::logging::warn!("contingency {index}: {e}");
        }
        geometry.set_value(drawn.and_then(Result::ok));
        prepared.set_value(p);
        hovered.set(None);
    });

    Effect::new(move |_| {
        let h = hovered.get();
        let (Some(over), Some(main)) = (overlay.get(), chart.get()) else { return };
        let Some(g) = fit_overlay(&over, &main) else { return };
        let Some((r, c)) = h else { return };
        geometry.with_value(|geo| {
            let Some(geo) = geo else { return };
            let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) =
                (geo.col_edges.get(c), geo.col_edges.get(c + 1), geo.row_edges.get(r), geo.row_edges.get(r + 1))
            else {
                return;
            };
            g.set_stroke_style_str(&css(palette::PROBE_CASING, 1.0));
            g.set_line_width(2.0 * canvas::pixel_ratio());
            g.stroke_rect(f64::from(x0), f64::from(y0), f64::from(x1 - x0), f64::from(y1 - y0));
        });
    });

    let leave = move || {
        if hovered.get_untracked().is_some() {
            hovered.set(None);
            state.highlight.set(None);
        }
        ctx.tip.set(None);
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (px, py) = canvas::pointer_px(&ev);
        let Some((r, c)) = geometry.with_value(|g| g.as_ref().and_then(|g| g.hit(px, py))) else {
            leave();
            return;
        };
        let found = prepared.with_value(|p| {
            let p = p.as_ref()?;
            let n_classes = p.col_labels.len();
            let count = p.counts.get(r * n_classes + c).copied()?;
            let row_total: usize = p.counts.get(r * n_classes..(r + 1) * n_classes)?.iter().sum();
            let col_total: usize = (0..p.row_labels.len()).filter_map(|i| p.counts.get(i * n_classes + c)).sum();
            let class = p.col_labels.get(c).cloned().unwrap_or_default();
            let share = |n: usize, of: usize| if of == 0 { 0.0 } else { 100.0 * n as f64 / of as f64 };
            let title = format!("Cluster {r} of {} × class {class}", p.title);
            let lines = vec![
                format!("{count} images"),
                format!(
                    "{:.0} % of the cluster, {:.0} % of the class",
                    share(count, row_total),
                    share(count, col_total)
                ),
            ];
            let rows: Vec<usize> = p
                .clusters
                .iter()
                .zip(&p.targets)
                .enumerate()
                .filter(|&(_, (&k, &t))| k == r && t == c)
                .map(|(i, _)| i)
                .collect();
            Some((title, lines, rows))
        });
        let Some((title, lines, rows)) = found else { return };
        if hovered.get_untracked() != Some((r, c)) {
            hovered.set(Some((r, c)));
            state.highlight.set(Some(Highlight { label: title.to_lowercase(), rows: Arc::from(rows) }));
        }
        ctx.tip.set(Some(Tip::at_pointer(&ev, title, lines)));
    };

    let title = layer_title(&name);
    view! {
        <figure class="view">
            <figcaption><strong>{format!("{title}: clusters × classes")}</strong></figcaption>
            <div class="chart-box stacked">
                <canvas node_ref=chart data-testid=format!("contingency-{name}") role="img"
                    aria-label=format!("How many test images of each class fall in each cluster of layer {title}; shade = share of the cluster.")
                    on:pointermove=on_move on:pointerleave=move |_| leave()></canvas>
                <canvas node_ref=overlay class="overlay" aria-hidden="true"></canvas>
            </div>
        </figure>
    }
}
