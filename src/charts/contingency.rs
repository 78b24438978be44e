//! Contingency table cluster × class: cells shaded (light sequential shade), the
//! count written in each cell, row and column totals at the margins.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::errors::ChartError;
use super::frame::{PxRect, even_edges, part_at};
use super::paint::{FONT_CSS_PX, Painter, solid, stroke, text_width_estimate};
use super::palette;

#[derive(Debug, Clone, Copy)]
pub struct ContingencyData<'a> {
    /// Row-major `row_labels.len() × col_labels.len()` counts
    /// (rows = clusters, columns = classes).
    pub counts: &'a [usize],
    pub row_labels: &'a [String],
    pub col_labels: &'a [String],
}

/// What a cell's shade encodes (the number shown is always the count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContingencyShade {
    /// Count relative to the largest cell.
    Count,
    /// Share of its row (cluster purity).
    RowShare,
    /// Share of its column (where a class went).
    ColumnShare,
}

#[derive(Debug, Clone, Copy)]
pub struct ContingencyOptions {
    pub scale: f64,
    pub shade: ContingencyShade,
}

impl Default for ContingencyOptions {
    fn default() -> Self {
        ContingencyOptions { scale: 1.0, shade: ContingencyShade::RowShare }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContingencyGeometry {
    /// The cell grid (totals excluded).
    pub grid: PxRect,
    /// `n_cols + 1` boundaries.
    pub col_edges: Vec<i32>,
    /// `n_rows + 1` boundaries.
    pub row_edges: Vec<i32>,
}

impl ContingencyGeometry {
    /// (row, column) of the cell under a pixel.
    pub fn hit(&self, px: f64, py: f64) -> Option<(usize, usize)> {
        if !self.grid.contains(px, py) {
            return None;
        }
        Some((part_at(&self.row_edges, py)?, part_at(&self.col_edges, px)?))
    }
}

pub fn draw_contingency<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ContingencyData,
    opts: &ContingencyOptions,
) -> Result<ContingencyGeometry, ChartError> {
    let (nr, nc) = (data.row_labels.len(), data.col_labels.len());
    if data.counts.len() != nr * nc {
        return Err(ChartError::LengthMismatch {
            what: "contingency counts (rows × columns)",
            expected: nr * nc,
            got: data.counts.len(),
        });
    }
    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();
    let font = p.font_px(FONT_CSS_PX);
    let label_w = data
        .row_labels
        .iter()
        .chain(std::iter::once(&"total".to_string()))
        .map(|l| text_width_estimate(l, font))
        .max()
        .unwrap_or(0)
        + p.px(10.0);
    let header_h = (font * 2.0).round() as i32;
    // One extra column and row for the totals.
    let grid_all = PxRect::new(full.x0 + label_w, full.y0 + header_h, full.x1 - p.px(4.0), full.y1 - p.px(4.0));
    if nr == 0 || nc == 0 || grid_all.width() < (nc as i32 + 1) * 4 || grid_all.height() < (nr as i32 + 1) * 4 {
        return Err(ChartError::AreaTooSmall { width: full.width() as u32, height: full.height() as u32 });
    }
    let col_all = even_edges(grid_all.x0, grid_all.width(), nc + 1);
    let row_all = even_edges(grid_all.y0, grid_all.height(), nr + 1);
    let col_edges: Vec<i32> = col_all.iter().take(nc + 1).copied().collect();
    let row_edges: Vec<i32> = row_all.iter().take(nr + 1).copied().collect();
    let grid = PxRect::new(
        grid_all.x0,
        grid_all.y0,
        col_edges.last().copied().unwrap_or(grid_all.x0),
        row_edges.last().copied().unwrap_or(grid_all.y0),
    );

    let cell = |r: usize, c: usize| data.counts.get(r * nc + c).copied().unwrap_or(0);
    let row_tot: Vec<usize> = (0..nr).map(|r| (0..nc).map(|c| cell(r, c)).sum()).collect();
    let col_tot: Vec<usize> = (0..nc).map(|c| (0..nr).map(|r| cell(r, c)).sum()).collect();
    let max = data.counts.iter().copied().max().unwrap_or(0).max(1);
    let cell_font = font.min(f64::from((grid.height() / nr as i32).max(1)) * 0.7);

    for r in 0..nr {
        for c in 0..nc {
            let (Some(&x0), Some(&x1), Some(&y0), Some(&y1)) =
                (col_edges.get(c), col_edges.get(c + 1), row_edges.get(r), row_edges.get(r + 1))
            else {
                continue;
            };
            let n = cell(r, c);
            let denom = match opts.shade {
                ContingencyShade::Count => max,
                ContingencyShade::RowShare => row_tot.get(r).copied().unwrap_or(1).max(1),
                ContingencyShade::ColumnShare => col_tot.get(c).copied().unwrap_or(1).max(1),
            };
            let bg = if n == 0 { palette::BACKGROUND } else { palette::shade(n as f64 / denom as f64) };
            p.fill_rect(PxRect::new(x0, y0, x1, y1), solid(bg))?;
            let ink = if n == 0 { palette::MUTED_INK } else { palette::text_on(bg) };
            p.text(&n.to_string(), ((x0 + x1) / 2, (y0 + y1) / 2), cell_font, ink, (HPos::Center, VPos::Center))?;
        }
    }
    // Thin grid lines so white zero cells still read as cells.
    let line = stroke(palette::GRID, 1);
    for &x in &col_edges {
        p.path(vec![(x, grid.y0), (x, grid.y1)], line)?;
    }
    for &y in &row_edges {
        p.path(vec![(grid.x0, y), (grid.x1, y)], line)?;
    }

    // Labels and totals.
    for (r, label) in data.row_labels.iter().enumerate() {
        let (Some(&y0), Some(&y1)) = (row_all.get(r), row_all.get(r + 1)) else {
            continue;
        };
        let mid = (y0 + y1) / 2;
        p.text(label, (grid.x0 - p.px(5.0), mid), font, palette::INK, (HPos::Right, VPos::Center))?;
        if let (Some(&a), Some(&b)) = (col_all.get(nc), col_all.get(nc + 1)) {
            let t = row_tot.get(r).copied().unwrap_or(0);
            p.text(&t.to_string(), ((a + b) / 2, mid), cell_font, palette::INK, (HPos::Center, VPos::Center))?;
        }
    }
    for (c, label) in data.col_labels.iter().enumerate() {
        let (Some(&x0), Some(&x1)) = (col_all.get(c), col_all.get(c + 1)) else {
            continue;
        };
        let mid = (x0 + x1) / 2;
        p.text(label, (mid, grid.y0 - p.px(4.0)), font, palette::INK, (HPos::Center, VPos::Bottom))?;
        if let (Some(&a), Some(&b)) = (row_all.get(nr), row_all.get(nr + 1)) {
            let t = col_tot.get(c).copied().unwrap_or(0);
            p.text(&t.to_string(), (mid, (a + b) / 2), cell_font, palette::INK, (HPos::Center, VPos::Center))?;
        }
    }
    if let (Some(&a), Some(&b)) = (col_all.get(nc), col_all.get(nc + 1)) {
        p.text("total", ((a + b) / 2, grid.y0 - p.px(4.0)), font, palette::INK, (HPos::Center, VPos::Bottom))?;
    }
    if let (Some(&a), Some(&b)) = (row_all.get(nr), row_all.get(nr + 1)) {
        p.text("total", (grid.x0 - p.px(5.0), (a + b) / 2), font, palette::INK, (HPos::Right, VPos::Center))?;
        if let (Some(&x0), Some(&x1)) = (col_all.get(nc), col_all.get(nc + 1)) {
            let all: usize = row_tot.iter().sum();
            p.text(
                &all.to_string(),
                ((x0 + x1) / 2, (a + b) / 2),
                cell_font,
                palette::INK,
                (HPos::Center, VPos::Center),
            )?;
        }
    }
    Ok(ContingencyGeometry { grid, col_edges, row_edges })
}
