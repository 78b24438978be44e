//! Linear centred kernel alignment (CKA; Kornblith et al., ICML 2019) between
//! the layers of a run, or between the layers of two runs on the same images.
//!
//! For signatures X `[n, p]` and Y `[n, q]` of the same n images, centred
//! column-wise, CKA = ‖YᵀX‖²_F / (‖XᵀX‖_F · ‖YᵀY‖_F): 1 when the two layers
//! are the same up to a rotation and a uniform scale, near 0 when unrelated.
//! This is the feature-space form: its products are p×q, not n×n, which is
//! what makes 10,000 images affordable. Everything is summed in f64.
//!
//! [`CkaJob`] does the work a bounded amount at a time, so the page can yield
//! between steps: each layer's ‖XᵀX‖_F once, then one YᵀX product per pair,
//! each accumulated over blocks of rows. A layer with no variance (constant,
//! e.g. all dead ReLUs) has an undefined CKA with everything: `None`.

mod job;
mod layer;
mod sparse;

use ndarray::{Array2, ArrayView2, CowArray};
use serde::{Deserialize, Serialize};

use super::errors::AnalysisError;
use super::kernels::checked_standard;
pub use job::{CkaJob, DEFAULT_WORK_PER_STEP};
use layer::Layer;

/// CKA between every row layer and every column layer (`None` = undefined).
/// Serialised as `{ "layers": [...], "matrix": [[...]] }` (null for undefined),
/// plus `"columns"` for a matrix between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CkaMatrix {
    /// Names of the rows (this run's layers).
    pub layers: Vec<String>,
    /// Names of the columns when they are another run's layers; `None` when
    /// the matrix is square over `layers` (and symmetric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub columns: Option<Vec<String>>,
    /// `matrix[row][col]`.
    pub matrix: Vec<Vec<Option<f64>>>,
}

impl CkaMatrix {
    /// Names of the columns (`layers` for a square matrix).
    pub fn column_names(&self) -> &[String] {
        self.columns.as_deref().unwrap_or(&self.layers)
    }

    pub fn get(&self, row: usize, col: usize) -> Option<f64> {
        self.matrix.get(row)?.get(col).copied().flatten()
    }
}

/// Linear CKA of one pair of layers over the same images (rows).
pub fn linear_cka(x: ArrayView2<f32>, y: ArrayView2<f32>) -> Result<Option<f64>, AnalysisError> {
    // Re-borrowed so both views share one lifetime (views are invariant in it).
    let job = CkaJob::cross_views(vec![(String::from("x"), x.view())], vec![(String::from("y"), y.view())])?;
    Ok(job.finish().get(0, 0))
}

/// CKA between every pair of `layers`, in one call.
pub fn cka_matrix(layers: &[(&str, ArrayView2<f32>)]) -> Result<CkaMatrix, AnalysisError> {
    Ok(CkaJob::from_views(named(layers))?.finish())
}

/// CKA between each of `rows` and each of `cols` (two runs, same images).
pub fn cka_cross_matrix(
    rows: &[(&str, ArrayView2<f32>)],
    cols: &[(&str, ArrayView2<f32>)],
) -> Result<CkaMatrix, AnalysisError> {
    Ok(CkaJob::cross_views(named(rows), named(cols))?.finish())
}

/// Owned names and views re-borrowed for as long as `layers` (so two lists
/// of views with different lifetimes can go in one job).
fn named<'s>(layers: &'s [(&str, ArrayView2<f32>)]) -> Vec<(String, ArrayView2<'s, f32>)> {
    layers.iter().map(|(name, data)| (name.to_string(), data.view())).collect()
}

fn owned((name, data): (String, Array2<f32>)) -> Result<Layer<'static>, AnalysisError> {
    checked_standard(data.view())?;
    let data = if data.is_standard_layout() { data } else { data.as_standard_layout().into_owned() };
    Ok(Layer::new(name, CowArray::from(data)))
}

fn viewed<'a>((name, data): (String, ArrayView2<'a, f32>)) -> Result<Layer<'a>, AnalysisError> {
    Ok(Layer::new(name, checked_standard(data)?))
}
