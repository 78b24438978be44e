//! Signature strip: a layer's activation vector as one row of coloured cells
//! (one per neuron) on the sequential map.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::errors::ChartError;
use super::frame::PxRect;
use super::paint::{FONT_CSS_PX, Painter, fmt_tick, solid, text_width_estimate};
use super::palette;

#[derive(Debug, Clone, Copy)]
pub struct SignatureStrip<'a> {
    pub values: &'a [f32],
    /// Colour range; `None` = the vector's own min..max. Pass the layer's
    /// data-set range to make strips of different images comparable.
    pub value_range: Option<(f32, f32)>,
    /// Written at the left, e.g. "H1".
    pub label: &'a str,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StripGeometry {
    pub cells: PxRect,
    /// `values.len() + 1` boundaries.
    pub col_edges: Vec<i32>,
    pub value_range: (f32, f32),
}

impl StripGeometry {
    /// Neuron under a pixel.
    pub fn hit(&self, px: f64, py: f64) -> Option<usize> {
        if !self.cells.contains(px, py) {
            return None;
        }
        let c = self.col_edges.partition_point(|&e| f64::from(e) <= px).checked_sub(1)?;
        (c + 1 < self.col_edges.len()).then_some(c)
    }
}

pub fn draw_signature_strip<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    strip: &SignatureStrip,
    scale: f64,
) -> Result<StripGeometry, ChartError> {
    let p = Painter::new(area, scale);
    p.clear()?;
    let full = p.rect();
    let font = p.font_px(FONT_CSS_PX);
    let label_w = if strip.label.is_empty() { 0 } else { text_width_estimate(strip.label, font) + p.px(8.0) };
    let range_w = text_width_estimate("0.00–0.00", font) + p.px(8.0);
    let cells = PxRect::new(full.x0 + label_w, full.y0 + p.px(2.0), full.x1 - range_w, full.y1 - p.px(2.0));
    let n = strip.values.len();
    if cells.width() < 1 || cells.height() < 1 {
        return Err(ChartError::AreaTooSmall { width: full.width() as u32, height: full.height() as u32 });
    }
    let (lo, hi) = match strip.value_range {
        Some((a, b)) if a.is_finite() && b.is_finite() => (a.min(b), a.max(b)),
        _ => {
            let mut it = strip.values.iter().copied().filter(|v| v.is_finite());
            match it.next() {
                Some(f) => it.fold((f, f), |(l, h), v| (l.min(v), h.max(v))),
                None => (0.0, 1.0),
            }
        }
    };
    let hi = if hi > lo { hi } else { lo + 1.0 };
    let col_edges: Vec<i32> =
        (0..=n).map(|j| cells.x0 + (f64::from(cells.width()) * j as f64 / n.max(1) as f64).round() as i32).collect();
    for (j, &v) in strip.values.iter().enumerate() {
        let (Some(&x0), Some(&x1)) = (col_edges.get(j), col_edges.get(j + 1)) else {
            continue;
        };
        let color =
            if v.is_finite() { palette::sequential(f64::from(v - lo) / f64::from(hi - lo)) } else { palette::NEUTRAL };
        p.fill_rect(PxRect::new(x0, cells.y0, x1, cells.y1), solid(color))?;
    }
    let mid = (cells.y0 + cells.y1) / 2;
    p.text(strip.label, (full.x0, mid), font, palette::INK, (HPos::Left, VPos::Center))?;
    p.text(
        &format!("{}–{}", fmt_tick(f64::from(lo)), fmt_tick(f64::from(hi))),
        (cells.x1 + p.px(6.0), mid),
        font,
        palette::MUTED_INK,
        (HPos::Left, VPos::Center),
    )?;
    Ok(StripGeometry { cells, col_edges, value_range: (lo, hi) })
}
