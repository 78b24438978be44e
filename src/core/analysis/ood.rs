//! How foreign an input looks: distance to the nearest cluster centre per
//! layer, ranked against the evaluation set's own distances, combined over
//! layers into one score; plus the metric the findings panel rates its
//! detectors with (AUROC).
//!
//! Combined score rule: at each layer the input's nearest-centre distance is
//! given its percentile rank among the evaluation signatures' distances to
//! their own nearest centre (mid-rank for ties, in [0, 1]); the score is the
//! mean of those ranks over the layers. A typical evaluation image lands near
//! 0.5; an input farther from every centre than 9 in 10 evaluation images at
//! every layer scores ≥ 0.9, which is the "unfamiliar" verdict.

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::kmeans::nearest_sq;

/// Combined score at or above which an input is called unfamiliar.
pub const OOD_VERDICT_THRESHOLD: f64 = 0.9;

/// Index of the nearest centre and the Euclidean distance to it. `None` if
/// there are no centres, the widths differ or the point is not finite.
pub fn nearest_centre(centres: ArrayView2<f32>, point: ArrayView1<f32>) -> Option<(usize, f32)> {
    if centres.nrows() == 0 || centres.ncols() != point.len() || point.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let centres = centres.as_standard_layout();
    let point = point.as_standard_layout();
    let (index, sq) = nearest_sq(centres.view(), point.view());
    sq.is_finite().then(|| (index, sq.sqrt()))
}

/// A sorted reference set of distances (one layer of the evaluation set).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ReferenceDistances {
    sorted: Vec<f32>,
}

impl ReferenceDistances {
    /// Non-finite values are dropped.
    pub fn new(mut distances: Vec<f32>) -> Self {
        distances.retain(|d| d.is_finite());
        distances.sort_by(f32::total_cmp);
        Self { sorted: distances }
    }

    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    pub fn sorted(&self) -> &[f32] {
        &self.sorted
    }

    /// Share of the reference below `value`, counting ties as half
    /// (mid-rank), in [0, 1]. `None` for an empty reference or a NaN value.
    pub fn percentile_rank(&self, value: f32) -> Option<f64> {
        if self.sorted.is_empty() || value.is_nan() {
            return None;
        }
        let below = self.sorted.partition_point(|&d| d < value);
        let at_or_below = self.sorted.partition_point(|&d| d <= value);
        Some((below as f64 + 0.5 * (at_or_below - below) as f64) / self.sorted.len() as f64)
    }
}

/// Mean of the per-layer percentile ranks (non-finite ones ignored), in
/// [0, 1]; `None` with no usable layer.
pub fn ood_score(layer_percentiles: &[f64]) -> Option<f64> {
    let usable: Vec<f64> = layer_percentiles.iter().copied().filter(|p| p.is_finite()).collect();
    if usable.is_empty() {
        return None;
    }
    Some((usable.iter().sum::<f64>() / usable.len() as f64).clamp(0.0, 1.0))
}

/// The verdict for a combined score.
pub fn is_unfamiliar(score: f64) -> bool {
    score >= OOD_VERDICT_THRESHOLD
}

/// Area under the ROC curve of a detector whose higher scores mean "more
/// foreign", with out-of-distribution as the positive class: the chance that
/// a random foreign sample scores above a random in-distribution one, ties
/// counting half (equal to scikit-learn's `roc_auc_score`). `None` if either
/// set is empty or any score is NaN.
pub fn auroc<T: Copy + Into<f64>>(in_scores: &[T], out_scores: &[T]) -> Option<f64> {
    if in_scores.is_empty() || out_scores.is_empty() {
        return None;
    }
    // (score, is_out), sorted by score; mid-ranks over tied runs.
    let mut all: Vec<(f64, bool)> =
        in_scores.iter().map(|&s| (s.into(), false)).chain(out_scores.iter().map(|&s| (s.into(), true))).collect();
    if all.iter().any(|(s, _)| s.is_nan()) {
        return None;
    }
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut rank_sum_out = 0.0f64;
    let mut i = 0;
    while i < all.len() {
        let mut j = i;
        while j < all.len() && all[j].0 == all[i].0 {
            j += 1;
        }
        // Ranks i+1..=j share their mean.
        let mid_rank = (i + 1 + j) as f64 / 2.0;
        let outs = all[i..j].iter().filter(|(_, out)| *out).count();
        rank_sum_out += mid_rank * outs as f64;
        i = j;
    }
    let n_out = out_scores.len() as f64;
    let n_in = in_scores.len() as f64;
    Some((rank_sum_out - n_out * (n_out + 1.0) / 2.0) / (n_out * n_in))
}
