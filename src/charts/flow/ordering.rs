//! Step 2, ordering columns: the vertical order of each column's nodes.
//! Cluster columns are reordered by barycentre sweeps so bands cross as little
//! as possible; class columns keep their natural order.

use super::counting::PathCounts;
use super::{FlowColumn, FlowNodeKind};

/// Sweeps over the columns, alternating left-to-right and right-to-left.
const SWEEPS: usize = 3;

/// Per column, node ids top to bottom.
pub(super) fn order_columns(columns: &[FlowColumn], counts: &PathCounts) -> Vec<Vec<usize>> {
    let n_columns = columns.len();
    let mut top_to_bottom: Vec<Vec<usize>> = columns.iter().map(|c| (0..c.node_labels.len()).collect()).collect();
    let empty: Vec<usize> = Vec::new();
    for sweep in 0..SWEEPS {
        let forward = sweep % 2 == 0;
        let sweep_columns: Vec<usize> =
            if forward { (1..n_columns).collect() } else { (0..n_columns - 1).rev().collect() };
        for column in sweep_columns {
            if columns.get(column).map(|k| k.kind) != Some(FlowNodeKind::Cluster) {
                continue;
            }
            // The column just placed in this sweep's direction.
            let neighbour = if forward { column - 1 } else { column + 1 };
            let neighbour_centres = centre_fractions(
                top_to_bottom.get(neighbour).unwrap_or(&empty),
                counts.count_per_node.get(neighbour).unwrap_or(&empty),
            );
            let own_centres = centre_fractions(
                top_to_bottom.get(column).unwrap_or(&empty),
                counts.count_per_node.get(column).unwrap_or(&empty),
            );
            // Images between `node` of this column and `other` of the neighbour.
            let images_between = |node: usize, other: usize| -> usize {
                if forward { counts.between(column - 1, other, node) } else { counts.between(column, node, other) }
            };
            // Mean height of the neighbour's nodes this node exchanges images with.
            let barycentre = |node: usize| -> Option<f64> {
                let (mut weighted_sum, mut total_images) = (0.0, 0usize);
                for (other, centre) in neighbour_centres.iter().enumerate() {
                    let images = images_between(node, other);
                    weighted_sum += centre * images as f64;
                    total_images += images;
                }
                (total_images > 0).then(|| weighted_sum / total_images as f64)
            };
            if let Some(order) = top_to_bottom.get_mut(column) {
                sort_by_barycentre(order, &barycentre, &own_centres);
            }
        }
    }
    top_to_bottom
}

/// Position of each node in its column (0 = top): the inverse of `top_to_bottom`.
pub(super) fn positions(top_to_bottom: &[Vec<usize>]) -> Vec<Vec<usize>> {
    top_to_bottom.iter().map(|order| position_in(order)).collect()
}

fn position_in(order: &[usize]) -> Vec<usize> {
    let mut position = vec![0; order.len()];
    for (i, &node) in order.iter().enumerate() {
        if let Some(slot) = position.get_mut(node) {
            *slot = i;
        }
    }
    position
}

/// Centre of each node as a fraction of its column's images, with the nodes
/// stacked in `order` (gaps ignored).
fn centre_fractions(order: &[usize], count_per_node: &[usize]) -> Vec<f64> {
    let mut centres = vec![0.0; count_per_node.len()];
    let total = count_per_node.iter().sum::<usize>().max(1) as f64;
    let mut above = 0.0;
    for &node in order {
        let count = count_per_node.get(node).copied().unwrap_or(0) as f64;
        if let Some(centre) = centres.get_mut(node) {
            *centre = (above + count / 2.0) / total;
        }
        above += count;
    }
    centres
}

/// Sort `order` by barycentre; a node with no images to the neighbour keeps
/// its own centre, and ties keep the current order.
fn sort_by_barycentre(order: &mut [usize], barycentre: &dyn Fn(usize) -> Option<f64>, own_centres: &[f64]) {
    let keys: Vec<f64> = (0..own_centres.len())
        .map(|node| barycentre(node).unwrap_or(own_centres.get(node).copied().unwrap_or(0.0)))
        .collect();
    let position = position_in(order);
    order.sort_by(|&a, &b| {
        keys.get(a).unwrap_or(&0.0).total_cmp(keys.get(b).unwrap_or(&0.0)).then(position.get(a).cmp(&position.get(b)))
    });
}
