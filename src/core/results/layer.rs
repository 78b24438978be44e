//! One hidden layer of a finished run: its signatures, a clustering per K
//! with silhouettes and agreement scores, its PCA plane, and the familiarity
//! metric under the K in use.

use ndarray::{Array2, ArrayView2};

use super::ResultsError;
use crate::core::analysis::{
    AnalysisError, Clustering, Contingency, LayerAnalysis, Mahalanobis, Pca2, ReferenceDistances, Whitened, choose_k,
};
use crate::core::snapshot::LayerSnapshot;

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
    /// an image has (about what the mean pixel value alone gives); scaling by
    /// the spread of the signatures is what separates foreign inputs (the
    /// findings panel's detector table shows both on every run).
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
    pub(super) fn assemble(parts: LayerParts) -> Result<Self, ResultsError> {
        let LayerParts { name, signatures, clusterings, silhouettes, scores, pca, plane, k_override } = parts;
        if let Some(k) = k_override
            && !clusterings.iter().any(|c| c.k == k)
        {
            return Err(ResultsError::UnknownK { layer: name, k });
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
        if let Some(k) = k
            && self.position_of(k).is_none()
        {
            return Err(ResultsError::UnknownK { layer: self.name.clone(), k });
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
    pub fn familiarity_distances(&self, data: ArrayView2<f32>) -> Result<Vec<f32>, ResultsError> {
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

/// One layer's parts before its familiarity metric is fitted (from a run's
/// analysis, or read from a file).
#[derive(Debug, Clone)]
pub(super) struct LayerParts {
    pub(super) name: String,
    pub(super) signatures: Array2<f32>,
    pub(super) clusterings: Vec<Clustering>,
    pub(super) silhouettes: Vec<Option<f64>>,
    pub(super) scores: Vec<AgreementScores>,
    pub(super) pca: Pca2,
    pub(super) plane: Array2<f32>,
    pub(super) k_override: Option<usize>,
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
