//! Choosing K for one layer: K-means for every K in a range, the silhouette of
//! every result from one pass over the distances, and the K with the best
//! silhouette. [`LayerSweep`] does it in small steps so the page can yield
//! between them; [`analyse_layer`] runs it to the end.

use std::ops::RangeInclusive;

use ndarray::{Array2, ArrayView2};

use super::errors::AnalysisError;
use super::kernels::checked_standard;
use super::kmeans::{Clustering, KMeansSettings, kmeans_with};
use super::silhouette::SilhouetteAccumulator;

/// The K values tried for every layer.
pub const K_RANGE: RangeInclusive<usize> = 2..=10;

/// Distances per silhouette step: about 10-20 ms of work in the page.
pub const DEFAULT_PAIRS_PER_STEP: u64 = 4_000_000;

/// Index of the best silhouette (ties: the first, i.e. the smaller K when the
/// scores are in increasing K); `None` if every score is undefined.
pub fn choose_k(silhouettes: &[Option<f64>]) -> Option<usize> {
    let mut best: Option<(usize, f64)> = None;
    for (i, s) in silhouettes.iter().enumerate() {
        if let Some(s) = s.filter(|s| s.is_finite())
            && best.is_none_or(|(_, b)| s > b)
        {
            best = Some((i, s));
        }
    }
    best.map(|(i, _)| i)
}

/// Every K's clustering and silhouette for one layer, and the chosen one.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerAnalysis {
    /// One per K tried, in increasing K.
    pub clusterings: Vec<Clustering>,
    /// Mean silhouette of each clustering (`None` = undefined).
    pub silhouettes: Vec<Option<f64>>,
    /// Index into `clusterings` of the best silhouette.
    pub chosen: Option<usize>,
}

impl LayerAnalysis {
    pub fn chosen_clustering(&self) -> Option<&Clustering> {
        self.clusterings.get(self.chosen?)
    }

    /// (K, silhouette) pairs, for the "silhouette by K" chart.
    pub fn silhouette_by_k(&self) -> Vec<(usize, Option<f64>)> {
        self.clusterings.iter().map(|c| c.k).zip(self.silhouettes.iter().copied()).collect()
    }
}

/// What the last [`LayerSweep::step`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SweepStep {
    /// K-means for this K finished.
    Clustered { k: usize },
    /// Silhouette rows were processed; `progress` of that pass in [0, 1].
    Silhouette { progress: f64 },
    /// Everything is computed: call `finish`.
    Done,
}

/// The steppable analysis of one layer (owns its data so it can live across
/// the page's awaits).
#[derive(Debug, Clone)]
pub struct LayerSweep {
    data: Array2<f32>,
    ks: Vec<usize>,
    seed: u64,
    settings: KMeansSettings,
    clusterings: Vec<Clustering>,
    silhouette: Option<SilhouetteAccumulator>,
    pairs_per_step: u64,
}

impl LayerSweep {
    /// K values above the number of points are skipped (tiny subsets).
    pub fn new(data: Array2<f32>, ks: RangeInclusive<usize>, seed: u64) -> Result<Self, AnalysisError> {
        checked_standard(data.view())?;
        let n = data.nrows();
        let ks: Vec<usize> = ks.filter(|&k| k >= 1 && k <= n).collect();
        Ok(Self {
            data,
            ks,
            seed,
            settings: KMeansSettings::default(),
            clusterings: Vec::new(),
            silhouette: None,
            pairs_per_step: DEFAULT_PAIRS_PER_STEP,
        })
    }

    pub fn with_settings(mut self, settings: KMeansSettings) -> Self {
        self.settings = settings;
        self
    }

    pub fn with_pairs_per_step(mut self, pairs: u64) -> Self {
        self.pairs_per_step = pairs.max(1);
        self
    }

    /// The K values that will be tried.
    pub fn ks(&self) -> &[usize] {
        &self.ks
    }

    /// Rough share of the work done, in [0, 1] (K-means and silhouette are
    /// weighted about equally, as they cost about the same at 10,000 points).
    pub fn progress(&self) -> f64 {
        let kmeans = if self.ks.is_empty() { 1.0 } else { self.clusterings.len() as f64 / self.ks.len() as f64 };
        let silhouette = self.silhouette.as_ref().map_or(0.0, SilhouetteAccumulator::progress);
        0.5 * kmeans + 0.5 * silhouette
    }

    /// Do one bounded piece of work: one K-means fit, or one silhouette chunk.
    pub fn step(&mut self) -> Result<SweepStep, AnalysisError> {
        if let Some(&k) = self.ks.get(self.clusterings.len()) {
            let clustering = kmeans_with(self.data.view(), k, self.seed, &self.settings)?;
            self.clusterings.push(clustering);
            return Ok(SweepStep::Clustered { k });
        }
        if self.silhouette.is_none() {
            let label_sets = self.clusterings.iter().map(|c| c.labels.clone()).collect();
            self.silhouette = Some(SilhouetteAccumulator::new(self.data.view(), label_sets)?);
        }
        match self.silhouette.as_mut() {
            Some(acc) if !acc.is_done() => {
                acc.step(self.pairs_per_step);
                Ok(SweepStep::Silhouette { progress: acc.progress() })
            }
            _ => Ok(SweepStep::Done),
        }
    }

    /// Run the remaining steps and return the result.
    pub fn finish(mut self) -> Result<LayerAnalysis, AnalysisError> {
        while self.step()? != SweepStep::Done {}
        let silhouettes = match self.silhouette {
            Some(acc) => acc.finish()?,
            None => Vec::new(),
        };
        let chosen = choose_k(&silhouettes);
        Ok(LayerAnalysis { clusterings: self.clusterings, silhouettes, chosen })
    }
}

/// The whole analysis of one layer in one call (host tests, the bench).
pub fn analyse_layer(
    data: ArrayView2<f32>,
    ks: RangeInclusive<usize>,
    seed: u64,
) -> Result<LayerAnalysis, AnalysisError> {
    LayerSweep::new(data.to_owned(), ks, seed)?.finish()
}
