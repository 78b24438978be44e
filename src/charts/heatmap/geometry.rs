//! What a drawn heatmap returns: its rows, groups and values in backend
//! pixels, and the look-up from a pixel to the cell under it.

use std::ops::Range;

use super::super::frame::PxRect;

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
