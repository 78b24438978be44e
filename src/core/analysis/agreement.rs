//! How well a clustering agrees with the true classes: the cluster × class
//! table, purity, normalised mutual information and adjusted Rand index (as
//! scikit-learn defines them), and where along the layers class structure
//! appears.

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2};

use super::errors::AnalysisError;

/// NMI at or above which a layer is said to show the class structure.
/// 0.5 sits between "clusters cut across classes" (≈0.1–0.3 on raw MNIST
/// pixels) and "clusters are mostly single classes" (≈0.7+ after training).
pub const EMERGENCE_NMI_THRESHOLD: f64 = 0.5;

/// Cluster × class counts over the labels that occur (sorted).
#[derive(Debug, Clone, PartialEq)]
pub struct Contingency {
    cluster_ids: Vec<usize>,
    class_ids: Vec<usize>,
    /// `[clusters, classes]`.
    counts: Array2<usize>,
    total: usize,
}

impl Contingency {
    pub fn new(clusters: &[usize], classes: &[usize]) -> Result<Self, AnalysisError> {
        if clusters.len() != classes.len() {
            return Err(AnalysisError::LengthMismatch {
                what: "class labels",
                expected: clusters.len(),
                found: classes.len(),
            });
        }
        if clusters.is_empty() {
            return Err(AnalysisError::EmptyData);
        }
        let dense = |labels: &[usize]| -> BTreeMap<usize, usize> {
            let mut ids: BTreeMap<usize, usize> = labels.iter().map(|&l| (l, 0)).collect();
            for (i, v) in ids.values_mut().enumerate() {
                *v = i;
            }
            ids
        };
        let cluster_map = dense(clusters);
        let class_map = dense(classes);
        let mut counts = Array2::zeros((cluster_map.len(), class_map.len()));
        for (c, k) in clusters.iter().zip(classes) {
            if let (Some(&r), Some(&col)) = (cluster_map.get(c), class_map.get(k))
                && let Some(cell) = counts.get_mut((r, col))
            {
                *cell += 1;
            }
        }
        Ok(Self {
            cluster_ids: cluster_map.into_keys().collect(),
            class_ids: class_map.into_keys().collect(),
            counts,
            total: clusters.len(),
        })
    }

    /// Cluster label of each row of `counts`.
    pub fn cluster_ids(&self) -> &[usize] {
        &self.cluster_ids
    }

    /// Class label of each column of `counts`.
    pub fn class_ids(&self) -> &[usize] {
        &self.class_ids
    }

    /// `[clusters, classes]`.
    pub fn counts(&self) -> ArrayView2<'_, usize> {
        self.counts.view()
    }

    pub fn total(&self) -> usize {
        self.total
    }

    /// Count of a (cluster label, class label) pair; 0 if either is absent.
    pub fn count(&self, cluster: usize, class: usize) -> usize {
        match (self.cluster_ids.binary_search(&cluster), self.class_ids.binary_search(&class)) {
            (Ok(r), Ok(c)) => self.counts.get((r, c)).copied().unwrap_or(0),
            _ => 0,
        }
    }

    /// The most common class of a cluster and its share of the cluster.
    pub fn dominant_class(&self, cluster: usize) -> Option<(usize, f64)> {
        let r = self.cluster_ids.binary_search(&cluster).ok()?;
        let row = self.counts.row(r);
        let size: usize = row.sum();
        let (col, &best) = row.iter().enumerate().max_by_key(|&(i, &c)| (c, std::cmp::Reverse(i)))?;
        if size == 0 {
            return None;
        }
        Some((*self.class_ids.get(col)?, best as f64 / size as f64))
    }

    /// Share of points whose cluster's most common class is their own class.
    pub fn purity(&self) -> f64 {
        let majority: usize = self.counts.rows().into_iter().map(|r| r.iter().copied().max().unwrap_or(0)).sum();
        majority as f64 / self.total as f64
    }

    /// Mutual information (nats).
    pub fn mutual_information(&self) -> f64 {
        let (rows, cols) = self.counts.dim();
        if rows == 1 || cols == 1 {
            return 0.0;
        }
        let n = self.total as f64;
        let row_sums: Vec<f64> = self.counts.rows().into_iter().map(|r| r.sum() as f64).collect();
        let col_sums: Vec<f64> = self.counts.columns().into_iter().map(|c| c.sum() as f64).collect();
        let mut mi = 0.0;
        for ((r, c), &count) in self.counts.indexed_iter() {
            if count == 0 {
                continue;
            }
            let nij = count as f64;
            let term = nij / n * ((n * nij).ln() - (row_sums[r] * col_sums[c]).ln());
            // As scikit-learn: drop terms below machine epsilon.
            if term.abs() >= f64::EPSILON {
                mi += term;
            }
        }
        mi.max(0.0)
    }

    /// Normalised mutual information, arithmetic-mean normalisation
    /// (scikit-learn's default). 1 when both labelings are a single group.
    pub fn nmi(&self) -> f64 {
        let (rows, cols) = self.counts.dim();
        if rows == 1 && cols == 1 {
            return 1.0;
        }
        let mi = self.mutual_information();
        if mi == 0.0 {
            return 0.0;
        }
        let entropy = |sums: Vec<usize>| -> f64 {
            let n = self.total as f64;
            sums.into_iter().filter(|&s| s > 0).map(|s| s as f64 / n).map(|p| -p * p.ln()).sum()
        };
        let h_clusters = entropy(self.counts.rows().into_iter().map(|r| r.sum()).collect());
        let h_classes = entropy(self.counts.columns().into_iter().map(|c| c.sum()).collect());
        let normaliser = (h_clusters + h_classes) / 2.0;
        if normaliser <= 0.0 { 0.0 } else { (mi / normaliser).min(1.0) }
    }

    /// Adjusted Rand index (scikit-learn's pair-counting formula; exact
    /// integer pair counts).
    pub fn ari(&self) -> f64 {
        let n = self.total as i128;
        let sum_squares: i128 = self.counts.iter().map(|&c| (c as i128) * (c as i128)).sum();
        let row_sums: Vec<i128> = self.counts.rows().into_iter().map(|r| r.sum() as i128).collect();
        let col_sums: Vec<i128> = self.counts.columns().into_iter().map(|c| c.sum() as i128).collect();
        let rows_sq: i128 = row_sums.iter().map(|s| s * s).sum();
        let cols_sq: i128 = col_sums.iter().map(|s| s * s).sum();
        let tp = sum_squares - n;
        let fp = rows_sq - sum_squares; // same cluster, different class
        let fn_ = cols_sq - sum_squares; // same class, different cluster
        let tn = n * n - tp - fp - fn_ - n;
        if fp == 0 && fn_ == 0 {
            return 1.0;
        }
        let num = 2 * (tp * tn - fn_ * fp);
        let den = (tp + fn_) * (fn_ + tn) + (tp + fp) * (fp + tn);
        if den == 0 { 0.0 } else { num as f64 / den as f64 }
    }
}

/// Purity of a clustering against the classes.
pub fn purity(clusters: &[usize], classes: &[usize]) -> Result<f64, AnalysisError> {
    Ok(Contingency::new(clusters, classes)?.purity())
}

/// Normalised mutual information (arithmetic normalisation); symmetric.
pub fn normalized_mutual_info(clusters: &[usize], classes: &[usize]) -> Result<f64, AnalysisError> {
    Ok(Contingency::new(clusters, classes)?.nmi())
}

/// Adjusted Rand index; symmetric.
pub fn adjusted_rand_index(clusters: &[usize], classes: &[usize]) -> Result<f64, AnalysisError> {
    Ok(Contingency::new(clusters, classes)?.ari())
}

/// The largest rise of a per-layer score between two consecutive layers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerJump {
    /// The layer the rise ends at (the rise is from `to - 1`).
    pub to: usize,
    pub gain: f64,
}

/// Where class structure appears along the layers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Emergence {
    pub threshold: f64,
    /// First layer whose NMI is at or above the threshold.
    pub first_above: Option<usize>,
    /// Largest increase of NMI between consecutive layers (`None` if NMI
    /// never increases, or there is only one layer).
    pub largest_jump: Option<LayerJump>,
}

/// [`emergence_with`] at [`EMERGENCE_NMI_THRESHOLD`].
pub fn emergence(nmi_per_layer: &[f64]) -> Emergence {
    emergence_with(nmi_per_layer, EMERGENCE_NMI_THRESHOLD)
}

/// First layer passing `threshold` and the largest layer-to-layer rise;
/// non-finite values never pass and never make a jump.
pub fn emergence_with(nmi_per_layer: &[f64], threshold: f64) -> Emergence {
    let first_above = nmi_per_layer.iter().position(|&v| v.is_finite() && v >= threshold);
    let mut largest_jump: Option<LayerJump> = None;
    for (to, pair) in nmi_per_layer.windows(2).enumerate().map(|(i, w)| (i + 1, w)) {
        let gain = pair[1] - pair[0];
        if gain.is_finite() && gain > 0.0 && largest_jump.is_none_or(|j| gain > j.gain) {
            largest_jump = Some(LayerJump { to, gain });
        }
    }
    Emergence { threshold, first_above, largest_jump }
}
