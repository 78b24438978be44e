//! One layer made ready for CKA: its column means, the columns that vary, and
//! row blocks of its centred values in f64; and the two products CKA needs,
//! accumulated a row block at a time.

use ndarray::{CowArray, Ix2};

use super::super::kernels::add_cross_products_f64;

/// Column block of the self product: only blocks on or above the diagonal are
/// multiplied (XᵀX is symmetric), which saves about 40 % at 784 columns.
pub(super) const SELF_BLOCK: usize = 128;

/// A layer's signatures (row-major, finite: checked by the caller) and what
/// centring them needs.
#[derive(Debug, Clone)]
pub(super) struct Layer<'a> {
    pub(super) name: String,
    data: CowArray<'a, f32, Ix2>,
    /// Columns whose values are not all equal. A constant column is exactly 0
    /// once centred, but its f64 mean need not equal its value to the last
    /// bit; leaving it out keeps an all-constant layer at exactly zero (so
    /// `None`, not the ratio of two rounding errors).
    varying: Vec<usize>,
    /// Mean of each varying column.
    means: Vec<f64>,
}

impl<'a> Layer<'a> {
    pub(super) fn new(name: String, data: CowArray<'a, f32, Ix2>) -> Self {
        let width = data.ncols();
        let mut sums = vec![0.0f64; width];
        let mut differs = vec![false; width];
        let first = data.rows().into_iter().next();
        for row in data.rows() {
            for (((s, d), &v), &v0) in sums.iter_mut().zip(differs.iter_mut()).zip(row).zip(first.iter().flatten()) {
                *s += f64::from(v);
                *d |= v != v0;
            }
        }
        let n = data.nrows().max(1) as f64;
        let varying: Vec<usize> = (0..width).filter(|&j| differs.get(j) == Some(&true)).collect();
        let means = varying.iter().map(|&j| sums.get(j).map_or(0.0, |s| s / n)).collect();
        Layer { name, data, varying, means }
    }

    pub(super) fn rows(&self) -> usize {
        self.data.nrows()
    }

    /// Columns that take part (the varying ones).
    pub(super) fn width(&self) -> usize {
        self.varying.len()
    }

    /// Rows `start..end` centred, as a row-major `[end − start, width]` block
    /// in `out` (replacing its contents).
    pub(super) fn centred_rows(&self, start: usize, end: usize, out: &mut Vec<f64>) {
        out.clear();
        let all = self.varying.len() == self.data.ncols();
        for r in start..end.min(self.rows()) {
            let row = self.data.row(r);
            if all {
                out.extend(row.iter().zip(&self.means).map(|(&v, m)| f64::from(v) - m));
            } else {
                out.extend(
                    self.varying.iter().zip(&self.means).map(|(&j, m)| row.get(j).map_or(0.0, |&v| f64::from(v) - m)),
                );
            }
        }
    }
}

/// Multiply-adds per row of the self product with [`SELF_BLOCK`] blocks.
pub(super) fn self_work_per_row(width: usize) -> u64 {
    let squares: usize = block_widths(width).map(|w| w * w).sum();
    ((width * width + squares) / 2) as u64
}

fn block_widths(width: usize) -> impl Iterator<Item = usize> {
    (0..width).step_by(SELF_BLOCK).map(move |start| SELF_BLOCK.min(width - start))
}

/// `acc` (`[width, width]`, row-major) += the upper block triangle of
/// `xᵀx` for a centred row block `x` `[rows, width]`. Blocks below the
/// diagonal are never written; [`self_squared_norm`] counts the ones above
/// twice.
pub(super) fn add_self_products(x: &[f64], rows: usize, width: usize, acc: &mut [f64]) -> bool {
    let mut ok = true;
    for i0 in (0..width).step_by(SELF_BLOCK) {
        let wi = SELF_BLOCK.min(width - i0);
        for j0 in (i0..width).step_by(SELF_BLOCK) {
            let wj = SELF_BLOCK.min(width - j0);
            let (Some(a), Some(b)) = (x.get(i0..), x.get(j0..)) else { return false };
            let Some(dst) = acc.get_mut(i0 * width + j0..) else { return false };
            ok &= add_cross_products_f64([wi, wj, rows], (a, width), (b, width), (dst, width));
        }
    }
    ok
}

/// ‖xᵀx‖²_F from the block triangle [`add_self_products`] summed.
pub(super) fn self_squared_norm(acc: &[f64], width: usize) -> f64 {
    let mut total = 0.0;
    for i0 in (0..width).step_by(SELF_BLOCK) {
        let wi = SELF_BLOCK.min(width - i0);
        for j0 in (i0..width).step_by(SELF_BLOCK) {
            let wj = SELF_BLOCK.min(width - j0);
            let weight = if i0 == j0 { 1.0 } else { 2.0 };
            let block: f64 = (i0..i0 + wi)
                .filter_map(|i| acc.get(i * width + j0..i * width + j0 + wj))
                .map(|row| row.iter().map(|v| v * v).sum::<f64>())
                .sum();
            total += weight * block;
        }
    }
    total
}

/// `acc` (`[wx, wy]`) += `xᵀy` for centred row blocks `x` `[rows, wx]` and
/// `y` `[rows, wy]`.
pub(super) fn add_pair_products(x: (&[f64], usize), y: (&[f64], usize), rows: usize, acc: &mut [f64]) -> bool {
    add_cross_products_f64([x.1, y.1, rows], x, y, (acc, y.1))
}

/// CKA from ‖YᵀX‖²_F and the two ‖XᵀX‖²_F: `None` when either layer has no
/// variance (or anything overflowed), clamped to [0, 1] otherwise (the exact
/// value is inside by Cauchy–Schwarz; rounding can step past 1 by an ulp).
pub(super) fn cka_from(cross: f64, self_x: f64, self_y: f64) -> Option<f64> {
    let denominator = self_x.sqrt() * self_y.sqrt();
    (denominator > 0.0 && denominator.is_finite() && cross.is_finite()).then(|| (cross / denominator).clamp(0.0, 1.0))
}
