//! A run to and from an experiment file: [`RunResults::to_file`], and
//! [`FileAssembly`], which restores one a piece at a time.

use ndarray::{Array2, ArrayView1};

use super::layer::{AgreementScores, LayerParts};
use super::{EvalSet, LayerResult, ResultsError, RunResults};
use crate::core::analysis::kernels::squared_l2;
use crate::core::analysis::{Clustering, Pca2};
use crate::core::data::ClassSet;
use crate::core::share::experiment::{self as file, ExperimentFile};
use crate::core::share::link::ViewOptions;
use crate::core::snapshot::{BackendKind, TrainingSnapshot};

fn backend_id(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Webgpu => "webgpu",
        BackendKind::Cpu => "cpu",
    }
}

impl RunResults {
    /// Everything needed to show this run again, with the trained weights.
    pub fn to_file(&self, weights: Vec<u8>, view: ViewOptions) -> ExperimentFile {
        let value = |index: usize| self.classes.value_at(index).unwrap_or(0);
        ExperimentFile {
            config: self.config.clone(),
            classes: self.classes.values().to_vec(),
            weights,
            training: file::TrainingSummary {
                loss_per_epoch: self.training.loss_per_epoch.clone(),
                epoch_secs: self.training.epoch_secs.clone(),
                train_accuracy: self.training.train_accuracy.unwrap_or(0.0),
                test_accuracy: self.eval.accuracy(),
                samples_per_sec: self.training.samples_per_sec.unwrap_or(0.0),
                backend: backend_id(self.backend).to_string(),
                steps_per_epoch: self.training.steps as u32,
            },
            evaluation: file::EvaluationSet {
                indices: self.eval.test_indices.iter().map(|&i| i as u32).collect(),
                labels: self.eval.targets.iter().map(|&t| value(t)).collect(),
                predictions: self.eval.predictions.iter().map(|&p| value(p)).collect(),
                probabilities: self.eval.probabilities.iter().copied().collect(),
            },
            layers: self
                .layers
                .iter()
                .map(|layer| file::LayerRecord {
                    name: layer.name.clone(),
                    width: layer.width() as u32,
                    signatures: layer.signatures.iter().copied().collect(),
                    clusterings: layer
                        .clusterings
                        .iter()
                        .zip(&layer.silhouettes)
                        .zip(&layer.scores)
                        .map(|((c, s), scores)| file::Clustering {
                            k: c.k as u8,
                            labels: c.labels.iter().map(|&l| l as u8).collect(),
                            centres: c.centres.iter().copied().collect(),
                            silhouette: *s,
                            scores: file::ClusterScores { purity: scores.purity, nmi: scores.nmi, ari: scores.ari },
                        })
                        .collect(),
                    chosen_k: layer.k_auto().unwrap_or_else(|| layer.k()) as u8,
                    k_override: layer.k_override().map(|k| k as u8),
                    pca: file::PcaBasis {
                        mean: layer.pca.mean().to_vec(),
                        components: layer.pca.components().concat(),
                        explained_variance_ratio: layer.pca.explained_variance_ratio().to_vec(),
                    },
                })
                .collect(),
            view,
            curve: file::fit_curve(&self.curve, self.config.epochs),
        }
    }

    /// Restore a run from a (validated) experiment file; also returns its weights and view options.
    pub fn from_file(file: ExperimentFile) -> Result<(Self, Vec<u8>, ViewOptions), ResultsError> {
        FileAssembly::new(file)?.finish()
    }
}

/// [`RunResults::from_file`] a piece at a time, so that a page restoring a run
/// can paint in between: each layer in two [`Self::step`]s (its clusterings
/// and PCA plane, then its familiarity metric), so that no single task of
/// the browser holds a whole run's restoring.
#[derive(Debug, Clone)]
pub struct FileAssembly {
    /// The file, its layers taken out into `records`.
    file: ExperimentFile,
    records: std::vec::IntoIter<file::LayerRecord>,
    /// A layer read from its record, its familiarity metric still to fit.
    pending: Option<LayerParts>,
    classes: ClassSet,
    eval: EvalSet,
    layers: Vec<LayerResult>,
}

impl FileAssembly {
    /// Check the file and read its evaluation set; no layer yet.
    pub fn new(mut file: ExperimentFile) -> Result<Self, ResultsError> {
        file.validate().map_err(|e| ResultsError::Mismatch(e.to_string()))?;
        let classes = ClassSet::new(&file.classes, file.config.dataset.class_count())?;
        let index_of = |value: u8| {
            classes.index_of(value).ok_or_else(|| ResultsError::Mismatch(format!("class {value} is not kept")))
        };
        let evaluation = &mut file.evaluation;
        let n = evaluation.indices.len();
        let targets = evaluation.labels.iter().map(|&v| index_of(v)).collect::<Result<Vec<_>, _>>()?;
        let predictions = evaluation.predictions.iter().map(|&v| index_of(v)).collect::<Result<Vec<_>, _>>()?;
        let probabilities = Array2::from_shape_vec((n, classes.len()), std::mem::take(&mut evaluation.probabilities))
            .map_err(|e| ResultsError::Mismatch(e.to_string()))?;
        let test_indices = evaluation.indices.iter().map(|&i| i as usize).collect();
        let eval = EvalSet { test_indices, targets, predictions, probabilities };
        let records = std::mem::take(&mut file.layers);
        let layers = Vec::with_capacity(records.len());
        Ok(Self { file, records: records.into_iter(), pending: None, classes, eval, layers })
    }

    /// The next piece of work: read a layer's record (its signatures, its
    /// clusterings with their sizes and inertia, its PCA plane), or fit the
    /// familiarity metric of the layer just read. `true` once every layer is
    /// done.
    pub fn step(&mut self) -> Result<bool, ResultsError> {
        if let Some(parts) = self.pending.take() {
            self.layers.push(LayerResult::assemble(parts)?);
        } else if let Some(record) = self.records.next() {
            self.pending = Some(read_layer(record, self.eval.test_indices.len())?);
        }
        Ok(self.pending.is_none() && self.records.len() == 0)
    }

    /// The remaining layers, then the run, its weights and its view options.
    pub fn finish(mut self) -> Result<(RunResults, Vec<u8>, ViewOptions), ResultsError> {
        while !self.step()? {}
        let Self { file, classes, eval, layers, .. } = self;
        let summary = &file.training;
        let backend = if summary.backend == "webgpu" { BackendKind::Webgpu } else { BackendKind::Cpu };
        let steps = summary.steps_per_epoch as usize;
        let epochs_done = summary.loss_per_epoch.len();
        let training = TrainingSnapshot {
            epoch: epochs_done,
            epochs: file.config.epochs,
            step: steps,
            steps,
            loss_per_epoch: summary.loss_per_epoch.clone(),
            train_accuracy: Some(summary.train_accuracy),
            test_accuracy: Some(summary.test_accuracy),
            epoch_secs: summary.epoch_secs.clone(),
            samples_per_sec: Some(summary.samples_per_sec),
        };
        let results = RunResults { config: file.config, classes, backend, training, eval, layers, curve: file.curve };
        Ok((results, file.weights, file.view))
    }
}

/// The layer of `record`, for `n` evaluation images.
fn read_layer(record: file::LayerRecord, n: usize) -> Result<LayerParts, ResultsError> {
    let width = record.width as usize;
    let signatures =
        Array2::from_shape_vec((n, width), record.signatures).map_err(|e| ResultsError::Mismatch(e.to_string()))?;
    let mut clusterings = Vec::with_capacity(record.clusterings.len());
    let mut silhouettes = Vec::with_capacity(record.clusterings.len());
    let mut scores = Vec::with_capacity(record.clusterings.len());
    for c in record.clusterings {
        let k = usize::from(c.k);
        let centres =
            Array2::from_shape_vec((k, width), c.centres).map_err(|e| ResultsError::Mismatch(e.to_string()))?;
        let labels: Vec<usize> = c.labels.iter().map(|&l| usize::from(l)).collect();
        let mut sizes = vec![0; k];
        let mut inertia = 0.0;
        for (row, &label) in signatures.rows().into_iter().zip(&labels) {
            if let Some(size) = sizes.get_mut(label) {
                *size += 1;
            }
            let centre = centres.row(label.min(k.saturating_sub(1)));
            // As K-means sums it: each distance in f32 vectors, the total in
            // f64 (summing every term in f64 is much slower).
            inertia += match (row.as_slice(), centre.as_slice()) {
                (Some(a), Some(b)) => f64::from(squared_l2(a, b)),
                _ => squared_distance(row, centre),
            };
        }
        clusterings.push(Clustering { k, labels, centres, sizes, inertia });
        silhouettes.push(c.silhouette);
        scores.push(AgreementScores { purity: c.scores.purity, nmi: c.scores.nmi, ari: c.scores.ari });
    }
    let rows = |i: usize| record.pca.components.get(i * width..(i + 1) * width).map(<[f32]>::to_vec);
    let ratio = |i: usize| record.pca.explained_variance_ratio.get(i).copied().unwrap_or(0.0);
    let pca = Pca2::from_parts(
        record.pca.mean,
        [rows(0).unwrap_or_else(|| vec![0.0; width]), rows(1).unwrap_or_else(|| vec![0.0; width])],
        [ratio(0), ratio(1)],
    )?;
    let plane = pca.project_rows(signatures.view())?;
    let k_override = record.k_override.map(usize::from);
    Ok(LayerParts { name: record.name, signatures, clusterings, silhouettes, scores, pca, plane, k_override })
}

fn squared_distance(a: ArrayView1<f32>, b: ArrayView1<f32>) -> f64 {
    a.iter().zip(b.iter()).map(|(&x, &y)| f64::from(x - y).powi(2)).sum()
}
