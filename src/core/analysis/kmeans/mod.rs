//! K-means on one layer's signatures, with linfa-clustering doing the fitting.
//!
//! One call per K, so the page can yield between calls. To stay fast at
//! 10,000 points:
//! - the restarts (linfa's k-means++ seeding + its m_k-means iterations) run
//!   on a seeded sample of at most `fit_sample` points, each for a few
//!   "screening" iterations; the best (fewest empty clusters, then lowest
//!   inertia) runs on to convergence. Restarts matter: plain k-means++ puts
//!   two seeds in one blob about half the time on 10 blobs;
//! - the result is refined on all points with a few more linfa iterations
//!   started from its centres, and every point is labelled with its nearest
//!   centre.
//!
//! Below `fit_sample` points the fit uses every point. Distances go through
//! [`FastL2`], a vectorised drop-in for linfa's `L2Dist`.

pub mod fast_l2;

use linfa::DatasetBase;
use linfa::traits::Fit;
use linfa_clustering::{KMeans, KMeansInit};
use ndarray::{Array2, ArrayView1, ArrayView2, Axis, CowArray};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256Plus;
use serde::{Deserialize, Serialize};

pub use fast_l2::FastL2;

use super::errors::AnalysisError;
use super::kernels::{checked_standard, mix_seed, squared_l2};

/// How hard K-means tries. The defaults are chosen for speed at 10,000 points
/// (see `examples/cluster_bench.rs`) with results that match a full fit on
/// well-separated data.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansSettings {
    /// Independent k-means++ starts; the one with fewest empty clusters, then
    /// lowest inertia, wins.
    pub restarts: usize,
    /// Iterations each restart gets before the restarts are compared; only
    /// the best one then runs on (bad k-means++ seeds show early).
    pub screen_iterations: u64,
    /// Iteration cap of the best restart (including its screening ones).
    pub max_iterations: u64,
    /// Convergence: stop when the centres move (Frobenius norm) less than this
    /// fraction of the data's RMS radius, so the test does not depend on scale.
    pub relative_tolerance: f32,
    /// At most this many points (a seeded sample) are used for the restarts.
    pub fit_sample: usize,
    /// Iterations over all points after the sampled restarts (0 = none).
    pub refine_iterations: u64,
}

impl Default for KMeansSettings {
    fn default() -> Self {
        Self {
            restarts: 4,
            screen_iterations: 8,
            max_iterations: 40,
            relative_tolerance: 1e-4,
            fit_sample: 1_000,
            refine_iterations: 2,
        }
    }
}

/// The result of one K-means fit on `n` points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "ClusteringParts", into = "ClusteringParts")]
pub struct Clustering {
    pub k: usize,
    /// Cluster of every point, `0..k`; always the nearest centre.
    pub labels: Vec<usize>,
    /// `[k, width]`.
    pub centres: Array2<f32>,
    /// Points per cluster. A cluster can be empty only when the data has fewer
    /// distinct points than K (e.g. dead ReLU layers).
    pub sizes: Vec<usize>,
    /// Sum over points of the squared distance to their centre (sklearn's
    /// `inertia_`, not linfa's per-point mean).
    pub inertia: f64,
}

/// [`Clustering`] as plain vectors, for messages between the page and its
/// clustering workers (checked when read back).
#[derive(Serialize, Deserialize)]
struct ClusteringParts {
    k: usize,
    labels: Vec<u32>,
    width: usize,
    centres: Vec<f32>,
    sizes: Vec<usize>,
    inertia: f64,
}

impl From<Clustering> for ClusteringParts {
    fn from(c: Clustering) -> Self {
        let width = c.centres.ncols();
        let centres = c.centres.iter().copied().collect();
        let labels = c.labels.iter().map(|&l| l as u32).collect();
        ClusteringParts { k: c.k, labels, width, centres, sizes: c.sizes, inertia: c.inertia }
    }
}

impl TryFrom<ClusteringParts> for Clustering {
    type Error = AnalysisError;

    fn try_from(p: ClusteringParts) -> Result<Self, AnalysisError> {
        let labels: Vec<usize> = p.labels.into_iter().map(|l| l as usize).collect();
        if p.sizes.len() != p.k || labels.iter().any(|&l| l >= p.k) || p.sizes.iter().sum::<usize>() != labels.len() {
            return Err(AnalysisError::Message(format!("a clustering for K = {} does not add up", p.k)));
        }
        let found = p.centres.len();
        let centres = Array2::from_shape_vec((p.k, p.width), p.centres).map_err(|_| AnalysisError::LengthMismatch {
            what: "cluster centres",
            expected: p.k.saturating_mul(p.width),
            found,
        })?;
        Ok(Clustering { k: p.k, labels, centres, sizes: p.sizes, inertia: p.inertia })
    }
}

impl Clustering {
    /// Clusters holding at least one point.
    pub fn non_empty(&self) -> usize {
        self.sizes.iter().filter(|&&s| s > 0).count()
    }

    /// Nearest centre of a new signature and the Euclidean distance to it.
    pub fn nearest(&self, point: ArrayView1<f32>) -> Option<(usize, f32)> {
        crate::core::analysis::ood::nearest_centre(self.centres.view(), point)
    }
}

/// K-means with the default settings. `seed` fixes the whole result; the same
/// seed gives different random streams for different K.
pub fn kmeans(data: ArrayView2<f32>, k: usize, seed: u64) -> Result<Clustering, AnalysisError> {
    kmeans_with(data, k, seed, &KMeansSettings::default())
}

/// K-means with explicit settings.
pub fn kmeans_with(
    data: ArrayView2<f32>,
    k: usize,
    seed: u64,
    settings: &KMeansSettings,
) -> Result<Clustering, AnalysisError> {
    let data = checked_standard(data)?;
    let n = data.nrows();
    if k == 0 {
        return Err(AnalysisError::ZeroClusters);
    }
    if k > n {
        return Err(AnalysisError::TooManyClusters { k, points: n });
    }
    let restarts = settings.restarts.max(1);
    let max_iterations = settings.max_iterations.max(1);
    let screen_iterations = settings.screen_iterations.clamp(1, max_iterations);
    let fit_sample = settings.fit_sample.max(k);

    // Seeded sample for the restarts; sorted so rows are read in memory order.
    let sampled = n > fit_sample;
    let sample: CowArray<f32, _> = if sampled {
        let mut rng = Xoshiro256Plus::seed_from_u64(mix_seed(seed, 0x5A11_9E00 + k as u64));
        let mut rows = rand::seq::index::sample(&mut rng, n, fit_sample).into_vec();
        rows.sort_unstable();
        CowArray::from(data.select(Axis(0), &rows))
    } else {
        CowArray::from(data.view())
    };
    let tolerance = tolerance_for(sample.view(), settings.relative_tolerance);
    let sample_set = DatasetBase::from(sample.view());

    // (empty clusters, inertia, centres) of the best restart so far.
    let mut best: Option<(usize, f64, Array2<f32>)> = None;
    for restart in 0..restarts {
        let stream = ((k as u64) << 32) | restart as u64;
        let rng = Xoshiro256Plus::seed_from_u64(mix_seed(seed, stream));
        let model = KMeans::params_with(k, rng, FastL2)
            .n_runs(1)
            .tolerance(tolerance)
            .max_n_iterations(screen_iterations)
            .init_method(KMeansInit::KMeansPlusPlus)
            .fit(&sample_set)
            .map_err(|e| AnalysisError::KMeans(e.to_string()))?;
        let centres = model.centroids().clone();
        let (labels, sq_dists) = assign(sample.view(), centres.view());
        let empty = k - count_sizes(&labels, k).iter().filter(|&&s| s > 0).count();
        let inertia: f64 = sq_dists.iter().map(|&d| f64::from(d)).sum();
        let better = match &best {
            None => true,
            Some((best_empty, best_inertia, _)) => (empty, inertia) < (*best_empty, *best_inertia),
        };
        if better {
            best = Some((empty, inertia, centres));
        }
    }
    let Some((_, _, mut centres)) = best else {
        return Err(AnalysisError::KMeans("no restart ran".into()));
    };
    if max_iterations > screen_iterations {
        centres = continue_fit(&sample_set, centres, k, seed, tolerance, max_iterations - screen_iterations)?;
    }

    if sampled && settings.refine_iterations > 0 {
        let full_set = DatasetBase::from(data.view());
        centres = continue_fit(&full_set, centres, k, seed, tolerance, settings.refine_iterations)?;
    }

    let (labels, sq_dists) = assign(data.view(), centres.view());
    let sizes = count_sizes(&labels, k);
    let inertia = sq_dists.iter().map(|&d| f64::from(d)).sum();
    Ok(Clustering { k, labels, centres, sizes, inertia })
}

/// More linfa iterations started from given centres.
fn continue_fit(
    set: &DatasetBase<ArrayView2<f32>, ndarray::Array1<()>>,
    centres: Array2<f32>,
    k: usize,
    seed: u64,
    tolerance: f32,
    iterations: u64,
) -> Result<Array2<f32>, AnalysisError> {
    let model = KMeans::params_with(k, Xoshiro256Plus::seed_from_u64(seed), FastL2)
        .n_runs(1)
        .tolerance(tolerance)
        .max_n_iterations(iterations)
        .init_method(KMeansInit::Precomputed(centres))
        .fit(set)
        .map_err(|e| AnalysisError::KMeans(e.to_string()))?;
    Ok(model.centroids().clone())
}

/// Nearest centre (ties: lowest index) and squared distance of every row.
/// Both views must be in standard layout with equal widths.
pub(crate) fn assign(data: ArrayView2<f32>, centres: ArrayView2<f32>) -> (Vec<usize>, Vec<f32>) {
    let mut labels = Vec::with_capacity(data.nrows());
    let mut sq_dists = Vec::with_capacity(data.nrows());
    for row in data.rows() {
        let (label, d) = nearest_sq(centres, row);
        labels.push(label);
        sq_dists.push(d);
    }
    (labels, sq_dists)
}

/// Index and squared distance of the nearest centre (`(0, inf)` with no centres).
pub(crate) fn nearest_sq(centres: ArrayView2<f32>, point: ArrayView1<f32>) -> (usize, f32) {
    let mut best = (0, f32::INFINITY);
    let point_slice = point.as_slice();
    for (c, centre) in centres.rows().into_iter().enumerate() {
        let d = match (centre.as_slice(), point_slice) {
            (Some(a), Some(b)) => squared_l2(a, b),
            _ => centre.iter().zip(point.iter()).map(|(&p, &q)| (p - q) * (p - q)).sum(),
        };
        if d < best.1 {
            best = (c, d);
        }
    }
    best
}

fn count_sizes(labels: &[usize], k: usize) -> Vec<usize> {
    let mut sizes = vec![0; k];
    for &l in labels {
        if let Some(s) = sizes.get_mut(l) {
            *s += 1;
        }
    }
    sizes
}

/// Absolute tolerance from the relative one: a fraction of the RMS distance of
/// the points to their mean. Never zero (linfa refuses 0), so constant data
/// converges after one iteration.
fn tolerance_for(data: ArrayView2<f32>, relative: f32) -> f32 {
    let n = data.nrows().max(1) as f64;
    let mean: Vec<f64> = data.columns().into_iter().map(|c| c.iter().map(|&v| f64::from(v)).sum::<f64>() / n).collect();
    let total_sq: f64 = data
        .rows()
        .into_iter()
        .map(|r| r.iter().zip(&mean).map(|(&v, &m)| (f64::from(v) - m).powi(2)).sum::<f64>())
        .sum();
    let rms = (total_sq / n).sqrt() as f32;
    (relative.abs() * rms).max(f32::MIN_POSITIVE)
}
