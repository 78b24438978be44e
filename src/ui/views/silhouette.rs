//! The silhouette chart (`silhouette-chart`): mean silhouette against K, one
//! line per layer, the K in use ringed. Clicking a K (or ←/→ with the chart
//! focused) uses it for that layer, and every view follows.

use std::f64::consts::TAU;

use leptos::prelude::*;

use crate::app::state::AppState;
use crate::charts::palette;
use crate::charts::{SilhouetteGeometry, SilhouetteLayer, SilhouetteOptions, draw_silhouette};

use super::super::canvas;
use super::{Tip, ViewCtx, css, fit_overlay, layer_title, set_layer_k};

const HEIGHT_CSS: f64 = 280.0;
const PICK_CSS: f64 = 10.0;

fn fmt_score(s: Option<f64>) -> String {
    s.map_or_else(|| "undefined".into(), |s| format!("{s:.3}"))
}

#[component]
pub fn SilhouetteView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ctx = expect_context::<ViewCtx>();
    let chart = NodeRef::<leptos::html::Canvas>::new();
    let overlay = NodeRef::<leptos::html::Canvas>::new();
    let geometry = StoredValue::new(None::<SilhouetteGeometry>);
    let drawn_version = RwSignal::new(0u64);
    let hovered = RwSignal::new(None::<(usize, usize)>);
    // The layer the arrow keys change.
    let active = RwSignal::new(0usize);
    let keyboard = RwSignal::new(false);

    Effect::new(move |_| {
        ctx.resized.track();
        let Some(element) = chart.get() else { return };
        let layers: Vec<SilhouetteLayer> = state.results.with(|r| {
            r.as_ref().map_or_else(Vec::new, |r| {
                r.layers
                    .iter()
                    .map(|l| SilhouetteLayer {
                        label: layer_title(&l.name),
                        scores: l.clusterings.iter().map(|c| c.k).zip(l.silhouettes.iter().copied()).collect(),
                        chosen_k: Some(l.k()),
                    })
                    .collect()
            })
        });
        match canvas::draw(&element, HEIGHT_CSS, |area, scale| {
            draw_silhouette(area, &layers, &SilhouetteOptions { scale })
        }) {
            Ok(g) => geometry.set_value(Some(g)),
            Err(e) => {
                leptos::logging::warn!("silhouette chart: {e}");
                geometry.set_value(None);
            }
        }
        drawn_version.update(|v| *v += 1);
    });

    // Overlay: a ring on the hovered point, and on the keyboard's layer.
    Effect::new(move |_| {
        drawn_version.track();
        let hover = hovered.get();
        let kb = keyboard.get().then(|| active.get());
        let chosen: Vec<usize> =
            state.results.with(|r| r.as_ref().map(|r| r.layers.iter().map(|l| l.k()).collect()).unwrap_or_default());
        let (Some(over), Some(main)) = (overlay.get(), chart.get()) else { return };
        let Some(g) = fit_overlay(&over, &main) else { return };
        let ratio = canvas::pixel_ratio();
        geometry.with_value(|geo| {
            let Some(geo) = geo else { return };
            let ring = |layer: usize, k: usize, r: f64, dashed: bool| {
                if let Some(m) = geo.markers.iter().find(|m| m.layer == layer && m.k == k) {
                    g.begin_path();
                    let _ = g.arc(m.px, m.py, r * ratio, 0.0, TAU);
                    g.set_stroke_style_str(&css(palette::INK, 1.0));
                    g.set_line_width(2.0 * ratio);
                    let dash = js_sys::Array::new();
                    if dashed {
                        dash.push(&(3.0 * ratio).into());
                        dash.push(&(3.0 * ratio).into());
                    }
                    let _ = g.set_line_dash(&dash);
                    g.stroke();
                }
            };
            if let Some((layer, k)) = hover {
                ring(layer, k, 11.0, false);
            }
            if let Some(layer) = kb
                && let Some(&k) = chosen.get(layer)
            {
                ring(layer, k, 13.0, true);
            }
        });
    });

    // Which (layer, K) a pixel points at: a marker, or the nearest line above a K.
    let pick = move |px: f64, py: f64| -> Option<(usize, usize)> {
        let ratio = canvas::pixel_ratio();
        geometry.with_value(|geo| {
            let geo = geo.as_ref()?;
            geo.hit(px, py, PICK_CSS * ratio).or_else(|| {
                let k = geo.k_at(px, py)?;
                geo.markers
                    .iter()
                    .filter(|m| m.k == k)
                    .min_by(|a, b| (a.py - py).abs().total_cmp(&(b.py - py).abs()))
                    .map(|m| (m.layer, m.k))
            })
        })
    };
    let describe = move |layer: usize, k: usize| -> Option<(String, Vec<String>)> {
        state.results.with_untracked(|r| {
            let l = r.as_ref()?.layers.get(layer)?;
            let at = l.clusterings.iter().position(|c| c.k == k)?;
            let score = l.silhouettes.get(at).copied().flatten();
            let mut lines = vec![format!("mean silhouette {}", fmt_score(score))];
            if let Some(s) = l.scores.get(at) {
                lines.push(format!("purity {:.2} · NMI {:.2} · ARI {:.2}", s.purity, s.nmi, s.ari));
            }
            lines.push(if l.k() == k {
                "in use".into()
            } else {
                format!("click to use K = {k} for {}", layer_title(&l.name))
            });
            Some((format!("{}, K = {k}", layer_title(&l.name)), lines))
        })
    };
    let on_move = move |ev: web_sys::PointerEvent| {
        let (px, py) = canvas::pointer_px(&ev);
        let hit = pick(px, py);
        if hovered.get_untracked() != hit {
            hovered.set(hit);
        }
        let tip =
            hit.and_then(|(layer, k)| describe(layer, k)).map(|(title, lines)| Tip::at_pointer(&ev, title, lines));
        ctx.tip.set(tip);
    };
    let on_click = move |ev: web_sys::MouseEvent| {
        let (px, py) = canvas::pointer_px(&ev);
        if let Some((layer, k)) = pick(px, py) {
            keyboard.set(false);
            active.set(layer);
            set_layer_k(state, layer, Some(k));
            // The tooltip now says "in use".
            if let Some((title, lines)) = describe(layer, k) {
                ctx.tip.set(Some(Tip::at_pointer(&ev, title, lines)));
            }
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let layer = active.get_untracked();
        let (count, ks, current) = state.results.with_untracked(|r| {
            let r = r.as_ref();
            let l = r.and_then(|r| r.layers.get(layer));
            (r.map_or(0, |r| r.layers.len()), l.map(|l| l.ks()).unwrap_or_default(), l.map(|l| l.k()))
        });
        let pos = current.and_then(|k| ks.iter().position(|&x| x == k));
        match ev.key().as_str() {
            "ArrowLeft" | "ArrowRight" => {
                let Some(pos) = pos else { return };
                let next = if ev.key() == "ArrowLeft" { pos.checked_sub(1) } else { Some(pos + 1) };
                if let Some(&k) = next.and_then(|n| ks.get(n)) {
                    set_layer_k(state, layer, Some(k));
                }
            }
            "ArrowUp" if layer > 0 => active.set(layer - 1),
            "ArrowDown" if layer + 1 < count => active.set(layer + 1),
            "a" | "A" => set_layer_k(state, layer, None),
            _ => return,
        }
        ev.prevent_default();
        keyboard.set(true);
    };

    let status = move || {
        state.results.with(|r| {
            r.as_ref().map_or_else(Vec::new, |r| {
                r.layers
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let k = l.k();
                        let score = l
                            .clusterings
                            .iter()
                            .position(|c| c.k == k)
                            .and_then(|at| l.silhouettes.get(at).copied().flatten());
                        let how = if l.k_override().is_some() { "chosen by you" } else { "automatic" };
                        let mark = if keyboard.get() && active.get() == i { "▸ " } else { "" };
                        format!("{mark}{}: K = {k}, {how} (silhouette {})", layer_title(&l.name), fmt_score(score))
                    })
                    .collect()
            })
        })
    };
    view! {
        <div class="chart-box stacked silhouette">
            <canvas node_ref=chart data-testid="silhouette-chart" tabindex="0" role="img" class="interactive-click"
                aria-label="Mean silhouette against K for every layer; the K in use is ringed. Click a K to use it. With the chart focused: left and right arrows change K, up and down pick the layer, A returns to the automatic K."
                on:pointermove=on_move on:pointerleave=move |_| { hovered.set(None); ctx.tip.set(None); }
                on:click=on_click on:keydown=on_key on:blur=move |_| keyboard.set(false)></canvas>
            <canvas node_ref=overlay class="overlay" aria-hidden="true"></canvas>
        </div>
        <p class="hint" aria-live="polite" data-testid="silhouette-status">
            {move || status().join(" · ")}
        </p>
    }
}
