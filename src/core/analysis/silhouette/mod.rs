//! Exact mean silhouette for several labelings of the same points from one
//! pass over the pairwise Euclidean distances.
//!
//! Definition (scikit-learn's `silhouette_score`): for point i in cluster C,
//! a(i) = mean distance to the other points of C, b(i) = the smallest mean
//! distance to the points of another non-empty cluster,
//! s(i) = (b − a) / max(a, b), with s(i) = 0 when i is alone in C or when
//! a = b = 0; the score is the mean of s(i) over all points.
//! The score is `None` (never NaN) when it is undefined: fewer than 2 or more
//! than n − 1 non-empty clusters (scikit-learn raises there), or all points
//! identical (every column constant).
//!
//! Precision: distances are f32 (cross terms from an f32 product of centred
//! data), sums per cluster f64; against scikit-learn (f64 throughout) the
//! mean silhouette agrees to ~1e-7 on the test fixtures.
//!
//! How it stays fast:
//! - all distances come from `‖x‖² + ‖y‖² − 2 x·y` with the cross terms from a
//!   tiled matrix product (gemm; simd128 in the page), after dropping constant
//!   columns and centring the rest (which keeps the cancellation error small);
//! - each unordered pair is computed once (upper triangle, row blocks);
//! - points are grouped into "atoms" (same cluster in every labeling) and
//!   sorted by atom, so a row's distances to a whole atom are one contiguous,
//!   vectorised sum;
//! - the bookkeeping (atom sums into the clusters of every labeling, about
//!   one update per pair and side) is done on vectors: row-side sums are kept
//!   atom-major across the block's 64 rows and column-side sums slot-major
//!   across a tile's columns, so each (atom, cluster) pair is one vector add
//!   instead of 64 or 1024 scattered scalar ones.
//!
//! Steppable: `process_rows` / `step` do a bounded amount of work, so the page
//! can yield between calls. Divisible: [`SilhouetteAccumulator::share`] computes
//! one range of rows on its own (in a worker), and
//! [`SilhouetteAccumulator::merge_share`] adds the results back up, so the
//! pairs can be spread over several cores (see [`share_bounds`]).
//!
//! The parts: `prepare` builds an accumulator (atoms, centred columns),
//! `blocks` does the pairwise work of a row block, `shares` splits a pass
//! over workers; this file holds the state and turns the sums into scores.

mod blocks;
mod prepare;
mod shares;

use std::ops::Range;

use ndarray::ArrayView2;

use super::errors::AnalysisError;

pub use prepare::has_varying_column;
pub use shares::{SilhouetteShare, share_bounds, share_bounds_weighted};

/// Rows per block of the distance product.
const ROW_BLOCK: usize = 64;
/// Columns per tile; ROW_BLOCK × COL_TILE f32 = 256 KiB stays in L2.
const COL_TILE: usize = 1024;
/// Rows folded at a time by `fold_columns`: their row-major sums stay in
/// cache while every slot's column-side sums are added in.
const FOLD_ROWS: usize = 256;

/// Accumulates per-cluster distance sums for many labelings at once.
#[derive(Debug, Clone)]
pub struct SilhouetteAccumulator {
    n: usize,
    /// Kept (non-constant) columns.
    width: usize,
    /// `[n, width]`, centred, rows sorted by atom.
    x: Vec<f32>,
    /// Squared norm of each sorted row.
    sq_norms: Vec<f32>,
    /// Atom of each sorted row.
    atom_of_row: Vec<usize>,
    /// Sorted rows of atom a are `atom_starts[a]..atom_starts[a + 1]`.
    atom_starts: Vec<usize>,
    /// `[atoms, sets]`: slot of the atom's cluster in each labeling.
    atom_slots: Vec<usize>,
    sets: Vec<LabelSet>,
    /// Total slots = Σ clusters over labelings.
    slot_count: usize,
    /// `[n, slot_count]`: for sorted row i, the sum of distances to the
    /// members of every cluster of every labeling.
    sums: Vec<f64>,
    /// `[slot_count, n]`: column-side sums (pairs reached from an earlier
    /// row block), slot-major so that an atom's distances to a column tile
    /// are added to a cluster with one vector add; folded into `sums` by
    /// `fold_columns`. Allocated by the first row block: an accumulator that
    /// only merges shares never needs it.
    column_sums: Vec<f64>,
    rows_done: usize,
    /// Row ranges whose sums were merged from shares (sorted, disjoint); a
    /// merged accumulator does no rows itself.
    merged: Vec<Range<usize>>,
    scratch: Scratch,
    /// Error found while building, reported by `finish` (labelings that do
    /// not match the data are rejected in `new`, so this stays `None` unless
    /// an internal size check fails).
    broken: Option<AnalysisError>,
}

/// Buffers reused by every row block.
#[derive(Debug, Clone, Default)]
struct Scratch {
    /// `[ROW_BLOCK, COL_TILE]` distances of the block rows to a column tile.
    tile: Vec<f32>,
    /// `[COL_TILE]` distances of a column tile to one atom's block rows.
    column_acc: Vec<f32>,
    /// `[atoms in the tile, ROW_BLOCK]` each block row's distance sum to
    /// each atom of the column tile.
    atom_rows: Vec<f32>,
    /// `[slot_count, ROW_BLOCK]` the same, added up per cluster.
    slot_rows: Vec<f32>,
    /// Ends of the tile's atom segments, relative to the tile.
    segment_ends: Vec<usize>,
}

#[derive(Debug, Clone)]
struct LabelSet {
    /// First slot of this labeling.
    offset: usize,
    /// Size of each (dense) cluster.
    sizes: Vec<usize>,
}

impl SilhouetteAccumulator {
    /// Number of points.
    pub fn total_rows(&self) -> usize {
        self.n
    }

    /// Rows processed so far (rows are processed in order).
    pub fn rows_done(&self) -> usize {
        self.rows_done
    }

    pub fn is_done(&self) -> bool {
        self.rows_done >= self.n || self.merged_rows() >= self.n
    }

    /// Rows were processed here (not merged): shares cannot be mixed in.
    fn worked_in_place(&self) -> bool {
        self.width != 0 && self.rows_done > 0
    }

    fn merged_rows(&self) -> usize {
        self.merged.iter().map(|r| r.len()).sum()
    }

    /// Share of the pairwise work done, in [0, 1] (later rows cost less: each
    /// pair is computed once, by its earlier row).
    pub fn progress(&self) -> f64 {
        let total = pairs_from(0, self.n) as f64;
        if total == 0.0 || self.is_done() {
            return 1.0;
        }
        1.0 - pairs_from(self.rows_done, self.n) as f64 / total
    }

    /// Process the next rows: `rows.start` must equal `rows_done()`.
    pub fn process_rows(&mut self, rows: Range<usize>) -> Result<(), AnalysisError> {
        if rows.start != self.rows_done || rows.end < rows.start || rows.end > self.n || !self.merged.is_empty() {
            return Err(AnalysisError::RowsOutOfOrder {
                start: rows.start,
                end: rows.end,
                expected_start: self.rows_done,
                total: self.n,
            });
        }
        // Through a pointer, so wasm-opt cannot inline it (see `process_block`).
        let block: fn(&mut Self, usize, usize) = std::hint::black_box(Self::process_block);
        let mut r0 = rows.start;
        while r0 < rows.end {
            let r1 = (r0 + ROW_BLOCK).min(rows.end);
            block(self, r0, r1);
            r0 = r1;
        }
        self.rows_done = rows.end;
        Ok(())
    }

    /// Process rows until about `max_pairs` distances were computed (at least
    /// one row block). Returns `true` once every row is done.
    pub fn step(&mut self, max_pairs: u64) -> bool {
        if !self.merged.is_empty() {
            return self.is_done();
        }
        let start = self.rows_done;
        let mut end = start;
        let mut pairs = 0u64;
        while end < self.n && (end == start || pairs < max_pairs) {
            let block_end = (end + ROW_BLOCK).min(self.n);
            pairs += pairs_from(end, self.n) - pairs_from(block_end, self.n);
            end = block_end;
        }
        if end > start {
            // Cannot fail: the range starts at rows_done and ends inside n.
            let _ = self.process_rows(start..end);
        }
        self.is_done()
    }

    /// Finish any remaining rows and return the mean silhouette of each
    /// labeling, in the order given to `new`.
    pub fn finish(mut self) -> Result<Vec<Option<f64>>, AnalysisError> {
        if !self.merged.is_empty() && !self.is_done() {
            return Err(AnalysisError::SilhouetteIncomplete { rows: self.merged_rows(), total: self.n });
        }
        if !self.is_done() {
            let (start, end) = (self.rows_done, self.n);
            self.process_rows(start..end)?;
        }
        if let Some(e) = self.broken.take() {
            return Err(e);
        }
        self.fold_columns(0..self.n);
        // Constant columns were dropped, so no column left means every point
        // is the same point; otherwise some pair differs.
        let all_identical = self.width == 0;
        let sets_count = self.sets.len();
        let mut scores = Vec::with_capacity(sets_count);
        for (s, set) in self.sets.iter().enumerate() {
            let non_empty = set.sizes.iter().filter(|&&c| c > 0).count();
            if all_identical || non_empty < 2 || non_empty + 1 > self.n {
                scores.push(None);
                continue;
            }
            let clusters = set.sizes.len();
            let mut total = 0.0f64;
            for i in 0..self.n {
                let atom = self.atom_of_row.get(i).copied().unwrap_or(0);
                let own_slot = self.atom_slots.get(atom * sets_count + s).copied().unwrap_or(set.offset);
                let own = own_slot.saturating_sub(set.offset);
                let own_size = set.sizes.get(own).copied().unwrap_or(0);
                if own_size <= 1 {
                    continue; // s(i) = 0 for a point alone in its cluster
                }
                let row_sums =
                    self.sums.get(i * self.slot_count + set.offset..i * self.slot_count + set.offset + clusters);
                let Some(row_sums) = row_sums else { continue };
                let mut a = 0.0;
                let mut b = f64::INFINITY;
                for (c, (&sum, &size)) in row_sums.iter().zip(&set.sizes).enumerate() {
                    if c == own {
                        a = sum / (size - 1) as f64;
                    } else if size > 0 {
                        b = b.min(sum / size as f64);
                    }
                }
                let denom = a.max(b);
                if denom > 0.0 && denom.is_finite() {
                    total += (b - a) / denom;
                }
            }
            scores.push(Some(total / self.n as f64));
        }
        Ok(scores)
    }
}

/// Pairs computed by rows start..n (each row i pairs with rows i..n).
fn pairs_from(start: usize, n: usize) -> u64 {
    let rows = n.saturating_sub(start) as u64;
    rows * (rows + 1) / 2
}

/// Mean silhouette of several labelings of the same points, in one call.
pub fn silhouette_scores(
    data: ArrayView2<f32>,
    label_sets: Vec<Vec<usize>>,
) -> Result<Vec<Option<f64>>, AnalysisError> {
    SilhouetteAccumulator::new(data, label_sets)?.finish()
}

/// Mean silhouette of one labeling.
pub fn silhouette_score(data: ArrayView2<f32>, labels: &[usize]) -> Result<Option<f64>, AnalysisError> {
    let scores = silhouette_scores(data, vec![labels.to_vec()])?;
    Ok(scores.into_iter().next().flatten())
}
