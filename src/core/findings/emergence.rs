//! The first question: where does class structure emerge? Agreement (NMI,
//! purity) of each layer's clusters with the classes, and the layer of the
//! largest change.

use std::fmt::Write;

use super::words::set_noun;
use crate::core::analysis::{Emergence, emergence};
use crate::core::results::RunResults;

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
/// [`crate::core::analysis::EMERGENCE_NMI_THRESHOLD`] and the largest rise
/// between layers. Its sentence is the page's one emergence sentence (the
/// layer table and the findings panel both show it).
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
    let sentence = emergence_sentence(set_noun(results.config.dataset), &layers, &found);
    EmergenceFinding { layers, emergence: found, sentence }
}

/// The figures of every layer, where class structure emerges (or that it
/// does not, and the best layer) and where the behaviour changes most.
fn emergence_sentence(noun: &str, layers: &[LayerAgreement], found: &Emergence) -> String {
    let mut sentence = format!("How well each layer's clusters match the {noun}: ");
    let figures: Vec<String> =
        layers.iter().map(|l| format!("{} NMI {:.2}, purity {:.2} (K = {})", l.name, l.nmi, l.purity, l.k)).collect();
    sentence.push_str(&figures.join(" → "));
    sentence.push_str(". ");
    let name = |i: usize| layers.get(i).map_or("?", |l| l.name.as_str());
    // The best layer is named only when there is more than one to compare.
    let best = layers
        .iter()
        .max_by(|a, b| a.nmi.total_cmp(&b.nmi))
        .filter(|_| layers.len() > 1)
        .map(|l| format!("the best is layer {} at {:.2}", l.name, l.nmi));
    match found.first_above {
        Some(i) => {
            let _ = write!(
                sentence,
                "Class structure emerges at {} (the first layer with NMI ≥ {:.2}",
                name(i),
                found.threshold
            );
            if let Some(best) = &best {
                let _ = write!(sentence, "; {best}");
            }
            sentence.push(')');
        }
        None => {
            let _ = write!(sentence, "No layer's clusters reach NMI {:.2}", found.threshold);
            if let Some(best) = &best {
                let _ = write!(sentence, " ({best})");
            }
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
    sentence
}
