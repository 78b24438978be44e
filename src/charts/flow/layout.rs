//! The flow's layout: its types, the steps run in order ([`flow_layout`]),
//! and hit-testing on the result.

use super::super::errors::ChartError;
use super::super::frame::PxRect;
use super::band::FlowBand;
use super::placement::{node_in, place_nodes};
use super::{FlowColumn, counting, ordering, stacking, validate_paths};

/// Layout sizes in backend pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowLayoutParams {
    pub node_width: f64,
    /// Vertical gap between non-empty nodes of a column (shrunk if it does not fit).
    pub node_gap: f64,
}

/// A node: the images at `node` in `column`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowNode {
    pub column: usize,
    pub node: usize,
    pub count: usize,
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
    /// Image indices (positions in the paths slice), ascending.
    pub images: Vec<usize>,
}

/// The whole layout: nodes, bands and the vertical order of each column.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowLayout {
    /// Column-major: column 0's nodes (by node id), then column 1's, ...
    pub nodes: Vec<FlowNode>,
    /// Band id = index here. Sorted by (column, source position, target
    /// position, class).
    pub bands: Vec<FlowBand>,
    /// Per column, node ids top to bottom.
    pub order: Vec<Vec<usize>>,
    /// Pixels of height per image.
    pub px_per_image: f64,
    column_offsets: Vec<usize>,
}

impl FlowLayout {
    /// Node `node` of `column`.
    pub fn node(&self, column: usize, node: usize) -> Option<&FlowNode> {
        node_in(&self.nodes, &self.column_offsets, column, node)
    }

    /// The band under pixel (`px`, `py`). Thin bands count as 3 px tall so one
    /// image can still be hovered; where bands overlap the thinnest wins.
    pub fn band_at(&self, px: f64, py: f64) -> Option<usize> {
        let mut thinnest: Option<(f64, usize)> = None;
        for (i, band) in self.bands.iter().enumerate() {
            let Some((top, bottom)) = band.edges_at_x(px) else {
                continue;
            };
            let (top, bottom) = if bottom - top < 3.0 {
                let centre = (top + bottom) / 2.0;
                (centre - 1.5, centre + 1.5)
            } else {
                (top, bottom)
            };
            if py >= top && py <= bottom {
                let height = bottom - top;
                if thinnest.is_none_or(|(thinnest_height, _)| height < thinnest_height) {
                    thinnest = Some((height, i));
                }
            }
        }
        thinnest.map(|(_, i)| i)
    }

    /// The node under pixel (`px`, `py`), as an index into `nodes`.
    pub fn node_at(&self, px: f64, py: f64) -> Option<usize> {
        self.nodes.iter().position(|n| n.count > 0 && px >= n.x0 && px <= n.x1 && py >= n.y0 && py <= n.y1)
    }
}

/// Lay out the flow inside `rect`. Pure.
///
/// Cluster columns are reordered (barycentre sweeps) so bands cross as little
/// as possible; class columns keep their natural order. At each node,
/// outgoing bands are stacked by target position then class, incoming bands by
/// source position then class, so parallel bands never cross each other.
pub fn flow_layout(
    paths: &[Vec<usize>],
    columns: &[FlowColumn],
    rect: PxRect,
    params: &FlowLayoutParams,
) -> Result<FlowLayout, ChartError> {
    validate_paths(paths, columns)?;
    let nodes_per_column: Vec<usize> = columns.iter().map(|c| c.node_labels.len()).collect();
    let mut counts = counting::count_paths(paths, &nodes_per_column);
    let order = ordering::order_columns(columns, &counts);
    let positions = ordering::positions(&order);
    let placed = place_nodes(&mut counts, &order, paths.len(), rect, params);
    let bands = stacking::stack_bands(counting::images_per_band(paths), &positions, &placed);
    Ok(FlowLayout {
        nodes: placed.nodes,
        bands,
        order,
        px_per_image: placed.px_per_image,
        column_offsets: placed.column_offsets,
    })
}
