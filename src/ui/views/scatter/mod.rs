//! The scatter of one layer (`scatter-<layer>`): every evaluation image in the
//! layer's PCA plane, coloured by the colour mode, with hover tooltips, click
//! to probe, zoom and pan (wheel, drag, keys).

use std::f64::consts::TAU;

use leptos::prelude::*;

use crate::app::browser::now_ms;
use crate::app::state::AppState;
use crate::charts::palette;
use crate::charts::viewport::{Drag, ViewKey, Viewport, ZOOM_STEP, wheel_zoom_factor, zoom_to_keep};
use crate::charts::{PlotFrame, ScatterData, ScatterGeometry, ScatterOptions, ViewRect, draw_scatter, nearest_point};
use crate::core::share::link::ColorMode;

use super::super::canvas;
use super::{ViewCtx, css, fit_overlay, layer_title};

mod prepared;
use prepared::Prepared;

/// CSS height of a scatter.
const HEIGHT_CSS: f64 = 380.0;
/// How close (CSS px) the pointer must be to a point to pick it.
const PICK_CSS: f64 = 8.0;
/// Wider reach of the keyboard cross.
const CROSS_PICK_CSS: f64 = 40.0;

/// What the last draw left for hit-testing and the overlay.
struct Drawn {
    geometry: ScatterGeometry,
    /// Category of each image (original order) and the colour of each category.
    categories: Vec<usize>,
}

fn event_css(ev: &web_sys::MouseEvent) -> (f64, f64) {
    (f64::from(ev.offset_x()), f64::from(ev.offset_y()))
}

#[component]
pub fn ScatterView(index: usize, name: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let ctx = expect_context::<ViewCtx>();
    let chart = NodeRef::<leptos::html::Canvas>::new();
    let overlay = NodeRef::<leptos::html::Canvas>::new();

    let prepared = StoredValue::new(None::<Prepared>);
    let prepared_version = RwSignal::new(0u64);
    let drawn = StoredValue::new(None::<Drawn>);
    let drawn_version = RwSignal::new(0u64);
    // Points drawn and the colour mode they were drawn in, for tests.
    let drawn_info = RwSignal::new(None::<(usize, &'static str)>);
    // None: everything fits.
    let view_rect = RwSignal::new(None::<ViewRect>);
    let hover = RwSignal::new(None::<usize>);
    // Keyboard mode: a cross at the plot's centre picks the image under it.
    let cross = RwSignal::new(false);
    let cross_row = StoredValue::new(None::<usize>);
    let drag = StoredValue::new(None::<Drag>);
    // Pan while dragging: the newest view waits for the next frame.
    let next_view = StoredValue::new(None::<ViewRect>);

    // Data: only when the run (or its K) changes.
    Effect::new(move |_| {
        let p = state.results.with(|r| r.as_ref().and_then(|r| Prepared::new(r, index)));
        // Another run (an imported file, a restored link) has another plane: the
        // zoom no longer applies. A new K keeps the plane and the zoom.
        let old_full = prepared.with_value(|old| old.as_ref().map(|o| o.full));
        if old_full.is_some() && old_full != p.as_ref().map(|p| p.full) {
            view_rect.set(None);
            hover.set(None);
        }
        prepared.set_value(p);
        prepared_version.update(|v| *v += 1);
    });

    // The chart: data, colour mode, zoom or width changed (drawn in a task of its own).
    let later = canvas::Later::default();
    Effect::new(move |_| {
        prepared_version.track();
        ctx.resized.track();
        let mode = state.color_mode.get();
        let view = view_rect.get();
        let Some(element) = chart.get() else { return };
        later.run(move || {
            let started = now_ms();
            let result = prepared.with_value(|p| {
                let p = p.as_ref()?;
                let (categories, legend) = p.colouring(mode);
                // Right answers first, so the wrong ones are drawn over them.
                let (points, cats): (Vec<[f32; 2]>, Vec<usize>) = if mode == ColorMode::Correct {
                    let order = (0..p.points.len())
                        .filter(|&i| categories.get(i) == Some(&1))
                        .chain((0..p.points.len()).filter(|&i| categories.get(i) != Some(&1)));
                    order.filter_map(|i| Some((*p.points.get(i)?, *categories.get(i)?))).unzip()
                } else {
                    (p.points.clone(), categories.clone())
                };
                let data = ScatterData { points: &points, categories: &cats, legend: &legend };
                let geometry = canvas::draw(&element, HEIGHT_CSS, |area, scale| {
                    draw_scatter(
                        area,
                        &data,
                        &ScatterOptions {
                            scale,
                            view: Some(view.unwrap_or(p.full)),
                            point_css_px: if p.points.len() > 3000 { 3.0 } else { 4.0 },
                            x_desc: &p.x_desc,
                            y_desc: &p.y_desc,
                            ..ScatterOptions::default()
                        },
                    )
                });
                Some((geometry, categories))
            });
            match result {
                Some((Ok(geometry), categories)) => {
                    let ms = now_ms() - started;
                    state.timings.update(|t| t.scatter_ms = Some(ms));
                    drawn_info.set(Some((geometry.drawn_points, mode.id())));
                    drawn.set_value(Some(Drawn { geometry, categories }));
                }
                Some((Err(e), _)) => {
                    leptos::logging::warn!("scatter {index}: {e}");
                    drawn.set_value(None);
                }
                None => drawn.set_value(None),
            }
            drawn_version.update(|v| *v += 1);
        });
    });

    // The overlay: hover ring, highlighted images, probe marker, keyboard cross.
    Effect::new(move |_| {
        drawn_version.track();
        let hovered = hover.get();
        let highlight = state.highlight.with(|h| h.as_ref().map(|h| h.rows.clone()));
        let probe = state.probe.with(|p| p.as_ref().and_then(|p| p.result.layers.get(index).map(|l| l.plane)));
        let with_cross = cross.get();
        let (Some(over), Some(main)) = (overlay.get(), chart.get()) else { return };
        let Some(g) = fit_overlay(&over, &main) else { return };
        let ratio = canvas::pixel_ratio();
        drawn.with_value(|d| {
            let Some(d) = d else { return };
            let frame = d.geometry.frame;
            let plot = frame.plot;
            let (pw, ph) = (f64::from(plot.width()), f64::from(plot.height()));
            g.save();
            g.begin_path();
            g.rect(f64::from(plot.x0), f64::from(plot.y0), pw, ph);
            g.clip();
            if let Some(rows) = &highlight {
                // Veil the rest, then redraw the picked images in full colour.
                g.set_fill_style_str("rgba(255,255,255,0.82)");
                g.fill_rect(f64::from(plot.x0), f64::from(plot.y0), pw, ph);
                let side = f64::from(d.geometry.point_px) + ratio;
                let mut current = usize::MAX;
                prepared.with_value(|p| {
                    let Some(p) = p else { return };
                    for &row in rows.iter() {
                        let (Some(pt), Some(&cat)) = (p.points.get(row), d.categories.get(row)) else { continue };
                        let (x, y) = (f64::from(pt[0]), f64::from(pt[1]));
                        if !frame.view.contains(x, y) {
                            continue;
                        }
                        if cat != current {
                            g.set_fill_style_str(&css(palette::categorical(cat), 1.0));
                            current = cat;
                        }
                        let (px, py) = frame.to_pixel(x, y);
                        g.fill_rect(px - side / 2.0, py - side / 2.0, side, side);
                    }
                });
            }
            let ring = |(px, py): (f64, f64), r: f64| {
                g.begin_path();
                let _ = g.arc(px, py, r, 0.0, TAU);
                g.set_stroke_style_str("#000");
                g.set_line_width(2.0 * ratio);
                g.stroke();
            };
            let at = |row: usize| prepared.with_value(|p| p.as_ref().and_then(|p| p.points.get(row).copied()));
            if let Some(pt) = probe {
                let (x, y) = (f64::from(pt[0]), f64::from(pt[1]));
                if x.is_finite() && y.is_finite() && frame.view.contains(x, y) {
                    let (px, py) = frame.to_pixel(x, y);
                    draw_probe_marker(&g, px, py, ratio);
                }
            }
            let mut pick = hovered;
            if with_cross {
                let (cx, cy) = (f64::from(plot.x0) + pw / 2.0, f64::from(plot.y0) + ph / 2.0);
                g.set_stroke_style_str("rgba(0,0,0,0.7)");
                g.set_line_width(ratio);
                g.begin_path();
                let arm = 10.0 * ratio;
                g.move_to(cx - arm, cy);
                g.line_to(cx + arm, cy);
                g.move_to(cx, cy - arm);
                g.line_to(cx, cy + arm);
                g.stroke();
                let row = prepared.with_value(|p| {
                    p.as_ref().and_then(|p| nearest_point(&p.index, &frame, cx, cy, CROSS_PICK_CSS * ratio))
                });
                cross_row.set_value(row);
                pick = row;
                // The tooltip sits by the cross.
                let tip = row.and_then(|row| {
                    let rect = main.get_bounding_client_rect();
                    let (x, y) = at(row).map_or((cx, cy), |pt| frame.to_pixel(f64::from(pt[0]), f64::from(pt[1])));
                    prepared.with_value(|p| {
                        p.as_ref().and_then(|p| p.tip(row, rect.left() + x / ratio, rect.top() + y / ratio))
                    })
                });
                ctx.tip.set(tip);
            }
            if let Some(pt) = pick.and_then(at) {
                let (x, y) = (f64::from(pt[0]), f64::from(pt[1]));
                if frame.view.contains(x, y) {
                    ring(frame.to_pixel(x, y), 6.0 * ratio);
                }
            }
            g.restore();
        });
    });

    let frame_now = move || drawn.with_value(|d| d.as_ref().map(|d| d.geometry.frame));
    let full_view = move || prepared.with_value(|p| p.as_ref().map(|p| p.full));
    let viewport_now = move || Some(Viewport { drawn: frame_now()?, full: full_view()? });
    let set_view = move |v: Option<ViewRect>| {
        let v = zoom_to_keep(v, full_view());
        if view_rect.get_untracked() != v {
            view_rect.set(v);
        }
    };
    let zoom_by = move |factor: f64, anchor_px: Option<(f64, f64)>| {
        if let Some(viewport) = viewport_now() {
            set_view(Some(viewport.zoom(factor, anchor_px)));
        }
    };
    let show_tip_at = move |ev: &web_sys::MouseEvent| {
        let ratio = canvas::pixel_ratio();
        let (cx, cy) = event_css(ev);
        let row = drawn.with_value(|d| {
            let frame: PlotFrame = d.as_ref()?.geometry.frame;
            prepared.with_value(|p| nearest_point(&p.as_ref()?.index, &frame, cx * ratio, cy * ratio, PICK_CSS * ratio))
        });
        if hover.get_untracked() != row {
            hover.set(row);
        }
        let tip = row.and_then(|row| {
            prepared.with_value(|p| p.as_ref()?.tip(row, f64::from(ev.client_x()), f64::from(ev.client_y())))
        });
        ctx.tip.set(tip);
    };

    let on_pointer_move = move |ev: web_sys::PointerEvent| {
        let Some(mut d) = drag.get_value() else {
            show_tip_at(&ev);
            return;
        };
        let Some(step) = d.step(event_css(&ev)) else { return };
        if step.started {
            hover.set(None);
            ctx.tip.set(None);
        }
        let ratio = canvas::pixel_ratio();
        let Some(viewport) = viewport_now() else { return };
        let from = next_view.get_value().unwrap_or(viewport.drawn.view);
        let moved = viewport.drag(from, (step.delta_css.0 * ratio, step.delta_css.1 * ratio));
        drag.set_value(Some(d));
        let first = next_view.get_value().is_none();
        next_view.set_value(Some(moved));
        if first {
            request_animation_frame(move || {
                if let Some(v) = next_view.get_value() {
                    next_view.set_value(None);
                    set_view(Some(v));
                }
            });
        }
    };
    let on_pointer_down = move |ev: web_sys::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        drag.set_value(Some(Drag::new(event_css(&ev))));
        if cross.get_untracked() {
            cross.set(false);
            cross_row.set_value(None);
        }
        if let Some(el) = chart.get_untracked() {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
    };
    let on_pointer_up = move |ev: web_sys::PointerEvent| {
        let Some(d) = drag.get_value() else { return };
        drag.set_value(None);
        if d.moved() {
            return;
        }
        // A click (or tap): the image under the pointer becomes the probe.
        show_tip_at(&ev);
        if let Some(row) = hover.get_untracked() {
            crate::app::probe::probe_eval_row(state, row);
        }
    };
    let on_leave = move |_| {
        if drag.get_value().is_none() {
            hover.set(None);
            ctx.tip.set(None);
        }
    };
    let on_wheel = move |ev: web_sys::WheelEvent| {
        let ratio = canvas::pixel_ratio();
        let (px, py) = (f64::from(ev.offset_x()) * ratio, f64::from(ev.offset_y()) * ratio);
        if !frame_now().is_some_and(|f| f.contains_px(px, py)) {
            return;
        }
        ev.prevent_default();
        zoom_by(wheel_zoom_factor(ev.delta_y(), ev.delta_mode()), Some((px, py)));
        show_tip_at(&ev);
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        let Some(action) = ViewKey::from_key(&ev.key()) else { return };
        match action {
            ViewKey::Pan { x_frac, y_frac } => {
                if let Some(viewport) = viewport_now() {
                    set_view(Some(viewport.pan_by_frac(x_frac, y_frac)));
                }
            }
            ViewKey::Zoom(factor) => zoom_by(factor, None),
            ViewKey::Reset => set_view(None),
            ViewKey::Follow => {
                if let Some(row) = cross_row.get_value() {
                    crate::app::probe::probe_eval_row(state, row);
                }
            }
            ViewKey::Dismiss => {
                cross.set(false);
                ctx.tip.set(None);
            }
        }
        ev.prevent_default();
        if !cross.get_untracked() && action != ViewKey::Dismiss {
            cross.set(true);
        }
    };
    // Keyboard focus only: a click focuses the canvas too, and the mouse has its own hover.
    let on_focus = move |_| {
        if chart.get_untracked().is_some_and(|el| el.matches(":focus-visible").unwrap_or(false)) {
            cross.set(true);
        }
    };
    let on_blur = move |_| {
        cross.set(false);
        cross_row.set_value(None);
        ctx.tip.set(None);
    };

    let title = layer_title(&name);
    let aria = format!(
        "Scatter of layer {title}: every test image in the plane of the layer's two principal components. Arrow keys pan, plus and minus zoom, 0 resets, Enter follows the image at the centre."
    );
    view! {
        <figure class="view scatter">
            <figcaption>
                <strong>{title.clone()}</strong>
                <span class="view-tools">
                    <button type="button" class="small" aria-label=format!("Zoom in on {title}") on:click=move |_| zoom_by(ZOOM_STEP, None)>"+"</button>
                    <button type="button" class="small" aria-label=format!("Zoom out of {title}") on:click=move |_| zoom_by(1.0 / ZOOM_STEP, None)>"−"</button>
                    <button type="button" class="small" data-testid=format!("scatter-reset-{name}")
                        disabled=move || view_rect.get().is_none() on:click=move |_| set_view(None)>"Show all"</button>
                </span>
            </figcaption>
            <div class="chart-box stacked">
                <canvas node_ref=chart data-testid=format!("scatter-{name}") tabindex="0" role="img" aria-label=aria
                    class="interactive"
                    data-drawn-points=move || drawn_info.get().map(|d| d.0.to_string())
                    data-mode=move || drawn_info.get().map(|d| d.1)
                    on:pointermove=on_pointer_move on:pointerdown=on_pointer_down on:pointerup=on_pointer_up
                    on:pointercancel=move |_| drag.set_value(None) on:pointerleave=on_leave
                    on:wheel=on_wheel on:keydown=on_key on:focus=on_focus on:blur=on_blur></canvas>
                <canvas node_ref=overlay class="overlay" aria-hidden="true"></canvas>
            </div>
        </figure>
    }
}

/// The probe's marker: a white disc with a black ring and cross (as the chart's own).
fn draw_probe_marker(g: &web_sys::CanvasRenderingContext2d, x: f64, y: f64, ratio: f64) {
    g.begin_path();
    let _ = g.arc(x, y, 7.0 * ratio, 0.0, TAU);
    g.set_fill_style_str(&css(palette::BACKGROUND, 1.0));
    g.fill();
    g.set_stroke_style_str(&css(palette::PROBE_CASING, 1.0));
    g.set_line_width(2.0 * ratio);
    g.stroke();
    let arm = 4.0 * ratio;
    g.begin_path();
    g.move_to(x - arm, y);
    g.line_to(x + arm, y);
    g.move_to(x, y - arm);
    g.line_to(x, y + arm);
    g.stroke();
}
