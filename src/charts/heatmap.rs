//! Heatmaps of a layer: (a) images as rows grouped by cluster, neurons as
//! columns; (b) class × neuron mean activations. Colour = activation on the
//! sequential map. When there are more images than rows fit (a row is at least
//! one CSS pixel), each row shows the mean of a run of consecutive (sorted)
//! images of one cluster.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::errors::ChartError;
use super::frame::PxRect;
use super::paint::{FONT_CSS_PX, Painter, solid, stroke, text_width_estimate};
use super::palette;

/// Images × neurons, grouped by cluster.
#[derive(Debug, Clone, Copy)]
pub struct ClusterHeatmapData<'a> {
    /// Row-major `n_images × n_neurons` activations of one layer.
    pub activations: &'a [f32],
    pub n_neurons: usize,
    /// Cluster of each image, `< cluster_labels.len()`.
    pub clusters: &'a [usize],
    /// One label per cluster (row-group labels).
    pub cluster_labels: &'a [String],
    /// Order inside a cluster, ascending (e.g. distance to the cluster centre,
    /// or the class as f32). `None` keeps the images' order.
    pub sort_key: Option<&'a [f32]>,
}

/// Classes × neurons mean activations.
#[derive(Debug, Clone, Copy)]
pub struct ClassHeatmapData<'a> {
    /// Row-major `n_classes × n_neurons`.
    pub means: &'a [f32],
    pub n_neurons: usize,
    pub class_labels: &'a [String],
}

#[derive(Debug, Clone, Copy)]
pub struct HeatmapOptions<'a> {
    pub scale: f64,
    /// Colour range; `None` uses the data's min..max.
    pub value_range: Option<(f32, f32)>,
    /// Column axis caption.
    pub x_desc: &'a str,
}

impl Default for HeatmapOptions<'_> {
    fn default() -> Self {
        HeatmapOptions { scale: 1.0, value_range: None, x_desc: "neuron" }
    }
}

/// One drawn row: pixel span and the items (positions in `order`) it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatmapRow {
    pub y0: i32,
    pub y1: i32,
    /// Range into [`HeatmapGeometry::order`].
    pub items: Range<usize>,
    /// Index into [`HeatmapGeometry::groups`].
    pub group: usize,
}

/// A block of rows (a cluster, or a single class).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeatmapGroup {
    /// Cluster / class id.
    pub id: usize,
    pub y0: i32,
    pub y1: i32,
    /// Range into [`HeatmapGeometry::rows`].
    pub rows: Range<usize>,
}

/// What is under a pixel.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapHit {
    pub row: usize,
    pub neuron: usize,
    /// The value shown (mean over `items` when a row stands for several).
    pub value: f32,
    /// Images (cluster map) or the class (class map) behind the row.
    pub items: Vec<usize>,
    /// Cluster / class id of the row.
    pub group_id: usize,
}

/// Geometry of a drawn heatmap, for hover.
#[derive(Debug, Clone, PartialEq)]
pub struct HeatmapGeometry {
    /// The cell grid.
    pub grid: PxRect,
    /// `n_neurons + 1` column boundaries.
    pub col_edges: Vec<i32>,
    pub rows: Vec<HeatmapRow>,
    pub groups: Vec<HeatmapGroup>,
    /// Image (or class) index of each sorted position.
    pub order: Vec<usize>,
    /// Values shown, `rows.len() × n_neurons` row-major.
    pub values: Vec<f32>,
    /// Filled rectangles issued for cells (runs of equal colour are merged).
    pub cell_rects: usize,
    /// Colour range used.
    pub value_range: (f32, f32),
}

impl HeatmapGeometry {
    /// The cell under pixel (`px`, `py`), if any.
    pub fn hit(&self, px: f64, py: f64) -> Option<HeatmapHit> {
        if !self.grid.contains(px, py) {
            return None;
        }
        let col = self.col_edges.partition_point(|&e| f64::from(e) <= px).checked_sub(1)?;
        if col + 1 >= self.col_edges.len() {
            return None;
        }
        let row = self.rows.partition_point(|r| f64::from(r.y1) <= py);
        let r = self.rows.get(row)?;
        if py < f64::from(r.y0) {
            return None; // a separator gap
        }
        let n_cols = self.col_edges.len() - 1;
        Some(HeatmapHit {
            row,
            neuron: col,
            value: *self.values.get(row * n_cols + col)?,
            items: self.order.get(r.items.clone())?.to_vec(),
            group_id: self.groups.get(r.group)?.id,
        })
    }
}

/// Display order of images: by cluster ascending, then by `sort_key`
/// ascending (NaN last), then by index. Pure, for tests and for the UI.
pub fn cluster_row_order(clusters: &[usize], sort_key: Option<&[f32]>) -> Vec<usize> {
    let mut order: Vec<usize> = (0..clusters.len()).collect();
    let key = |i: usize| sort_key.and_then(|k| k.get(i).copied()).unwrap_or(0.0);
    order.sort_by(|&a, &b| {
        let ca = clusters.get(a).copied().unwrap_or(usize::MAX);
        let cb = clusters.get(b).copied().unwrap_or(usize::MAX);
        ca.cmp(&cb)
            .then_with(|| {
                let (ka, kb) = (key(a), key(b));
                match (ka.is_nan(), kb.is_nan()) {
                    (true, true) => std::cmp::Ordering::Equal,
                    (true, false) => std::cmp::Ordering::Greater,
                    (false, true) => std::cmp::Ordering::Less,
                    (false, false) => ka.total_cmp(&kb),
                }
            })
            .then(a.cmp(&b))
    });
    order
}

struct GroupIn {
    id: usize,
    label: String,
    /// Positions in `order`.
    items: Range<usize>,
}

/// Split `total` pixels among groups proportionally to `sizes`, each at least 1
/// (largest remainder). Requires `total >= sizes.len()`.
fn allocate(total: i32, sizes: &[usize]) -> Vec<i32> {
    let n = sizes.len() as i32;
    let sum: usize = sizes.iter().sum();
    if n == 0 || sum == 0 {
        return vec![0; sizes.len()];
    }
    let spare = (total - n).max(0);
    let exact: Vec<f64> = sizes.iter().map(|&s| f64::from(spare) * s as f64 / sum as f64).collect();
    let mut out: Vec<i32> = exact.iter().map(|e| 1 + e.floor() as i32).collect();
    let mut left = total - out.iter().sum::<i32>();
    let mut by_rem: Vec<usize> = (0..sizes.len()).collect();
    by_rem.sort_by(|&a, &b| {
        let ra = exact.get(a).map_or(0.0, |e| e - e.floor());
        let rb = exact.get(b).map_or(0.0, |e| e - e.floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for i in by_rem {
        if left <= 0 {
            break;
        }
        if let Some(o) = out.get_mut(i) {
            *o += 1;
            left -= 1;
        }
    }
    out
}

fn value_range(values: &[f32], fixed: Option<(f32, f32)>) -> (f32, f32) {
    let (lo, hi) = match fixed {
        Some((a, b)) if a.is_finite() && b.is_finite() => (a.min(b), a.max(b)),
        _ => {
            let mut it = values.iter().copied().filter(|v| v.is_finite());
            match it.next() {
                None => (0.0, 1.0),
                Some(first) => it.fold((first, first), |(lo, hi), v| (lo.min(v), hi.max(v))),
            }
        }
    };
    if hi > lo { (lo, hi) } else { (lo, lo + 1.0) }
}

/// Nice column-label step so labels are at least `min_px` apart.
fn label_step(col_w: f64, min_px: f64) -> usize {
    const STEPS: [usize; 12] = [1, 2, 4, 5, 8, 10, 16, 20, 32, 50, 64, 100];
    STEPS.iter().copied().find(|&s| col_w * s as f64 >= min_px).unwrap_or(128)
}

/// What both heatmaps have in common: `value(item, col)` gives a cell's value.
struct GridIn<'a> {
    n_cols: usize,
    order: Vec<usize>,
    groups: Vec<GroupIn>,
    separators: bool,
    value: &'a dyn Fn(usize, usize) -> f32,
    /// Every value, for the automatic colour range.
    all_values: &'a [f32],
}

fn draw_grid<DB: DrawingBackend>(
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
    let non_empty: Vec<&GroupIn> = groups.iter().filter(|g| !g.items.is_empty()).collect();
    let sep = if separators { p.px(2.0) } else { 0 };
    let usable_h = grid.height() - sep * (non_empty.len() as i32 - 1).max(0);
    if grid.width() < 1 || usable_h < non_empty.len() as i32 {
        return Err(ChartError::AreaTooSmall { width: full.width() as u32, height: full.height() as u32 });
    }
    let (lo, hi) = value_range(all_values, opts.value_range);

    // Columns.
    let col_edges: Vec<i32> =
        (0..=n_cols).map(|j| grid.x0 + (f64::from(grid.width()) * j as f64 / n_cols as f64).round() as i32).collect();

    // Rows: pixels per group, then rows per group.
    let heights = allocate(usable_h, &non_empty.iter().map(|g| g.items.len()).collect::<Vec<_>>());
    let mut rows = Vec::new();
    let mut out_groups = Vec::new();
    let min_row_px = p.px(1.0);
    let mut y = grid.y0;
    for (g, &h) in non_empty.iter().zip(&heights) {
        let m = g.items.len();
        let first_row = rows.len();
        // Rows at least one CSS pixel tall: finer rows are invisible at high
        // density but would multiply the canvas calls.
        let max_rows = (h / min_row_px).max(1) as usize;
        let n_rows = m.min(max_rows);
        for j in 0..n_rows {
            let a = y + (f64::from(h) * j as f64 / n_rows as f64).round() as i32;
            let b = y + (f64::from(h) * (j + 1) as f64 / n_rows as f64).round() as i32;
            rows.push(HeatmapRow {
                y0: a,
                y1: b,
                items: g.items.start + j * m / n_rows..g.items.start + (j + 1) * m / n_rows,
                group: out_groups.len(),
            });
        }
        out_groups.push(HeatmapGroup { id: g.id, y0: y, y1: y + h, rows: first_row..rows.len() });
        y += h + sep;
    }

    // Values per display row (means over the row's items).
    let mut values = Vec::with_capacity(rows.len() * n_cols);
    for r in &rows {
        let items = order.get(r.items.clone()).unwrap_or(&[]);
        for c in 0..n_cols {
            let (mut sum, mut n) = (0.0f64, 0usize);
            for &it in items {
                let v = value(it, c);
                if v.is_finite() {
                    sum += f64::from(v);
                    n += 1;
                }
            }
            values.push(if n == 0 { f32::NAN } else { (sum / n as f64) as f32 });
        }
    }

    // Cells: merge horizontal runs of the same quantised colour.
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

    // Group labels on the left, where there is room.
    for (g, gin) in out_groups.iter().zip(&non_empty) {
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

    // Column labels.
    let col_w = f64::from(grid.width()) / n_cols as f64;
    let step = label_step(col_w, 4.0 * font);
    for c in (0..n_cols).step_by(step) {
        let (Some(&a), Some(&b)) = (col_edges.get(c), col_edges.get(c + 1)) else {
            continue;
        };
        p.path(vec![((a + b) / 2, grid.y1), ((a + b) / 2, grid.y1 + p.px(3.0))], stroke(palette::INK, p.px(1.0)))?;
        p.text(&c.to_string(), ((a + b) / 2, grid.y1 + p.px(4.0)), font, palette::INK, (HPos::Center, VPos::Top))?;
    }
    p.text(
        opts.x_desc,
        ((grid.x0 + grid.x1) / 2, full.y1 - p.px(4.0)),
        font,
        palette::INK,
        (HPos::Center, VPos::Bottom),
    )?;

    // Colour bar.
    let bar = PxRect::new(grid.x1 + p.px(8.0), grid.y0, grid.x1 + p.px(8.0) + bar_w, grid.y1);
    let steps = bar.height().clamp(1, 64);
    for i in 0..steps {
        let a = bar.y1 - (f64::from(bar.height()) * f64::from(i) / f64::from(steps)).round() as i32;
        let b = bar.y1 - (f64::from(bar.height()) * f64::from(i + 1) / f64::from(steps)).round() as i32;
        let t = (f64::from(i) + 0.5) / f64::from(steps);
        p.fill_rect(PxRect::new(bar.x0, b, bar.x1, a), solid(palette::sequential(t)))?;
    }
    for (v, y, anchor) in [(hi, bar.y0, VPos::Top), (lo, bar.y1, VPos::Bottom)] {
        p.text(
            &super::paint::fmt_tick(f64::from(v)),
            (bar.x1 + p.px(4.0), y),
            font,
            palette::INK,
            (HPos::Left, anchor),
        )?;
    }

    Ok(HeatmapGeometry { grid, col_edges, rows, groups: out_groups, order, values, cell_rects, value_range: (lo, hi) })
}

/// Images as rows grouped by cluster (thin gaps between clusters), neurons as
/// columns.
pub fn draw_cluster_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ClusterHeatmapData,
    opts: &HeatmapOptions,
) -> Result<HeatmapGeometry, ChartError> {
    let n = data.clusters.len();
    if data.activations.len() != n * data.n_neurons {
        return Err(ChartError::LengthMismatch {
            what: "heatmap activations (images × neurons)",
            expected: n * data.n_neurons,
            got: data.activations.len(),
        });
    }
    if let Some(k) = data.sort_key.filter(|k| k.len() != n) {
        return Err(ChartError::LengthMismatch { what: "heatmap sort keys", expected: n, got: k.len() });
    }
    if let Some(&c) = data.clusters.iter().find(|&&c| c >= data.cluster_labels.len()) {
        return Err(ChartError::IndexOutOfRange { what: "heatmap cluster", index: c, len: data.cluster_labels.len() });
    }
    let order = cluster_row_order(data.clusters, data.sort_key);
    let mut groups = Vec::new();
    let mut start = 0usize;
    for (id, label) in data.cluster_labels.iter().enumerate() {
        let len = order.get(start..).unwrap_or(&[]).iter().take_while(|&&i| data.clusters.get(i) == Some(&id)).count();
        groups.push(GroupIn { id, label: label.clone(), items: start..start + len });
        start += len;
    }
    let nn = data.n_neurons;
    let value = |img: usize, c: usize| data.activations.get(img * nn + c).copied().unwrap_or(f32::NAN);
    draw_grid(
        area,
        opts,
        GridIn { n_cols: nn, order, groups, separators: true, value: &value, all_values: data.activations },
    )
}

/// Classes as rows, neurons as columns, colour = mean activation.
pub fn draw_class_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ClassHeatmapData,
    opts: &HeatmapOptions,
) -> Result<HeatmapGeometry, ChartError> {
    let n = data.class_labels.len();
    if data.means.len() != n * data.n_neurons {
        return Err(ChartError::LengthMismatch {
            what: "class heatmap means (classes × neurons)",
            expected: n * data.n_neurons,
            got: data.means.len(),
        });
    }
    let groups = data
        .class_labels
        .iter()
        .enumerate()
        .map(|(id, label)| GroupIn { id, label: label.clone(), items: id..id + 1 })
        .collect();
    let nn = data.n_neurons;
    let value = |class: usize, c: usize| data.means.get(class * nn + c).copied().unwrap_or(f32::NAN);
    draw_grid(
        area,
        opts,
        GridIn {
            n_cols: nn,
            order: (0..n).collect(),
            groups,
            separators: false,
            value: &value,
            all_values: data.means,
        },
    )
}
