//! How foreign an input looks: distance to the nearest cluster centre per
//! layer, ranked against the evaluation set's own distances, combined over
//! layers into one score; plus the detector metrics the findings panel shows
//! (AUROC, maximum softmax probability).
//!
//! Combined score rule: at each layer the input's nearest-centre distance is
//! given its percentile rank among the evaluation signatures' distances to
//! their own nearest centre (mid-rank for ties, in [0, 1]); the score is the
//! mean of those ranks over the layers. A typical evaluation image lands near
//! 0.5; an input farther from every centre than 9 in 10 evaluation images at
//! every layer scores ≥ 0.9, which is the "unfamiliar" verdict.

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};

use super::errors::AnalysisError;
use super::kernels::{check_point, check_width, checked_standard};
use super::kmeans::{Clustering, assign, nearest_sq};

/// Combined score at or above which an input is called unfamiliar.
pub const OOD_VERDICT_THRESHOLD: f64 = 0.9;

/// Index of the nearest centre and the Euclidean distance to it. `None` if
/// there are no centres, the widths differ or the point is not finite.
pub fn nearest_center(centers: ArrayView2<f32>, point: ArrayView1<f32>) -> Option<(usize, f32)> {
    if centers.nrows() == 0 || centers.ncols() != point.len() || point.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let centers = centers.as_standard_layout();
    let point = point.as_standard_layout();
    let (index, sq) = nearest_sq(centers.view(), point.view());
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

    /// Every point's Euclidean distance to its nearest centre of `clustering`.
    pub fn from_clustering(data: ArrayView2<f32>, clustering: &Clustering) -> Result<Self, AnalysisError> {
        let data = checked_standard(data)?;
        check_width(clustering.centers.ncols(), data.ncols())?;
        let centers = clustering.centers.as_standard_layout();
        let (_, sq) = assign(data.view(), centers.view());
        Ok(Self::new(sq.into_iter().map(f32::sqrt).collect()))
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

/// Percentile rank of `value` in an unsorted reference (see
/// [`ReferenceDistances::percentile_rank`]).
pub fn percentile_rank(value: f32, reference: &[f32]) -> Option<f64> {
    ReferenceDistances::new(reference.to_vec()).percentile_rank(value)
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

/// One layer of a familiarity verdict.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LayerFamiliarity {
    pub cluster: usize,
    pub distance: f32,
    pub percentile: f64,
}

/// How familiar one input looks, layer by layer and overall.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Familiarity {
    pub layers: Vec<LayerFamiliarity>,
    pub score: f64,
    pub unfamiliar: bool,
}

/// Familiarity of one signature (one slice per layer) against each layer's
/// chosen centres and reference distances.
pub fn familiarity(
    layers: &[(ArrayView2<f32>, &ReferenceDistances)],
    signature: &[&[f32]],
) -> Result<Familiarity, AnalysisError> {
    if layers.len() != signature.len() {
        return Err(AnalysisError::LengthMismatch {
            what: "signature layers",
            expected: layers.len(),
            found: signature.len(),
        });
    }
    if layers.is_empty() {
        return Err(AnalysisError::EmptyData);
    }
    let mut out = Vec::with_capacity(layers.len());
    for ((centers, reference), values) in layers.iter().zip(signature) {
        check_point(values, centers.ncols())?;
        let (cluster, distance) =
            nearest_center(centers.view(), ArrayView1::from(*values)).ok_or(AnalysisError::EmptyData)?;
        let percentile = reference.percentile_rank(distance).ok_or(AnalysisError::EmptyData)?;
        out.push(LayerFamiliarity { cluster, distance, percentile });
    }
    let percentiles: Vec<f64> = out.iter().map(|l| l.percentile).collect();
    let score = ood_score(&percentiles).ok_or(AnalysisError::EmptyData)?;
    Ok(Familiarity { layers: out, score, unfamiliar: is_unfamiliar(score) })
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

/// Maximum softmax probability of a logit vector (numerically stable);
/// `None` for an empty or non-finite vector.
pub fn max_softmax_probability(logits: &[f32]) -> Option<f32> {
    if logits.is_empty() || logits.iter().any(|v| !v.is_finite()) {
        return None;
    }
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let denom: f64 = logits.iter().map(|&v| f64::from(v - max).exp()).sum();
    Some((1.0 / denom) as f32)
}

/// Foreignness from the softmax: 1 − maximum softmax probability (higher =
/// more foreign, as the other detectors).
pub fn msp_ood_score(logits: &[f32]) -> Option<f32> {
    max_softmax_probability(logits).map(|p| 1.0 - p)
}
