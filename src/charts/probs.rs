//! Class probability bars for the drawing panel: one horizontal bar per class,
//! in the class colour, with the percentage written next to it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::errors::ChartError;
use super::frame::PxRect;
use super::paint::{FONT_CSS_PX, Painter, solid, text_width_estimate};
use super::palette;

#[derive(Debug, Clone, Copy)]
pub struct ProbabilityBars<'a> {
    /// Probability per class (0..=1; non-finite values draw as 0).
    pub probs: &'a [f32],
    pub labels: &'a [String],
    /// The predicted class: its bar gets an outline and bold text.
    pub predicted: Option<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BarsGeometry {
    /// One row rectangle (label + bar) per class.
    pub rows: Vec<PxRect>,
    /// The filled part of each bar.
    pub bars: Vec<PxRect>,
}

impl BarsGeometry {
    /// Class of the row under a pixel.
    pub fn hit(&self, px: f64, py: f64) -> Option<usize> {
        self.rows.iter().position(|r| r.contains(px, py))
    }
}

pub fn draw_probabilities<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ProbabilityBars,
    scale: f64,
) -> Result<BarsGeometry, ChartError> {
    if data.probs.len() != data.labels.len() {
        return Err(ChartError::LengthMismatch {
            what: "probabilities",
            expected: data.labels.len(),
            got: data.probs.len(),
        });
    }
    let p = Painter::new(area, scale);
    p.clear()?;
    let full = p.rect();
    let n = data.labels.len();
    if n == 0 {
        return Ok(BarsGeometry { rows: Vec::new(), bars: Vec::new() });
    }
    let font = p.font_px(FONT_CSS_PX);
    let label_w = data.labels.iter().map(|l| text_width_estimate(l, font)).max().unwrap_or(0) + p.px(8.0);
    let value_w = text_width_estimate("100%", font) + p.px(8.0);
    let bar_x0 = full.x0 + label_w;
    let bar_x1 = full.x1 - value_w;
    let row_h = full.height() / n as i32;
    if bar_x1 - bar_x0 < p.px(10.0) || row_h < 2 {
        return Err(ChartError::AreaTooSmall { width: full.width() as u32, height: full.height() as u32 });
    }
    let bar_font = font.min(f64::from(row_h) * 0.8);
    let mut rows = Vec::with_capacity(n);
    let mut bars = Vec::with_capacity(n);
    for (i, (label, &prob)) in data.labels.iter().zip(data.probs).enumerate() {
        let prob = if prob.is_finite() { f64::from(prob).clamp(0.0, 1.0) } else { 0.0 };
        let y0 = full.y0 + row_h * i as i32;
        let row = PxRect::new(full.x0, y0, full.x1, y0 + row_h);
        let inset = (row_h / 6).max(1);
        let track = PxRect::new(bar_x0, y0 + inset, bar_x1, y0 + row_h - inset);
        let bar = PxRect::new(bar_x0, track.y0, bar_x0 + (f64::from(track.width()) * prob).round() as i32, track.y1);
        p.fill_rect(track, solid(palette::GRID))?;
        p.fill_rect(bar, solid(palette::categorical(i)))?;
        let is_pred = data.predicted == Some(i);
        if is_pred {
            p.stroke_rect(track, palette::INK, p.px(1.5))?;
        }
        let mid = (y0 + y0 + row_h) / 2;
        p.text(label, (bar_x0 - p.px(5.0), mid), bar_font, palette::INK, (HPos::Right, VPos::Center))?;
        p.text(
            &format!("{:.0}%", prob * 100.0),
            (bar_x1 + p.px(5.0), mid),
            bar_font,
            if is_pred { palette::INK } else { palette::MUTED_INK },
            (HPos::Left, VPos::Center),
        )?;
        rows.push(row);
        bars.push(bar);
    }
    Ok(BarsGeometry { rows, bars })
}
