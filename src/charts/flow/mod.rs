//! Layer flow (alluvial / Sankey): columns true class → cluster at layer 1 →
//! … → predicted class. Band width = number of images; bands are split by the
//! image's true class (the first column) and coloured by it, so a class can be
//! followed across layers. The layout is a pure function ([`flow_layout`]);
//! [`draw_flow`] draws it and returns it for hit-testing.
//!
//! The layout runs as named steps, one file each: [`counting`] the paths,
//! [`ordering`] the columns, [`placement`] of the nodes, [`stacking`] of the
//! bands; [`band`] holds a band's curve, [`draw`] the drawing.

mod band;
mod counting;
mod draw;
mod layout;
mod ordering;
mod placement;
mod stacking;

pub use band::FlowBand;
pub use draw::{FlowOptions, draw_flow};
pub use layout::{FlowLayout, FlowLayoutParams, FlowNode, flow_layout};

use super::errors::ChartError;

/// What a column's nodes are: classes get class colours, clusters stay neutral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowNodeKind {
    Class,
    Cluster,
}

/// One column of the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowColumn {
    /// Header, e.g. "true class", "H1", "predicted".
    pub label: String,
    pub kind: FlowNodeKind,
    /// One label per node; path entries of this column must be below its length.
    pub node_labels: Vec<String>,
}

/// Every path has one node per column, each within its column's nodes.
fn validate_paths(paths: &[Vec<usize>], columns: &[FlowColumn]) -> Result<(), ChartError> {
    if columns.len() < 2 {
        return Err(ChartError::InvalidInput(format!("a flow needs at least 2 columns, got {}", columns.len())));
    }
    for path in paths {
        if path.len() != columns.len() {
            return Err(ChartError::LengthMismatch { what: "flow path", expected: columns.len(), got: path.len() });
        }
        for (&node, column) in path.iter().zip(columns) {
            if node >= column.node_labels.len() {
                return Err(ChartError::IndexOutOfRange {
                    what: "flow node",
                    index: node,
                    len: column.node_labels.len(),
                });
            }
        }
    }
    Ok(())
}
