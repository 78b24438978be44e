//! Step 3, placing nodes: one vertical scale (pixels per image) shared by all
//! columns, so a band is equally wide at both ends; each column's nodes
//! stacked in their order with gaps between the non-empty ones and the column
//! centred vertically; columns spread evenly across the width.

use super::super::frame::PxRect;
use super::counting::PathCounts;
use super::layout::{FlowLayoutParams, FlowNode};

/// The nodes, column-major, and where each column starts among them.
pub(super) struct PlacedNodes {
    /// Column 0's nodes (by node id), then column 1's, ...
    pub nodes: Vec<FlowNode>,
    /// `n_columns + 1` offsets into `nodes`: column `c` is `offsets[c]..offsets[c + 1]`.
    pub column_offsets: Vec<usize>,
    /// Pixels of height per image.
    pub px_per_image: f64,
}

impl PlacedNodes {
    /// Node `node` of `column`.
    pub fn get(&self, column: usize, node: usize) -> Option<&FlowNode> {
        node_in(&self.nodes, &self.column_offsets, column, node)
    }
}

/// Node `node` of `column` among column-major `nodes`.
pub(super) fn node_in<'a>(
    nodes: &'a [FlowNode],
    column_offsets: &[usize],
    column: usize,
    node: usize,
) -> Option<&'a FlowNode> {
    let start = column_offsets.get(column)?;
    let end = column_offsets.get(column + 1)?;
    (start + node < *end).then(|| nodes.get(start + node)).flatten()
}

/// Place every node inside `rect`; takes the images out of `counts`.
pub(super) fn place_nodes(
    counts: &mut PathCounts,
    top_to_bottom: &[Vec<usize>],
    n_images: usize,
    rect: PxRect,
    params: &FlowLayoutParams,
) -> PlacedNodes {
    let n_columns = top_to_bottom.len();
    let height_px = f64::from(rect.height());
    let width_px = f64::from(rect.width());
    let non_empty_per_column: Vec<usize> =
        counts.count_per_node.iter().map(|c| c.iter().filter(|&&n| n > 0).count()).collect();
    let most_non_empty = non_empty_per_column.iter().copied().max().unwrap_or(1).max(1);
    // Gaps take at most half the height.
    let mut gap_px = params.node_gap.max(0.0);
    if most_non_empty > 1 && gap_px * (most_non_empty - 1) as f64 > height_px * 0.5 {
        gap_px = height_px * 0.5 / (most_non_empty - 1) as f64;
    }
    let px_per_image = if n_images == 0 {
        0.0
    } else {
        (height_px - gap_px * (most_non_empty.saturating_sub(1)) as f64).max(0.0) / n_images as f64
    };
    let node_width_px = params.node_width.max(1.0).min(width_px / n_columns as f64);
    let column_x = |c: usize| f64::from(rect.x0) + c as f64 * (width_px - node_width_px) / (n_columns - 1) as f64;

    let empty: Vec<usize> = Vec::new();
    let mut nodes = Vec::new();
    let mut column_offsets = Vec::with_capacity(n_columns + 1);
    for c in 0..n_columns {
        column_offsets.push(nodes.len());
        let count_per_node = counts.count_per_node.get(c).cloned().unwrap_or_default();
        let non_empty = non_empty_per_column.get(c).copied().unwrap_or(0);
        let column_height_px = n_images as f64 * px_per_image + gap_px * non_empty.saturating_sub(1) as f64;
        let mut y = f64::from(rect.y0) + (height_px - column_height_px) / 2.0;
        let mut spans = vec![(0.0, 0.0); count_per_node.len()];
        for &node in top_to_bottom.get(c).unwrap_or(&empty) {
            let count = count_per_node.get(node).copied().unwrap_or(0);
            let node_height_px = count as f64 * px_per_image;
            if let Some(span) = spans.get_mut(node) {
                *span = (y, y + node_height_px);
            }
            if count > 0 {
                y += node_height_px + gap_px;
            }
        }
        let x0 = column_x(c);
        for (node, (y0, y1)) in spans.into_iter().enumerate() {
            nodes.push(FlowNode {
                column: c,
                node,
                count: count_per_node.get(node).copied().unwrap_or(0),
                x0,
                x1: x0 + node_width_px,
                y0,
                y1,
                images: counts
                    .images_per_node
                    .get_mut(c)
                    .and_then(|column| column.get_mut(node))
                    .map(std::mem::take)
                    .unwrap_or_default(),
            });
        }
    }
    column_offsets.push(nodes.len());
    PlacedNodes { nodes, column_offsets, px_per_image }
}
