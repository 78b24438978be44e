//! Heatmaps of a layer: (a) images as rows grouped by cluster, neurons as
//! columns; (b) class × neuron mean activations. Colour = activation on the
//! sequential map. When there are more images than rows fit (a row is at least
//! one CSS pixel), each row shows the mean of a run of consecutive (sorted)
//! images of one cluster.
//!
//! This file checks the input and groups the rows; [`rows`] lays the rows out
//! and works out their values, [`grid`] draws, [`geometry`] is what a drawn
//! heatmap returns for hover.

mod geometry;
mod grid;
mod rows;

pub use geometry::{HeatmapGeometry, HeatmapGroup, HeatmapHit, HeatmapRow};
pub use rows::cluster_row_order;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::errors::ChartError;
use grid::{GridIn, draw_grid};
use rows::RowGroup;

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

/// Images as rows grouped by cluster (thin gaps between clusters), neurons as
/// columns.
pub fn draw_cluster_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ClusterHeatmapData,
    opts: &HeatmapOptions,
) -> Result<HeatmapGeometry, ChartError> {
    let n_images = data.clusters.len();
    if data.activations.len() != n_images * data.n_neurons {
        return Err(ChartError::LengthMismatch {
            what: "heatmap activations (images × neurons)",
            expected: n_images * data.n_neurons,
            got: data.activations.len(),
        });
    }
    if let Some(keys) = data.sort_key.filter(|k| k.len() != n_images) {
        return Err(ChartError::LengthMismatch { what: "heatmap sort keys", expected: n_images, got: keys.len() });
    }
    if let Some(&cluster) = data.clusters.iter().find(|&&c| c >= data.cluster_labels.len()) {
        return Err(ChartError::IndexOutOfRange {
            what: "heatmap cluster",
            index: cluster,
            len: data.cluster_labels.len(),
        });
    }
    let order = cluster_row_order(data.clusters, data.sort_key);
    // Each cluster's images are a run of `order`.
    let mut groups = Vec::new();
    let mut start = 0usize;
    for (id, label) in data.cluster_labels.iter().enumerate() {
        let len = order.get(start..).unwrap_or(&[]).iter().take_while(|&&i| data.clusters.get(i) == Some(&id)).count();
        groups.push(RowGroup { id, label: label.clone(), items: start..start + len });
        start += len;
    }
    let n_neurons = data.n_neurons;
    let value =
        |image: usize, neuron: usize| data.activations.get(image * n_neurons + neuron).copied().unwrap_or(f32::NAN);
    draw_grid(
        area,
        opts,
        GridIn { n_cols: n_neurons, order, groups, separators: true, value: &value, all_values: data.activations },
    )
}

/// Classes as rows, neurons as columns, colour = mean activation.
pub fn draw_class_heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ClassHeatmapData,
    opts: &HeatmapOptions,
) -> Result<HeatmapGeometry, ChartError> {
    let n_classes = data.class_labels.len();
    if data.means.len() != n_classes * data.n_neurons {
        return Err(ChartError::LengthMismatch {
            what: "class heatmap means (classes × neurons)",
            expected: n_classes * data.n_neurons,
            got: data.means.len(),
        });
    }
    let groups = data
        .class_labels
        .iter()
        .enumerate()
        .map(|(id, label)| RowGroup { id, label: label.clone(), items: id..id + 1 })
        .collect();
    let n_neurons = data.n_neurons;
    let value = |class: usize, neuron: usize| data.means.get(class * n_neurons + neuron).copied().unwrap_or(f32::NAN);
    draw_grid(
        area,
        opts,
        GridIn {
            n_cols: n_neurons,
            order: (0..n_classes).collect(),
            groups,
            separators: false,
            value: &value,
            all_values: data.means,
        },
    )
}
