//! A layer's data as its scatter needs it: points, index, the full view,
//! colourings and tooltips; rebuilt only when the run changes.

use crate::charts::{PointIndex, ViewRect};
use crate::core::results::RunResults;
use crate::core::share::link::ColorMode;

use super::super::{Tip, class_names, layer_title};

/// A layer's data as the scatter needs it; rebuilt only when the run changes.
pub(super) struct Prepared {
    pub(super) points: Vec<[f32; 2]>,
    pub(super) index: PointIndex,
    pub(super) full: ViewRect,
    pub(super) clusters: Vec<usize>,
    pub(super) k: usize,
    pub(super) targets: Vec<usize>,
    pub(super) predictions: Vec<usize>,
    pub(super) class_values: Vec<u8>,
    pub(super) class_names: Vec<String>,
    pub(super) test_indices: Vec<usize>,
    pub(super) x_desc: String,
    pub(super) y_desc: String,
    pub(super) title: String,
}

impl Prepared {
    pub(super) fn new(r: &RunResults, index: usize) -> Option<Self> {
        let layer = r.layers.get(index)?;
        let points: Vec<[f32; 2]> = layer
            .plane
            .rows()
            .into_iter()
            .map(|p| [p.get(0).copied().unwrap_or(f32::NAN), p.get(1).copied().unwrap_or(f32::NAN)])
            .collect();
        let ratio = layer.pca.explained_variance_ratio();
        let desc = |i: usize, r: f64| format!("PC {} ({:.0} % of the variance)", i + 1, r * 100.0);
        Some(Self {
            index: PointIndex::build(&points),
            full: ViewRect::fit(&points, 0.04).unwrap_or(ViewRect::new(-1.0, 1.0, -1.0, 1.0)),
            points,
            clusters: layer.clustering().labels.clone(),
            k: layer.k(),
            targets: r.eval.targets.clone(),
            predictions: r.eval.predictions.clone(),
            class_values: r.classes.values().to_vec(),
            class_names: class_names(r),
            test_indices: r.eval.test_indices.clone(),
            x_desc: desc(0, ratio.first().copied().unwrap_or(0.0)),
            y_desc: desc(1, ratio.get(1).copied().unwrap_or(0.0)),
            title: layer_title(&layer.name),
        })
    }

    /// Category of every image and the legend under a colour mode.
    pub(super) fn colouring(&self, mode: ColorMode) -> (Vec<usize>, Vec<String>) {
        match mode {
            ColorMode::Cluster => (self.clusters.clone(), (0..self.k).map(|c| format!("cluster {c}")).collect()),
            ColorMode::Label => (self.targets.clone(), self.class_names.clone()),
            ColorMode::Prediction => (self.predictions.clone(), self.class_names.clone()),
            // Wrong first: it gets the darkest colour and is drawn on top.
            ColorMode::Correct => (
                self.targets.iter().zip(&self.predictions).map(|(t, p)| usize::from(t == p)).collect(),
                vec!["wrong".into(), "right".into()],
            ),
        }
    }

    pub(super) fn name(&self, class: usize) -> &str {
        self.class_names.get(class).map_or("?", String::as_str)
    }

    /// The tooltip of image `row`.
    pub(super) fn tip(&self, row: usize, x: f64, y: f64) -> Option<Tip> {
        let (&t, &p) = (self.targets.get(row)?, self.predictions.get(row)?);
        let cluster = self.clusters.get(row).copied();
        Some(Tip {
            test_id: "scatter-tooltip",
            x,
            y,
            title: format!("Test image #{}", self.test_indices.get(row).copied().unwrap_or(row)),
            lines: vec![
                format!("label: {}", self.name(t)),
                format!("predicted: {}{}", self.name(p), if t == p { "" } else { " (wrong)" }),
                format!("cluster at {}: {}", self.title, cluster.map_or("?".into(), |c| c.to_string())),
                "click to follow its path".into(),
            ],
            image_row: Some(row),
            label: self.class_values.get(t).copied(),
            prediction: self.class_values.get(p).copied(),
            cluster,
        })
    }
}
