//! One layer made ready for CKA: its column means, the columns that vary, and
//! row blocks of its centred values in f64; and the two products CKA needs,
//! accumulated a row block at a time.

use ndarray::{CowArray, Ix2};

use super::super::kernels::add_cross_products_f64;
use super::sparse::{MAX_DENSITY, Sparse};

/// Column block of the self product: only blocks on or above the diagonal are
/// multiplied (XᵀX is symmetric), which saves about 40 % at 784 columns.
pub(super) const SELF_BLOCK: usize = 128;

/// What a value of a layer costs to prepare, in gemm multiply-adds (a sum,
/// two comparisons, a count, and the nonzeros gathered: about 2.5 ns a value
/// in wasm, where gemm does 7 multiply-adds a nanosecond).
pub(super) const PREPARE_COST: u64 = 16;

/// A layer's signatures (row-major, finite: checked by the caller) and, once
/// [`Layer::prepare`]d, what centring them needs.
#[derive(Debug, Clone)]
pub(super) struct Layer<'a> {
    pub(super) name: String,
    data: CowArray<'a, f32, Ix2>,
    stats: Option<Stats>,
}

#[derive(Debug, Clone)]
struct Stats {
    /// Columns whose values are not all equal. A constant column is exactly 0
    /// once centred, but its f64 mean need not equal its value to the last
    /// bit; leaving it out keeps an all-constant layer at exactly zero (so
    /// `None`, not the ratio of two rounding errors).
    varying: Vec<usize>,
    /// Mean of each varying column.
    means: Vec<f64>,
    /// The nonzeros, when few enough to be worth skipping the zeros.
    sparse: Option<Sparse>,
}

impl<'a> Layer<'a> {
    pub(super) fn new(name: String, data: CowArray<'a, f32, Ix2>) -> Self {
        Layer { name, data, stats: None }
    }

    /// Column means, the varying columns, and the nonzeros if the layer is
    /// mostly zeros (a pass over the values; again only if called again).
    pub(super) fn prepare(&mut self) {
        let (n, width) = self.data.dim();
        let (mut sums, mut differs, mut nonzeros) = (vec![0.0f64; width], vec![false; width], vec![0u32; width]);
        // Row-major already (the caller checked); a view, not a copy.
        let standard = self.data.as_standard_layout();
        let values = standard.as_slice().unwrap_or(&[]);
        let first = values.get(..width).unwrap_or(&[]);
        // Three simple loops per row rather than one: each vectorises.
        for row in values.chunks_exact(width.max(1)) {
            for (s, &v) in sums.iter_mut().zip(row) {
                *s += f64::from(v);
            }
            for (d, (&v, &v0)) in differs.iter_mut().zip(row.iter().zip(first)) {
                *d |= v != v0;
            }
            for (c, &v) in nonzeros.iter_mut().zip(row) {
                *c += u32::from(v != 0.0);
            }
        }
        let varying: Vec<usize> = (0..width).filter(|&j| differs.get(j) == Some(&true)).collect();
        let means = varying.iter().map(|&j| sums.get(j).map_or(0.0, |s| s / n.max(1) as f64)).collect();
        let nnz: u64 = varying.iter().filter_map(|&j| nonzeros.get(j)).map(|&c| u64::from(c)).sum();
        let sparse = (nnz as f64 <= MAX_DENSITY * (n * varying.len()) as f64 && !varying.is_empty())
            .then(|| Sparse::build(values, width, &varying, nnz as usize))
            .flatten();
        drop(standard);
        self.stats = Some(Stats { varying, means, sparse });
    }

    /// Work of [`Self::prepare`].
    pub(super) fn prepare_work(&self) -> u64 {
        (self.data.len() as u64).max(1) * PREPARE_COST
    }

    /// Means of the varying columns (empty before [`Self::prepare`]).
    pub(super) fn means(&self) -> &[f64] {
        self.stats.as_ref().map_or(&[], |s| &s.means)
    }

    pub(super) fn sparse(&self) -> Option<&Sparse> {
        self.stats.as_ref()?.sparse.as_ref()
    }

    pub(super) fn rows(&self) -> usize {
        self.data.nrows()
    }

    /// Columns that take part: the varying ones (all of them before
    /// [`Self::prepare`], the most there can be).
    pub(super) fn width(&self) -> usize {
        self.stats.as_ref().map_or(self.data.ncols(), |s| s.varying.len())
    }

    /// Rows `start..end` centred, as a row-major `[end − start, width]` block
    /// in `out` (replacing its contents; nothing before [`Self::prepare`]).
    pub(super) fn centred_rows(&self, start: usize, end: usize, out: &mut Vec<f64>) {
        out.clear();
        let Some(stats) = &self.stats else { return };
        let all = stats.varying.len() == self.data.ncols();
        for r in start..end.min(self.rows()) {
            let row = self.data.row(r);
            if all {
                out.extend(row.iter().zip(&stats.means).map(|(&v, m)| f64::from(v) - m));
            } else {
                out.extend(
                    stats.varying.iter().zip(&stats.means).map(|(&j, m)| row.get(j).map_or(0.0, |&v| f64::from(v) - m)),
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
