//! A finished run: the evaluation set and its layers, assembled from the
//! evaluation signatures and one analysis per layer.

use ndarray::Array2;

use super::{LayerResult, ResultsError};
use crate::core::analysis::LayerAnalysis;
use crate::core::config::ExperimentConfig;
use crate::core::data::ClassSet;
use crate::core::share::experiment::CurvePoint;
use crate::core::signature::Signatures;
use crate::core::snapshot::{BackendKind, LayerSnapshot, TrainingSnapshot};

/// The images whose signatures were recorded and what the network said of them.
#[derive(Debug, Clone, PartialEq)]
pub struct EvalSet {
    /// Positions in the data set's test split.
    pub test_indices: Vec<usize>,
    /// True class index (position among the kept classes).
    pub targets: Vec<usize>,
    /// Predicted class index.
    pub predictions: Vec<usize>,
    /// `[n, classes]`.
    pub probabilities: Array2<f32>,
}

impl EvalSet {
    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Share of images predicted right.
    pub fn accuracy(&self) -> f64 {
        let right = self.targets.iter().zip(&self.predictions).filter(|(t, p)| t == p).count();
        right as f64 / self.len().max(1) as f64
    }
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub config: ExperimentConfig,
    pub classes: ClassSet,
    pub backend: BackendKind,
    pub training: TrainingSnapshot,
    pub eval: EvalSet,
    pub layers: Vec<LayerResult>,
    /// The training chart's readings (empty for a run restored from a
    /// version-1 file); [`RunResults::new`] leaves it empty for the caller.
    pub curve: Vec<CurvePoint>,
}

impl RunResults {
    /// Assemble from the evaluation signatures and one analysis per layer.
    pub fn new(
        config: ExperimentConfig,
        backend: BackendKind,
        training: TrainingSnapshot,
        test_indices: Vec<usize>,
        signatures: Signatures,
        analyses: Vec<LayerAnalysis>,
    ) -> Result<Self, ResultsError> {
        let classes = ClassSet::new(&config.classes, config.dataset.class_count())?;
        if analyses.len() != signatures.layers.len() {
            return Err(ResultsError::Mismatch("one analysis per layer is needed".into()));
        }
        if test_indices.len() != signatures.len() {
            return Err(ResultsError::Mismatch("one test index per signature is needed".into()));
        }
        let layers = signatures
            .layers
            .into_iter()
            .zip(analyses)
            .map(|(layer, analysis)| LayerResult::new(layer.name, layer.values, analysis, &signatures.targets))
            .collect::<Result<Vec<_>, _>>()?;
        let eval = EvalSet {
            test_indices,
            targets: signatures.targets,
            predictions: signatures.predictions,
            probabilities: signatures.probabilities,
        };
        let mut training = training;
        training.test_accuracy = Some(eval.accuracy());
        Ok(Self { config, classes, backend, training, eval, layers, curve: Vec::new() })
    }

    /// What `state().layers` reports.
    pub fn layer_snapshots(&self) -> Vec<LayerSnapshot> {
        self.layers.iter().map(LayerResult::snapshot).collect()
    }

    /// Where each evaluation image goes: true class index, cluster at each
    /// layer, predicted class index (the layer flow's paths).
    pub fn paths(&self) -> Vec<Vec<usize>> {
        (0..self.eval.len())
            .map(|i| {
                let mut path = Vec::with_capacity(self.layers.len() + 2);
                path.push(self.eval.targets[i]);
                path.extend(self.layers.iter().map(|l| l.clustering().labels.get(i).copied().unwrap_or(0)));
                path.push(self.eval.predictions[i]);
                path
            })
            .collect()
    }
}
