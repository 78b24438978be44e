//! The drawing pad (`draw-canvas`): mouse, touch and pen through pointer
//! events, inked into a grey raster with the core's soft round brush. The
//! canvas shows that raster pixel for pixel, so what a visitor sees is what
//! gets framed like MNIST and sent through the network.
//!
//! While a stroke goes on, at most one update per animation frame (framing,
//! probe, views); at the end of a stroke, one update at once, timed from the
//! `pointerup` event to the redrawn panel (`timings().probe_ms`).

use std::cell::RefCell;

use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast, prelude::*};
use web_sys::{HtmlCanvasElement, PointerEvent};

use crate::app::probe::{self, ProbeInput};
use crate::app::state::AppState;
use crate::core::probe::{Raster, to_mnist};
use crate::core::snapshot::ProbeSource;

/// Side of the ink raster (and of the canvas's pixel buffer).
pub const RASTER_SIDE: usize = 280;
/// Brush radius in raster pixels. A digit drawn about 180 px tall ends up with
/// strokes 2.5–3 px wide once its longer side is scaled to 20 px, like
/// MNIST's (a test "1" carries about 2.9 px of ink per row).
pub const BRUSH_RADIUS: f32 = 13.0;

#[derive(Default)]
struct Pad {
    raster: Option<Raster>,
    canvas: Option<HtmlCanvasElement>,
    state: Option<AppState>,
    /// The pointer drawing the current stroke and its last point.
    pointer: Option<i32>,
    last: Option<(f32, f32)>,
    /// Ink changed since the last update.
    dirty: bool,
    frame_pending: bool,
    has_ink: bool,
}

thread_local! {
    static PAD: RefCell<Pad> = RefCell::new(Pad::default());
    /// `pointerup` time of the last stroke and the probe it started.
    static STROKE_END: RefCell<Option<(u64, f64)>> = const { RefCell::new(None) };
}

fn with_pad<R>(f: impl FnOnce(&mut Pad) -> R) -> R {
    PAD.with(|p| f(&mut p.borrow_mut()))
}

/// The stroke-end time waiting for its probe to be drawn, if that probe is now published.
pub fn take_stroke_end(state: AppState) -> Option<f64> {
    let published = probe::published_seq(state);
    STROKE_END.with(|s| {
        let mut s = s.borrow_mut();
        match *s {
            Some((seq, t0)) if published >= seq => {
                *s = None;
                Some(t0)
            }
            _ => None,
        }
    })
}

/// Wipe the pad (another image became the probe, or the visitor cleared it).
pub fn wipe() {
    let repaint = with_pad(|pad| {
        if !pad.has_ink && !pad.dirty {
            return false;
        }
        if let Some(raster) = pad.raster.as_mut() {
            raster.clear();
        }
        pad.has_ink = false;
        pad.dirty = false;
        pad.last = None;
        true
    });
    if repaint {
        paint();
    }
}

/// Copy the raster to the canvas: white ink on black, as MNIST.
fn paint() {
    with_pad(|pad| {
        let (Some(raster), Some(canvas)) = (pad.raster.as_ref(), pad.canvas.as_ref()) else { return };
        let mut rgba = vec![0u8; raster.ink().len() * 4];
        for (pixel, &ink) in rgba.chunks_exact_mut(4).zip(raster.ink()) {
            let grey = (ink.clamp(0.0, 1.0) * 255.0).round() as u8;
            pixel.copy_from_slice(&[grey, grey, grey, 255]);
        }
        let Ok(Some(context)) = canvas.get_context("2d") else { return };
        let Ok(context) = context.dyn_into::<web_sys::CanvasRenderingContext2d>() else { return };
        let (w, h) = (raster.width() as u32, raster.height() as u32);
        if let Ok(data) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), w, h) {
            let _ = context.put_image_data(&data, 0.0, 0.0);
        }
    });
}

/// Frame the drawing like MNIST and probe it; an empty pad clears the probe.
/// Returns the probe's sequence number, if one was started.
fn update() -> Option<u64> {
    paint();
    let (state, image) = with_pad(|pad| {
        pad.dirty = false;
        (pad.state, pad.raster.as_ref().and_then(to_mnist))
    });
    let state = state?;
    match image {
        Some(image) => Some(probe::submit(
            state,
            ProbeInput {
                pixels: image.to_vec(),
                source: ProbeSource::Drawing,
                eval_row: None,
                caption: "Your drawing".into(),
            },
        )),
        None => {
            if state.probe.with_untracked(|p| p.as_ref().is_some_and(|p| p.source == ProbeSource::Drawing)) {
                probe::clear(state);
            }
            None
        }
    }
}

/// Ask for one update at the next animation frame (several moves, one update).
fn schedule_frame() {
    if with_pad(|pad| std::mem::replace(&mut pad.frame_pending, true)) {
        return;
    }
    let callback = Closure::once_into_js(move || {
        let dirty = with_pad(|pad| {
            pad.frame_pending = false;
            pad.dirty
        });
        if dirty {
            update();
        }
    });
    if let Some(window) = web_sys::window()
        && window.request_animation_frame(callback.unchecked_ref()).is_err()
    {
        with_pad(|pad| pad.frame_pending = false);
    }
}

/// The event's position in raster pixels (fractional CSS offsets, scaled).
fn raster_point(canvas: &HtmlCanvasElement, event: &PointerEvent) -> Option<(f32, f32)> {
    let read = |name: &str| js_sys::Reflect::get(event, &name.into()).ok().and_then(|v| v.as_f64());
    let (x, y) = (read("offsetX")?, read("offsetY")?);
    let (w, h) = (f64::from(canvas.client_width()), f64::from(canvas.client_height()));
    if w <= 0.0 || h <= 0.0 {
        return None;
    }
    Some(((x * RASTER_SIDE as f64 / w) as f32, (y * RASTER_SIDE as f64 / h) as f32))
}

/// Ink from the last point to each new one.
fn extend_stroke(points: &[(f32, f32)]) {
    with_pad(|pad| {
        let Some(raster) = pad.raster.as_mut() else { return };
        for &point in points {
            match pad.last {
                Some(last) => raster.stroke(&[last, point], BRUSH_RADIUS),
                None => raster.stroke(&[point], BRUSH_RADIUS),
            }
            pad.last = Some(point);
        }
        if !points.is_empty() {
            pad.dirty = true;
            pad.has_ink = true;
        }
    });
}

fn on_down(event: PointerEvent) {
    // Only the primary button draws (a right click opens the menu as usual).
    if event.button() != 0 {
        return;
    }
    let Some(canvas) = with_pad(|pad| pad.canvas.clone()) else { return };
    event.prevent_default();
    let _ = canvas.set_pointer_capture(event.pointer_id());
    let _ = canvas.focus();
    with_pad(|pad| {
        pad.pointer = Some(event.pointer_id());
        pad.last = None;
    });
    if let Some(point) = raster_point(&canvas, &event) {
        extend_stroke(&[point]);
        schedule_frame();
    }
}

fn on_move(event: PointerEvent) {
    let (active, canvas) = with_pad(|pad| (pad.pointer, pad.canvas.clone()));
    let Some(canvas) = canvas else { return };
    if active != Some(event.pointer_id()) {
        return;
    }
    event.prevent_default();
    // Fast strokes deliver several positions per event: use them all.
    let coalesced = event.get_coalesced_events();
    let mut points: Vec<(f32, f32)> = coalesced
        .iter()
        .filter_map(|e| e.dyn_into::<PointerEvent>().ok())
        .filter_map(|e| raster_point(&canvas, &e))
        .collect();
    if points.is_empty() {
        points.extend(raster_point(&canvas, &event));
    }
    extend_stroke(&points);
    schedule_frame();
}

fn on_end(event: PointerEvent) {
    let (active, canvas) = with_pad(|pad| (pad.pointer, pad.canvas.clone()));
    if active != Some(event.pointer_id()) {
        return;
    }
    let t0 = event.time_stamp();
    if let Some(point) = canvas.as_ref().and_then(|c| raster_point(c, &event)) {
        // pointercancel reports no usable position.
        if event.type_() == "pointerup" {
            extend_stroke(&[point]);
        }
    }
    with_pad(|pad| {
        pad.pointer = None;
        pad.last = None;
    });
    if let Some(seq) = update() {
        STROKE_END.with(|s| *s.borrow_mut() = Some((seq, t0)));
    }
}

/// Clear the pad and the drawing's probe.
pub fn clear(state: AppState) {
    wipe();
    probe::clear(state);
}

#[component]
pub fn DrawPad() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();

    Effect::new(move |_| {
        let Some(element) = canvas.get() else { return };
        let element: HtmlCanvasElement = element;
        element.set_width(RASTER_SIDE as u32);
        element.set_height(RASTER_SIDE as u32);
        with_pad(|pad| {
            *pad = Pad {
                raster: Some(Raster::new(RASTER_SIDE, RASTER_SIDE)),
                canvas: Some(element),
                state: Some(state),
                ..Pad::default()
            };
        });
        paint();
    });
    on_cleanup(|| with_pad(|pad| *pad = Pad::default()));

    // Another image became the probe: the pad no longer shows it.
    Effect::new(move |_| {
        let foreign = state.probe.with(|p| p.as_ref().is_some_and(|p| p.source != ProbeSource::Drawing));
        if foreign {
            wipe();
        }
    });

    let on_key = move |ev: web_sys::KeyboardEvent| {
        if matches!(ev.key().as_str(), "Delete" | "Backspace" | "Escape") {
            ev.prevent_default();
            clear(state);
        }
    };

    view! {
        <div class="draw-pad">
            <canvas node_ref=canvas data-testid="draw-canvas" class="draw-canvas" tabindex="0"
                role="img"
                aria-label="Drawing area: draw a digit with a mouse, a finger or a pen. Delete clears it; the images below can be sent through the network from the keyboard."
                on:pointerdown=on_down
                on:pointermove=on_move
                on:pointerup=on_end
                on:pointercancel=on_end
                on:lostpointercapture=on_end
                on:keydown=on_key></canvas>
            <div class="draw-actions">
                <button type="button" data-testid="clear-drawing" on:click=move |_| clear(state)>"Clear"</button>
                <span class="hint">"Draw with a mouse, a finger or a pen."</span>
            </div>
        </div>
    }
}
