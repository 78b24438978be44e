//! Per-neuron mean activation of a set of signatures, and which neurons stay
//! silent.

use ndarray::ArrayView2;

use super::errors::AnalysisError;
use super::kernels::checked_standard;

/// A neuron is silent over a set if its mean |activation| is at most this
/// absolute value (dead ReLUs give exactly 0)...
pub const SILENT_ABSOLUTE_TOLERANCE: f32 = 1e-6;
/// ...or at most this fraction of the most active neuron's mean |activation|
/// in the same layer (so the rule does not depend on the layer's scale).
pub const SILENT_RELATIVE_TOLERANCE: f32 = 0.01;

/// Mean activation per neuron and the silent flags.
#[derive(Debug, Clone, PartialEq)]
pub struct NeuronProfile {
    /// Mean (signed) activation of each neuron.
    pub mean: Vec<f32>,
    /// Mean |activation| of each neuron.
    pub mean_abs: Vec<f32>,
    pub silent: Vec<bool>,
}

impl NeuronProfile {
    pub fn silent_count(&self) -> usize {
        self.silent.iter().filter(|&&s| s).count()
    }

    /// Neurons ordered by mean activation, highest first (ties: lower index).
    pub fn most_active(&self, count: usize) -> Vec<usize> {
        let mut order: Vec<usize> = (0..self.mean.len()).collect();
        order.sort_by(|&a, &b| self.mean[b].total_cmp(&self.mean[a]).then(a.cmp(&b)));
        order.truncate(count);
        order
    }
}

/// Profile of the given rows of `data` (`None` = all rows).
pub fn neuron_profile(data: ArrayView2<f32>, rows: Option<&[usize]>) -> Result<NeuronProfile, AnalysisError> {
    let data = checked_standard(data)?;
    let (n, width) = data.dim();
    let mut sum = vec![0.0f64; width];
    let mut sum_abs = vec![0.0f64; width];
    let mut count = 0usize;
    let mut add = |i: usize| -> Result<(), AnalysisError> {
        if i >= n {
            return Err(AnalysisError::LengthMismatch { what: "row index", expected: n, found: i });
        }
        for ((s, a), &v) in sum.iter_mut().zip(sum_abs.iter_mut()).zip(data.row(i)) {
            *s += f64::from(v);
            *a += f64::from(v.abs());
        }
        count += 1;
        Ok(())
    };
    match rows {
        Some(rows) => rows.iter().try_for_each(|&i| add(i))?,
        None => (0..n).try_for_each(&mut add)?,
    }
    if count == 0 {
        return Err(AnalysisError::EmptyData);
    }
    let mean: Vec<f32> = sum.iter().map(|s| (s / count as f64) as f32).collect();
    let mean_abs: Vec<f32> = sum_abs.iter().map(|s| (s / count as f64) as f32).collect();
    let loudest = mean_abs.iter().copied().fold(0.0f32, f32::max);
    let tolerance = SILENT_ABSOLUTE_TOLERANCE.max(SILENT_RELATIVE_TOLERANCE * loudest);
    let silent = mean_abs.iter().map(|&m| m <= tolerance).collect();
    Ok(NeuronProfile { mean, mean_abs, silent })
}
