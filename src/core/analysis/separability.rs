//! How well one layer separates two classes a and b.
//!
//! Definitions:
//! - `silhouette`: mean silhouette of the signatures of a and b only, with
//!   the true class as the cluster (scikit-learn definition, see
//!   [`super::silhouette`]);
//! - `centre_ratio` = ‖μa − μb‖ / ((RMSa + RMSb) / 2), where RMSc is the root
//!   mean squared distance of class c's signatures to μc: how many "class
//!   radii" apart the class centres are (> 2 means the typical spheres do not
//!   touch);
//! - `cluster_overlap` = Σ over clusters of min(share of a in it, share of b
//!   in it), with shares taken within each class, in [0, 1]: 0 when no
//!   cluster holds both, 1 when both spread over the clusters identically;
//!   `shared_clusters` lists the clusters holding at least
//!   [`SHARED_CLUSTER_MIN_SHARE`] of each class;
//! - `top_neurons`: neurons with the largest |mean_a − mean_b|.

use ndarray::{ArrayView2, Axis};

use super::errors::AnalysisError;
use super::kernels::checked_standard;
use super::silhouette::SilhouetteAccumulator;

/// A cluster is "shared" when it holds at least this share of both classes.
pub const SHARED_CLUSTER_MIN_SHARE: f64 = 0.1;

/// One neuron's mean activation in both classes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NeuronDifference {
    pub neuron: usize,
    pub mean_a: f32,
    pub mean_b: f32,
}

impl NeuronDifference {
    pub fn difference(&self) -> f32 {
        self.mean_a - self.mean_b
    }
}

/// Separability figures of classes a and b at one layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Separability {
    pub class_a: usize,
    pub class_b: usize,
    pub count_a: usize,
    pub count_b: usize,
    pub silhouette: Option<f64>,
    pub centre_distance: f64,
    /// (RMSa + RMSb) / 2.
    pub mean_within_rms: f64,
    /// `None` when both classes have zero spread.
    pub centre_ratio: Option<f64>,
    pub cluster_overlap: f64,
    pub shared_clusters: Vec<usize>,
    pub top_neurons: Vec<NeuronDifference>,
}

/// Separability of classes `a` and `b` given every signature's class and its
/// cluster in the chosen clustering; `top_n` neurons are listed.
pub fn separability(
    data: ArrayView2<f32>,
    classes: &[usize],
    clusters: &[usize],
    a: usize,
    b: usize,
    top_n: usize,
) -> Result<Separability, AnalysisError> {
    SeparabilityJob::new(data, classes, clusters, a, b, top_n)?.finish()
}

/// [`separability`] a piece at a time, for a page that must keep painting:
/// `new` computes every figure but the two-class silhouette, whose distances
/// (about 2 million pairs for MNIST's 3s and 8s: one long task at once on the
/// page's first screen, where the code still runs unoptimised) go in
/// [`Self::step`]s.
#[derive(Debug, Clone)]
pub struct SeparabilityJob {
    /// The figures, `silhouette` still `None`.
    figures: Separability,
    silhouette: SilhouetteAccumulator,
}

impl SeparabilityJob {
    /// Every figure but the silhouette, and the silhouette's accumulator (the
    /// signatures of a and b, the true class as the cluster); same arguments and
    /// errors as [`separability`].
    pub fn new(
        data: ArrayView2<f32>,
        classes: &[usize],
        clusters: &[usize],
        a: usize,
        b: usize,
        top_n: usize,
    ) -> Result<Self, AnalysisError> {
        let data = checked_standard(data)?;
        let (n, width) = data.dim();
        if classes.len() != n {
            return Err(AnalysisError::LengthMismatch { what: "class labels", expected: n, found: classes.len() });
        }
        if clusters.len() != n {
            return Err(AnalysisError::LengthMismatch { what: "cluster labels", expected: n, found: clusters.len() });
        }
        if a == b {
            return Err(AnalysisError::SameClass(a));
        }
        let rows_a: Vec<usize> = (0..n).filter(|&i| classes.get(i) == Some(&a)).collect();
        let rows_b: Vec<usize> = (0..n).filter(|&i| classes.get(i) == Some(&b)).collect();
        if rows_a.is_empty() {
            return Err(AnalysisError::EmptyClass(a));
        }
        if rows_b.is_empty() {
            return Err(AnalysisError::EmptyClass(b));
        }
        let xa = data.select(Axis(0), &rows_a).mapv(f64::from);
        let xb = data.select(Axis(0), &rows_b).mapv(f64::from);
        let (Some(mean_a), Some(mean_b)) = (xa.mean_axis(Axis(0)), xb.mean_axis(Axis(0))) else {
            return Err(AnalysisError::EmptyData);
        };
        let rms = |x: &ndarray::Array2<f64>, m: &ndarray::Array1<f64>| -> f64 {
            let total: f64 = x.rows().into_iter().map(|r| (&r - m).mapv(|v| v * v).sum()).sum();
            (total / x.nrows() as f64).sqrt()
        };
        let mean_within_rms = (rms(&xa, &mean_a) + rms(&xb, &mean_b)) / 2.0;
        let centre_distance = (&mean_a - &mean_b).mapv(|v| v * v).sum().sqrt();
        let centre_ratio = (mean_within_rms > 0.0).then(|| centre_distance / mean_within_rms);

        // Silhouette of the two-class subset, true classes as clusters.
        let mut subset_rows = rows_a.clone();
        subset_rows.extend(&rows_b);
        let subset = data.select(Axis(0), &subset_rows);
        let subset_labels: Vec<usize> = subset_rows.iter().map(|&i| usize::from(classes.get(i) == Some(&b))).collect();
        let silhouette = SilhouetteAccumulator::new(subset.view(), vec![subset_labels])?;

        // Cluster overlap from each class's spread over the clusters.
        let max_cluster = clusters.iter().copied().max().unwrap_or(0);
        let mut per_cluster = vec![(0usize, 0usize); max_cluster.min(n) + 1];
        for (&cluster, &class) in clusters.iter().zip(classes) {
            // Clusters are 0..k from K-means; a label beyond n cannot be a
            // K-means cluster and is counted nowhere rather than allocated for.
            if let Some(slot) = per_cluster.get_mut(cluster) {
                if class == a {
                    slot.0 += 1;
                } else if class == b {
                    slot.1 += 1;
                }
            }
        }
        let (na, nb) = (rows_a.len() as f64, rows_b.len() as f64);
        let mut cluster_overlap = 0.0;
        let mut shared_clusters = Vec::new();
        for (cluster, &(ca, cb)) in per_cluster.iter().enumerate() {
            let (sa, sb) = (ca as f64 / na, cb as f64 / nb);
            cluster_overlap += sa.min(sb);
            if sa >= SHARED_CLUSTER_MIN_SHARE && sb >= SHARED_CLUSTER_MIN_SHARE {
                shared_clusters.push(cluster);
            }
        }

        let mut top_neurons: Vec<NeuronDifference> = (0..width)
            .map(|j| NeuronDifference { neuron: j, mean_a: mean_a[j] as f32, mean_b: mean_b[j] as f32 })
            .collect();
        top_neurons.sort_by(|p, q| q.difference().abs().total_cmp(&p.difference().abs()).then(p.neuron.cmp(&q.neuron)));
        top_neurons.truncate(top_n);

        let figures = Separability {
            class_a: a,
            class_b: b,
            count_a: rows_a.len(),
            count_b: rows_b.len(),
            silhouette: None,
            centre_distance,
            mean_within_rms,
            centre_ratio,
            cluster_overlap: cluster_overlap.min(1.0),
            shared_clusters,
            top_neurons,
        };
        Ok(Self { figures, silhouette })
    }

    /// About `max_pairs` more distances of the silhouette (at least one row
    /// block); `true` once all are done.
    pub fn step(&mut self, max_pairs: u64) -> bool {
        self.silhouette.step(max_pairs)
    }

    /// The remaining distances, then every figure.
    pub fn finish(self) -> Result<Separability, AnalysisError> {
        let silhouette = self.silhouette.finish()?.into_iter().next().flatten();
        Ok(Separability { silhouette, ..self.figures })
    }
}
