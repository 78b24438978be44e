//! Rows of a heatmap, pure: the display order of images, pixels per group,
//! rows per group (several items per row when they outnumber the pixels),
//! each row's values and the colour range.

use std::ops::Range;

use super::geometry::{HeatmapGroup, HeatmapRow};

/// A group of rows before layout: a cluster, or a single class.
pub(super) struct RowGroup {
    pub id: usize,
    pub label: String,
    /// Positions in `order`.
    pub items: Range<usize>,
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

/// Split `total` pixels among groups proportionally to `sizes`, each at least 1
/// (largest remainder). Requires `total >= sizes.len()`.
fn split_pixels(total: i32, sizes: &[usize]) -> Vec<i32> {
    let n = sizes.len() as i32;
    let sum: usize = sizes.iter().sum();
    if n == 0 || sum == 0 {
        return vec![0; sizes.len()];
    }
    let spare = (total - n).max(0);
    let exact: Vec<f64> = sizes.iter().map(|&s| f64::from(spare) * s as f64 / sum as f64).collect();
    let mut out: Vec<i32> = exact.iter().map(|e| 1 + e.floor() as i32).collect();
    let mut left = total - out.iter().sum::<i32>();
    let mut by_remainder: Vec<usize> = (0..sizes.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        let ra = exact.get(a).map_or(0.0, |e| e - e.floor());
        let rb = exact.get(b).map_or(0.0, |e| e - e.floor());
        rb.total_cmp(&ra).then(a.cmp(&b))
    });
    for i in by_remainder {
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

/// Rows of the non-empty `groups` from pixel `top` down: `usable_height_px`
/// split among the groups by their items, `separator_px` between groups, and
/// as many rows per group as fit at `min_row_px` each (at most one per item).
pub(super) fn lay_out_rows(
    groups: &[&RowGroup],
    top: i32,
    usable_height_px: i32,
    separator_px: i32,
    min_row_px: i32,
) -> (Vec<HeatmapRow>, Vec<HeatmapGroup>) {
    let heights = split_pixels(usable_height_px, &groups.iter().map(|g| g.items.len()).collect::<Vec<_>>());
    let mut rows = Vec::new();
    let mut laid_out = Vec::new();
    let mut y = top;
    for (g, &h) in groups.iter().zip(&heights) {
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
                group: laid_out.len(),
            });
        }
        laid_out.push(HeatmapGroup { id: g.id, y0: y, y1: y + h, rows: first_row..rows.len() });
        y += h + separator_px;
    }
    (rows, laid_out)
}

/// Values per row, `rows.len() × n_cols` row-major: the mean of the finite
/// values of the row's items (NaN when none is finite).
pub(super) fn row_values(
    rows: &[HeatmapRow],
    order: &[usize],
    n_cols: usize,
    value: &dyn Fn(usize, usize) -> f32,
) -> Vec<f32> {
    let mut values = Vec::with_capacity(rows.len() * n_cols);
    for r in rows {
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
    values
}

/// The colour range: `fixed` when both ends are finite, else the finite
/// values' min..max; never empty.
pub(super) fn colour_range(values: &[f32], fixed: Option<(f32, f32)>) -> (f32, f32) {
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
