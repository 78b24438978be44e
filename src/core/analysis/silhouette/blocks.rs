//! The pairwise work of one row block: distances to the block's own rows and
//! to every later column tile, summed per atom and added to the clusters of
//! every labeling on the row side and the column side.

use std::ops::Range;

use wide::f32x4;

use super::{COL_TILE, FOLD_ROWS, ROW_BLOCK, Scratch, SilhouetteAccumulator};
use crate::core::analysis::errors::AnalysisError;
use crate::core::analysis::kernels::{load4, neg2_cross_products, sum_f32};

impl SilhouetteAccumulator {
    /// Add the column-side sums of sorted rows `rows` into `sums` (row-major,
    /// as `finish` and shares read them), then drop them: called once, by the
    /// methods that consume the accumulator. A block of rows at a time, so
    /// each row's sums are not fetched from memory once per slot.
    pub(super) fn fold_columns(&mut self, rows: Range<usize>) {
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
    pub(super) fn process_block(&mut self, r0: usize, r1: usize) {
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
            // at a time this pass is a large part of the silhouettes' time in
            // the page.
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
