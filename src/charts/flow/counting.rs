//! Step 1, counting paths: which images sit at each node, how many go between
//! each pair of nodes of neighbouring columns, and which images make up each
//! band. Paths are validated before this step.

use std::collections::BTreeMap;

/// A band before layout: (column, source node, target node, true class).
pub(super) type BandKey = (usize, usize, usize, usize);

/// Tallies of the paths, per node and between neighbouring columns.
pub(super) struct PathCounts {
    /// Per column, per node: the images there (positions in the paths slice), ascending.
    pub images_per_node: Vec<Vec<Vec<usize>>>,
    /// Per column, per node: how many images are there.
    pub count_per_node: Vec<Vec<usize>>,
    /// `pair_counts[column][from][to]`: images going from node `from` of
    /// `column` to node `to` of `column + 1`.
    pub pair_counts: Vec<Vec<Vec<usize>>>,
}

impl PathCounts {
    /// Images going from node `from` of `column` to node `to` of `column + 1`.
    pub fn between(&self, column: usize, from: usize, to: usize) -> usize {
        self.pair_counts.get(column).and_then(|p| p.get(from)).and_then(|r| r.get(to)).copied().unwrap_or(0)
    }
}

/// Count `paths` over columns of `nodes_per_column` nodes (at least 2 columns).
pub(super) fn count_paths(paths: &[Vec<usize>], nodes_per_column: &[usize]) -> PathCounts {
    let n_columns = nodes_per_column.len();
    let mut images_per_node: Vec<Vec<Vec<usize>>> =
        nodes_per_column.iter().map(|&size| vec![Vec::new(); size]).collect();
    for (image, path) in paths.iter().enumerate() {
        for (column, &node) in images_per_node.iter_mut().zip(path) {
            if let Some(images) = column.get_mut(node) {
                images.push(image);
            }
        }
    }
    let count_per_node: Vec<Vec<usize>> =
        images_per_node.iter().map(|column| column.iter().map(Vec::len).collect()).collect();

    let mut pair_counts: Vec<Vec<Vec<usize>>> = (0..n_columns - 1)
        .map(|c| {
            vec![
                vec![0; nodes_per_column.get(c + 1).copied().unwrap_or(0)];
                nodes_per_column.get(c).copied().unwrap_or(0)
            ]
        })
        .collect();
    for path in paths {
        for (column, step) in path.windows(2).enumerate() {
            if let [from, to] = step
                && let Some(count) =
                    pair_counts.get_mut(column).and_then(|m| m.get_mut(*from)).and_then(|r| r.get_mut(*to))
            {
                *count += 1;
            }
        }
    }
    PathCounts { images_per_node, count_per_node, pair_counts }
}

/// The images of each band, keyed by (column, source node, target node, true
/// class); an image's true class is its first column's node.
pub(super) fn images_per_band(paths: &[Vec<usize>]) -> BTreeMap<BandKey, Vec<usize>> {
    let mut bands: BTreeMap<BandKey, Vec<usize>> = BTreeMap::new();
    for (image, path) in paths.iter().enumerate() {
        let class = path.first().copied().unwrap_or(0);
        for (column, step) in path.windows(2).enumerate() {
            if let [from, to] = step {
                bands.entry((column, *from, *to, class)).or_default().push(image);
            }
        }
    }
    bands
}
