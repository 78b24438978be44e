//! PCA to a 2-D plane, kept with its basis so a new signature (a drawing) can
//! be placed in the same plane later.
//!
//! The basis is the top two eigenvectors of the scatter matrix, from
//! linfa-linalg's dense symmetric eigen-solver (the linear algebra under
//! linfa-reduction). linfa-reduction's own `Pca` is not used: its randomised
//! LOBPCG path panics inside linfa-linalg ("NaN values in array") on plain
//! 10,000 × 32 Gaussian blobs, which would abort the page, and it is ~10x
//! slower at these widths.

use linfa_linalg::eigh::Eigh;
use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::errors::AnalysisError;
use super::kernels::{check_point, check_width, checked_standard, gram_f64};

/// A fitted 2-D PCA basis: `project(x) = [(x − mean)·c₀, (x − mean)·c₁]`.
///
/// `explained_variance_ratio[k]` is component k's share of the *total*
/// variance, as scikit-learn's `explained_variance_ratio_`.
///
/// Signs are fixed so that each component's largest-magnitude coefficient is
/// positive, so refits of similar data do not mirror the plot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pca2 {
    mean: Vec<f32>,
    components: [Vec<f32>; 2],
    explained_variance_ratio: [f64; 2],
}

impl Pca2 {
    /// Fit on `[n, width]` signatures. Constant data (all rows equal, e.g. a
    /// dead layer) gives the first two axes as components and ratios [0, 0];
    /// one-column data gives that column and a zero second component.
    pub fn fit(data: ArrayView2<f32>) -> Result<Self, AnalysisError> {
        let data = checked_standard(data)?;
        let (n, width) = data.dim();
        let x = data.mapv(f64::from);
        let mean: Vec<f64> = x.columns().into_iter().map(|c| c.sum() / n as f64).collect();
        let total_ss: f64 =
            x.rows().into_iter().map(|r| r.iter().zip(&mean).map(|(&v, &m)| (v - m).powi(2)).sum::<f64>()).sum();
        let mean_f32: Vec<f32> = mean.iter().map(|&m| m as f32).collect();
        let axis = |j: usize| -> Vec<f32> { (0..width).map(|i| if i == j { 1.0 } else { 0.0 }).collect() };

        // No spread along any direction (relative to the values' magnitude):
        // the plane is arbitrary, every point projects to the origin.
        let scale: f64 = mean.iter().map(|m| m * m).sum::<f64>() * n as f64;
        if total_ss <= 1e-12 * scale.max(f64::MIN_POSITIVE) || n < 2 {
            return Ok(Self { mean: mean_f32, components: [axis(0), axis(1)], explained_variance_ratio: [0.0, 0.0] });
        }
        if width == 1 {
            return Ok(Self { mean: mean_f32, components: [axis(0), vec![0.0]], explained_variance_ratio: [1.0, 0.0] });
        }

        // Eigen-decomposition of the width × width scatter matrix.
        let mut centred = x;
        for mut row in centred.rows_mut() {
            for (v, &m) in row.iter_mut().zip(&mean) {
                *v -= m;
            }
        }
        let scatter = gram_f64(centred.view())?;
        let (values, vectors) = scatter.eigh().map_err(|e| AnalysisError::Pca(e.to_string()))?;
        if values.iter().chain(vectors.iter()).any(|v| !v.is_finite()) {
            return Err(AnalysisError::Pca("the eigen-decomposition is not finite".into()));
        }
        let mut order: Vec<usize> = (0..values.len()).collect();
        order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
        let mut components = [Vec::with_capacity(width), Vec::with_capacity(width)];
        let mut ratios = [0.0; 2];
        for ((component, ratio), &k) in components.iter_mut().zip(ratios.iter_mut()).zip(&order) {
            let column = vectors.column(k);
            let largest = column.iter().copied().fold(0.0f64, |best, v| if v.abs() > best.abs() { v } else { best });
            let sign = if largest < 0.0 { -1.0 } else { 1.0 };
            component.extend(column.iter().map(|&v| (sign * v) as f32));
            *ratio = (values[k] / total_ss).clamp(0.0, 1.0);
        }
        Ok(Self { mean: mean_f32, components, explained_variance_ratio: ratios })
    }

    /// A basis saved earlier (an experiment file): `mean` and both components
    /// of the same width, finite, ratios in [0, 1].
    pub fn from_parts(mean: Vec<f32>, components: [Vec<f32>; 2], ratios: [f64; 2]) -> Result<Self, AnalysisError> {
        let width = mean.len();
        if width == 0 {
            return Err(AnalysisError::ZeroWidth);
        }
        for component in &components {
            if component.len() != width {
                return Err(AnalysisError::LengthMismatch {
                    what: "PCA component",
                    expected: width,
                    found: component.len(),
                });
            }
        }
        let values = mean.iter().chain(&components[0]).chain(&components[1]);
        if let Some(col) = values.clone().position(|v| !v.is_finite()) {
            return Err(AnalysisError::NonFinite { row: 0, col });
        }
        if ratios.iter().any(|r| !(0.0..=1.0).contains(r)) {
            return Err(AnalysisError::Pca("explained variance ratios must lie in [0, 1]".into()));
        }
        Ok(Self { mean, components, explained_variance_ratio: ratios })
    }

    /// Signature width the basis was fitted on.
    pub fn width(&self) -> usize {
        self.mean.len()
    }

    pub fn mean(&self) -> &[f32] {
        &self.mean
    }

    /// The two unit-length directions, each of length `width`.
    pub fn components(&self) -> &[Vec<f32>; 2] {
        &self.components
    }

    pub fn explained_variance_ratio(&self) -> [f64; 2] {
        self.explained_variance_ratio
    }

    /// Coordinates of one signature in the plane.
    pub fn project(&self, point: &[f32]) -> Result<[f32; 2], AnalysisError> {
        check_point(point, self.width())?;
        Ok(self.project_unchecked(point))
    }

    /// Coordinates of every row, `[n, 2]`.
    pub fn project_rows(&self, data: ArrayView2<f32>) -> Result<Array2<f32>, AnalysisError> {
        let data = checked_standard(data)?;
        check_width(self.width(), data.ncols())?;
        let mut out = Array2::zeros((data.nrows(), 2));
        for (row, mut target) in data.rows().into_iter().zip(out.rows_mut()) {
            let p = match row.as_slice() {
                Some(slice) => self.project_unchecked(slice),
                None => self.project_unchecked(&row.to_vec()),
            };
            target[0] = p[0];
            target[1] = p[1];
        }
        Ok(out)
    }

    fn project_unchecked(&self, point: &[f32]) -> [f32; 2] {
        let mut out = [0.0f32; 2];
        for (o, component) in out.iter_mut().zip(&self.components) {
            let dot: f64 = point
                .iter()
                .zip(&self.mean)
                .zip(component)
                .map(|((&x, &m), &c)| (f64::from(x) - f64::from(m)) * f64::from(c))
                .sum();
            *o = dot as f32;
        }
        out
    }
}
