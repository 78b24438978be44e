//! Heatmaps of one layer: every image as a row grouped by cluster
//! (`heatmap-<layer>`) and the class × neuron means (`class-heatmap-<layer>`).
//! Hover shows the value, the neuron and the image(s) or class, and picks the
//! row's images out in the scatters.

use std::sync::Arc;

use leptos::prelude::*;

use crate::app::state::{AppState, Highlight};
use crate::charts::palette;
use crate::charts::{
    ClassHeatmapData, ClusterHeatmapData, HeatmapGeometry, HeatmapOptions, draw_class_heatmap, draw_cluster_heatmap,
};
use crate::core::results::RunResults;

use super::super::canvas;
use super::{Tip, ViewCtx, class_names, css, fit_overlay, layer_title};

const HEIGHT_CSS: f64 = 320.0;

struct Prepared {
    title: String,
    activations: Vec<f32>,
    n_neurons: usize,
    clusters: Vec<usize>,
    cluster_labels: Vec<String>,
    /// Distance of each image to its cluster's centre (the order inside a cluster).
    distance: Vec<f32>,
    class_means: Vec<f32>,
    class_names: Vec<String>,
    class_values: Vec<u8>,
    targets: Vec<usize>,
    predictions: Vec<usize>,
    test_indices: Vec<usize>,
}

impl Prepared {
    fn new(r: &RunResults, index: usize) -> Option<Self> {
        let layer = r.layers.get(index)?;
        let clustering = layer.clustering();
        let n_neurons = layer.width();
        let distance = layer
            .signatures
            .rows()
            .into_iter()
            .zip(&clustering.labels)
            .map(|(row, &c)| {
                let Some(centre) = (c < clustering.centres.nrows()).then(|| clustering.centres.row(c)) else {
                    return f32::NAN;
                };
                row.iter().zip(centre.iter()).map(|(a, b)| (a - b) * (a - b)).sum::<f32>().sqrt()
            })
            .collect();
        let n_classes = r.classes.len();
        let mut sums = vec![0.0f64; n_classes * n_neurons];
        let mut counts = vec![0usize; n_classes];
        for (row, &t) in layer.signatures.rows().into_iter().zip(&r.eval.targets) {
            if let Some(n) = counts.get_mut(t) {
                *n += 1;
            }
            for (j, &v) in row.iter().enumerate() {
                if let Some(s) = sums.get_mut(t * n_neurons + j) {
                    *s += f64::from(v);
                }
            }
        }
        let class_means = sums
            .iter()
            .enumerate()
            .map(|(i, &s)| {
                let n = counts.get(i / n_neurons.max(1)).copied().unwrap_or(0);
                if n == 0 { f32::NAN } else { (s / n as f64) as f32 }
            })
            .collect();
        Some(Self {
            title: layer_title(&layer.name),
            activations: layer.signatures.iter().copied().collect(),
            n_neurons,
            clusters: clustering.labels.clone(),
            cluster_labels: (0..clustering.k).map(|c| format!("C{c}")).collect(),
            distance,
            class_means,
            class_names: class_names(r),
            class_values: r.classes.values().to_vec(),
            targets: r.eval.targets.clone(),
            predictions: r.eval.predictions.clone(),
            test_indices: r.eval.test_indices.clone(),
        })
    }

    fn name(&self, class: usize) -> String {
        self.class_names.get(class).cloned().unwrap_or_else(|| "?".into())
    }
}

/// Which of the two maps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Map {
    Clusters,
    Classes,
}

/// Outline the hovered cell and its row on an overlay.
fn draw_hover(
    over: &web_sys::HtmlCanvasElement,
    main: &web_sys::HtmlCanvasElement,
    geo: &HeatmapGeometry,
    cell: Option<(usize, usize)>,
) {
    let Some(g) = fit_overlay(over, main) else { return };
    let Some((row, col)) = cell else { return };
    let (Some(r), Some(&x0), Some(&x1)) = (geo.rows.get(row), geo.col_edges.get(col), geo.col_edges.get(col + 1))
    else {
        return;
    };
    let ratio = canvas::pixel_ratio();
    let (y0, y1) = (f64::from(r.y0), f64::from(r.y1.max(r.y0 + 1)));
    g.set_stroke_style_str(&css(palette::BACKGROUND, 1.0));
    g.set_line_width(3.0 * ratio);
    g.stroke_rect(f64::from(x0), y0, f64::from(x1 - x0), y1 - y0);
    g.set_stroke_style_str(&css(palette::PROBE_CASING, 1.0));
    g.set_line_width(ratio);
    g.stroke_rect(f64::from(x0), y0, f64::from(x1 - x0), y1 - y0);
    // Ticks beside the row, so a 1-pixel row can be found.
    g.set_fill_style_str(&css(palette::INK, 1.0));
    let tick = 4.0 * ratio;
    g.fill_rect(f64::from(geo.grid.x0) - tick, y0, tick, y1 - y0);
}

#[component]
pub fn HeatmapView(index: usize, name: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let ctx = expect_context::<ViewCtx>();
    let prepared = StoredValue::new(None::<Prepared>);
    let prepared_version = RwSignal::new(0u64);
    let cluster_chart = NodeRef::<leptos::html::Canvas>::new();
    let cluster_over = NodeRef::<leptos::html::Canvas>::new();
    let class_chart = NodeRef::<leptos::html::Canvas>::new();
    let class_over = NodeRef::<leptos::html::Canvas>::new();
    let cluster_geo = StoredValue::new(None::<HeatmapGeometry>);
    let class_geo = StoredValue::new(None::<HeatmapGeometry>);
    let hovered = RwSignal::new(None::<(Map, usize, usize)>);

    Effect::new(move |_| {
        let p = state.results.with(|r| r.as_ref().and_then(|r| Prepared::new(r, index)));
        prepared.set_value(p);
        prepared_version.update(|v| *v += 1);
    });

    // Both maps of the layer, once the view's data or width changed.
    let draw_both = move |cl: web_sys::HtmlCanvasElement, cs: web_sys::HtmlCanvasElement| {
        prepared.with_value(|p| {
            let Some(p) = p else { return };
            let clusters = ClusterHeatmapData {
                activations: &p.activations,
                n_neurons: p.n_neurons,
                clusters: &p.clusters,
                cluster_labels: &p.cluster_labels,
                sort_key: Some(&p.distance),
            };
            let drawn = canvas::draw(&cl, HEIGHT_CSS, |area, scale| {
                draw_cluster_heatmap(area, &clusters, &HeatmapOptions { scale, ..HeatmapOptions::default() })
            });
            if let Err(e) = &drawn {
                leptos::logging::warn!("heatmap {index}: {e}");
            }
            cluster_geo.set_value(drawn.ok());
            let classes =
                ClassHeatmapData { means: &p.class_means, n_neurons: p.n_neurons, class_labels: &p.class_names };
            let drawn = canvas::draw(&cs, HEIGHT_CSS, |area, scale| {
                draw_class_heatmap(area, &classes, &HeatmapOptions { scale, ..HeatmapOptions::default() })
            });
            if let Err(e) = &drawn {
                leptos::logging::warn!("class heatmap {index}: {e}");
            }
            class_geo.set_value(drawn.ok());
        });
        hovered.set(None);
    };

    let later = canvas::Later::default();
    Effect::new(move |_| {
        prepared_version.track();
        ctx.resized.track();
        let (Some(cl), Some(cs)) = (cluster_chart.get(), class_chart.get()) else { return };
        later.run(move || draw_both(cl, cs));
    });

    Effect::new(move |_| {
        let h = hovered.get();
        for (map, chart, over, geo) in [
            (Map::Clusters, cluster_chart, cluster_over, cluster_geo),
            (Map::Classes, class_chart, class_over, class_geo),
        ] {
            let (Some(c), Some(o)) = (chart.get(), over.get()) else { continue };
            let cell = h.filter(|h| h.0 == map).map(|h| (h.1, h.2));
            geo.with_value(|g| {
                if let Some(g) = g {
                    draw_hover(&o, &c, g, cell);
                }
            });
        }
    });

    let leave = move || {
        if hovered.get_untracked().is_some() {
            hovered.set(None);
            state.highlight.set(None);
        }
        ctx.tip.set(None);
    };
    let on_move = move |map: Map, ev: web_sys::PointerEvent| {
        let (px, py) = canvas::pointer_px(&ev);
        let geo = match map {
            Map::Clusters => cluster_geo,
            Map::Classes => class_geo,
        };
        let Some(hit) = geo.with_value(|g| g.as_ref().and_then(|g| g.hit(px, py))) else {
            leave();
            return;
        };
        let found = prepared.with_value(|p| {
            let p = p.as_ref()?;
            let neuron = format!("neuron {} of {}", hit.neuron, p.title);
            Some(match map {
                Map::Clusters => {
                    let cluster = hit.group_id;
                    if let [row] = hit.items[..] {
                        let (t, pr) = (p.targets.get(row).copied()?, p.predictions.get(row).copied()?);
                        let tip = Tip {
                            test_id: "chart-tooltip",
                            title: format!("Test image #{}", p.test_indices.get(row).copied().unwrap_or(row)),
                            lines: vec![
                                format!("{neuron}: activation {:.3}", hit.value),
                                format!("label: {} · predicted: {}", p.name(t), p.name(pr)),
                                format!("cluster {cluster}"),
                            ],
                            image_row: Some(row),
                            label: p.class_values.get(t).copied(),
                            prediction: p.class_values.get(pr).copied(),
                            cluster: Some(cluster),
                            ..Tip::default()
                        };
                        (
                            tip,
                            format!(
                                "test image #{} (cluster {cluster} at {})",
                                p.test_indices.get(row).copied().unwrap_or(row),
                                p.title
                            ),
                            hit.items.clone(),
                        )
                    } else {
                        let n = hit.items.len();
                        let tip = Tip {
                            test_id: "chart-tooltip",
                            title: format!("Cluster {cluster} of {}: {n} images in this row", p.title),
                            lines: vec![format!("{neuron}: mean activation {:.3}", hit.value)],
                            cluster: Some(cluster),
                            ..Tip::default()
                        };
                        (
                            tip,
                            format!("{n} images of one heatmap row (cluster {cluster} at {})", p.title),
                            hit.items.clone(),
                        )
                    }
                }
                Map::Classes => {
                    let class = hit.group_id;
                    let rows: Vec<usize> =
                        p.targets.iter().enumerate().filter(|&(_, &t)| t == class).map(|(i, _)| i).collect();
                    let tip = Tip {
                        test_id: "chart-tooltip",
                        title: format!("Class {}", p.name(class)),
                        lines: vec![
                            format!("{neuron}: mean activation {:.3}", hit.value),
                            format!("over {} test images", rows.len()),
                        ],
                        label: p.class_values.get(class).copied(),
                        ..Tip::default()
                    };
                    (tip, format!("class {}", p.name(class)), rows)
                }
            })
        });
        let Some((tip, label, rows)) = found else { return };
        let key = (map, hit.row, hit.neuron);
        if hovered.get_untracked() != Some(key) {
            let same_rows = hovered.get_untracked().is_some_and(|h| h.0 == map && h.1 == hit.row);
            hovered.set(Some(key));
            if !same_rows {
                state.highlight.set(Some(Highlight { label, rows: Arc::from(rows) }));
            }
        }
        ctx.tip.set(Some(Tip { x: f64::from(ev.client_x()), y: f64::from(ev.client_y()), ..tip }));
    };

    let title = layer_title(&name);
    view! {
        <div class="heatmap-pair">
            <figure class="view">
                <figcaption><strong>{format!("{title}: images × neurons")}</strong></figcaption>
                <div class="chart-box stacked">
                    <canvas node_ref=cluster_chart data-testid=format!("heatmap-{name}") role="img"
                        aria-label=format!("Activations of layer {title}: every test image as a row, grouped by cluster, every neuron as a column.")
                        on:pointermove=move |ev| on_move(Map::Clusters, ev) on:pointerleave=move |_| leave()></canvas>
                    <canvas node_ref=cluster_over class="overlay" aria-hidden="true"></canvas>
                </div>
            </figure>
            <figure class="view">
                <figcaption><strong>{format!("{title}: classes × neurons")}</strong></figcaption>
                <div class="chart-box stacked">
                    <canvas node_ref=class_chart data-testid=format!("class-heatmap-{name}") role="img"
                        aria-label=format!("Mean activation of every neuron of layer {title} for each class.")
                        on:pointermove=move |ev| on_move(Map::Classes, ev) on:pointerleave=move |_| leave()></canvas>
                    <canvas node_ref=class_over class="overlay" aria-hidden="true"></canvas>
                </div>
            </figure>
        </div>
    }
}
