//! The third answer: the foreign set's activation profile against the run's
//! own images, what the network calls the foreign images, every detector's
//! AUROC, and the sentence that says it.

use std::collections::BTreeMap;
use std::fmt::Write;

use ndarray::ArrayView2;

use super::detectors::{DetectorKind, DetectorScores, FixedDetectors, check_foreign, nearest_centre_detectors};
use super::images::foreign_kind;
use crate::core::analysis::{NeuronProfile, neuron_profile};
use crate::core::data::DatasetKind;
use crate::core::findings::FindingsError;
use crate::core::findings::words::{class_name, foreign_noun, percent, set_noun, thousands};
use crate::core::results::RunResults;
use crate::core::signature::Signatures;
use crate::core::snapshot::OodSnapshot;

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
