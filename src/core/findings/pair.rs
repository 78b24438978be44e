//! The second question: do two classes (3 vs 8, cat vs dog) have different
//! signatures? Their separability at every layer (see
//! [`crate::core::analysis::separability`]) and the neurons that differ most.

use std::fmt::Write;

use super::FindingsError;
use super::words::{percent, thousands};
use crate::core::analysis::{Separability, SeparabilityJob};
use crate::core::data::{ClassSet, DatasetKind};
use crate::core::results::RunResults;

/// Neurons listed per layer in the pair finding.
pub const TOP_NEURONS: usize = 3;

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
        if let Some((_, job)) = self.layers.get_mut(self.current)
            && job.step(max_pairs)
        {
            self.current += 1;
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
