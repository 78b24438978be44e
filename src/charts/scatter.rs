//! Scatter of a layer's 2-D PCA plane: up to ~10,000 points coloured by a
//! category (cluster, true label, prediction, right/wrong), legend, optional
//! highlighted subset, optional probe marker, zoom/pan through a [`ViewRect`],
//! and a grid index for hover / click hit-testing.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::errors::ChartError;
use super::frame::{PlotFrame, PxRect, ViewRect};
use super::paint::{
    self, AxesSpec, LegendEntry, Painter, draw_axes, draw_categorical_legend, fmt_tick, legend_width, solid, stroke,
};
use super::palette;

/// The points of one scatter. `categories[i]` picks `legend[categories[i]]`
/// and `palette::categorical(categories[i])`.
#[derive(Debug, Clone, Copy)]
pub struct ScatterData<'a> {
    /// (x, y) per point (e.g. PC1, PC2); non-finite points are skipped.
    pub points: &'a [[f32; 2]],
    /// Category per point, `< legend.len()`.
    pub categories: &'a [usize],
    /// One label per category (legend text).
    pub legend: &'a [String],
}

/// How to draw a scatter.
#[derive(Debug, Clone, Copy)]
pub struct ScatterOptions<'a> {
    /// Device pixel ratio: sizes below are CSS pixels times this.
    pub scale: f64,
    /// Visible data range (zoom/pan); `None` fits all points.
    pub view: Option<ViewRect>,
    /// Indices of points to emphasise; the others are drawn dimmed underneath.
    pub highlight: Option<&'a [usize]>,
    /// A point drawn as a distinct marker on top (the visitor's drawing).
    pub probe: Option<[f32; 2]>,
    /// Side of a point's square in CSS pixels.
    pub point_css_px: f64,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
}

impl Default for ScatterOptions<'_> {
    fn default() -> Self {
        ScatterOptions {
            scale: 1.0,
            view: None,
            highlight: None,
            probe: None,
            point_css_px: 3.0,
            x_desc: "PC 1",
            y_desc: "PC 2",
        }
    }
}

/// Where the scatter went: use `frame` with [`nearest_point`] and for zoom/pan,
/// `legend` rows for clicks on a category.
#[derive(Debug, Clone, PartialEq)]
pub struct ScatterGeometry {
    pub frame: PlotFrame,
    pub legend: Vec<LegendEntry>,
    /// Points that fell inside the view and were drawn.
    pub drawn_points: usize,
    /// Side of a drawn point square in backend pixels.
    pub point_px: i32,
}

fn validate(data: &ScatterData, opts: &ScatterOptions) -> Result<(), ChartError> {
    if data.categories.len() != data.points.len() {
        return Err(ChartError::LengthMismatch {
            what: "scatter categories",
            expected: data.points.len(),
            got: data.categories.len(),
        });
    }
    if let Some(&c) = data.categories.iter().find(|&&c| c >= data.legend.len()) {
        return Err(ChartError::IndexOutOfRange { what: "scatter category", index: c, len: data.legend.len() });
    }
    if let Some(&i) = opts.highlight.and_then(|h| h.iter().find(|&&i| i >= data.points.len())) {
        return Err(ChartError::IndexOutOfRange { what: "scatter highlight", index: i, len: data.points.len() });
    }
    Ok(())
}

/// Draw the scatter into `area` (cleared first).
pub fn draw_scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ScatterData,
    opts: &ScatterOptions,
) -> Result<ScatterGeometry, ChartError> {
    validate(data, opts)?;
    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();

    // Legend column on the right, chart on the left.
    let labels: Vec<&str> = data.legend.iter().map(String::as_str).collect();
    let legend_w = if labels.is_empty() { 0 } else { legend_width(&labels, p.scale).min(full.width() * 2 / 5) };
    let chart_rect = PxRect::new(full.x0, full.y0, full.x1 - legend_w, full.y1);
    let view = opts
        .view
        .or_else(|| ViewRect::fit(data.points, 0.04))
        .unwrap_or(ViewRect::new(-1.0, 1.0, -1.0, 1.0))
        .sanitized();
    let fmt = |v: &f64| fmt_tick(*v);
    let frame = draw_axes(
        &p.sub_area(chart_rect),
        &AxesSpec {
            view,
            x_desc: opts.x_desc,
            y_desc: opts.y_desc,
            x_labels: 6,
            y_labels: 6,
            x_fmt: &fmt,
            y_fmt: &fmt,
        },
        p.scale,
    )?;

    let side = paint::px(p.scale, opts.point_css_px.clamp(1.0, 20.0));
    let half = side / 2;
    let normal: Vec<ShapeStyle> = (0..data.legend.len()).map(|c| solid(palette::categorical(c))).collect();
    let faded: Vec<ShapeStyle> =
        (0..data.legend.len()).map(|c| solid(palette::dimmed(palette::categorical(c)))).collect();
    let mask: Option<Vec<bool>> = opts.highlight.map(|h| {
        let mut m = vec![false; data.points.len()];
        for &i in h {
            if let Some(slot) = m.get_mut(i) {
                *slot = true;
            }
        }
        m
    });

    // Tight loop: one filled rectangle per visible point, styles precomputed,
    // so a canvas sees exactly one fillRect (+ fillStyle) per point.
    let mut drawn = 0usize;
    let mut draw_pass = |want_highlighted: bool, styles: &[ShapeStyle]| -> Result<(), ChartError> {
        for (i, (pt, &cat)) in data.points.iter().zip(data.categories).enumerate() {
            let is_hl = mask.as_ref().and_then(|m| m.get(i).copied()).unwrap_or(true);
            if is_hl != want_highlighted {
                continue;
            }
            let (x, y) = (f64::from(pt[0]), f64::from(pt[1]));
            if !x.is_finite() || !y.is_finite() || !frame.view.contains(x, y) {
                continue;
            }
            let Some(style) = styles.get(cat) else {
                continue;
            };
            let (px, py) = frame.to_pixel(x, y);
            let (x0, y0) = (px.round() as i32 - half, py.round() as i32 - half);
            p.fill_rect(PxRect::new(x0, y0, x0 + side, y0 + side), *style)?;
            drawn += 1;
        }
        Ok(())
    };
    if mask.is_some() {
        draw_pass(false, &faded)?;
    }
    draw_pass(true, &normal)?;

    if let Some(probe) = opts.probe {
        let (x, y) = (f64::from(probe[0]), f64::from(probe[1]));
        if x.is_finite() && y.is_finite() && frame.view.contains(x, y) {
            let (px, py) = frame.to_pixel(x, y);
            draw_probe_marker(&p, (px.round() as i32, py.round() as i32))?;
        }
    }

    let legend = draw_categorical_legend(&p, chart_rect.x1, full.y0 + p.px(12.0), legend_w, &labels)?;

    Ok(ScatterGeometry { frame, legend, drawn_points: drawn, point_px: side })
}

/// The probe marker: a white disc with a black ring and a black cross, big
/// enough to find among thousands of coloured squares.
pub(crate) fn draw_probe_marker<DB: DrawingBackend>(p: &Painter<DB>, c: (i32, i32)) -> Result<(), ChartError> {
    let r = p.px(7.0);
    p.circle(c, r, solid(palette::BACKGROUND))?;
    p.circle(c, r, stroke(palette::PROBE_CASING, p.px(2.0)))?;
    let arm = p.px(4.0);
    let w = p.px(2.0);
    p.path(vec![(c.0 - arm, c.1), (c.0 + arm, c.1)], stroke(palette::PROBE_CASING, w))?;
    p.path(vec![(c.0, c.1 - arm), (c.0, c.1 + arm)], stroke(palette::PROBE_CASING, w))
}

/// A uniform grid over the data plane for nearest-point look-ups. Build it once
/// per data set (it copies the points); zoom and pan do not invalidate it.
#[derive(Debug, Clone)]
pub struct PointIndex {
    points: Vec<[f32; 2]>,
    x_min: f64,
    y_min: f64,
    cell_w: f64,
    cell_h: f64,
    nx: usize,
    ny: usize,
    /// CSR layout: the points of cell `c` are `entries[starts[c]..starts[c+1]]`.
    starts: Vec<u32>,
    entries: Vec<u32>,
}

impl PointIndex {
    /// Index `points` (non-finite ones are left out).
    pub fn build(points: &[[f32; 2]]) -> PointIndex {
        let bounds = ViewRect::fit(points, 0.0);
        let finite = points.iter().filter(|p| p[0].is_finite() && p[1].is_finite()).count();
        // About two points per cell on average.
        let side = ((finite as f64 / 2.0).sqrt().ceil() as usize).clamp(1, 1024);
        let b = bounds.unwrap_or(ViewRect::new(0.0, 1.0, 0.0, 1.0));
        let mut index = PointIndex {
            points: points.to_vec(),
            x_min: b.x_min,
            y_min: b.y_min,
            cell_w: b.width() / side as f64,
            cell_h: b.height() / side as f64,
            nx: side,
            ny: side,
            starts: vec![0; side * side + 1],
            entries: Vec::with_capacity(finite),
        };
        let cells: Vec<Option<usize>> = points
            .iter()
            .map(|p| {
                let (x, y) = (f64::from(p[0]), f64::from(p[1]));
                (x.is_finite() && y.is_finite()).then(|| {
                    let (cx, cy) = index.cell_of(x, y);
                    cy * index.nx + cx
                })
            })
            .collect();
        // Counting sort into cells.
        let mut counts = vec![0u32; side * side];
        for c in cells.iter().flatten() {
            if let Some(n) = counts.get_mut(*c) {
                *n += 1;
            }
        }
        let mut acc = 0u32;
        for (s, n) in index.starts.iter_mut().zip(counts.iter()) {
            *s = acc;
            acc += n;
        }
        if let Some(last) = index.starts.last_mut() {
            *last = acc;
        }
        index.entries = vec![0; acc as usize];
        let mut fill = index.starts.clone();
        for (i, c) in cells.iter().enumerate() {
            if let Some(slot) = c.and_then(|c| fill.get_mut(c)) {
                if let Some(e) = index.entries.get_mut(*slot as usize) {
                    *e = i as u32;
                }
                *slot += 1;
            }
        }
        index
    }

    /// Number of points (including skipped non-finite ones).
    pub fn len(&self) -> usize {
        self.points.len()
    }

    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    fn cell_coord(v: f64, min: f64, size: f64, n: usize) -> usize {
        let c = ((v - min) / size).floor();
        if c.is_nan() || c < 0.0 { 0 } else { (c as usize).min(n - 1) }
    }

    fn cell_of(&self, x: f64, y: f64) -> (usize, usize) {
        (Self::cell_coord(x, self.x_min, self.cell_w, self.nx), Self::cell_coord(y, self.y_min, self.cell_h, self.ny))
    }
}

/// The point drawn closest to pixel (`px`, `py`) within `max_px` pixels, as
/// an index into the indexed points; `None` when nothing is that close.
/// Distances are measured in pixels of `frame`, so zoom is accounted for.
pub fn nearest_point(index: &PointIndex, frame: &PlotFrame, px: f64, py: f64, max_px: f64) -> Option<usize> {
    if !(px.is_finite() && py.is_finite() && max_px.is_finite() && max_px >= 0.0) {
        return None;
    }
    let (x, y) = frame.to_data(px, py);
    let (ux, uy) = frame.data_per_px();
    let (rx, ry) = (max_px * ux, max_px * uy);
    let x_max = index.x_min + index.cell_w * index.nx as f64;
    let y_max = index.y_min + index.cell_h * index.ny as f64;
    if x + rx < index.x_min || x - rx > x_max || y + ry < index.y_min || y - ry > y_max {
        return None;
    }
    let (cx0, cy0) = index.cell_of(x - rx, y - ry);
    let (cx1, cy1) = index.cell_of(x + rx, y + ry);
    let max2 = max_px * max_px;
    let mut best: Option<(f64, usize)> = None;
    for cy in cy0..=cy1 {
        for cx in cx0..=cx1 {
            let c = cy * index.nx + cx;
            let (Some(&s), Some(&e)) = (index.starts.get(c), index.starts.get(c + 1)) else {
                continue;
            };
            for &i in index.entries.get(s as usize..e as usize).unwrap_or(&[]) {
                let Some(pt) = index.points.get(i as usize) else {
                    continue;
                };
                // Only what is drawn can be hovered.
                if !frame.view.contains(f64::from(pt[0]), f64::from(pt[1])) {
                    continue;
                }
                let (qx, qy) = frame.to_pixel(f64::from(pt[0]), f64::from(pt[1]));
                let d2 = (qx - px).powi(2) + (qy - py).powi(2);
                let better = match best {
                    None => true,
                    Some((bd, bi)) => d2 < bd || (d2 == bd && (i as usize) < bi),
                };
                if d2 <= max2 && better {
                    best = Some((d2, i as usize));
                }
            }
        }
    }
    best.map(|(_, i)| i)
}
