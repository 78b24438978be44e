//! Zoom and pan of a zoomable chart (the scatters): wheel, drag, keys and
//! buttons, worked out from the frame last drawn. Pure, no web types, so the
//! page only turns events into these calls.
//!
//! Units are in the names: `_css` for CSS pixels (a pointer event's offset),
//! `_px` for backend pixels (CSS pixels × `devicePixelRatio`, as in
//! [`PlotFrame`]), `_frac` for a fraction of the visible span; views are in
//! data units.

use super::frame::{PlotFrame, ViewRect};

/// The narrowest view, as a fraction of the full view's span.
pub const MIN_SPAN_FRAC: f64 = 1e-3;
/// One zoom step (a key or a button): in by this factor, out by its inverse.
pub const ZOOM_STEP: f64 = 1.5;
/// One arrow key pans by this fraction of the visible span.
pub const KEY_PAN_FRAC: f64 = 0.1;
/// A press becomes a drag once the pointer is this far from where it went
/// down; less is still a click.
pub const DRAG_START_CSS: f64 = 4.0;

/// Where a chart was last drawn and the view that shows all its data.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Viewport {
    /// The plot rectangle and the view it showed at the last draw.
    pub drawn: PlotFrame,
    /// Everything: the limit of zooming out and of panning.
    pub full: ViewRect,
}

impl Viewport {
    /// The drawn view zoomed by `factor` (> 1 zooms in) around the data point
    /// under `anchor_px`, which stays put on screen, or around the view's
    /// centre without an anchor; clamped to the full view.
    pub fn zoom(&self, factor: f64, anchor_px: Option<(f64, f64)>) -> ViewRect {
        let view = self.drawn.view;
        let (anchor_x, anchor_y) = match anchor_px {
            Some((x_px, y_px)) => self.drawn.to_data(x_px, y_px),
            None => ((view.x_min + view.x_max) / 2.0, (view.y_min + view.y_max) / 2.0),
        };
        view.zoom(factor, anchor_x, anchor_y).clamp_to(&self.full, MIN_SPAN_FRAC)
    }

    /// The drawn view shifted by fractions of its own span (y up); clamped to
    /// the full view.
    pub fn pan_by_frac(&self, x_frac: f64, y_frac: f64) -> ViewRect {
        let view = self.drawn.view;
        view.pan(view.width() * x_frac, view.height() * y_frac).clamp_to(&self.full, MIN_SPAN_FRAC)
    }

    /// `from` dragged by a pointer move of `delta_px` (y down), so the
    /// content follows the pointer; clamped to the full view. `from` is the
    /// newest view, which may not be drawn yet (drags move faster than frames).
    pub fn drag(&self, from: ViewRect, (dx_px, dy_px): (f64, f64)) -> ViewRect {
        let plot = self.drawn.plot;
        let x_per_px = from.width() / f64::from(plot.width().max(1));
        let y_per_px = from.height() / f64::from(plot.height().max(1));
        from.pan(-dx_px * x_per_px, dy_px * y_per_px).clamp_to(&self.full, MIN_SPAN_FRAC)
    }
}

/// The zoom to keep for `view`: none once it shows everything (`full`), so a
/// resize refits.
pub fn zoom_to_keep(view: Option<ViewRect>, full: Option<ViewRect>) -> Option<ViewRect> {
    view.filter(|v| full.is_none_or(|f| v != &f))
}

/// Zoom factor of a wheel event (`deltaY` in `delta_mode` units: 0 pixels,
/// 1 lines, 2 pages). A notch (~100 px) zooms by about 16 %; down zooms out.
pub fn wheel_zoom_factor(delta_y: f64, delta_mode: u32) -> f64 {
    let delta_y_px = match delta_mode {
        1 => delta_y * 33.0,
        2 => delta_y * 400.0,
        _ => delta_y,
    };
    (-delta_y_px * 0.0015).exp()
}

/// What a key does on a focused zoomable chart.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ViewKey {
    /// Pan by fractions of the visible span (y up).
    Pan { x_frac: f64, y_frac: f64 },
    /// Zoom around the centre by this factor.
    Zoom(f64),
    /// Back to the full view.
    Reset,
    /// Follow (probe) the item under the keyboard cross.
    Follow,
    /// Put the keyboard cross away.
    Dismiss,
}

impl ViewKey {
    /// The action of `KeyboardEvent.key`, if it has one.
    pub fn from_key(key: &str) -> Option<ViewKey> {
        Some(match key {
            "ArrowLeft" => ViewKey::Pan { x_frac: -KEY_PAN_FRAC, y_frac: 0.0 },
            "ArrowRight" => ViewKey::Pan { x_frac: KEY_PAN_FRAC, y_frac: 0.0 },
            "ArrowUp" => ViewKey::Pan { x_frac: 0.0, y_frac: KEY_PAN_FRAC },
            "ArrowDown" => ViewKey::Pan { x_frac: 0.0, y_frac: -KEY_PAN_FRAC },
            "+" | "=" => ViewKey::Zoom(ZOOM_STEP),
            "-" | "_" => ViewKey::Zoom(1.0 / ZOOM_STEP),
            "0" => ViewKey::Reset,
            "Enter" | " " => ViewKey::Follow,
            "Escape" => ViewKey::Dismiss,
            _ => return None,
        })
    }
}

/// A press in progress: where the pointer went down and was last seen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Drag {
    start_css: (f64, f64),
    last_css: (f64, f64),
    moved: bool,
}

/// A pointer move that pans.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DragStep {
    /// Since the last step (or the press, for the first).
    pub delta_css: (f64, f64),
    /// The first step of this drag: the press is no longer a click.
    pub started: bool,
}

impl Drag {
    /// The pointer went down at `at_css`.
    pub fn new(at_css: (f64, f64)) -> Self {
        Drag { start_css: at_css, last_css: at_css, moved: false }
    }

    /// Whether the press became a drag (else releasing it is a click).
    pub fn moved(&self) -> bool {
        self.moved
    }

    /// The pointer is at `now_css`: `None` while it stays within
    /// [`DRAG_START_CSS`] of the press, else the move to pan by.
    pub fn step(&mut self, now_css: (f64, f64)) -> Option<DragStep> {
        if !self.moved && (now_css.0 - self.start_css.0).hypot(now_css.1 - self.start_css.1) < DRAG_START_CSS {
            return None;
        }
        let started = !self.moved;
        self.moved = true;
        let delta_css = (now_css.0 - self.last_css.0, now_css.1 - self.last_css.1);
        self.last_css = now_css;
        Some(DragStep { delta_css, started })
    }
}
