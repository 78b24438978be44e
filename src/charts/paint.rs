//! Shared drawing helpers: a thin painter in absolute backend pixels, text,
//! legends and plotters-drawn axes.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::errors::ChartError;
use super::frame::{PlotFrame, PxRect, ViewRect};
use super::palette;

/// Base font size in CSS pixels; multiplied by the chart's `scale`.
pub(crate) const FONT_CSS_PX: f64 = 12.0;

/// A usable device-pixel ratio (non-finite or silly values fall back to 1).
pub(crate) fn sanitize_scale(scale: f64) -> f64 {
    if scale.is_finite() && scale > 0.0 { scale.clamp(0.25, 8.0) } else { 1.0 }
}

/// CSS pixels -> backend pixels, at least 1.
pub(crate) fn px(scale: f64, css: f64) -> i32 {
    (css * scale).round().max(1.0) as i32
}

/// Rough text width for layout. Real metrics are not available everywhere
/// (SVG has none, the web font path needs the DOM), so reserve generously.
pub(crate) fn text_width_estimate(text: &str, font_px: f64) -> i32 {
    (text.chars().count() as f64 * font_px * 0.6).ceil() as i32
}

/// A text style of `size_px` backend pixels, anchored at (`h`, `v`).
pub(crate) fn text_style(size_px: f64, color: RGBColor, h: HPos, v: VPos) -> TextStyle<'static> {
    TextStyle { font: ("sans-serif", size_px).into_font(), color: color.to_backend_color(), pos: Pos::new(h, v) }
}

/// Tick label text: at most 3 decimals, no trailing zeros, no "-0".
pub(crate) fn fmt_tick(v: f64) -> String {
    if !v.is_finite() {
        return String::new();
    }
    let s = if v.abs() >= 1000.0 {
        format!("{v:.0}")
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    if s == "-0" { "0".to_string() } else { s }
}

/// Draws in absolute backend pixels on (a clone of) a drawing area, so every
/// geometry we return is in the same coordinates the UI sees.
pub(crate) struct Painter<DB: DrawingBackend> {
    area: DrawingArea<DB, Shift>,
    pub(crate) scale: f64,
}

impl<DB: DrawingBackend> Painter<DB> {
    /// A colour scale of the sequential map in `bar`, low at the bottom.
    pub(crate) fn fill_sequential_bar(&self, bar: PxRect) -> Result<(), ChartError> {
        let steps = bar.height().clamp(1, 64);
        for i in 0..steps {
            let a = bar.y1 - (f64::from(bar.height()) * f64::from(i) / f64::from(steps)).round() as i32;
            let b = bar.y1 - (f64::from(bar.height()) * f64::from(i + 1) / f64::from(steps)).round() as i32;
            let t = (f64::from(i) + 0.5) / f64::from(steps);
            self.fill_rect(PxRect::new(bar.x0, b, bar.x1, a), solid(palette::sequential(t)))?;
        }
        Ok(())
    }

    pub(crate) fn new(area: &DrawingArea<DB, Shift>, scale: f64) -> Self {
        Painter { area: area.use_screen_coord(), scale: sanitize_scale(scale) }
    }

    /// The area's rectangle in backend pixels.
    pub(crate) fn rect(&self) -> PxRect {
        let (xr, yr) = self.area.get_pixel_range();
        PxRect::new(xr.start, yr.start, xr.end, yr.end)
    }

    pub(crate) fn px(&self, css: f64) -> i32 {
        px(self.scale, css)
    }

    pub(crate) fn font_px(&self, css: f64) -> f64 {
        css * self.scale
    }

    pub(crate) fn clear(&self) -> Result<(), ChartError> {
        self.area.fill(&palette::BACKGROUND).map_err(ChartError::backend)
    }

    /// Filled rectangle covering pixels `x0..x1` × `y0..y1`.
    pub(crate) fn fill_rect(&self, r: PxRect, style: ShapeStyle) -> Result<(), ChartError> {
        if r.x1 <= r.x0 || r.y1 <= r.y0 {
            return Ok(());
        }
        self.area.draw(&Rectangle::new([(r.x0, r.y0), (r.x1, r.y1)], style)).map_err(ChartError::backend)
    }

    pub(crate) fn stroke_rect(&self, r: PxRect, color: RGBColor, width: i32) -> Result<(), ChartError> {
        self.area
            .draw(&Rectangle::new(
                [(r.x0, r.y0), (r.x1, r.y1)],
                ShapeStyle::from(&color).stroke_width(width.max(1) as u32),
            ))
            .map_err(ChartError::backend)
    }

    pub(crate) fn path(&self, pts: Vec<(i32, i32)>, style: ShapeStyle) -> Result<(), ChartError> {
        if pts.len() < 2 {
            return Ok(());
        }
        self.area.draw(&PathElement::new(pts, style)).map_err(ChartError::backend)
    }

    pub(crate) fn polygon(&self, pts: Vec<(i32, i32)>, color: RGBAColor) -> Result<(), ChartError> {
        if pts.len() < 3 {
            return Ok(());
        }
        self.area.draw(&Polygon::new(pts, color.filled())).map_err(ChartError::backend)
    }

    pub(crate) fn circle(&self, c: (i32, i32), r: i32, style: ShapeStyle) -> Result<(), ChartError> {
        self.area.draw(&Circle::new(c, r.max(1), style)).map_err(ChartError::backend)
    }

    pub(crate) fn text(
        &self,
        s: &str,
        at: (i32, i32),
        size_px: f64,
        color: RGBColor,
        anchor: (HPos, VPos),
    ) -> Result<(), ChartError> {
        if s.is_empty() {
            return Ok(());
        }
        let style = text_style(size_px, color, anchor.0, anchor.1);
        self.area.draw(&Text::new(s.to_string(), at, style)).map_err(ChartError::backend)
    }

    /// A sub-area in absolute pixels (for plotters' chart builder).
    pub(crate) fn sub_area(&self, r: PxRect) -> DrawingArea<DB, Shift> {
        let base = self.rect();
        self.area.clone().shrink((r.x0 - base.x0, r.y0 - base.y0), (r.width().max(0) as u32, r.height().max(0) as u32))
    }
}

pub(crate) fn solid(color: RGBColor) -> ShapeStyle {
    ShapeStyle::from(&color).filled()
}

pub(crate) fn stroke(color: RGBColor, width: i32) -> ShapeStyle {
    ShapeStyle::from(&color).stroke_width(width.max(1) as u32)
}

/// A clickable legend entry: which series/category and where its row is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegendEntry {
    pub index: usize,
    pub rect: PxRect,
}

/// Width a vertical legend needs.
pub(crate) fn legend_width(labels: &[&str], scale: f64) -> i32 {
    let font = FONT_CSS_PX * scale;
    let longest = labels.iter().map(|l| text_width_estimate(l, font)).max().unwrap_or(0);
    longest + px(scale, 12.0 + 6.0 + 12.0)
}

/// A vertical legend (swatch + label per row) starting at (`x`, `y`).
pub(crate) fn draw_legend<DB: DrawingBackend>(
    p: &Painter<DB>,
    x: i32,
    y: i32,
    width: i32,
    entries: &[(&str, RGBColor)],
) -> Result<Vec<LegendEntry>, ChartError> {
    let row_h = p.px(18.0);
    let sw = p.px(10.0);
    let font = p.font_px(FONT_CSS_PX);
    let mut out = Vec::with_capacity(entries.len());
    for (i, (label, color)) in entries.iter().enumerate() {
        let top = y + row_h * i as i32;
        let mid = top + row_h / 2;
        p.fill_rect(PxRect::new(x + p.px(4.0), mid - sw / 2, x + p.px(4.0) + sw, mid - sw / 2 + sw), solid(*color))?;
        p.text(label, (x + p.px(4.0) + sw + p.px(6.0), mid), font, palette::INK, (HPos::Left, VPos::Center))?;
        out.push(LegendEntry { index: i, rect: PxRect::new(x, top, x + width, top + row_h) });
    }
    Ok(out)
}

/// A legend of `labels` in the categorical palette's order (label i in colour
/// i), nothing for no labels.
pub(crate) fn draw_categorical_legend<DB: DrawingBackend>(
    p: &Painter<DB>,
    x: i32,
    y: i32,
    width: i32,
    labels: &[&str],
) -> Result<Vec<LegendEntry>, ChartError> {
    let entries: Vec<(&str, RGBColor)> =
        labels.iter().enumerate().map(|(i, l)| (*l, palette::categorical(i))).collect();
    draw_legend(p, x, y, width, &entries)
}

/// What [`draw_axes`] draws.
pub(crate) struct AxesSpec<'a> {
    pub view: ViewRect,
    pub x_desc: &'a str,
    pub y_desc: &'a str,
    pub x_labels: usize,
    pub y_labels: usize,
    pub x_fmt: &'a dyn Fn(&f64) -> String,
    pub y_fmt: &'a dyn Fn(&f64) -> String,
}

/// Axes, ticks, labels and a light grid with plotters' mesh; returns where the
/// data plane ended up.
pub(crate) fn draw_axes<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    spec: &AxesSpec,
    scale: f64,
) -> Result<PlotFrame, ChartError> {
    let scale = sanitize_scale(scale);
    let font = FONT_CSS_PX * scale;
    let view = spec.view.sanitized();
    let (w, h) = area.dim_in_pixel();
    let x_area = px(scale, if spec.x_desc.is_empty() { 24.0 } else { 40.0 });
    let y_area = px(scale, if spec.y_desc.is_empty() { 44.0 } else { 60.0 });
    if i64::from(w) <= i64::from(y_area) + i64::from(px(scale, 20.0))
        || i64::from(h) <= i64::from(x_area) + i64::from(px(scale, 20.0))
    {
        return Err(ChartError::AreaTooSmall { width: w, height: h });
    }
    let mut chart = ChartBuilder::on(area)
        .margin(px(scale, 8.0))
        .x_label_area_size(x_area)
        .y_label_area_size(y_area)
        .build_cartesian_2d(view.x_min..view.x_max, view.y_min..view.y_max)
        .map_err(ChartError::backend)?;
    let label_style = text_style(font, palette::INK, HPos::Center, VPos::Center);
    let desc_style = text_style(font, palette::INK, HPos::Center, VPos::Center);
    chart
        .configure_mesh()
        .x_labels(spec.x_labels)
        .y_labels(spec.y_labels)
        .x_label_formatter(spec.x_fmt)
        .y_label_formatter(spec.y_fmt)
        .label_style(label_style)
        .axis_desc_style(desc_style)
        .x_desc(spec.x_desc)
        .y_desc(spec.y_desc)
        .bold_line_style(ShapeStyle::from(&palette::GRID).stroke_width(1))
        // Light (minor) grid lines would only add primitives and noise.
        .max_light_lines(0)
        .axis_style(ShapeStyle::from(&palette::INK).stroke_width(px(scale, 1.0) as u32))
        .set_all_tick_mark_size(px(scale, 4.0))
        .draw()
        .map_err(ChartError::backend)?;
    let (xr, yr) = chart.plotting_area().get_pixel_range();
    Ok(PlotFrame { plot: PxRect::new(xr.start, yr.start, xr.end, yr.end), view })
}
