//! Class-conditional Mahalanobis distance with one shared covariance (the
//! feature-space OOD detector of Lee et al., 2018), regularised so dead or
//! perfectly correlated neurons do not make the covariance singular.

use std::collections::BTreeMap;

use linfa_linalg::cholesky::{Cholesky, InverseC};
use ndarray::{Array1, Array2, ArrayView2, Axis};

use super::errors::AnalysisError;
use super::kernels::{check_point, check_width, checked_standard, gram_f64, matmul_f64, squared_l2_f64};

/// Ridge added to the shared covariance: this fraction of its mean diagonal
/// (plus a tiny absolute floor for all-zero layers).
pub const MAHALANOBIS_RIDGE: f64 = 1e-3;

/// Fitted class means and the inverse of the regularised shared covariance.
#[derive(Debug, Clone, PartialEq)]
pub struct Mahalanobis {
    classes: Vec<usize>,
    /// `[classes, width]`.
    means: Array2<f64>,
    /// `[width, width]`.
    precision: Array2<f64>,
}

impl Mahalanobis {
    /// Fit on `[n, width]` signatures and their class labels.
    pub fn fit(data: ArrayView2<f32>, labels: &[usize]) -> Result<Self, AnalysisError> {
        let data = checked_standard(data)?;
        let (n, width) = data.dim();
        if labels.len() != n {
            return Err(AnalysisError::LengthMismatch { what: "labels", expected: n, found: labels.len() });
        }
        let mut members: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for (i, &l) in labels.iter().enumerate() {
            members.entry(l).or_default().push(i);
        }
        let x = data.mapv(f64::from);
        let mut means = Array2::zeros((members.len(), width));
        let mut centred = x.clone();
        for (mut mean, rows) in means.rows_mut().into_iter().zip(members.values()) {
            let class_rows = x.select(Axis(0), rows);
            let m = class_rows.mean_axis(Axis(0)).unwrap_or_else(|| Array1::zeros(width));
            for &i in rows {
                let mut row = centred.row_mut(i);
                row -= &m;
            }
            mean.assign(&m);
        }
        let mut covariance = gram_f64(centred.view())? / n as f64;
        let mean_diag = covariance.diag().sum() / width as f64;
        let ridge = MAHALANOBIS_RIDGE * mean_diag + 1e-9;
        covariance.diag_mut().mapv_inplace(|v| v + ridge);
        let precision = covariance.invc().map_err(|e| AnalysisError::Linalg(e.to_string()))?;
        Ok(Self { classes: members.into_keys().collect(), means, precision })
    }

    /// Class labels in the order of the fitted means.
    pub fn classes(&self) -> &[usize] {
        &self.classes
    }

    /// The nearest class mean in Mahalanobis distance: (class, distance).
    pub fn distance(&self, point: &[f32]) -> Result<(usize, f64), AnalysisError> {
        check_point(point, self.means.ncols())?;
        let x: Array1<f64> = point.iter().map(|&v| f64::from(v)).collect();
        let mut best: Option<(usize, f64)> = None;
        for (&class, mean) in self.classes.iter().zip(self.means.rows()) {
            let diff = &x - &mean;
            let sq = diff.dot(&self.precision.dot(&diff)).max(0.0);
            if best.is_none_or(|(_, b)| sq < b) {
                best = Some((class, sq));
            }
        }
        best.map(|(c, sq)| (c, sq.sqrt())).ok_or(AnalysisError::EmptyData)
    }
}

/// A [`Mahalanobis`] model in whitened coordinates: `z = Lᵀ x` with
/// `precision = L Lᵀ`, so every Mahalanobis distance is a Euclidean one between
/// whitened points. Whitening a point once costs `width²`; then each centre
/// costs `width` (instead of `width²` per centre).
#[derive(Debug, Clone, PartialEq)]
pub struct Whitened {
    /// `[width, width]`: `z = x · transform` (i.e. `transform = L`).
    transform: Array2<f64>,
    /// `[groups, width]`, the means whitened.
    means: Array2<f64>,
}

impl Mahalanobis {
    /// The same model in whitened coordinates (fast distances to every mean).
    pub fn whiten(&self) -> Result<Whitened, AnalysisError> {
        let lower = self.precision.cholesky().map_err(|e| AnalysisError::Linalg(e.to_string()))?;
        let means = matmul_f64(self.means.view(), lower.view())?;
        Ok(Whitened { transform: lower, means })
    }
}

impl Whitened {
    pub fn width(&self) -> usize {
        self.transform.nrows()
    }

    /// Index (into the fitted groups, in sorted label order) and distance of the
    /// nearest mean of each row of `data`.
    pub fn nearest_rows(&self, data: ArrayView2<f32>) -> Result<Vec<(usize, f64)>, AnalysisError> {
        let data = checked_standard(data)?;
        check_width(self.width(), data.ncols())?;
        let z = matmul_f64(data.mapv(f64::from).view(), self.transform.view())?; // [n, width]
        Ok(z.rows().into_iter().map(|row| self.nearest_whitened(row)).collect())
    }

    /// [`Self::nearest_rows`]' distances alone, as `f32` (one per row of `data`).
    pub fn nearest_distances(&self, data: ArrayView2<f32>) -> Result<Vec<f32>, AnalysisError> {
        Ok(self.nearest_rows(data)?.into_iter().map(|(_, d)| d as f32).collect())
    }

    /// Nearest mean of one point and its Mahalanobis distance.
    pub fn nearest(&self, point: &[f32]) -> Result<(usize, f64), AnalysisError> {
        let view = ndarray::ArrayView2::from_shape((1, point.len()), point).map_err(|_| {
            AnalysisError::LengthMismatch { what: "signature width", expected: self.width(), found: point.len() }
        })?;
        self.nearest_rows(view)?.pop().ok_or(AnalysisError::EmptyData)
    }

    fn nearest_whitened(&self, z: ndarray::ArrayView1<f64>) -> (usize, f64) {
        let mut best = (0, f64::INFINITY);
        for (i, mean) in self.means.rows().into_iter().enumerate() {
            let sq = match (z.as_slice(), mean.as_slice()) {
                (Some(z), Some(mean)) => squared_l2_f64(z, mean),
                _ => z.iter().zip(mean.iter()).map(|(a, b)| (a - b) * (a - b)).sum(),
            };
            if sq < best.1 {
                best = (i, sq);
            }
        }
        (best.0, best.1.max(0.0).sqrt())
    }
}
