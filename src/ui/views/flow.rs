//! The layer flow (`layer-flow`): true class → cluster at each hidden layer →
//! predicted class, band width = images. Hovering a band (or a node) picks its
//! images out in the scatters; the probe's own path is drawn over the flow.

use std::sync::Arc;

use leptos::prelude::*;

use crate::app::state::{AppState, Highlight};
use crate::charts::palette;
use crate::charts::{FlowColumn, FlowLayout, FlowNodeKind, FlowOptions, draw_flow};
use crate::core::results::RunResults;
use crate::core::snapshot::ProbeSource;

use super::super::canvas;
use super::{Tip, ViewCtx, class_names, css, fit_overlay, layer_title};

const HEIGHT_CSS: f64 = 440.0;
/// Samples along a band's edge when it is redrawn on the overlay.
const EDGE_SAMPLES: usize = 32;

struct Prepared {
    paths: Vec<Vec<usize>>,
    columns: Vec<FlowColumn>,
}

impl Prepared {
    fn new(r: &RunResults) -> Self {
        let names = class_names(r);
        let mut columns =
            vec![FlowColumn { label: "true class".into(), kind: FlowNodeKind::Class, node_labels: names.clone() }];
        for layer in &r.layers {
            columns.push(FlowColumn {
                label: layer_title(&layer.name),
                kind: FlowNodeKind::Cluster,
                node_labels: (0..layer.k()).map(|c| format!("C{c}")).collect(),
            });
        }
        columns.push(FlowColumn { label: "predicted".into(), kind: FlowNodeKind::Class, node_labels: names });
        Self { paths: r.paths(), columns }
    }

    /// A node in words: "class 3", "cluster 2 at H1", "predicted 3".
    fn describe(&self, column: usize, node: usize) -> String {
        let Some(col) = self.columns.get(column) else { return String::new() };
        let label = col.node_labels.get(node).map_or("?", String::as_str);
        match (column, col.kind) {
            (0, _) => format!("class {label}"),
            (_, FlowNodeKind::Class) => format!("predicted {label}"),
            (_, FlowNodeKind::Cluster) => format!("cluster {node} at {}", col.label),
        }
    }
}

/// What the pointer is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hovered {
    Band(usize),
    Node(usize),
}

#[component]
pub fn FlowView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ctx = expect_context::<ViewCtx>();
    let chart = NodeRef::<leptos::html::Canvas>::new();
    let overlay = NodeRef::<leptos::html::Canvas>::new();
    let prepared = StoredValue::new(None::<Prepared>);
    let layout = StoredValue::new(None::<FlowLayout>);
    let drawn_version = RwSignal::new(0u64);
    let hovered = RwSignal::new(None::<Hovered>);
    // The probe's path as drawn, for tests: node per column, "-" where it has none.
    let probe_drawn = RwSignal::new(None::<String>);

    // The layout is computed with the chart: only when the run, K or the width change.
    let later = canvas::Later::default();
    Effect::new(move |_| {
        ctx.resized.track();
        state.results.track();
        let Some(element) = chart.get() else { return };
        later.run(move || {
            let p = state.results.with_untracked(|r| r.as_ref().map(Prepared::new));
            let drawn = p.as_ref().map(|p| {
                canvas::draw(&element, HEIGHT_CSS, |area, scale| {
                    draw_flow(area, &p.paths, &p.columns, &FlowOptions { scale, ..FlowOptions::default() })
                })
            });
            match drawn {
                Some(Ok(l)) => layout.set_value(Some(l)),
                Some(Err(e)) => {
                    leptos::logging::warn!("layer flow: {e}");
                    layout.set_value(None);
                }
                None => layout.set_value(None),
            }
            prepared.set_value(p);
            if hovered.get_untracked().is_some() {
                hovered.set(None);
                state.highlight.set(None);
            }
            drawn_version.update(|v| *v += 1);
        });
    });

    // The overlay: the hovered band or node, then the probe's path on top.
    Effect::new(move |_| {
        drawn_version.track();
        let hover = hovered.get();
        let probe = state.probe.with(|p| {
            p.as_ref().map(|p| {
                let first = match (p.source, p.eval_row) {
                    (ProbeSource::Dataset, Some(row)) => {
                        state.results.with_untracked(|r| r.as_ref().and_then(|r| r.eval.targets.get(row).copied()))
                    }
                    _ => None,
                };
                let mut path: Vec<Option<usize>> = vec![first];
                path.extend(p.result.path().into_iter().map(Some));
                path.push(Some(p.result.prediction));
                path
            })
        });
        let (Some(over), Some(main)) = (overlay.get(), chart.get()) else { return };
        let Some(g) = fit_overlay(&over, &main) else { return };
        let ratio = canvas::pixel_ratio();
        layout.with_value(|l| {
            let Some(l) = l else { return };
            match hover {
                Some(Hovered::Band(i)) => {
                    if let Some(b) = l.bands.get(i) {
                        g.set_fill_style_str("rgba(255,255,255,0.6)");
                        g.fill_rect(0.0, 0.0, f64::from(over.width()), f64::from(over.height()));
                        let mut top = Vec::with_capacity(EDGE_SAMPLES + 1);
                        let mut bottom = Vec::with_capacity(EDGE_SAMPLES + 1);
                        for s in 0..=EDGE_SAMPLES {
                            let x = b.x0 + (b.x1 - b.x0) * s as f64 / EDGE_SAMPLES as f64;
                            if let Some((t, bt)) = b.edges_at_x(x) {
                                // Thin bands get a visible minimum width.
                                let grow = ((2.0 * ratio - (bt - t)) / 2.0).max(0.0);
                                top.push((x, t - grow));
                                bottom.push((x, bt + grow));
                            }
                        }
                        g.begin_path();
                        for (n, (x, y)) in top.iter().chain(bottom.iter().rev()).enumerate() {
                            if n == 0 { g.move_to(*x, *y) } else { g.line_to(*x, *y) }
                        }
                        g.close_path();
                        g.set_fill_style_str(&css(palette::categorical(b.class), 0.95));
                        g.fill();
                        g.set_stroke_style_str(&css(palette::INK, 1.0));
                        g.set_line_width(ratio);
                        g.stroke();
                    }
                }
                Some(Hovered::Node(i)) => {
                    if let Some(n) = l.nodes.get(i) {
                        g.set_stroke_style_str(&css(palette::INK, 1.0));
                        g.set_line_width(2.0 * ratio);
                        g.stroke_rect(n.x0 - ratio, n.y0 - ratio, n.x1 - n.x0 + 2.0 * ratio, n.y1 - n.y0 + 2.0 * ratio);
                    }
                }
                None => {}
            }
            let Some(path) = probe else {
                probe_drawn.set(None);
                return;
            };
            // Through each node's centre, curving between columns like the bands.
            g.begin_path();
            let mut prev: Option<(f64, f64)> = None;
            for (c, node) in path.iter().enumerate() {
                let Some(n) = node.and_then(|node| l.node(c, node)) else { continue };
                let yc = (n.y0 + n.y1) / 2.0;
                match prev {
                    Some((px, py)) => {
                        let mid = (px + n.x0) / 2.0;
                        g.bezier_curve_to(mid, py, mid, yc, n.x0, yc);
                    }
                    None => g.move_to(n.x0, yc),
                }
                g.line_to(n.x1, yc);
                prev = Some((n.x1, yc));
            }
            g.set_line_cap("round");
            g.set_line_join("round");
            g.set_stroke_style_str(&css(palette::PROBE_CASING, 1.0));
            g.set_line_width(7.0 * ratio);
            g.stroke();
            g.set_stroke_style_str(&css(palette::BACKGROUND, 1.0));
            g.set_line_width(3.0 * ratio);
            g.stroke();
            let text = path.iter().map(|n| n.map_or("-".to_string(), |n| n.to_string())).collect::<Vec<_>>().join(",");
            if probe_drawn.get_untracked().as_deref() != Some(text.as_str()) {
                probe_drawn.set(Some(text));
            }
        });
    });

    let clear = move || {
        if hovered.get_untracked().is_some() {
            hovered.set(None);
            state.highlight.set(None);
        }
        ctx.tip.set(None);
    };
    // Pick out what `hit` stands for; the tooltip goes at (x, y) client pixels.
    let select = move |hit: Hovered, x: f64, y: f64| {
        let found = layout.with_value(|l| {
            let l = l.as_ref()?;
            prepared.with_value(|p| {
                let p = p.as_ref()?;
                Some(match hit {
                    Hovered::Band(i) => {
                        let b = l.bands.get(i)?;
                        let class =
                            p.columns.first().and_then(|c| c.node_labels.get(b.class)).cloned().unwrap_or_default();
                        (
                            b.images.clone(),
                            format!("{} → {}", p.describe(b.column, b.from), p.describe(b.column + 1, b.to)),
                            vec![format!("{} images of class {class}", b.count)],
                        )
                    }
                    Hovered::Node(i) => {
                        let n = l.nodes.get(i)?;
                        (n.images.clone(), p.describe(n.column, n.node), vec![format!("{} images", n.count)])
                    }
                })
            })
        });
        let Some((images, title, lines)) = found else {
            clear();
            return;
        };
        if hovered.get_untracked() != Some(hit) {
            hovered.set(Some(hit));
            state.highlight.set(Some(Highlight { label: title.clone(), rows: Arc::from(images) }));
        }
        ctx.tip.set(Some(Tip::chart(x, y, title, lines)));
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (px, py) = canvas::pointer_px(&ev);
        let hit = layout.with_value(|l| {
            let l = l.as_ref()?;
            l.band_at(px, py).map(Hovered::Band).or_else(|| l.node_at(px, py).map(Hovered::Node))
        });
        match hit {
            Some(hit) => select(hit, f64::from(ev.client_x()), f64::from(ev.client_y())),
            None => clear(),
        }
    };
    // Keyboard: ←/→ move between the gaps of columns, ↑/↓ through a gap's bands
    // (largest first), Escape lets go.
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let key = ev.key();
        if key == "Escape" {
            clear();
            return;
        }
        let step: (i64, i64) = match key.as_str() {
            "ArrowLeft" => (-1, 0),
            "ArrowRight" => (1, 0),
            "ArrowUp" => (0, -1),
            "ArrowDown" => (0, 1),
            _ => return,
        };
        ev.prevent_default();
        let Some(element) = chart.get_untracked() else { return };
        let next = layout.with_value(|l| {
            let l = l.as_ref()?;
            let gaps = l.bands.iter().map(|b| b.column + 1).max()?;
            // By size, largest first, inside one gap.
            let ranked = |gap: usize| {
                let mut ids: Vec<usize> =
                    (0..l.bands.len()).filter(|&i| l.bands.get(i).is_some_and(|b| b.column == gap)).collect();
                ids.sort_by_key(|&i| std::cmp::Reverse(l.bands.get(i).map_or(0, |b| b.count)));
                ids
            };
            let (gap, pos) = match hovered.get_untracked() {
                Some(Hovered::Band(i)) => {
                    let gap = l.bands.get(i)?.column;
                    (gap, ranked(gap).iter().position(|&x| x == i).unwrap_or(0))
                }
                _ => (0, 0),
            };
            let gap = (gap as i64 + step.0).clamp(0, gaps as i64 - 1) as usize;
            let ids = ranked(gap);
            let pos = if step.0 != 0 { 0 } else { (pos as i64 + step.1).clamp(0, ids.len() as i64 - 1) as usize };
            let id = *ids.get(pos)?;
            let b = l.bands.get(id)?;
            let x = (b.x0 + b.x1) / 2.0;
            let (top, bottom) = b.edges_at_x(x)?;
            Some((id, x, (top + bottom) / 2.0))
        });
        let Some((id, x, y)) = next else { return };
        let rect = element.get_bounding_client_rect();
        let ratio = canvas::pixel_ratio();
        select(Hovered::Band(id), rect.left() + x / ratio, rect.top() + y / ratio);
    };

    view! {
        <div class="chart-box stacked flow">
            <canvas node_ref=chart data-testid="layer-flow" role="img" tabindex="0"
                data-probe-path=move || probe_drawn.get()
                aria-label="Layer flow: how the test images move from their true class through the clusters of each hidden layer to the predicted class. With the flow focused, arrow keys step through its bands."
                on:pointermove=on_move on:pointerleave=move |_| clear() on:keydown=on_key on:blur=move |_| clear()></canvas>
            <canvas node_ref=overlay class="overlay" aria-hidden="true"></canvas>
        </div>
    }
}
