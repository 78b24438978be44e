//! A finished run, as the page shows it: the evaluation set, each hidden
//! layer's signatures with their clusterings, silhouettes, agreement scores and
//! PCA plane, and the training summary. Also the conversions to what leaves the
//! page (the signatures CSV, experiment files) and the probing of one input.

use ndarray::{Array2, ArrayView1};
use thiserror::Error;

use crate::core::analysis::kernels::squared_l2;
use crate::core::analysis::{
    AnalysisError, Clustering, Contingency, LayerAnalysis, Mahalanobis, Pca2, ReferenceDistances, Whitened, choose_k,
    emergence, is_unfamiliar, ood_score,
};
use crate::core::config::ExperimentConfig;
use crate::core::data::{ClassSet, DataError};
use crate::core::share::experiment::{self as file, ExperimentFile};
use crate::core::share::link::ViewOptions;
use crate::core::signature::{Signatures, SingleSignature};
use crate::core::snapshot::{BackendKind, LayerSnapshot, ProbeSnapshot, ProbeSource, TrainingSnapshot};

/// Why results cannot be assembled or restored.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ResultsError {
    #[error(transparent)]
    Analysis(#[from] AnalysisError),
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("the results do not fit together: {0}")]
    Mismatch(String),
    #[error("layer {layer} has no clustering with K = {k}")]
    UnknownK { layer: String, k: usize },
}

/// Agreement of one clustering with the true classes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgreementScores {
    pub purity: f64,
    pub nmi: f64,
    pub ari: f64,
}

impl AgreementScores {
    fn of(clusters: &[usize], targets: &[usize]) -> Result<Self, AnalysisError> {
        let table = Contingency::new(clusters, targets)?;
        Ok(Self { purity: table.purity(), nmi: table.nmi(), ari: table.ari() })
    }
}

/// One hidden layer of a finished run.
#[derive(Debug, Clone)]
pub struct LayerResult {
    pub name: String,
    /// `[n, width]`, one row per evaluation image.
    pub signatures: Array2<f32>,
    /// One per K tried, increasing K.
    pub clusterings: Vec<Clustering>,
    /// Mean silhouette of each clustering (`None` = undefined).
    pub silhouettes: Vec<Option<f64>>,
    /// Agreement with the classes of each clustering.
    pub scores: Vec<AgreementScores>,
    pub pca: Pca2,
    /// `[n, 2]`: every signature in the PCA plane.
    pub plane: Array2<f32>,
    k_override: Option<usize>,
    /// How far a signature is from the clusters under the K in use: the
    /// Mahalanobis distance to the nearest cluster centre, with the clusters'
    /// pooled covariance. Plain Euclidean distance mostly measures how much ink
    /// an image has (AUROC 0.92-0.94 against Animal-Shape, about what the mean
    /// pixel value alone gives); scaling by the spread of the signatures is what
    /// separates foreign inputs (0.97 on the same runs; see the README).
    metric: Whitened,
    /// Nearest-centre distances of the evaluation set under the K in use.
    reference: ReferenceDistances,
}

impl LayerResult {
    /// Score every clustering against the true class indices and fit the plane.
    pub fn new(
        name: String,
        signatures: Array2<f32>,
        analysis: LayerAnalysis,
        targets: &[usize],
    ) -> Result<Self, ResultsError> {
        if analysis.clusterings.is_empty() {
            return Err(ResultsError::Mismatch(format!("layer {name} has no clustering")));
        }
        if analysis.silhouettes.len() != analysis.clusterings.len() {
            return Err(ResultsError::Mismatch(format!("layer {name}: silhouettes and clusterings differ in number")));
        }
        let scores = analysis
            .clusterings
            .iter()
            .map(|c| AgreementScores::of(&c.labels, targets))
            .collect::<Result<Vec<_>, _>>()?;
        let pca = Pca2::fit(signatures.view())?;
        let plane = pca.project_rows(signatures.view())?;
        let (clusterings, silhouettes) = (analysis.clusterings, analysis.silhouettes);
        Self::assemble(LayerParts { name, signatures, clusterings, silhouettes, scores, pca, plane, k_override: None })
    }

    /// The layer of `parts`, with its familiarity metric fitted.
    fn assemble(parts: LayerParts) -> Result<Self, ResultsError> {
        let LayerParts { name, signatures, clusterings, silhouettes, scores, pca, plane, k_override } = parts;
        if let Some(k) = k_override {
            if !clusterings.iter().any(|c| c.k == k) {
                return Err(ResultsError::UnknownK { layer: name, k });
            }
        }
        // The metric is fitted once, on the clustering of the K in use (it is
        // the costliest part of assembling a layer).
        let in_use = k_override.or_else(|| choose_k(&silhouettes).and_then(|i| clusterings.get(i)).map(|c| c.k));
        let clustering = in_use
            .and_then(|k| clusterings.iter().find(|c| c.k == k))
            .or_else(|| clusterings.first())
            .ok_or_else(|| ResultsError::Mismatch(format!("layer {name} has no clustering")))?;
        let (metric, reference) = familiarity_metric(&signatures, clustering)?;
        Ok(Self { name, signatures, clusterings, silhouettes, scores, pca, plane, k_override, metric, reference })
    }

    pub fn width(&self) -> usize {
        self.signatures.ncols()
    }

    /// The K values clustered.
    pub fn ks(&self) -> Vec<usize> {
        self.clusterings.iter().map(|c| c.k).collect()
    }

    /// The K with the best mean silhouette; `None` when every silhouette is undefined.
    pub fn k_auto(&self) -> Option<usize> {
        choose_k(&self.silhouettes).and_then(|i| self.clusterings.get(i)).map(|c| c.k)
    }

    /// The visitor's choice of K, if any.
    pub fn k_override(&self) -> Option<usize> {
        self.k_override
    }

    /// The K in use: the visitor's, else the automatic one, else the smallest tried.
    pub fn k(&self) -> usize {
        self.k_override.or_else(|| self.k_auto()).unwrap_or_else(|| self.clusterings.first().map_or(0, |c| c.k))
    }

    fn position_of(&self, k: usize) -> Option<usize> {
        self.clusterings.iter().position(|c| c.k == k)
    }

    /// Use `k` (or the automatic K with `None`); every derived view follows.
    pub fn set_k(&mut self, k: Option<usize>) -> Result<(), ResultsError> {
        if let Some(k) = k {
            if self.position_of(k).is_none() {
                return Err(ResultsError::UnknownK { layer: self.name.clone(), k });
            }
        }
        let previous = self.k_override;
        self.k_override = k;
        match familiarity_metric(&self.signatures, self.clustering()) {
            Ok((metric, reference)) => {
                self.metric = metric;
                self.reference = reference;
                Ok(())
            }
            Err(e) => {
                self.k_override = previous;
                Err(e)
            }
        }
    }

    /// Distance of one signature to the nearest cluster centre under the K in
    /// use (the familiarity metric, see `metric`).
    pub fn familiarity_distance(&self, signature: &[f32]) -> Result<f32, ResultsError> {
        Ok(self.metric.nearest(signature)?.1 as f32)
    }

    /// [`Self::familiarity_distance`] of every row of `data`.
    pub fn familiarity_distances(&self, data: ndarray::ArrayView2<f32>) -> Result<Vec<f32>, ResultsError> {
        Ok(self.metric.nearest_distances(data)?)
    }

    /// The clustering under the K in use.
    pub fn clustering(&self) -> &Clustering {
        let index = self.position_of(self.k()).unwrap_or(0);
        // `assemble` guarantees at least one clustering.
        &self.clusterings[index.min(self.clusterings.len() - 1)]
    }

    /// Agreement scores under the K in use.
    pub fn scores(&self) -> AgreementScores {
        let index = self.position_of(self.k()).unwrap_or(0);
        self.scores.get(index).copied().unwrap_or(AgreementScores { purity: 0.0, nmi: 0.0, ari: 0.0 })
    }

    /// Cluster × class counts under the K in use.
    pub fn contingency(&self, targets: &[usize]) -> Result<Contingency, AnalysisError> {
        Contingency::new(&self.clustering().labels, targets)
    }

    /// Familiarity distances of the evaluation set under the K in use.
    pub fn reference(&self) -> &ReferenceDistances {
        &self.reference
    }

    /// What `state().layers[i]` reports.
    pub fn snapshot(&self) -> LayerSnapshot {
        let scores = self.scores();
        LayerSnapshot {
            name: self.name.clone(),
            width: self.width(),
            k: self.k(),
            k_auto: self.k_auto(),
            silhouette_by_k: self
                .clusterings
                .iter()
                .zip(&self.silhouettes)
                .map(|(c, s)| (c.k.to_string(), *s))
                .collect(),
            purity: scores.purity,
            nmi: scores.nmi,
            ari: scores.ari,
            cluster_sizes: self.clustering().sizes.clone(),
        }
    }
}

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

/// A finished run.
#[derive(Debug, Clone)]
pub struct RunResults {
    pub config: ExperimentConfig,
    pub classes: ClassSet,
    pub backend: BackendKind,
    pub training: TrainingSnapshot,
    pub eval: EvalSet,
    pub layers: Vec<LayerResult>,
}

fn backend_id(kind: BackendKind) -> &'static str {
    match kind {
        BackendKind::Webgpu => "webgpu",
        BackendKind::Cpu => "cpu",
    }
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
        Ok(Self { config, classes, backend, training, eval, layers })
    }

    /// What `state().layers` reports.
    pub fn layer_snapshots(&self) -> Vec<LayerSnapshot> {
        self.layers.iter().map(LayerResult::snapshot).collect()
    }

    /// One sentence on where class structure emerges: the first layer whose
    /// clusters reach the NMI threshold, and the largest rise between layers.
    pub fn emergence_sentence(&self) -> String {
        let nmi: Vec<f64> = self.layers.iter().map(|l| l.scores().nmi).collect();
        let found = emergence(&nmi);
        let name = |i: usize| self.layers.get(i).map_or("?", |l| l.name.as_str());
        let first = match found.first_above {
            Some(i) => format!(
                "Class structure emerges at layer {}: its clusters agree with the classes at NMI {:.2} (threshold {:.2})",
                name(i),
                nmi[i],
                found.threshold
            ),
            None => {
                let best = (0..nmi.len()).max_by(|&a, &b| nmi[a].total_cmp(&nmi[b])).unwrap_or(0);
                format!(
                    "No layer's clusters reach NMI {:.2} with the classes (the best is layer {} at {:.2})",
                    found.threshold,
                    name(best),
                    nmi.get(best).copied().unwrap_or(0.0)
                )
            }
        };
        let jump = match found.largest_jump {
            Some(j) => format!(
                "; the largest change is from layer {} to layer {} (NMI {:.2} → {:.2}).",
                name(j.to - 1),
                name(j.to),
                nmi[j.to - 1],
                nmi[j.to]
            ),
            None if nmi.len() > 1 => "; NMI does not rise from one layer to the next.".to_string(),
            None => ".".to_string(),
        };
        first + &jump
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

    /// The evaluation set's signatures as CSV (layout in the README):
    /// `index,label,prediction,cluster_<layer>…,<layer>_<neuron>…`.
    pub fn signatures_csv(&self) -> String {
        use std::fmt::Write;
        let mut out = String::from("index,label,prediction");
        for layer in &self.layers {
            let _ = write!(out, ",cluster_{}", layer.name);
        }
        for layer in &self.layers {
            for j in 0..layer.width() {
                let _ = write!(out, ",{}_{j}", layer.name);
            }
        }
        out.push('\n');
        let value = |index: usize| self.classes.value_at(index).unwrap_or(0);
        for i in 0..self.eval.len() {
            let _ = write!(
                out,
                "{},{},{}",
                self.eval.test_indices[i],
                value(self.eval.targets[i]),
                value(self.eval.predictions[i])
            );
            for layer in &self.layers {
                let _ = write!(out, ",{}", layer.clustering().labels.get(i).copied().unwrap_or(0));
            }
            for layer in &self.layers {
                for v in layer.signatures.row(i) {
                    let _ = write!(out, ",{v}");
                }
            }
            out.push('\n');
        }
        out
    }

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
                            centres: c.centers.iter().copied().collect(),
                            silhouette: *s,
                            scores: file::ClusterScores { purity: scores.purity, nmi: scores.nmi, ari: scores.ari },
                        })
                        .collect(),
                    chosen_k: layer.k_auto().unwrap_or_else(|| layer.k()) as u8,
                    k_override: layer.k_override.map(|k| k as u8),
                    pca: file::PcaBasis {
                        mean: layer.pca.mean().to_vec(),
                        components: layer.pca.components().concat(),
                        explained_variance_ratio: layer.pca.explained_variance_ratio().to_vec(),
                    },
                })
                .collect(),
            view,
        }
    }

    /// Restore a run from a (validated) experiment file; also returns its weights and view options.
    pub fn from_file(file: ExperimentFile) -> Result<(Self, Vec<u8>, ViewOptions), ResultsError> {
        FileAssembly::new(file)?.finish()
    }
}

/// [`RunResults::from_file`] a piece at a time, so that a page restoring a run
/// can paint in between: each layer in two [`Self::step`]s (its clusterings
/// and PCA plane, then its familiarity metric). For the demo's 10,000 test
/// images the browser's tasks went from one of 390 to 480 ms to several of at
/// most 130 ms.
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
        let results = RunResults { config: file.config, classes, backend, training, eval, layers };
        Ok((results, file.weights, file.view))
    }
}

/// One layer's parts before its familiarity metric is fitted (from a run's
/// analysis, or read from a file).
#[derive(Debug, Clone)]
struct LayerParts {
    name: String,
    signatures: Array2<f32>,
    clusterings: Vec<Clustering>,
    silhouettes: Vec<Option<f64>>,
    scores: Vec<AgreementScores>,
    pca: Pca2,
    plane: Array2<f32>,
    k_override: Option<usize>,
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
        let centers =
            Array2::from_shape_vec((k, width), c.centres).map_err(|e| ResultsError::Mismatch(e.to_string()))?;
        let labels: Vec<usize> = c.labels.iter().map(|&l| usize::from(l)).collect();
        let mut sizes = vec![0; k];
        let mut inertia = 0.0;
        for (row, &label) in signatures.rows().into_iter().zip(&labels) {
            if let Some(size) = sizes.get_mut(label) {
                *size += 1;
            }
            let centre = centers.row(label.min(k.saturating_sub(1)));
            // As K-means sums it: each distance in f32 vectors, the total in
            // f64 (one f64 term at a time took 10 to 20 ms per layer on the host).
            inertia += match (row.as_slice(), centre.as_slice()) {
                (Some(a), Some(b)) => f64::from(squared_l2(a, b)),
                _ => squared_distance(row, centre),
            };
        }
        clusterings.push(Clustering { k, labels, centers, sizes, inertia });
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

/// The familiarity metric of a layer under one clustering, and the evaluation
/// set's own distances under it.
fn familiarity_metric(
    signatures: &Array2<f32>,
    clustering: &Clustering,
) -> Result<(Whitened, ReferenceDistances), ResultsError> {
    let metric = Mahalanobis::fit(signatures.view(), &clustering.labels)?.whiten()?;
    let distances = metric.nearest_distances(signatures.view())?;
    Ok((metric, ReferenceDistances::new(distances)))
}

fn squared_distance(a: ArrayView1<f32>, b: ArrayView1<f32>) -> f64 {
    a.iter().zip(b.iter()).map(|(&x, &y)| f64::from(x - y).powi(2)).sum()
}
