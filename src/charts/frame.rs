//! Pixel rectangles, data view rectangles and the data <-> pixel mapping the UI
//! uses for hover, click, zoom and pan.
//!
//! All pixel coordinates are backend pixels (device pixels on a canvas drawn at
//! `devicePixelRatio`), absolute in the backend, y pointing down. A pointer
//! event's CSS offset must be multiplied by the same ratio before a look-up.

/// An axis-aligned pixel rectangle; `x1`/`y1` are exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PxRect {
    pub x0: i32,
    pub y0: i32,
    pub x1: i32,
    pub y1: i32,
}

impl PxRect {
    pub fn new(x0: i32, y0: i32, x1: i32, y1: i32) -> Self {
        PxRect { x0, y0, x1, y1 }
    }

    pub fn width(&self) -> i32 {
        (self.x1 - self.x0).max(0)
    }

    pub fn height(&self) -> i32 {
        (self.y1 - self.y0).max(0)
    }

    /// Whether the (fractional) pixel position lies inside.
    pub fn contains(&self, px: f64, py: f64) -> bool {
        px >= f64::from(self.x0) && px < f64::from(self.x1) && py >= f64::from(self.y0) && py < f64::from(self.y1)
    }
}

/// A rectangle in data units: what part of the data plane is visible.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewRect {
    pub x_min: f64,
    pub x_max: f64,
    pub y_min: f64,
    pub y_max: f64,
}

impl ViewRect {
    pub fn new(x_min: f64, x_max: f64, y_min: f64, y_max: f64) -> Self {
        ViewRect { x_min, x_max, y_min, y_max }
    }

    pub fn width(&self) -> f64 {
        self.x_max - self.x_min
    }

    pub fn height(&self) -> f64 {
        self.y_max - self.y_min
    }

    /// Bounding box of the finite points, widened by `pad_frac` of its size on
    /// each side. `None` when no point is finite.
    pub fn fit(points: &[[f32; 2]], pad_frac: f64) -> Option<ViewRect> {
        let mut it = points.iter().filter(|p| p[0].is_finite() && p[1].is_finite());
        let first = it.next()?;
        let mut v = ViewRect::new(f64::from(first[0]), f64::from(first[0]), f64::from(first[1]), f64::from(first[1]));
        for p in it {
            v.x_min = v.x_min.min(f64::from(p[0]));
            v.x_max = v.x_max.max(f64::from(p[0]));
            v.y_min = v.y_min.min(f64::from(p[1]));
            v.y_max = v.y_max.max(f64::from(p[1]));
        }
        let pad = if pad_frac.is_finite() { pad_frac.max(0.0) } else { 0.0 };
        let (px, py) = (v.width() * pad, v.height() * pad);
        Some(ViewRect::new(v.x_min - px, v.x_max + px, v.y_min - py, v.y_max + py).sanitized())
    }

    /// A usable view: finite, min < max on both axes (degenerate spans are
    /// widened around their centre so a single point still gets axes).
    pub fn sanitized(&self) -> ViewRect {
        fn axis(lo: f64, hi: f64) -> (f64, f64) {
            let (lo, hi) = match (lo.is_finite(), hi.is_finite()) {
                (true, true) => (lo.min(hi), lo.max(hi)),
                (true, false) => (lo, lo),
                (false, true) => (hi, hi),
                (false, false) => (0.0, 1.0),
            };
            let span = hi - lo;
            // Relative floor so huge coordinates do not collapse to one float.
            let min_span = 1e-9_f64.max((lo.abs().max(hi.abs())) * 1e-9);
            if span < min_span {
                let c = (lo + hi) / 2.0;
                let half = if c == 0.0 { 0.5 } else { (c.abs() * 0.05).max(min_span) };
                (c - half, c + half)
            } else {
                (lo, hi)
            }
        }
        let (x_min, x_max) = axis(self.x_min, self.x_max);
        let (y_min, y_max) = axis(self.y_min, self.y_max);
        ViewRect::new(x_min, x_max, y_min, y_max)
    }

    pub fn contains(&self, x: f64, y: f64) -> bool {
        x >= self.x_min && x <= self.x_max && y >= self.y_min && y <= self.y_max
    }

    /// Zoom by `factor` (> 1 zooms in) keeping the data point under the pointer,
    /// (`anchor_x`, `anchor_y`), fixed on screen. Follow with [`Self::clamp_to`].
    pub fn zoom(&self, factor: f64, anchor_x: f64, anchor_y: f64) -> ViewRect {
        if !(factor.is_finite() && factor > 0.0 && anchor_x.is_finite() && anchor_y.is_finite()) {
            return *self;
        }
        ViewRect::new(
            anchor_x - (anchor_x - self.x_min) / factor,
            anchor_x + (self.x_max - anchor_x) / factor,
            anchor_y - (anchor_y - self.y_min) / factor,
            anchor_y + (self.y_max - anchor_y) / factor,
        )
    }

    /// Shift by a data-unit offset (a drag: see [`PlotFrame::px_delta_to_data`]).
    pub fn pan(&self, dx: f64, dy: f64) -> ViewRect {
        if !dx.is_finite() || !dy.is_finite() {
            return *self;
        }
        ViewRect::new(self.x_min + dx, self.x_max + dx, self.y_min + dy, self.y_max + dy)
    }

    /// Keep a zoomed / panned view usable: each span between
    /// `min_span_frac * outer span` and the outer span, and the view inside
    /// `outer` (the full-data view). Zooming out past everything returns `outer`.
    pub fn clamp_to(&self, outer: &ViewRect, min_span_frac: f64) -> ViewRect {
        let outer = outer.sanitized();
        let frac = if min_span_frac.is_finite() { min_span_frac.clamp(1e-9, 1.0) } else { 1e-3 };
        fn axis(lo: f64, hi: f64, o_lo: f64, o_hi: f64, frac: f64) -> (f64, f64) {
            let o_span = o_hi - o_lo;
            let (lo, hi) = if lo.is_finite() && hi.is_finite() && hi > lo { (lo, hi) } else { (o_lo, o_hi) };
            let span = (hi - lo).clamp(o_span * frac, o_span);
            let c = (lo + hi) / 2.0;
            let mut lo = c - span / 2.0;
            if lo < o_lo {
                lo = o_lo;
            }
            if lo + span > o_hi {
                lo = o_hi - span;
            }
            (lo, lo + span)
        }
        let (x_min, x_max) = axis(self.x_min, self.x_max, outer.x_min, outer.x_max, frac);
        let (y_min, y_max) = axis(self.y_min, self.y_max, outer.y_min, outer.y_max, frac);
        ViewRect::new(x_min, x_max, y_min, y_max)
    }
}

/// Where a data plane was drawn: the plot rectangle in pixels and the data view
/// it shows. The mapping matches plotters' own (x over `x0..=x1-1`, y over
/// `y1-1..=y0`), so marks drawn by us and axes drawn by plotters agree.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlotFrame {
    pub plot: PxRect,
    pub view: ViewRect,
}

impl PlotFrame {
    fn px_span(&self) -> (f64, f64) {
        (f64::from((self.plot.x1 - 1 - self.plot.x0).max(1)), f64::from((self.plot.y1 - 1 - self.plot.y0).max(1)))
    }

    /// Data -> pixel (fractional).
    pub fn to_pixel(&self, x: f64, y: f64) -> (f64, f64) {
        let (w, h) = self.px_span();
        let tx = (x - self.view.x_min) / self.view.width();
        let ty = (y - self.view.y_min) / self.view.height();
        (f64::from(self.plot.x0) + tx * w, f64::from(self.plot.y1 - 1) - ty * h)
    }

    /// Pixel -> data.
    pub fn to_data(&self, px: f64, py: f64) -> (f64, f64) {
        let (w, h) = self.px_span();
        let tx = (px - f64::from(self.plot.x0)) / w;
        let ty = (f64::from(self.plot.y1 - 1) - py) / h;
        (self.view.x_min + tx * self.view.width(), self.view.y_min + ty * self.view.height())
    }

    /// Data units per pixel on each axis (both positive).
    pub fn data_per_px(&self) -> (f64, f64) {
        let (w, h) = self.px_span();
        (self.view.width() / w, self.view.height() / h)
    }

    /// A pointer drag of (`dpx`, `dpy`) pixels as the data offset to pass to
    /// [`ViewRect::pan`] so the content follows the pointer.
    pub fn px_delta_to_data(&self, dpx: f64, dpy: f64) -> (f64, f64) {
        let (ux, uy) = self.data_per_px();
        (-dpx * ux, dpy * uy)
    }

    /// Whether a pixel lies in the plot rectangle.
    pub fn contains_px(&self, px: f64, py: f64) -> bool {
        self.plot.contains(px, py)
    }
}

/// `parts + 1` boundaries that split `len` pixels from `start` into `parts`
/// equal parts, rounded to whole pixels (the cells of a table-like chart).
pub(crate) fn even_edges(start: i32, len: i32, parts: usize) -> Vec<i32> {
    (0..=parts).map(|i| start + (f64::from(len) * i as f64 / parts as f64).round() as i32).collect()
}

/// Which part of `edges` holds `v` (`edges[i] <= v < edges[i + 1]`), if any.
pub(crate) fn part_at(edges: &[i32], v: f64) -> Option<usize> {
    let i = edges.partition_point(|&e| f64::from(e) <= v).checked_sub(1)?;
    (i + 1 < edges.len()).then_some(i)
}
