//! Drawing a heatmap: the cells (runs of one colour merged), group labels on
//! the left, column labels below, the colour bar on the right.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::errors::ChartError;
use super::super::frame::PxRect;
use super::super::paint::{FONT_CSS_PX, Painter, fmt_tick, solid, stroke, text_width_estimate};
use super::super::palette;
use super::HeatmapOptions;
use super::geometry::{HeatmapGeometry, HeatmapGroup, HeatmapRow};
use super::rows::{RowGroup, colour_range, lay_out_rows, row_values};

/// What both heatmaps have in common: `value(item, col)` gives a cell's value.
pub(super) struct GridIn<'a> {
    pub n_cols: usize,
    pub order: Vec<usize>,
    pub groups: Vec<RowGroup>,
    pub separators: bool,
    pub value: &'a dyn Fn(usize, usize) -> f32,
    /// Every value, for the automatic colour range.
    pub all_values: &'a [f32],
}

/// Nice column-label step so labels are at least `min_px` apart.
fn label_step(col_w: f64, min_px: f64) -> usize {
    const STEPS: [usize; 12] = [1, 2, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100];
    STEPS.iter().copied().find(|&s| col_w * s as f64 >= min_px).unwrap_or(128)
}

pub(super) fn draw_grid<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    opts: &HeatmapOptions,
    input: GridIn,
) -> Result<HeatmapGeometry, ChartError> {
    let GridIn { n_cols, order, groups, separators, value, all_values } = input;
    if n_cols == 0 {
        return Err(ChartError::InvalidInput("a heatmap needs at least one neuron".into()));
    }
    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();
    let font = p.font_px(FONT_CSS_PX);
    let label_w = groups.iter().map(|g| text_width_estimate(&g.label, font)).max().unwrap_or(0) + p.px(10.0);
    let bar_w = p.px(12.0);
    let right_w = bar_w + p.px(8.0) + text_width_estimate("-0.000", font) + p.px(6.0);
    let bottom_h = p.px(if opts.x_desc.is_empty() { 24.0 } else { 40.0 });
    let grid = PxRect::new(full.x0 + label_w, full.y0 + p.px(8.0), full.x1 - right_w, full.y1 - bottom_h);
    let non_empty: Vec<&RowGroup> = groups.iter().filter(|g| !g.items.is_empty()).collect();
    let sep = if separators { p.px(2.0) } else { 0 };
    let usable_h = grid.height() - sep * (non_empty.len() as i32 - 1).max(0);
    if grid.width() < 1 || usable_h < non_empty.len() as i32 {
        return Err(ChartError::AreaTooSmall { width: full.width() as u32, height: full.height() as u32 });
    }
    let (lo, hi) = colour_range(all_values, opts.value_range);

    let col_edges: Vec<i32> =
        (0..=n_cols).map(|j| grid.x0 + (f64::from(grid.width()) * j as f64 / n_cols as f64).round() as i32).collect();
    let (rows, out_groups) = lay_out_rows(&non_empty, grid.y0, usable_h, sep, p.px(1.0));
    let values = row_values(&rows, &order, n_cols, value);

    let cell_rects = draw_cells(&p, &rows, &values, &col_edges, grid, n_cols, (lo, hi))?;
    draw_group_labels(&p, &out_groups, &non_empty, grid, sep, font)?;
    draw_column_labels(&p, &col_edges, grid, n_cols, font, opts.x_desc, full.y1)?;
    draw_colour_bar(&p, grid, bar_w, (lo, hi), font)?;

    Ok(HeatmapGeometry { grid, col_edges, rows, groups: out_groups, order, values, cell_rects, value_range: (lo, hi) })
}

/// The cells, merging horizontal runs of the same quantised colour; returns
/// how many rectangles were filled.
fn draw_cells<DB: DrawingBackend>(
    p: &Painter<DB>,
    rows: &[HeatmapRow],
    values: &[f32],
    col_edges: &[i32],
    grid: PxRect,
    n_cols: usize,
    (lo, hi): (f32, f32),
) -> Result<usize, ChartError> {
    let span = f64::from(hi - lo);
    let step_of = |v: f32| -> Option<usize> {
        v.is_finite().then(|| palette::sequential_step((f64::from(v) - f64::from(lo)) / span))
    };
    let mut cell_rects = 0usize;
    for (r, row_vals) in rows.iter().zip(values.chunks(n_cols)) {
        let mut c = 0usize;
        while c < n_cols {
            let s = row_vals.get(c).copied().and_then(step_of);
            let mut e = c + 1;
            while e < n_cols && row_vals.get(e).copied().and_then(step_of) == s {
                e += 1;
            }
            let color = match s {
                Some(step) => palette::sequential_quantised(step),
                None => palette::NEUTRAL,
            };
            let (x0, x1) = (col_edges.get(c).copied().unwrap_or(grid.x0), col_edges.get(e).copied().unwrap_or(grid.x1));
            p.fill_rect(PxRect::new(x0, r.y0, x1, r.y1), solid(color))?;
            cell_rects += 1;
            c = e;
        }
    }
    Ok(cell_rects)
}

/// Group labels on the left, where there is room.
fn draw_group_labels<DB: DrawingBackend>(
    p: &Painter<DB>,
    groups: &[HeatmapGroup],
    inputs: &[&RowGroup],
    grid: PxRect,
    sep: i32,
    font: f64,
) -> Result<(), ChartError> {
    for (g, gin) in groups.iter().zip(inputs) {
        if f64::from(g.y1 - g.y0) + f64::from(sep) >= font * 0.9 {
            p.text(
                &gin.label,
                (grid.x0 - p.px(5.0), (g.y0 + g.y1) / 2),
                font,
                palette::INK,
                (HPos::Right, VPos::Center),
            )?;
        }
    }
    Ok(())
}

/// Column ticks and numbers (every `label_step` columns) and the axis caption.
fn draw_column_labels<DB: DrawingBackend>(
    p: &Painter<DB>,
    col_edges: &[i32],
    grid: PxRect,
    n_cols: usize,
    font: f64,
    x_desc: &str,
    bottom: i32,
) -> Result<(), ChartError> {
    let col_w = f64::from(grid.width()) / n_cols as f64;
    let step = label_step(col_w, 4.0 * font);
    for c in (0..n_cols).step_by(step) {
        let (Some(&a), Some(&b)) = (col_edges.get(c), col_edges.get(c + 1)) else {
            continue;
        };
        p.path(vec![((a + b) / 2, grid.y1), ((a + b) / 2, grid.y1 + p.px(3.0))], stroke(palette::INK, p.px(1.0)))?;
        p.text(&c.to_string(), ((a + b) / 2, grid.y1 + p.px(4.0)), font, palette::INK, (HPos::Center, VPos::Top))?;
    }
    p.text(x_desc, ((grid.x0 + grid.x1) / 2, bottom - p.px(4.0)), font, palette::INK, (HPos::Center, VPos::Bottom))
}

/// The colour bar right of the grid, with the range's ends.
fn draw_colour_bar<DB: DrawingBackend>(
    p: &Painter<DB>,
    grid: PxRect,
    bar_w: i32,
    (lo, hi): (f32, f32),
    font: f64,
) -> Result<(), ChartError> {
    let bar = PxRect::new(grid.x1 + p.px(8.0), grid.y0, grid.x1 + p.px(8.0) + bar_w, grid.y1);
    p.fill_sequential_bar(bar)?;
    for (v, y, anchor) in [(hi, bar.y0, VPos::Top), (lo, bar.y1, VPos::Bottom)] {
        p.text(&fmt_tick(f64::from(v)), (bar.x1 + p.px(4.0), y), font, palette::INK, (HPos::Left, anchor))?;
    }
    Ok(())
}
