//! Preparing a pass: dense cluster ids per labeling, points grouped into
//! atoms and sorted by them, constant columns dropped and the rest centred.

use std::collections::HashMap;

use ndarray::{ArrayView1, ArrayView2};

use super::{COL_TILE, LabelSet, ROW_BLOCK, Scratch, SilhouetteAccumulator};
use crate::core::analysis::errors::AnalysisError;
use crate::core::analysis::kernels::checked_standard;

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
