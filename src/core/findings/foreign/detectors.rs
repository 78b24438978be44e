//! The foreign-input detectors (higher score = more foreign), each scored on
//! the run's own images and on the foreign ones. Only the nearest-centre
//! detectors depend on K; the others are [`FixedDetectors`].

use std::ops::Range;

use ndarray::{ArrayView2, s};

use crate::core::analysis::{AnalysisError, Mahalanobis, Whitened, auroc, nearest_centre};
use crate::core::data::{IMAGE_PIXELS, Images};
use crate::core::findings::FindingsError;
use crate::core::results::RunResults;
use crate::core::signature::Signatures;

/// Which rule a detector scores with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DetectorKind {
    /// Distance to the nearest cluster centre, scaled by the clusters' spread
    /// (the familiarity metric of `RunResults`).
    NearestCentre,
    /// Plain Euclidean distance to the nearest cluster centre, for comparison.
    EuclideanCentre,
    AllLayers,
    MaxSoftmax,
    Mahalanobis,
    /// Mean pixel value: a yardstick, not a signature detector.
    Ink,
}

/// One detector's scores (higher = more foreign) on both sets and its AUROC.
#[derive(Debug, Clone, PartialEq)]
pub struct DetectorScores {
    pub kind: DetectorKind,
    /// The layer for per-layer detectors.
    pub layer: Option<String>,
    pub in_scores: Vec<f32>,
    pub foreign_scores: Vec<f32>,
    /// `None` when either set is empty.
    pub auroc: Option<f64>,
}

impl DetectorScores {
    pub fn new(kind: DetectorKind, layer: Option<String>, in_scores: Vec<f32>, foreign_scores: Vec<f32>) -> Self {
        let auroc = auroc(&in_scores, &foreign_scores);
        Self { kind, layer, in_scores, foreign_scores, auroc }
    }

    /// Stable id ("centre-h2", "all-layers", "max-softmax", "mahalanobis-h1").
    pub fn id(&self) -> String {
        let layer = self.layer.as_deref().unwrap_or("");
        match self.kind {
            DetectorKind::NearestCentre => format!("centre-{layer}"),
            DetectorKind::EuclideanCentre => format!("euclid-{layer}"),
            DetectorKind::AllLayers => "all-layers".into(),
            DetectorKind::MaxSoftmax => "max-softmax".into(),
            DetectorKind::Mahalanobis => format!("mahalanobis-{layer}"),
            DetectorKind::Ink => "ink".into(),
        }
    }

    /// Words for the page ("the nearest-centre distance at h2").
    pub fn label(&self) -> String {
        let layer = self.layer.as_deref().unwrap_or("?");
        match self.kind {
            DetectorKind::NearestCentre => format!("nearest-centre distance at {layer}"),
            DetectorKind::EuclideanCentre => format!("Euclidean nearest-centre distance at {layer}"),
            DetectorKind::AllLayers => "distance rank over all layers".into(),
            DetectorKind::MaxSoftmax => "max-softmax baseline".into(),
            DetectorKind::Mahalanobis => format!("Mahalanobis distance at {layer}"),
            DetectorKind::Ink => "mean pixel value (ink)".into(),
        }
    }

    /// What the score axis measures.
    pub fn score_name(&self) -> &'static str {
        match self.kind {
            DetectorKind::NearestCentre | DetectorKind::EuclideanCentre | DetectorKind::Mahalanobis => "distance",
            DetectorKind::AllLayers => "mean percentile rank",
            DetectorKind::MaxSoftmax => "1 − max softmax",
            DetectorKind::Ink => "mean pixel value",
        }
    }
}

/// 1 − the largest probability of each row (`probabilities` are softmax
/// outputs, as the signatures record them).
pub fn msp_scores(probabilities: ArrayView2<f32>) -> Vec<f32> {
    probabilities.rows().into_iter().map(|row| 1.0 - row.iter().copied().fold(0.0f32, f32::max)).collect()
}

/// The maximum-softmax-probability baseline.
pub fn max_softmax_detector(
    in_probabilities: ArrayView2<f32>,
    foreign_probabilities: ArrayView2<f32>,
) -> DetectorScores {
    DetectorScores::new(DetectorKind::MaxSoftmax, None, msp_scores(in_probabilities), msp_scores(foreign_probabilities))
}

/// Mean pixel value in [0, 1] of the images at `indices` (all with `None`;
/// indices past the end are skipped).
pub fn ink_scores(images: &Images, indices: Option<&[usize]>) -> Vec<f32> {
    let mean = |image: &[u8]| image.iter().map(|&p| f32::from(p)).sum::<f32>() / (255.0 * IMAGE_PIXELS as f32);
    match indices {
        Some(indices) => indices.iter().filter_map(|&i| images.image(i)).map(mean).collect(),
        None => (0..images.count).filter_map(|i| images.image(i)).map(mean).collect(),
    }
}

/// Each row's Euclidean distance to its nearest centre.
pub fn nearest_centre_distances(centres: ArrayView2<f32>, data: ArrayView2<f32>) -> Result<Vec<f32>, FindingsError> {
    crate::core::analysis::kernels::check_width(centres.ncols(), data.ncols())?;
    if centres.nrows() == 0 {
        return Err(AnalysisError::EmptyData.into());
    }
    let centres = centres.as_standard_layout();
    data.rows()
        .into_iter()
        .enumerate()
        .map(|(row, point)| {
            nearest_centre(centres.view(), point).map(|(_, d)| d).ok_or_else(|| {
                let col = point.iter().position(|v| !v.is_finite()).unwrap_or(0);
                FindingsError::Analysis(AnalysisError::NonFinite { row, col })
            })
        })
        .collect()
}

pub(super) fn check_foreign(results: &RunResults, foreign: &Signatures) -> Result<(), FindingsError> {
    if foreign.is_empty() {
        return Err(FindingsError::NoForeignImages);
    }
    if foreign.layers.len() != results.layers.len() {
        return Err(FindingsError::Mismatch(format!(
            "{} layers recorded, the run has {}",
            foreign.layers.len(),
            results.layers.len()
        )));
    }
    for (f, l) in foreign.layers.iter().zip(&results.layers) {
        if f.name != l.name || f.values.ncols() != l.width() || f.values.nrows() != foreign.len() {
            return Err(FindingsError::Mismatch(format!("layer {} differs from the run's layer {}", f.name, l.name)));
        }
    }
    if foreign.probabilities.ncols() != results.eval.probabilities.ncols()
        || foreign.probabilities.nrows() != foreign.len()
    {
        return Err(FindingsError::Mismatch("the class probabilities differ in shape".into()));
    }
    Ok(())
}

/// The nearest-centre detector of every layer under its K in use, and the
/// all-layers percentile detector built on them (last).
pub fn nearest_centre_detectors(
    results: &RunResults,
    foreign: &Signatures,
) -> Result<Vec<DetectorScores>, FindingsError> {
    check_foreign(results, foreign)?;
    let mut detectors = Vec::with_capacity(results.layers.len() + 1);
    // Mid-ranks counted in half units (2 × below + equal) and summed as
    // integers, so images with equal ranks get exactly equal scores.
    let mut in_half_units = vec![0u64; results.eval.len()];
    let mut out_half_units = vec![0u64; foreign.len()];
    let mut euclidean = Vec::with_capacity(results.layers.len());
    for (layer, f) in results.layers.iter().zip(&foreign.layers) {
        let centres = layer.clustering().centres.view();
        euclidean.push(DetectorScores::new(
            DetectorKind::EuclideanCentre,
            Some(layer.name.clone()),
            nearest_centre_distances(centres, layer.signatures.view())?,
            nearest_centre_distances(centres, f.values.view())?,
        ));
        let familiarity = |data| layer.familiarity_distances(data).map_err(|e| FindingsError::Mismatch(e.to_string()));
        let in_scores = familiarity(layer.signatures.view())?;
        let out_scores = familiarity(f.values.view())?;
        // Ranked against these very distances (not `layer.reference()`, which
        // comes from another distance kernel) so each evaluation image's tie
        // with itself counts exactly half.
        let mut sorted = in_scores.clone();
        sorted.sort_by(f32::total_cmp);
        let half_units = |d: f32| (sorted.partition_point(|&r| r < d) + sorted.partition_point(|&r| r <= d)) as u64;
        for (sum, &d) in in_half_units.iter_mut().zip(&in_scores) {
            *sum += half_units(d);
        }
        for (sum, &d) in out_half_units.iter_mut().zip(&out_scores) {
            *sum += half_units(d);
        }
        detectors.push(DetectorScores::new(
            DetectorKind::NearestCentre,
            Some(layer.name.clone()),
            in_scores,
            out_scores,
        ));
    }
    // Mean rank in [0, 1]: half units / (2 · n · layers).
    let scale = (2 * results.eval.len().max(1) * results.layers.len().max(1)) as f64;
    let mean = |sums: Vec<u64>| sums.into_iter().map(|s| (s as f64 / scale) as f32).collect::<Vec<f32>>();
    detectors.push(DetectorScores::new(DetectorKind::AllLayers, None, mean(in_half_units), mean(out_half_units)));
    detectors.extend(euclidean);
    Ok(detectors)
}

/// One Mahalanobis model per layer, fitted on the evaluation signatures and
/// their classes, in whitened form (distances to every class mean at the cost of one).
pub fn fit_mahalanobis(results: &RunResults) -> Result<Vec<Whitened>, FindingsError> {
    results.layers.iter().map(|l| Ok(Mahalanobis::fit(l.signatures.view(), &results.eval.targets)?.whiten()?)).collect()
}

/// Mahalanobis distances of `rows` of `data` (a slice, so the page can
/// yield between chunks; the range is clipped to the data).
pub fn mahalanobis_distances(
    model: &Whitened,
    data: ArrayView2<f32>,
    rows: Range<usize>,
) -> Result<Vec<f32>, FindingsError> {
    let end = rows.end.min(data.nrows());
    let start = rows.start.min(end);
    Ok(model.nearest_distances(data.slice(s![start..end, ..]))?)
}

/// The detectors that do not depend on K: computed once per run.
#[derive(Debug, Clone, PartialEq)]
pub struct FixedDetectors {
    pub max_softmax: DetectorScores,
    /// One per layer; empty when they were not computed.
    pub mahalanobis: Vec<DetectorScores>,
    /// The ink yardstick, when the images are at hand.
    pub ink: Option<DetectorScores>,
}

impl FixedDetectors {
    /// Everything in one call (host use; the page slices the Mahalanobis part).
    pub fn compute(results: &RunResults, foreign: &Signatures) -> Result<Self, FindingsError> {
        check_foreign(results, foreign)?;
        let max_softmax = max_softmax_detector(results.eval.probabilities.view(), foreign.probabilities.view());
        let models = fit_mahalanobis(results)?;
        let mahalanobis = results
            .layers
            .iter()
            .zip(&foreign.layers)
            .zip(&models)
            .map(|((layer, f), model)| {
                let in_scores = mahalanobis_distances(model, layer.signatures.view(), 0..usize::MAX)?;
                let out_scores = mahalanobis_distances(model, f.values.view(), 0..usize::MAX)?;
                Ok(DetectorScores::new(DetectorKind::Mahalanobis, Some(layer.name.clone()), in_scores, out_scores))
            })
            .collect::<Result<Vec<_>, FindingsError>>()?;
        Ok(Self { max_softmax, mahalanobis, ink: None })
    }
}
