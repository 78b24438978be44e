//! Work the page hands to its workers, cut into jobs that run on several cores
//! at once, and put back together: the clustering of every layer.
//!
//! [`ParallelSweep`] is the coordinator: it hands out [`Job`]s, one
//! K-means fit per (layer, K), then, once a layer's fits are in, its
//! silhouette pass in shares of about equal pairs; it takes the answers back in
//! any order and ends with the same [`LayerAnalysis`] per layer as
//! [`LayerSweep`]: K-means results are identical (same code,
//! same seeds), silhouettes equal up to the order the f64 sums were added in.
//!
//! [`JobRunner`] is the worker's side. All of it is plain Rust, so host tests
//! can play the workers; the messages are postcard bytes checked on arrival.

use std::collections::{HashMap, VecDeque};
use std::ops::{Range, RangeInclusive};

use ndarray::Array2;
use serde::{Deserialize, Serialize};

#[cfg(doc)]
use super::analysis::LayerSweep;
use super::analysis::kernels::checked_standard;
use super::analysis::{
    AnalysisError, Clustering, KMeansSettings, LayerAnalysis, SilhouetteAccumulator, SilhouetteShare, choose_k,
    has_varying_column, kmeans_with, share_bounds_weighted,
};

/// A piece of work for a worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Job {
    /// Keep a layer's signatures (`[rows, width]`, row-major) for the jobs
    /// that follow; replaces a layer of the same number.
    Layer {
        layer: usize,
        rows: usize,
        width: usize,
        #[serde(with = "super::wire::le_bytes")]
        values: Vec<f32>,
    },
    /// K-means with the default settings for one K of a kept layer.
    KMeans { layer: usize, k: usize, seed: u64 },
    /// One share of a kept layer's silhouette pass for these labelings (one
    /// per K, in order).
    Silhouette { layer: usize, labels: Vec<Vec<u32>>, rows: Range<usize> },
}

/// A worker's answer to one job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Answer {
    Kept { layer: usize },
    Clustered { layer: usize, clustering: Clustering },
    Shared { layer: usize, share: SilhouetteShare },
    Failed { message: String },
}

/// postcard bytes of a job or an answer.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, AnalysisError> {
    super::wire::encode(message).map_err(AnalysisError::Message)
}

/// A job or an answer from postcard bytes; trailing bytes are refused too.
pub fn decode<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, AnalysisError> {
    super::wire::decode(bytes).map_err(AnalysisError::Message)
}

/// The worker's side: keeps the layers it was sent and runs jobs on them.
#[derive(Debug, Default)]
pub struct JobRunner {
    layers: HashMap<usize, Array2<f32>>,
}

impl JobRunner {
    pub fn new() -> Self {
        Self::default()
    }

    /// Run one job; every failure becomes [`Answer::Failed`].
    pub fn run(&mut self, job: Job) -> Answer {
        self.try_run(job).unwrap_or_else(|e| Answer::Failed { message: e.to_string() })
    }

    /// [`Self::run`] from and to bytes.
    pub fn run_bytes(&mut self, bytes: &[u8]) -> Vec<u8> {
        let answer = match decode::<Job>(bytes) {
            Ok(job) => self.run(job),
            Err(e) => Answer::Failed { message: e.to_string() },
        };
        // A failure message always encodes; an empty answer would read as damaged.
        encode(&answer).or_else(|e| encode(&Answer::Failed { message: e.to_string() })).unwrap_or_default()
    }

    fn try_run(&mut self, job: Job) -> Result<Answer, AnalysisError> {
        match job {
            Job::Layer { layer, rows, width, values } => {
                let found = values.len();
                let data = Array2::from_shape_vec((rows, width), values).map_err(|_| {
                    AnalysisError::LengthMismatch { what: "layer values", expected: rows.saturating_mul(width), found }
                })?;
                checked_standard(data.view())?;
                self.layers.insert(layer, data);
                Ok(Answer::Kept { layer })
            }
            Job::KMeans { layer, k, seed } => {
                let data = self.layer(layer)?;
                let clustering = kmeans_with(data.view(), k, seed, &KMeansSettings::default())?;
                Ok(Answer::Clustered { layer, clustering })
            }
            Job::Silhouette { layer, labels, rows } => {
                let data = self.layer(layer)?;
                let labels = labels.into_iter().map(|set| set.into_iter().map(|l| l as usize).collect()).collect();
                let share = SilhouetteAccumulator::new(data.view(), labels)?.share(rows)?;
                Ok(Answer::Shared { layer, share })
            }
        }
    }

    fn layer(&self, layer: usize) -> Result<&Array2<f32>, AnalysisError> {
        self.layers.get(&layer).ok_or_else(|| AnalysisError::Message(format!("layer {layer} was never sent")))
    }
}

/// One layer's part of a [`ParallelSweep`].
#[derive(Debug)]
struct LayerWork {
    data: Array2<f32>,
    /// K values tried, in increasing order (those above the point count are
    /// skipped, as [`LayerSweep`] does).
    ks: Vec<usize>,
    /// One slot per K, filled as answers come in.
    clusterings: Vec<Option<Clustering>>,
    /// Merges the silhouette shares. Built with the first share that comes
    /// back, not when the shares are handed out: building it (sorting and
    /// centring every point) would keep the workers waiting.
    silhouette: Option<SilhouetteAccumulator>,
    /// Silhouette shares handed out and not yet back.
    shares_out: usize,
    /// What one share adds to the progress: the layer's silhouette pass
    /// counts as `shares` units however many parts it was cut into.
    share_progress: f64,
}

impl LayerWork {
    fn clustered(&self) -> bool {
        self.clusterings.iter().all(Option::is_some)
    }

    fn done(&self) -> bool {
        // A layer with no K to try has no silhouette pass either.
        self.ks.is_empty()
            || (self.clustered()
                && self.shares_out == 0
                && self.silhouette.as_ref().is_some_and(SilhouetteAccumulator::is_done))
    }

    /// The accumulator for this layer's K-means labels.
    fn accumulator(&self) -> Result<SilhouetteAccumulator, AnalysisError> {
        let label_sets = self.clusterings.iter().flatten().map(|c| c.labels.clone()).collect();
        SilhouetteAccumulator::new(self.data.view(), label_sets)
    }
}

/// Coordinates the clustering of several layers over any number of workers.
#[derive(Debug)]
pub struct ParallelSweep {
    layers: Vec<LayerWork>,
    /// Silhouette shares per layer.
    shares: usize,
    queue: VecDeque<Job>,
    /// Jobs handed out and not yet answered.
    outstanding: usize,
    /// Weights of the work done and of all the work, for the progress bar.
    work_done: f64,
    work_total: f64,
}

impl ParallelSweep {
    /// Plan the sweep of `layers` (each `[images, width]`) for K in `ks`; the
    /// silhouette pass of each layer goes in `shares` pieces.
    pub fn new(
        layers: Vec<Array2<f32>>,
        ks: RangeInclusive<usize>,
        seed: u64,
        shares: usize,
    ) -> Result<Self, AnalysisError> {
        let mut work = Vec::with_capacity(layers.len());
        let mut queue = VecDeque::new();
        for (index, data) in layers.into_iter().enumerate() {
            checked_standard(data.view())?;
            // Kept as given when it is row-major already (the usual case): no copy.
            let data = if data.is_standard_layout() { data } else { data.as_standard_layout().into_owned() };
            let n = data.nrows();
            let layer_ks: Vec<usize> = ks.clone().filter(|&k| k >= 1 && k <= n).collect();
            // Largest K first: the longest fits start early, so the workers
            // finish together.
            queue.extend(layer_ks.iter().rev().map(|&k| Job::KMeans { layer: index, k, seed }));
            work.push(LayerWork {
                clusterings: vec![None; layer_ks.len()],
                ks: layer_ks,
                data,
                silhouette: None,
                shares_out: 0,
                share_progress: 0.0,
            });
        }
        // A layer with no K to try has no silhouette pass either.
        let work_total = work.iter().filter(|l| !l.ks.is_empty()).map(|l| (l.ks.len() + shares.max(1)) as f64).sum();
        Ok(Self { layers: work, shares: shares.max(1), queue, outstanding: 0, work_done: 0.0, work_total })
    }

    /// The jobs every worker gets before any other: each layer's data.
    pub fn layer_jobs(&self) -> Vec<Job> {
        self.layers
            .iter()
            .enumerate()
            .map(|(layer, work)| Job::Layer {
                layer,
                rows: work.data.nrows(),
                width: work.data.ncols(),
                values: work.data.iter().copied().collect(),
            })
            .collect()
    }

    /// What the last answers finished, for the progress line.
    pub fn describe(&self) -> String {
        let fits: usize = self.layers.iter().map(|l| l.clusterings.iter().filter(|c| c.is_some()).count()).sum();
        let all: usize = self.layers.iter().map(|l| l.ks.len()).sum();
        if fits < all { format!("K-means: {fits} of {all} fits") } else { "silhouettes".into() }
    }

    /// Every K of `layer` is in: queue its silhouette shares.
    fn plan_silhouette(&mut self, layer: usize) -> Result<(), AnalysisError> {
        let shares = self.shares;
        let weights = self.share_weights(layer);
        let work = self.layer_mut(layer)?;
        let n = work.data.nrows();
        let ranges = if has_varying_column(work.data.view()) { share_bounds_weighted(n, &weights) } else { Vec::new() };
        if ranges.is_empty() {
            // All points alike: nothing to compute, the accumulator is complete as built.
            work.silhouette = Some(work.accumulator()?);
        }
        work.shares_out = ranges.len();
        work.share_progress = if ranges.is_empty() { 0.0 } else { shares as f64 / ranges.len() as f64 };
        let labels: Vec<Vec<u32>> =
            work.clusterings.iter().flatten().map(|c| c.labels.iter().map(|&l| l as u32).collect()).collect();
        // Silhouette shares go ahead of the other layers' fits: the earlier a
        // layer is complete, the less is held in memory at the end.
        for rows in ranges.into_iter().rev() {
            self.queue.push_front(Job::Silhouette { layer, labels: labels.clone(), rows });
        }
        // A pass that was not needed (nothing to compute) counts as done.
        if self.layer_mut(layer)?.shares_out == 0 {
            self.work_done += shares as f64;
        }
        Ok(())
    }

    /// How `layer`'s silhouette pass is cut: in `shares` equal parts, except
    /// for the last layer to be clustered, whose shares end the sweep. That
    /// one goes in half as many more parts, of decreasing size (handed out
    /// largest first), so the workers run out of work close together: with
    /// equal parts the last one ran well after the others on 2 workers.
    fn share_weights(&self, layer: usize) -> Vec<f64> {
        let last = self.layers.iter().enumerate().all(|(i, l)| i == layer || l.clustered());
        if last && self.shares > 1 {
            let parts = self.shares + self.shares / 2;
            (1..=parts).rev().map(|w| w as f64).collect()
        } else {
            vec![1.0; self.shares]
        }
    }

    fn layer_mut(&mut self, layer: usize) -> Result<&mut LayerWork, AnalysisError> {
        self.layers.get_mut(layer).ok_or_else(|| AnalysisError::Message(format!("no layer {layer} in this sweep")))
    }

    /// Every layer's analysis, in order, once [`JobQueue::is_done`].
    pub fn finish(self) -> Result<Vec<LayerAnalysis>, AnalysisError> {
        self.layers
            .into_iter()
            .map(|work| {
                let clusterings: Vec<Clustering> = work.clusterings.into_iter().flatten().collect();
                if clusterings.len() != work.ks.len() {
                    return Err(AnalysisError::Message("the sweep ended before every K-means fit".into()));
                }
                let silhouettes = match work.silhouette {
                    Some(acc) => acc.finish()?,
                    None if clusterings.is_empty() => Vec::new(),
                    None => return Err(AnalysisError::Message("the sweep ended before the silhouettes".into())),
                };
                let chosen = choose_k(&silhouettes);
                Ok(LayerAnalysis { clusterings, silhouettes, chosen })
            })
            .collect()
    }
}

impl JobQueue for ParallelSweep {
    fn next_job(&mut self) -> Option<Job> {
        let job = self.queue.pop_front()?;
        self.outstanding += 1;
        Some(job)
    }

    fn queued(&self) -> usize {
        self.queue.len()
    }

    fn outstanding(&self) -> usize {
        self.outstanding
    }

    fn progress(&self) -> f64 {
        // Exactly 1 at the end, whatever the rounding of the share fractions.
        if self.is_done() || self.work_total <= 0.0 { 1.0 } else { (self.work_done / self.work_total).min(1.0) }
    }

    fn is_done(&self) -> bool {
        self.layers.iter().all(LayerWork::done)
    }

    fn absorb(&mut self, answer: Answer) -> Result<(), AnalysisError> {
        self.outstanding = self.outstanding.saturating_sub(1);
        match answer {
            Answer::Clustered { layer, clustering } => {
                let work = self.layer_mut(layer)?;
                let slot = work.ks.iter().position(|&k| k == clustering.k).and_then(|i| work.clusterings.get_mut(i));
                match slot {
                    Some(slot @ None) if clustering.labels.len() == work.data.nrows() => *slot = Some(clustering),
                    _ => return Err(AnalysisError::Message(format!("an unexpected K-means result for layer {layer}"))),
                }
                self.work_done += 1.0;
                if self.layer_mut(layer)?.clustered() {
                    self.plan_silhouette(layer)?;
                }
                Ok(())
            }
            Answer::Shared { layer, share } => {
                let work = self.layer_mut(layer)?;
                if work.shares_out == 0 {
                    return Err(AnalysisError::Message(format!("an unexpected silhouette share for layer {layer}")));
                }
                let acc = match work.silhouette.take() {
                    Some(acc) => acc,
                    None => work.accumulator()?,
                };
                let acc = work.silhouette.insert(acc);
                acc.merge_share(&share)?;
                work.shares_out = work.shares_out.saturating_sub(1);
                self.work_done += work.share_progress;
                Ok(())
            }
            Answer::Failed { message } => Err(AnalysisError::Message(message)),
            Answer::Kept { .. } => Err(AnalysisError::Message("an answer to a job that was not asked".into())),
        }
    }
}

/// A set of jobs the page's worker pool runs to the end: it hands out jobs,
/// takes the answers back in any order, and says when it is complete.
pub trait JobQueue {
    /// The next job that can run now, if any (more may come as answers arrive).
    fn next_job(&mut self) -> Option<Job>;
    /// A worker's answer to one of the jobs handed out.
    fn absorb(&mut self, answer: Answer) -> Result<(), AnalysisError>;
    /// Jobs handed out and not answered yet.
    fn outstanding(&self) -> usize;
    /// Jobs waiting to be handed out.
    fn queued(&self) -> usize;
    fn is_done(&self) -> bool;
    /// Share of the work done, in [0, 1].
    fn progress(&self) -> f64;
}
