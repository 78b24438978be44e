//! Spreading one pass over several workers: a share of the rows computed on
//! its own, merged back, and row ranges with about the same work each.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::{ROW_BLOCK, SilhouetteAccumulator, pairs_from};
use crate::core::analysis::errors::AnalysisError;

impl SilhouetteAccumulator {
    /// Compute one share of the work on its own: the distances of sorted rows
    /// `rows` to every later row, as the sums they add to rows `rows.start..n`.
    /// An accumulator built from the same data and labelings (anywhere: the
    /// sort is deterministic) adds it with [`Self::merge_share`].
    pub fn share(mut self, rows: Range<usize>) -> Result<SilhouetteShare, AnalysisError> {
        if self.worked_in_place() || rows.end < rows.start || rows.end > self.n {
            return Err(AnalysisError::SilhouetteShare { start: rows.start, end: rows.end, total: self.n });
        }
        // With no varying column there is nothing to compute (all sums 0).
        if self.width != 0 {
            self.rows_done = rows.start;
            self.process_rows(rows.clone())?;
        }
        if let Some(e) = self.broken.take() {
            return Err(e);
        }
        // Rows before the share have no column-side sums and are not sent.
        self.fold_columns(rows.start..self.n);
        let sums = self.sums.split_off((rows.start * self.slot_count).min(self.sums.len()));
        Ok(SilhouetteShare { rows, sums })
    }

    /// Add a share computed by [`Self::share`]. Shares must not overlap, and an
    /// accumulator that merges shares does no rows itself; once the shares
    /// cover every row, [`Self::finish`] gives the scores.
    pub fn merge_share(&mut self, share: &SilhouetteShare) -> Result<(), AnalysisError> {
        let SilhouetteShare { rows, sums } = share;
        let refuse = || AnalysisError::SilhouetteShare { start: rows.start, end: rows.end, total: self.n };
        let overlaps = self.merged.iter().any(|m| m.start < rows.end && rows.start < m.end);
        let expected = (self.n.saturating_sub(rows.start)) * self.slot_count;
        if self.worked_in_place() || rows.end < rows.start || rows.end > self.n || overlaps || sums.len() != expected {
            return Err(refuse());
        }
        let Some(target) = self.sums.get_mut(rows.start * self.slot_count..) else { return Err(refuse()) };
        for (total, &part) in target.iter_mut().zip(sums) {
            *total += part;
        }
        if !rows.is_empty() {
            let at = self.merged.partition_point(|m| m.start < rows.start);
            self.merged.insert(at, rows.clone());
        }
        Ok(())
    }
}

/// One share of a silhouette pass (see [`SilhouetteAccumulator::share`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SilhouetteShare {
    /// Sorted rows whose pairs with every later row were computed.
    pub rows: Range<usize>,
    /// What they add to the cluster sums of sorted rows `rows.start..n`.
    #[serde(with = "crate::core::wire::le_bytes")]
    pub sums: Vec<f64>,
}

/// `shares` contiguous row ranges covering `0..n` with about the same number
/// of pairs each (early rows pair with more rows, so their ranges are
/// shorter), on row-block boundaries; empty ranges are left out.
pub fn share_bounds(n: usize, shares: usize) -> Vec<Range<usize>> {
    share_bounds_weighted(n, &vec![1.0; shares.max(1)])
}

/// Contiguous row ranges covering `0..n`, the j-th with about `weights[j]`
/// parts of the pairs, on row-block boundaries; empty ranges are left out.
pub fn share_bounds_weighted(n: usize, weights: &[f64]) -> Vec<Range<usize>> {
    let total = pairs_from(0, n) as f64;
    let weight_sum: f64 = weights.iter().filter(|w| w.is_finite() && **w > 0.0).sum();
    let mut bounds = vec![0];
    let mut before = 0.0;
    for &w in weights.iter().take(weights.len().saturating_sub(1)) {
        if !(w.is_finite() && w > 0.0) {
            continue;
        }
        before += w;
        // pairs_from(b) ≈ (n − b)² / 2 = total · (1 − share of the pairs before b).
        let rows_left = (2.0 * total * (1.0 - before / weight_sum).max(0.0)).sqrt();
        let cut = (n as f64 - rows_left).round().max(0.0) as usize;
        let cut = ((cut + ROW_BLOCK / 2) / ROW_BLOCK * ROW_BLOCK).min(n);
        if cut > *bounds.last().unwrap_or(&0) {
            bounds.push(cut);
        }
    }
    bounds.push(n);
    bounds.windows(2).filter(|w| w[1] > w[0]).map(|w| w[0]..w[1]).collect()
}
