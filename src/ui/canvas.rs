//! Drawing charts into `<canvas>` elements with plotters-canvas, at the
//! screen's pixel density so lines and text stay crisp.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::untrack;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_canvas::CanvasBackend;
use web_sys::HtmlCanvasElement;

use crate::app::browser::yield_now;
use crate::charts::ChartError;

/// Draws a chart in a task of its own, after the one that asked for it.
///
/// A finished run changes every view at once; drawn in that same task, the
/// charts held the page in one long task. Each chart's effect tracks what it
/// depends on, then hands the drawing to `run`: the browser can paint and
/// handle input between charts. A newer request supersedes one not yet run.
#[derive(Clone, Default)]
pub struct Later(Rc<Cell<u64>>);

impl Later {
    pub fn run(&self, draw: impl FnOnce() + 'static) {
        let ticket = self.0.get().wrapping_add(1);
        self.0.set(ticket);
        let latest = Rc::clone(&self.0);
        leptos::task::spawn_local(async move {
            yield_now().await;
            if latest.get() == ticket {
                untrack(draw);
            }
        });
    }
}

/// Device pixels per CSS pixel (at least 1).
pub fn pixel_ratio() -> f64 {
    web_sys::window().map_or(1.0, |w| w.device_pixel_ratio()).max(1.0)
}

/// Size the canvas for `css_height` CSS pixels high and its laid-out width,
/// then draw with `f(area, ratio)`. Returns what the chart returns (its geometry).
pub fn draw<G>(
    canvas: &HtmlCanvasElement,
    css_height: f64,
    f: impl FnOnce(&DrawingArea<CanvasBackend, Shift>, f64) -> Result<G, ChartError>,
) -> Result<G, ChartError> {
    let css_width = match canvas.parent_element().map(|p| p.client_width()) {
        Some(w) if w > 0 => f64::from(w),
        _ => 600.0,
    };
    draw_sized(canvas, css_width, css_height, f)
}

/// Size the canvas to `css_width` × `css_height` CSS pixels at the screen's
/// density, then draw with `f(area, ratio)`.
pub fn draw_sized<G>(
    canvas: &HtmlCanvasElement,
    css_width: f64,
    css_height: f64,
    f: impl FnOnce(&DrawingArea<CanvasBackend, Shift>, f64) -> Result<G, ChartError>,
) -> Result<G, ChartError> {
    let ratio = pixel_ratio();
    let _ = canvas.style().set_property("width", &format!("{css_width}px"));
    let _ = canvas.style().set_property("height", &format!("{css_height}px"));
    canvas.set_width((css_width * ratio).round().max(1.0) as u32);
    canvas.set_height((css_height * ratio).round().max(1.0) as u32);
    let backend = CanvasBackend::with_canvas_object(canvas.clone())
        .ok_or_else(|| ChartError::Backend("the canvas has no 2-D context".into()))?;
    let area = backend.into_drawing_area();
    let geometry = f(&area, ratio)?;
    area.present().map_err(|e| ChartError::Backend(e.to_string()))?;
    Ok(geometry)
}

/// Pointer position in device pixels of the canvas.
pub fn pointer_px(event: &web_sys::MouseEvent) -> (f64, f64) {
    let ratio = pixel_ratio();
    (f64::from(event.offset_x()) * ratio, f64::from(event.offset_y()) * ratio)
}
