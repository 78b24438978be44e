//! CKA between layers: a layer × layer grid, each cell coloured by its value
//! on the sequential map (fixed 0..1, so two runs' matrices compare at a
//! glance) with the value written in it, layer names at the left and top, and
//! the colour scale at the right. Undefined cells (a layer with no variance)
//! stay blank with a dash.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::errors::ChartError;
use super::frame::{PxRect, even_edges, part_at};
use super::paint::{FONT_CSS_PX, Painter, solid, stroke, text_width_estimate};
use super::palette;

/// What an undefined cell shows.
pub const UNDEFINED_TEXT: &str = "–";

#[derive(Debug, Clone, Copy)]
pub struct CkaData<'a> {
    /// Row-major `row_labels.len() × col_labels.len()` values; `None` (or a
    /// non-finite value) is undefined.
    pub values: &'a [Option<f64>],
    /// Layer names of the rows (this run).
    pub row_labels: &'a [String],
    /// Layer names of the columns (the same layers, or another run's).
    pub col_labels: &'a [String],
}

#[derive(Debug, Clone, Copy)]
pub struct CkaOptions {
    pub scale: f64,
}

impl Default for CkaOptions {
    fn default() -> Self {
        CkaOptions { scale: 1.0 }
    }
}

/// The cell under a pixel: which layers, and the value shown.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CkaHit {
    pub row: usize,
    pub col: usize,
    pub value: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CkaGeometry {
    /// The cell grid.
    pub grid: PxRect,
    /// `n_cols + 1` boundaries.
    pub col_edges: Vec<i32>,
    /// `n_rows + 1` boundaries.
    pub row_edges: Vec<i32>,
    /// The colour scale.
    pub bar: PxRect,
    /// The values as drawn (row-major; non-finite ones as `None`).
    pub values: Vec<Option<f64>>,
}

impl CkaGeometry {
    /// The cell under pixel (`px`, `py`), if any.
    pub fn hit(&self, px: f64, py: f64) -> Option<CkaHit> {
        if !self.grid.contains(px, py) {
            return None;
        }
        let col = part_at(&self.col_edges, px)?;
        let row = part_at(&self.row_edges, py)?;
        let n_cols = self.col_edges.len() - 1;
        Some(CkaHit { row, col, value: *self.values.get(row * n_cols + col)? })
    }
}

/// Cell text: two decimals, or a dash when undefined.
pub fn cka_cell_text(value: Option<f64>) -> String {
    value.filter(|v| v.is_finite()).map_or_else(|| UNDEFINED_TEXT.to_string(), |v| format!("{v:.2}"))
}

pub fn draw_cka<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &CkaData,
    opts: &CkaOptions,
) -> Result<CkaGeometry, ChartError> {
    let (nr, nc) = (data.row_labels.len(), data.col_labels.len());
    if data.values.len() != nr * nc {
        return Err(ChartError::LengthMismatch {
            what: "CKA values (rows × columns)",
            expected: nr * nc,
            got: data.values.len(),
        });
    }
    if nr == 0 || nc == 0 {
        return Err(ChartError::InvalidInput("a CKA matrix needs at least one layer on each side".into()));
    }
    let values: Vec<Option<f64>> = data.values.iter().map(|v| v.filter(|v| v.is_finite())).collect();
    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();
    let font = p.font_px(FONT_CSS_PX);
    let label_w = data.row_labels.iter().map(|l| text_width_estimate(l, font)).max().unwrap_or(0) + p.px(10.0);
    let header_h = (font * 2.0).round() as i32;
    let bar_w = p.px(12.0);
    let right_w = p.px(10.0) + bar_w + p.px(4.0) + text_width_estimate("0.5", font) + p.px(4.0);
    let grid = PxRect::new(full.x0 + label_w, full.y0 + header_h, full.x1 - right_w, full.y1 - p.px(4.0));
    if grid.width() < nc as i32 * 4 || grid.height() < nr as i32 * 4 {
        return Err(ChartError::AreaTooSmall { width: full.width() as u32, height: full.height() as u32 });
    }
    let col_edges = even_edges(grid.x0, grid.width(), nc);
    let row_edges = even_edges(grid.y0, grid.height(), nr);

    // Cells: fill, then the value in ink that reads on the fill.
    let cell_w = f64::from(grid.width()) / nc as f64;
    let cell_h = f64::from(grid.height()) / nr as f64;
    // "0.00" is four characters of about 0.6 em each.
    let cell_font = font.min(cell_h * 0.6).min(cell_w * 0.9 / 2.4);
    for r in 0..nr {
        for c in 0..nc {
            let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) =
                (col_edges.get(c), col_edges.get(c + 1), row_edges.get(r), row_edges.get(r + 1))
            else {
                continue;
            };
            let value = values.get(r * nc + c).copied().flatten();
            let (bg, ink) = match value {
                Some(v) => {
                    let bg = palette::sequential(v);
                    (bg, palette::text_on(bg))
                }
                None => (palette::BACKGROUND, palette::MUTED_INK),
            };
            p.fill_rect(PxRect::new(x0, y0, x1, y1), solid(bg))?;
            if cell_font >= 4.0 {
                let at = ((x0 + x1) / 2, (y0 + y1) / 2);
                p.text(&cka_cell_text(value), at, cell_font, ink, (HPos::Center, VPos::Center))?;
            }
        }
    }
    // Grid lines so blank (undefined) cells still read as cells.
    let line = stroke(palette::GRID, 1);
    for &x in &col_edges {
        p.path(vec![(x, grid.y0), (x, grid.y1)], line)?;
    }
    for &y in &row_edges {
        p.path(vec![(grid.x0, y), (grid.x1, y)], line)?;
    }

    // Layer names.
    for (r, label) in data.row_labels.iter().enumerate() {
        if let (Some(&y0), Some(&y1)) = (row_edges.get(r), row_edges.get(r + 1)) {
            p.text(label, (grid.x0 - p.px(5.0), (y0 + y1) / 2), font, palette::INK, (HPos::Right, VPos::Center))?;
        }
    }
    for (c, label) in data.col_labels.iter().enumerate() {
        if let (Some(&x0), Some(&x1)) = (col_edges.get(c), col_edges.get(c + 1)) {
            p.text(label, ((x0 + x1) / 2, grid.y0 - p.px(4.0)), font, palette::INK, (HPos::Center, VPos::Bottom))?;
        }
    }

    // Colour scale 0..1, bottom to top.
    let bar = PxRect::new(grid.x1 + p.px(10.0), grid.y0, grid.x1 + p.px(10.0) + bar_w, grid.y1);
    p.fill_sequential_bar(bar)?;
    let mid = (bar.y0 + bar.y1) / 2;
    for (text, y, anchor) in [("1", bar.y0, VPos::Top), ("0.5", mid, VPos::Center), ("0", bar.y1, VPos::Bottom)] {
        p.text(text, (bar.x1 + p.px(4.0), y), font, palette::INK, (HPos::Left, anchor))?;
    }

    Ok(CkaGeometry { grid, col_edges, row_edges, bar, values })
}
