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

use std::collections::HashMap;
use std::ops::Range;

use ndarray::{ArrayView1, ArrayView2};
use serde::{Deserialize, Serialize};
use wide::f32x4;

use super::errors::AnalysisError;
use super::kernels::{checked_standard, load4, neg2_cross_products, sum_f32};

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
    /// Prepare for `data` (`[n, width]`) and the labelings to score (each of
    /// length n; labels are arbitrary numbers, clusters need not be 0..k).
    pub fn new(data: ArrayView2<f32>, label_sets: Vec<Vec<usize>>) -> Result<Self, AnalysisError> {
        let data = checked_standard(data)?;
        let n = data.nrows();
        for set in &label_sets {
            if set.len() != n {
                return Err(AnalysisError::LengthMismatch { what: "labels", expected: n, found: set.len() });
            }
        }

        // Dense cluster ids per labeling, in order of first appearance.
        let mut sets = Vec::with_capacity(label_sets.len());
        let mut dense_sets = Vec::with_capacity(label_sets.len());
        let mut slot_count = 0;
        for set in &label_sets {
            let (dense, sizes) = dense_ids(set);
            let clusters = sizes.len();
            sets.push(LabelSet { offset: slot_count, sizes });
            slot_count += clusters;
            dense_sets.push(dense);
        }

        // Atoms: points with the same cluster in every labeling. The points are
        // sorted by their clusters (then by index, so every worker gets the
        // same order): one stable counting sort per labeling, last one first.
        // Each run of equal clusters is an atom.
        let mut order: Vec<usize> = (0..n).collect();
        let mut sorted = vec![0usize; n];
        for (dense, set) in dense_sets.iter().zip(&sets).rev() {
            // First place of each cluster in the sorted order.
            let starts_of = set.sizes.iter().scan(0, |end, &size| {
                let start = *end;
                *end += size;
                Some(start)
            });
            let mut starts: Vec<usize> = starts_of.collect();
            for &i in &order {
                let Some(next) = dense.get(i).and_then(|&id| starts.get_mut(id)) else { continue };
                if let Some(place) = sorted.get_mut(*next) {
                    *place = i;
                }
                *next += 1;
            }
            std::mem::swap(&mut order, &mut sorted);
        }
        let key_of = |i: usize| dense_sets.iter().map(move |d| d.get(i).copied().unwrap_or(0));
        let mut atom_slots = Vec::new();
        let mut atom_starts = Vec::new();
        let mut atom_of_row = Vec::with_capacity(n);
        for (row, &i) in order.iter().enumerate() {
            let new_atom = row == 0 || order.get(row - 1).is_none_or(|&prev| !key_of(prev).eq(key_of(i)));
            if new_atom {
                atom_starts.push(row);
                atom_slots.extend(key_of(i).zip(&sets).map(|(c, s)| s.offset + c));
            }
            atom_of_row.push(atom_starts.len() - 1);
        }
        atom_starts.push(n);

        // Constant columns add nothing to any distance: drop them. Centre the
        // rest in f64 so ‖x‖² stays small relative to the distances. Rows are
        // read whole (the data is row-major), in the sorted order.
        let mut column_sums = vec![0.0f64; data.ncols()];
        for row in data.rows() {
            let Some(row) = row.to_slice() else { continue }; // row-major: never skipped
            for (sum, &v) in column_sums.iter_mut().zip(row) {
                *sum += f64::from(v);
            }
        }
        let kept: Vec<usize> = (0..data.ncols()).filter(|&j| column_varies(data.column(j))).collect();
        let means: Vec<f64> = kept.iter().map(|&j| column_sums.get(j).copied().unwrap_or(0.0) / n as f64).collect();
        let width = kept.len();
        let all_kept = width == data.ncols();
        let mut x = vec![0.0f32; n * width];
        for (centred, &i) in x.chunks_exact_mut(width.max(1)).zip(&order) {
            let row = data.row(i);
            match row.as_slice() {
                Some(row) if all_kept => {
                    for ((c, &v), &mean) in centred.iter_mut().zip(row).zip(&means) {
                        *c = (f64::from(v) - mean) as f32;
                    }
                }
                _ => {
                    for ((c, &j), &mean) in centred.iter_mut().zip(&kept).zip(&means) {
                        *c = (f64::from(row[j]) - mean) as f32;
                    }
                }
            }
        }
        let sq_norms: Vec<f32> = if width == 0 {
            vec![0.0; n]
        } else {
            x.chunks_exact(width).map(|r| r.iter().map(|v| v * v).sum()).collect()
        };

        Ok(Self {
            n,
            width,
            x,
            sq_norms,
            atom_of_row,
            atom_starts,
            atom_slots,
            sets,
            slot_count,
            sums: vec![0.0; n * slot_count],
            column_sums: Vec::new(),
            // With no varying column every distance is 0: nothing to compute.
            rows_done: if width == 0 { n } else { 0 },
            merged: Vec::new(),
            scratch: Scratch {
                tile: vec![0.0; ROW_BLOCK * COL_TILE.max(ROW_BLOCK)],
                column_acc: vec![0.0; COL_TILE],
                atom_rows: Vec::new(),
                slot_rows: vec![0.0; slot_count * ROW_BLOCK],
                segment_ends: Vec::new(),
            },
            broken: None,
        })
    }

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

    /// Add the column-side sums of sorted rows `rows` into `sums` (row-major,
    /// as `finish` and shares read them), then drop them: called once, by the
    /// methods that consume the accumulator. A block of rows at a time, so
    /// each row's sums are not fetched from memory once per slot.
    fn fold_columns(&mut self, rows: Range<usize>) {
        let (slots, n) = (self.slot_count, self.n);
        let column_sums = std::mem::take(&mut self.column_sums);
        if slots == 0 || column_sums.len() != n * slots {
            return; // no row block ran: nothing on the column side
        }
        let mut start = rows.start;
        while start < rows.end.min(n) {
            let end = (start + FOLD_ROWS).min(rows.end).min(n);
            let Some(block) = self.sums.get_mut(start * slots..end * slots) else { return };
            for (slot, column) in column_sums.chunks_exact(n).enumerate() {
                let Some(part) = column.get(start..end) else { continue };
                for (row_sums, &value) in block.chunks_exact_mut(slots).zip(part) {
                    if let Some(s) = row_sums.get_mut(slot) {
                        *s += value;
                    }
                }
            }
            start = end;
        }
    }

    /// Distances of sorted rows r0..r1 to every row ≥ r0, added to the sums.
    /// Not inlined: the browser optimises a wasm function only between calls,
    /// so a worker's share (one `process_rows` call) would otherwise run in
    /// baseline code to its end.
    #[inline(never)]
    fn process_block(&mut self, r0: usize, r1: usize) {
        let m = r1 - r0;
        let w = self.width;
        let Some(lhs) = self.x.get(r0 * w..r1 * w) else {
            self.broken = Some(AnalysisError::Linalg("row block out of range".into()));
            return;
        };
        // Take the scratch buffers out so `self` can be borrowed inside.
        let mut scratch = std::mem::take(&mut self.scratch);
        let mut tile = std::mem::take(&mut scratch.tile);

        // Diagonal block: every ordered pair inside the block appears as a
        // row entry, so only row sums are taken here.
        let lhs = lhs.to_vec();
        if self.distance_tile(&lhs, r0, r0, r1, &mut tile, m) {
            for i in 0..m {
                if let Some(d) = tile.get_mut(i * m + i) {
                    *d = 0.0; // a point's distance to itself, exactly
                }
            }
            self.add_row_sums(&tile, m, r0, m, r0, r1, &mut scratch);
        }

        // Columns after the block: row sums for the block's rows and column
        // sums for the columns' rows, so each unordered pair is done once.
        let mut c0 = r1;
        while c0 < self.n {
            let c1 = (c0 + COL_TILE).min(self.n);
            let cols = c1 - c0;
            if self.distance_tile(&lhs, r0, c0, c1, &mut tile, cols) {
                self.add_row_sums(&tile, cols, r0, m, c0, c1, &mut scratch);
                self.add_column_sums(&tile, cols, r0, r1, c0, c1, &mut scratch.column_acc);
            }
            c0 = c1;
        }
        scratch.tile = tile;
        self.scratch = scratch;
    }

    /// Fill `tile` (row stride `stride`) with distances from the block rows
    /// (starting at sorted row `r0`, data `lhs`) to sorted rows c0..c1.
    fn distance_tile(&mut self, lhs: &[f32], r0: usize, c0: usize, c1: usize, tile: &mut [f32], stride: usize) -> bool {
        let w = self.width;
        let m = lhs.len() / w.max(1);
        let (Some(rhs), Some(row_norms), Some(col_norms)) =
            (self.x.get(c0 * w..c1 * w), self.sq_norms.get(r0..r0 + m), self.sq_norms.get(c0..c1))
        else {
            self.broken = Some(AnalysisError::Linalg("column tile out of range".into()));
            return false;
        };
        if !neg2_cross_products(m, c1 - c0, w, lhs, rhs, tile, stride) {
            self.broken = Some(AnalysisError::Linalg("distance tile does not fit".into()));
            return false;
        }
        let cols = c1 - c0;
        for (row, &ni) in tile.chunks_mut(stride).zip(row_norms) {
            let Some(row) = row.get_mut(..cols) else { continue };
            // Four at a time with explicit vectors: `f32::max` does not map to
            // a wasm vector instruction (their NaN rules differ), and one value
            // at a time this pass took a sixth of the silhouettes in the page.
            let row_norm = f32x4::splat(ni);
            let mut quads = row.chunks_exact_mut(4);
            let mut norms = col_norms.chunks_exact(4);
            for (d, nj) in (&mut quads).zip(&mut norms) {
                let squared = row_norm + load4(nj) + load4(d);
                // Clamp: rounding can make a tiny squared distance negative
                // (keeping lanes above zero also maps NaN to 0, as `max` did).
                let squared = squared.simd_gt(f32x4::ZERO) & squared;
                d.copy_from_slice(&squared.sqrt().to_array());
            }
            for (d, &nj) in quads.into_remainder().iter_mut().zip(norms.remainder()) {
                let squared = ni + nj + *d;
                *d = if squared > 0.0 { squared.sqrt() } else { 0.0 };
            }
        }
        true
    }

    /// For each of the `m` block rows, sum its distances per atom over columns
    /// c0..c1 and add them to the row's cluster sums in every labeling.
    ///
    /// The per-atom sums are stored atom-major (`[atom][row]`), so adding an
    /// atom to a cluster is one add of 64-row vectors; the per-cluster f32
    /// sums of this one tile then go into the f64 totals.
    #[allow(clippy::too_many_arguments)]
    fn add_row_sums(
        &mut self,
        tile: &[f32],
        stride: usize,
        r0: usize,
        m: usize,
        c0: usize,
        c1: usize,
        scratch: &mut Scratch,
    ) {
        let sets = self.sets.len();
        let slots = self.slot_count;
        let (Some(&first_atom), Some(&last_atom)) = (self.atom_of_row.get(c0), self.atom_of_row.get(c1 - 1)) else {
            return;
        };
        // Sorted rows hold atom 0, then atom 1, ...: segments follow in order.
        let atoms = last_atom + 1 - first_atom;
        let ends = &mut scratch.segment_ends;
        ends.clear();
        ends.extend(
            (first_atom + 1..=last_atom).map(|a| self.atom_starts.get(a).copied().unwrap_or(c1).clamp(c0, c1) - c0),
        );
        ends.push(c1 - c0);

        let atom_rows = &mut scratch.atom_rows;
        if atom_rows.len() < atoms * ROW_BLOCK {
            atom_rows.resize(atoms * ROW_BLOCK, 0.0);
        }
        for (i, row) in tile.chunks(stride).take(m).enumerate() {
            let mut start = 0;
            for (a, &end) in ends.iter().enumerate() {
                let part = row.get(start..end).map(sum_f32).unwrap_or(0.0);
                if let Some(cell) = atom_rows.get_mut(a * ROW_BLOCK + i) {
                    *cell = part;
                }
                start = end;
            }
        }

        let slot_rows = &mut scratch.slot_rows;
        slot_rows.iter_mut().for_each(|v| *v = 0.0);
        for (a, part) in atom_rows.chunks_exact(ROW_BLOCK).take(atoms).enumerate() {
            let part = &part[..m];
            let Some(atom_slots) = self.atom_slots.get((first_atom + a) * sets..(first_atom + a + 1) * sets) else {
                continue;
            };
            for &slot in atom_slots {
                if let Some(dst) = slot_rows.get_mut(slot * ROW_BLOCK..slot * ROW_BLOCK + m) {
                    for (d, &v) in dst.iter_mut().zip(part) {
                        *d += v;
                    }
                }
            }
        }
        let Some(block_sums) = self.sums.get_mut(r0 * slots..(r0 + m) * slots) else { return };
        for (slot, sums_of_slot) in slot_rows.chunks_exact(ROW_BLOCK).take(slots).enumerate() {
            for (row_sums, &v) in block_sums.chunks_exact_mut(slots).zip(sums_of_slot) {
                if let Some(s) = row_sums.get_mut(slot) {
                    *s += f64::from(v);
                }
            }
        }
    }

    /// For each column c0..c1, sum its distances to the block rows per atom of
    /// those rows and add them to the column's cluster sums (slot-major, so
    /// each (atom, cluster) is one vector add over the tile's columns).
    #[allow(clippy::too_many_arguments)]
    fn add_column_sums(
        &mut self,
        tile: &[f32],
        stride: usize,
        r0: usize,
        r1: usize,
        c0: usize,
        c1: usize,
        acc: &mut [f32],
    ) {
        let sets = self.sets.len();
        let n = self.n;
        let cols = c1 - c0;
        let Some(acc) = acc.get_mut(..cols) else { return };
        if self.column_sums.is_empty() {
            self.column_sums = vec![0.0; n * self.slot_count];
        }
        let mut run_start = r0;
        while run_start < r1 {
            let Some(&atom) = self.atom_of_row.get(run_start) else { return };
            let run_end = self.atom_starts.get(atom + 1).copied().unwrap_or(r1).clamp(run_start + 1, r1);
            acc.iter_mut().for_each(|v| *v = 0.0);
            for i in run_start..run_end {
                if let Some(row) = tile.get((i - r0) * stride..(i - r0) * stride + cols) {
                    for (a, &d) in acc.iter_mut().zip(row) {
                        *a += d;
                    }
                }
            }
            if let Some(atom_slots) = self.atom_slots.get(atom * sets..(atom + 1) * sets) {
                for &slot in atom_slots {
                    if let Some(dst) = self.column_sums.get_mut(slot * n + c0..slot * n + c1) {
                        for (d, &v) in dst.iter_mut().zip(acc.iter()) {
                            *d += f64::from(v);
                        }
                    }
                }
            }
            run_start = run_end;
        }
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

/// Pairs computed by rows start..n (each row i pairs with rows i..n).
fn pairs_from(start: usize, n: usize) -> u64 {
    let rows = n.saturating_sub(start) as u64;
    rows * (rows + 1) / 2
}

/// Dense ids of `labels` (0, 1, ... in order of first appearance) and the
/// size of each. K-means labels are small numbers: a table, not a hash map.
fn dense_ids(labels: &[usize]) -> (Vec<usize>, Vec<usize>) {
    const UNSEEN: usize = usize::MAX;
    let mut sizes: Vec<usize> = Vec::new();
    let mut id_of = |slot: &mut usize| {
        if *slot == UNSEEN {
            *slot = sizes.len();
            sizes.push(0);
        }
        if let Some(size) = sizes.get_mut(*slot) {
            *size += 1;
        }
        *slot
    };
    let largest = labels.iter().copied().max().unwrap_or(0);
    let dense = if largest <= 4 * labels.len() + 64 {
        let mut table = vec![UNSEEN; largest + 1];
        labels.iter().map(|&label| table.get_mut(label).map_or(0, &mut id_of)).collect()
    } else {
        let mut table: HashMap<usize, usize> = HashMap::new();
        labels.iter().map(|&label| id_of(table.entry(label).or_insert(UNSEEN))).collect()
    };
    (dense, sizes)
}

/// Whether any two rows of `data` differ, i.e. whether a silhouette pass has
/// any distance to compute (the test [`SilhouetteAccumulator::new`] uses to
/// drop constant columns); stops at the first column that varies.
pub fn has_varying_column(data: ArrayView2<f32>) -> bool {
    data.columns().into_iter().any(column_varies)
}

fn column_varies(col: ArrayView1<f32>) -> bool {
    let first = col.first().copied().unwrap_or(0.0);
    col.iter().any(|&v| v != first)
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
