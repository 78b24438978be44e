//! One input sent through the trained network and placed among the clusters
//! of every layer.

use ndarray::ArrayView1;

use super::{ResultsError, RunResults};
use crate::core::analysis::{AnalysisError, is_unfamiliar, ood_score};
use crate::core::data::ClassSet;
use crate::core::signature::SingleSignature;
use crate::core::snapshot::{ProbeSnapshot, ProbeSource};

/// One input sent through the trained network and placed among the clusters.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeLayer {
    pub name: String,
    pub activations: Vec<f32>,
    /// Nearest cluster centre under the layer's K, and the distance to it.
    pub cluster: usize,
    pub distance: f32,
    /// Share of evaluation images lying closer to their own centre, in [0, 1].
    pub percentile: f64,
    /// Where the input falls in the layer's PCA plane.
    pub plane: [f32; 2],
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// Predicted class index.
    pub prediction: usize,
    pub probabilities: Vec<f32>,
    pub layers: Vec<ProbeLayer>,
    /// Mean of the layers' percentiles, in [0, 1].
    pub ood_score: f64,
    pub unfamiliar: bool,
}

impl ProbeResult {
    /// The path: nearest cluster at each hidden layer.
    pub fn path(&self) -> Vec<usize> {
        self.layers.iter().map(|l| l.cluster).collect()
    }

    /// Verdict in `state()` words.
    pub fn verdict_id(&self) -> &'static str {
        if self.unfamiliar { "unfamiliar" } else { "in-distribution" }
    }

    pub fn snapshot(&self, source: ProbeSource, classes: &ClassSet) -> ProbeSnapshot {
        ProbeSnapshot {
            source,
            prediction: classes.value_at(self.prediction).unwrap_or(0),
            probabilities: self.probabilities.iter().map(|&p| f64::from(p)).collect(),
            path: self.path(),
            ood_score: self.ood_score,
            ood_verdict: self.verdict_id().to_string(),
        }
    }
}

impl RunResults {
    /// Send one input's signature through the clusters of every layer: the
    /// path follows the K-means assignment (nearest centre); the familiarity
    /// of each layer is the percentile of its distance among the evaluation
    /// set's own distances.
    pub fn probe(&self, signature: &SingleSignature) -> Result<ProbeResult, ResultsError> {
        if signature.layers.len() != self.layers.len() {
            return Err(ResultsError::Mismatch("the probe's layers differ from the run's".into()));
        }
        let mut layers = Vec::with_capacity(self.layers.len());
        for (layer, (_, activations)) in self.layers.iter().zip(&signature.layers) {
            let (cluster, _) =
                layer.clustering().nearest(ArrayView1::from(activations.as_slice())).ok_or(AnalysisError::EmptyData)?;
            let distance = layer.familiarity_distance(activations)?;
            let percentile = layer.reference().percentile_rank(distance).ok_or(AnalysisError::EmptyData)?;
            layers.push(ProbeLayer {
                name: layer.name.clone(),
                plane: layer.pca.project(activations)?,
                activations: activations.clone(),
                cluster,
                distance,
                percentile,
            });
        }
        let percentiles: Vec<f64> = layers.iter().map(|l| l.percentile).collect();
        let score = ood_score(&percentiles).ok_or(AnalysisError::EmptyData)?;
        Ok(ProbeResult {
            prediction: signature.prediction,
            probabilities: signature.probabilities.clone(),
            layers,
            ood_score: score,
            unfamiliar: is_unfamiliar(score),
        })
    }
}
