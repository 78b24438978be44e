//! The findings panel: the seed's three questions answered with the numbers
//! of one run.
//!
//! 1. Where does class structure emerge? Agreement (NMI, purity) of each
//!    layer's clusters with the classes, and the layer of the largest change.
//! 2. Do two classes (3 vs 8, cat vs dog) have different signatures? Their
//!    separability at every layer (see [`crate::core::analysis::separability`])
//!    and the neurons that differ most.
//! 3. What does a foreign input's signature look like? Its mean activation
//!    profile against the run's own images, the neurons that stay silent, and
//!    how well each foreign-input detector tells the two sets apart (AUROC,
//!    foreign = positive class).
//!
//! Detectors (higher score = more foreign):
//! - nearest-centre distance at each layer: Euclidean distance to the nearest
//!   cluster centre under the layer's K in use (what the probe uses);
//! - all layers: the mean over layers of that distance's percentile rank among
//!   the evaluation set's distances (the probe's familiarity score);
//! - max softmax: 1 − the largest class probability (the usual baseline);
//! - Mahalanobis distance at each layer: to the nearest class mean, with one
//!   shared covariance (K-independent).
//!
//! And one yardstick that does not look at the network at all: the mean
//! pixel value ("ink"). Filled animal silhouettes hold more ink than digits,
//! so a detector is only interesting where it beats this.
//!
//! The evaluation set is both what the clusters were fitted on and the
//! in-distribution side of every AUROC (the page has no other labelled
//! images at hand); `examples/ood_target.rs` measures how little that
//! matters against held-out training digits.
//!
//! Only the nearest-centre detectors depend on K, so the page computes the
//! others once per run ([`FixedDetectors`]) and re-runs
//! [`foreign_finding`] when K changes.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::ops::Range;

use ndarray::{Array2, ArrayView2, s};
use thiserror::Error;

use crate::core::analysis::{
    AnalysisError, Emergence, Mahalanobis, NeuronProfile, Separability, SeparabilityJob, Whitened, auroc, emergence,
    nearest_center, neuron_profile,
};
use crate::core::data::{ClassSet, Dataset, DatasetKind, IMAGE_PIXELS, Images, LabeledImages, Subset};
use crate::core::results::RunResults;
use crate::core::signature::{LayerSignatures, Signatures};
use crate::core::snapshot::OodSnapshot;

/// Neurons listed per layer in the pair finding.
pub const TOP_NEURONS: usize = 3;

/// Why a finding cannot be computed.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FindingsError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error("class {0} is not one of the run's classes")]
    UnknownClass(u8),
    #[error("the two classes to compare must differ")]
    SamePair,
    #[error("the foreign set does not fit the run: {0}")]
    Mismatch(String),
    #[error("there are no foreign images to score")]
    NoForeignImages,
}

// ---------------------------------------------------------------------------
// Words

/// What the run's images are called in sentences.
pub fn set_noun(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Mnist => "digits",
        DatasetKind::Animals => "animal shapes",
    }
}

/// What the foreign images scored against a run on `kind` are called.
pub fn foreign_noun(kind: DatasetKind) -> &'static str {
    match foreign_kind(kind) {
        DatasetKind::Mnist => "MNIST digits",
        DatasetKind::Animals => "Animal-Shape images",
    }
}

fn class_name(results: &RunResults, index: usize) -> String {
    results.classes.value_at(index).map_or_else(|| "?".into(), |v| results.config.dataset.class_name(v).to_string())
}

/// 10000 → "10,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

// ---------------------------------------------------------------------------
// 1. Where class structure emerges

/// One layer's agreement with the classes under its K in use.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerAgreement {
    pub name: String,
    pub k: usize,
    pub nmi: f64,
    pub purity: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmergenceFinding {
    pub layers: Vec<LayerAgreement>,
    pub emergence: Emergence,
    pub sentence: String,
}

/// NMI and purity per layer, the first layer reaching
/// [`crate::core::analysis::EMERGENCE_NMI_THRESHOLD`] and the largest rise between layers.
pub fn emergence_finding(results: &RunResults) -> EmergenceFinding {
    let layers: Vec<LayerAgreement> = results
        .layers
        .iter()
        .map(|l| {
            let scores = l.scores();
            LayerAgreement { name: l.name.clone(), k: l.k(), nmi: scores.nmi, purity: scores.purity }
        })
        .collect();
    let nmi: Vec<f64> = layers.iter().map(|l| l.nmi).collect();
    let found = emergence(&nmi);
    let noun = set_noun(results.config.dataset);
    let mut sentence = format!("How well each layer's clusters match the {noun}: ");
    let figures: Vec<String> =
        layers.iter().map(|l| format!("{} NMI {:.2}, purity {:.2} (K = {})", l.name, l.nmi, l.purity, l.k)).collect();
    sentence.push_str(&figures.join(" → "));
    sentence.push_str(". ");
    let name = |i: usize| layers.get(i).map_or("?", |l| l.name.as_str());
    match found.first_above {
        Some(i) => {
            let _ = write!(
                sentence,
                "Class structure emerges at {} (the first layer with NMI ≥ {:.2})",
                name(i),
                found.threshold
            );
        }
        None => {
            let _ = write!(sentence, "No layer's clusters reach NMI {:.2}", found.threshold);
        }
    }
    match found.largest_jump {
        Some(jump) => {
            let _ = write!(
                sentence,
                "; the behaviour changes most between {} and {} (NMI +{:.2}, purity {:+.2}).",
                name(jump.to - 1),
                name(jump.to),
                jump.gain,
                layers.get(jump.to).map_or(0.0, |l| l.purity) - layers.get(jump.to - 1).map_or(0.0, |l| l.purity),
            );
        }
        None if layers.len() > 1 => sentence.push_str("; NMI does not rise from one layer to the next."),
        None => sentence.push_str(" (the network has a single hidden layer)."),
    }
    EmergenceFinding { layers, emergence: found, sentence }
}

// ---------------------------------------------------------------------------
// 2. Two classes

/// The pair compared by default: two digits that are easily confused, and
/// cat vs dog.
pub fn default_pair(kind: DatasetKind) -> (u8, u8) {
    match kind {
        DatasetKind::Mnist => (3, 8),
        DatasetKind::Animals => (2, 4),
    }
}

/// The pair to compare: `wanted` if both classes are kept and differ, else
/// the data set's default if kept, else the first two kept classes.
pub fn resolve_pair(wanted: Option<(u8, u8)>, kind: DatasetKind, classes: &ClassSet) -> Option<(u8, u8)> {
    let valid = |(a, b): (u8, u8)| a != b && classes.index_of(a).is_some() && classes.index_of(b).is_some();
    wanted
        .filter(|&p| valid(p))
        .or_else(|| Some(default_pair(kind)).filter(|&p| valid(p)))
        .or_else(|| Some((classes.value_at(0)?, classes.value_at(1)?)))
}

#[derive(Debug, Clone, PartialEq)]
pub struct PairLayer {
    pub name: String,
    pub separability: Separability,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PairFinding {
    /// Class values, e.g. 3 and 8.
    pub a: u8,
    pub b: u8,
    pub layers: Vec<PairLayer>,
    /// The layer whose two-class silhouette is highest.
    pub clearest: Option<usize>,
    pub sentence: String,
}

/// How separable the signatures of classes `a` and `b` (class values) are at
/// every layer, under each layer's K in use.
pub fn pair_finding(results: &RunResults, a: u8, b: u8) -> Result<PairFinding, FindingsError> {
    PairFindingJob::new(results, a, b)?.finish()
}

/// [`pair_finding`] a piece at a time (see [`SeparabilityJob`]): the page
/// steps it between frames, a layer's silhouette in several steps.
#[derive(Debug, Clone)]
pub struct PairFindingJob {
    a: u8,
    b: u8,
    kind: DatasetKind,
    /// Layer names and their jobs, in layer order.
    layers: Vec<(String, SeparabilityJob)>,
    /// The first layer whose silhouette is not finished.
    current: usize,
}

impl PairFindingJob {
    /// Every figure but the silhouettes; same errors as [`pair_finding`].
    pub fn new(results: &RunResults, a: u8, b: u8) -> Result<Self, FindingsError> {
        if a == b {
            return Err(FindingsError::SamePair);
        }
        let ia = results.classes.index_of(a).ok_or(FindingsError::UnknownClass(a))?;
        let ib = results.classes.index_of(b).ok_or(FindingsError::UnknownClass(b))?;
        let layers = results
            .layers
            .iter()
            .map(|l| {
                let signatures = l.signatures.view();
                let job = SeparabilityJob::new(
                    signatures,
                    &results.eval.targets,
                    &l.clustering().labels,
                    ia,
                    ib,
                    TOP_NEURONS,
                )?;
                Ok((l.name.clone(), job))
            })
            .collect::<Result<Vec<_>, FindingsError>>()?;
        Ok(Self { a, b, kind: results.config.dataset, layers, current: 0 })
    }

    /// About `max_pairs` more silhouette distances, within one layer;
    /// `true` once every layer is done.
    pub fn step(&mut self, max_pairs: u64) -> bool {
        if let Some((_, job)) = self.layers.get_mut(self.current) {
            if job.step(max_pairs) {
                self.current += 1;
            }
        }
        self.current >= self.layers.len()
    }

    /// The remaining distances, then the finding and its sentence.
    pub fn finish(self) -> Result<PairFinding, FindingsError> {
        let Self { a, b, kind, layers, .. } = self;
        let layers = layers
            .into_iter()
            .map(|(name, job)| Ok(PairLayer { name, separability: job.finish()? }))
            .collect::<Result<Vec<_>, FindingsError>>()?;
        Ok(pair_sentence(kind, a, b, layers))
    }
}

/// The finding of classes `a` and `b` from each layer's figures.
fn pair_sentence(kind: DatasetKind, a: u8, b: u8, layers: Vec<PairLayer>) -> PairFinding {
    let clearest = layers
        .iter()
        .enumerate()
        .filter_map(|(i, l)| l.separability.silhouette.map(|s| (i, s)))
        .max_by(|x, y| x.1.total_cmp(&y.1))
        .map(|(i, _)| i);

    let (na, nb) = (kind.class_name(a), kind.class_name(b));
    let mut sentence = String::new();
    if let Some(first) = layers.first() {
        let _ = write!(
            sentence,
            "{na} vs {nb} ({} and {} test images): ",
            thousands(first.separability.count_a),
            thousands(first.separability.count_b)
        );
    }
    let parts: Vec<String> = layers
        .iter()
        .map(|l| {
            let s = &l.separability;
            let silhouette = s.silhouette.map_or_else(|| "undefined".into(), |v| format!("{v:.2}"));
            let ratio = s.centre_ratio.map_or_else(|| "undefined".into(), |v| format!("{v:.2}"));
            format!(
                "at {} the two-class silhouette is {silhouette}, their centres lie {ratio} spreads apart and they share {} of their cluster membership",
                l.name,
                percent(s.cluster_overlap)
            )
        })
        .collect();
    sentence.push_str(&parts.join("; "));
    sentence.push('.');
    if let Some(layer) = clearest.and_then(|i| layers.get(i)) {
        let _ = write!(sentence, " They are told apart best at {}", layer.name);
        let neurons: Vec<String> = layer
            .separability
            .top_neurons
            .iter()
            .map(|n| format!("{}#{} ({na} {:.2}, {nb} {:.2})", layer.name, n.neuron, n.mean_a, n.mean_b))
            .collect();
        if neurons.is_empty() {
            sentence.push('.');
        } else {
            let _ = write!(sentence, ", where the neurons that differ most are {}.", neurons.join(", "));
        }
    }
    PairFinding { a, b, layers, clearest, sentence }
}

// ---------------------------------------------------------------------------
// 3. Foreign inputs: the images

/// The data set scored as foreign against a run on `kind`.
pub fn foreign_kind(kind: DatasetKind) -> DatasetKind {
    match kind {
        DatasetKind::Mnist => DatasetKind::Animals,
        DatasetKind::Animals => DatasetKind::Mnist,
    }
}

/// The foreign images of `dataset` (a data set of [`foreign_kind`]): every
/// Animal-Shape image (both splits: none of them was seen by a digit
/// network), or the 10,000 MNIST test digits.
pub fn foreign_images(dataset: &Dataset) -> LabeledImages {
    match dataset.kind {
        DatasetKind::Mnist => dataset.test.clone(),
        DatasetKind::Animals => {
            let mut pixels = Vec::with_capacity((dataset.train.len() + dataset.test.len()) * IMAGE_PIXELS);
            pixels.extend_from_slice(&dataset.train.images.pixels);
            pixels.extend_from_slice(&dataset.test.images.pixels);
            let mut labels = dataset.train.labels.clone();
            labels.extend_from_slice(&dataset.test.labels);
            LabeledImages::from_parts(Images { count: labels.len(), pixels }, labels)
        }
    }
}

/// Rows `rows` of the foreign images as a subset a network with `classes`
/// accepts. Foreign labels mean nothing to the network, so every target is 0.
pub fn foreign_chunk(images: &LabeledImages, rows: Range<usize>, classes: &ClassSet) -> Subset {
    let end = rows.end.min(images.len());
    let indices: Vec<usize> = (rows.start.min(end)..end).collect();
    let data = images.select(&indices);
    let targets = vec![0; data.len()];
    Subset { classes: classes.clone(), data, targets }
}

/// Joins the signatures of consecutive chunks into one set.
#[derive(Debug, Clone, Default)]
pub struct SignatureAccumulator {
    layers: Vec<(String, usize, Vec<f32>)>,
    classes: usize,
    probabilities: Vec<f32>,
    predictions: Vec<usize>,
    targets: Vec<usize>,
}

impl SignatureAccumulator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Append a chunk; its layers must match the earlier chunks'.
    pub fn push(&mut self, chunk: Signatures) -> Result<(), FindingsError> {
        if self.targets.is_empty() && self.layers.is_empty() {
            self.layers = chunk.layers.iter().map(|l| (l.name.clone(), l.values.ncols(), Vec::new())).collect();
            self.classes = chunk.probabilities.ncols();
        }
        let fits = chunk.layers.len() == self.layers.len()
            && chunk
                .layers
                .iter()
                .zip(&self.layers)
                .all(|(l, (name, width, _))| l.name == *name && l.values.ncols() == *width)
            && chunk.probabilities.ncols() == self.classes;
        if !fits {
            return Err(FindingsError::Mismatch("a chunk's layers differ from the first chunk's".into()));
        }
        for (layer, (_, _, values)) in chunk.layers.iter().zip(&mut self.layers) {
            values.extend(layer.values.iter().copied());
        }
        self.probabilities.extend(chunk.probabilities.iter().copied());
        self.predictions.extend(chunk.predictions);
        self.targets.extend(chunk.targets);
        Ok(())
    }

    pub fn finish(self) -> Result<Signatures, FindingsError> {
        let n = self.targets.len();
        let array = |width: usize, values: Vec<f32>| {
            Array2::from_shape_vec((n, width), values).map_err(|e| FindingsError::Mismatch(e.to_string()))
        };
        let layers = self
            .layers
            .into_iter()
            .map(|(name, width, values)| Ok(LayerSignatures { name, values: array(width, values)? }))
            .collect::<Result<Vec<_>, FindingsError>>()?;
        let probabilities = array(self.classes, self.probabilities)?;
        Ok(Signatures { layers, probabilities, predictions: self.predictions, targets: self.targets })
    }
}

/// A number that changes when the run's network or evaluation set changes
/// but not when K does: decides whether foreign signatures must be extracted
/// again. FNV-1a over the configuration and the evaluation probabilities.
pub fn run_fingerprint(results: &RunResults) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    eat(serde_json::to_string(&results.config).unwrap_or_default().as_bytes());
    eat(&(results.eval.len() as u64).to_le_bytes());
    for &p in &results.eval.probabilities {
        eat(&p.to_bits().to_le_bytes());
    }
    hash
}

// ---------------------------------------------------------------------------
// 3. Foreign inputs: the detectors

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
            nearest_center(centres.view(), point).map(|(_, d)| d).ok_or_else(|| {
                let col = point.iter().position(|v| !v.is_finite()).unwrap_or(0);
                FindingsError::Analysis(AnalysisError::NonFinite { row, col })
            })
        })
        .collect()
}

fn check_foreign(results: &RunResults, foreign: &Signatures) -> Result<(), FindingsError> {
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
        let centres = layer.clustering().centers.view();
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

// ---------------------------------------------------------------------------
// 3. Foreign inputs: the finding

/// Mean activation per neuron of the run's images and of the foreign ones.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileComparison {
    pub layer: String,
    pub in_dist: NeuronProfile,
    pub foreign: NeuronProfile,
}

impl ProfileComparison {
    /// Mean activation over the layer's neurons.
    pub fn mean_activation(profile: &NeuronProfile) -> f64 {
        if profile.mean.is_empty() {
            return 0.0;
        }
        profile.mean.iter().map(|&v| f64::from(v)).sum::<f64>() / profile.mean.len() as f64
    }

    /// Neurons silent for the foreign images but not for the run's own.
    pub fn silenced(&self) -> usize {
        self.foreign.silent.iter().zip(&self.in_dist.silent).filter(|&(&f, &i)| f && !i).count()
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ForeignFinding {
    pub probe_set: DatasetKind,
    pub foreign_count: usize,
    pub in_count: usize,
    /// Nearest-centre per layer, all layers, max softmax, Mahalanobis per
    /// layer, then the ink yardstick if known.
    pub detectors: Vec<DetectorScores>,
    pub profiles: Vec<ProfileComparison>,
    /// Share of foreign images given to each class (class order).
    pub predicted_shares: Vec<f64>,
    /// Mean largest probability: foreign images, the run's own.
    pub mean_confidence_foreign: f64,
    pub mean_confidence_in: f64,
    pub sentence: String,
}

impl ForeignFinding {
    /// The signature detector with the highest AUROC (ties: the first
    /// listed; the ink yardstick does not compete).
    pub fn best(&self) -> Option<&DetectorScores> {
        let mut best: Option<(&DetectorScores, f64)> = None;
        for d in self.detectors.iter().filter(|d| d.kind != DetectorKind::Ink) {
            if let Some(a) = d.auroc.filter(|a| a.is_finite())
                && best.is_none_or(|(_, b)| a > b)
            {
                best = Some((d, a));
            }
        }
        best.map(|(d, _)| d)
    }

    /// The nearest-centre detector with the highest AUROC.
    pub fn best_layer(&self) -> Option<&DetectorScores> {
        self.detectors
            .iter()
            .filter(|d| d.kind == DetectorKind::NearestCentre && d.auroc.is_some())
            .max_by(|x, y| x.auroc.unwrap_or(0.0).total_cmp(&y.auroc.unwrap_or(0.0)))
    }

    pub fn detector(&self, id: &str) -> Option<&DetectorScores> {
        self.detectors.iter().find(|d| d.id() == id)
    }

    /// What `state().ood` reports.
    pub fn snapshot(&self) -> OodSnapshot {
        let by_layer = |kind: DetectorKind| -> BTreeMap<String, f64> {
            self.detectors
                .iter()
                .filter(|d| d.kind == kind)
                .filter_map(|d| Some((d.layer.clone()?, d.auroc?)))
                .collect()
        };
        let single = |kind: DetectorKind| self.detectors.iter().find(|d| d.kind == kind).and_then(|d| d.auroc);
        OodSnapshot {
            probe_set: self.probe_set.id().to_string(),
            auroc_by_layer: by_layer(DetectorKind::NearestCentre),
            auroc_max_softmax: single(DetectorKind::MaxSoftmax).unwrap_or(f64::NAN),
            auroc_all_layers: single(DetectorKind::AllLayers),
            auroc_mahalanobis: by_layer(DetectorKind::Mahalanobis),
            auroc_euclidean_by_layer: by_layer(DetectorKind::EuclideanCentre),
            auroc_ink: single(DetectorKind::Ink),
            foreign_count: self.foreign_count,
            in_count: self.in_count,
        }
    }
}

fn mean_max(probabilities: ArrayView2<f32>) -> f64 {
    let n = probabilities.nrows();
    if n == 0 {
        return 0.0;
    }
    probabilities.rows().into_iter().map(|r| f64::from(r.iter().copied().fold(0.0f32, f32::max))).sum::<f64>()
        / n as f64
}

/// The third answer: the foreign set's profile, the network's verdicts on
/// it and every detector's AUROC. `fixed` comes from [`FixedDetectors`].
pub fn foreign_finding(
    results: &RunResults,
    foreign: &Signatures,
    fixed: &FixedDetectors,
) -> Result<ForeignFinding, FindingsError> {
    check_foreign(results, foreign)?;
    let probe_set = foreign_kind(results.config.dataset);
    let mut detectors = nearest_centre_detectors(results, foreign)?;
    detectors.push(fixed.max_softmax.clone());
    detectors.extend(fixed.mahalanobis.iter().cloned());
    detectors.extend(fixed.ink.iter().cloned());

    let profiles = results
        .layers
        .iter()
        .zip(&foreign.layers)
        .map(|(l, f)| {
            Ok(ProfileComparison {
                layer: l.name.clone(),
                in_dist: neuron_profile(l.signatures.view(), None)?,
                foreign: neuron_profile(f.values.view(), None)?,
            })
        })
        .collect::<Result<Vec<_>, FindingsError>>()?;

    let classes = results.classes.len();
    let mut counts = vec![0usize; classes];
    for &p in &foreign.predictions {
        if let Some(c) = counts.get_mut(p) {
            *c += 1;
        }
    }
    let predicted_shares: Vec<f64> = counts.iter().map(|&c| c as f64 / foreign.len().max(1) as f64).collect();
    let mean_confidence_foreign = mean_max(foreign.probabilities.view());
    let mean_confidence_in = mean_max(results.eval.probabilities.view());

    let mut finding = ForeignFinding {
        probe_set,
        foreign_count: foreign.len(),
        in_count: results.eval.len(),
        detectors,
        profiles,
        predicted_shares,
        mean_confidence_foreign,
        mean_confidence_in,
        sentence: String::new(),
    };
    finding.sentence = foreign_sentence(results, &finding);
    Ok(finding)
}

fn foreign_sentence(results: &RunResults, f: &ForeignFinding) -> String {
    let kind = results.config.dataset;
    let (noun, foreign) = (set_noun(kind), foreign_noun(kind));
    let mut out = format!("{} {foreign} through the {noun} network: ", thousands(f.foreign_count));
    let parts: Vec<String> = f
        .profiles
        .iter()
        .map(|p| {
            format!(
                "at {} their mean activation is {:.2} against {:.2} for the {noun}, and {} of {} neurons stay silent ({} for the {noun})",
                p.layer,
                ProfileComparison::mean_activation(&p.foreign),
                ProfileComparison::mean_activation(&p.in_dist),
                p.foreign.silent_count(),
                p.foreign.silent.len(),
                p.in_dist.silent_count(),
            )
        })
        .collect();
    out.push_str(&parts.join("; "));
    out.push_str(". ");
    let top = f.predicted_shares.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1));
    if let Some((class, share)) = top {
        let _ = write!(
            out,
            "The network calls {} of them “{}” and is on average {} sure (the {noun}: {}). ",
            percent(*share),
            class_name(results, class),
            percent(f.mean_confidence_foreign),
            percent(f.mean_confidence_in),
        );
    }
    match f.best() {
        Some(best) => {
            let _ =
                write!(out, "The best detector is the {} with AUROC {:.3}", best.label(), best.auroc.unwrap_or(0.0));
            let msp = f.detectors.iter().find(|d| d.kind == DetectorKind::MaxSoftmax).and_then(|d| d.auroc);
            if let Some(a) = msp.filter(|_| best.kind != DetectorKind::MaxSoftmax) {
                let _ = write!(out, "; the max-softmax baseline reaches {a:.3}");
            }
            let ink = f.detectors.iter().find(|d| d.kind == DetectorKind::Ink).and_then(|d| d.auroc);
            match ink {
                // Below 0.5 the yardstick works the other way round: the foreign images hold less ink.
                Some(a) if a < 0.5 => {
                    let _ = write!(
                        out,
                        ", and the mean pixel value alone {a:.3} (the foreign images hold less ink: {:.3} read the other way round)",
                        1.0 - a
                    );
                }
                Some(a) => {
                    let _ = write!(out, ", and the mean pixel value alone {a:.3}");
                }
                None => {}
            }
            out.push('.');
        }
        None => out.push_str("No detector could be scored."),
    }
    out
}
