//! Products of a mostly-zero layer (input pixels: about 80 % zeros on MNIST)
//! that skip the zeros. Dense products cost p² per image for the 784-wide
//! input's ‖XᵀX‖, most of the whole matrix's time; here they cost the square
//! of the nonzeros per image, about 25 times less.
//!
//! Centring would fill the zeros in, so these products use the raw values:
//! - with another layer Y: XᵀYc = XcᵀYc, as the columns of the centred Yc sum
//!   to zero (so no cancellation arises);
//! - with itself: XcᵀXc = XᵀX − n·μμᵀ, subtracted at the end. For values
//!   that are mostly zero the mean is at most comparable to the spread, so
//!   the subtraction loses only a few of f64's digits.

use std::ops::Range;

/// A layer takes this path when at most this share of its (varying) values
/// is nonzero. With the costs below, skipping zeros wins below a density of
/// about 0.4 for the self product (d² · SCATTER_COST < 1) and 0.33 for pairs
/// (d · AXPY_COST < 1).
pub(super) const MAX_DENSITY: f64 = 0.3;

/// What one scattered addition of the self product costs, in gemm
/// multiply-adds: in wasm (Node 20) f64 gemm runs at about 7 G/s, the
/// scattered additions over MNIST pixels at about 1.2 G/s. For sizing steps.
pub(super) const SCATTER_COST: u64 = 6;

/// What one multiply-add of a pair product costs here (a sparse row's value
/// times a dense row, added to a row of the sums: vectorised but bound by
/// memory, about 2.7 G/s in wasm), in gemm multiply-adds.
pub(super) const AXPY_COST: u64 = 3;

/// The nonzero values of a layer's varying columns, row by row (compressed
/// sparse rows; columns numbered among the varying ones, ascending).
#[derive(Debug, Clone)]
pub(super) struct Sparse {
    /// Row `r`'s entries are `row_start[r]..row_start[r + 1]`.
    row_start: Vec<usize>,
    cols: Vec<u32>,
    values: Vec<f32>,
    /// Σ over rows of (nonzeros in the row)², for the work estimate.
    square_sum: u64,
}

impl Sparse {
    /// The `nnz` nonzeros of the columns `varying` of row-major `values`
    /// (`width` per row); `None` if the layer is too wide for u32 column
    /// numbers. The caller decides whether the layer is sparse enough
    /// ([`MAX_DENSITY`]).
    pub(super) fn build(values: &[f32], width: usize, varying: &[usize], nnz: usize) -> Option<Self> {
        u32::try_from(varying.len()).ok()?;
        let rows = values.len() / width.max(1);
        let mut row_start = Vec::with_capacity(rows + 1);
        let (mut cols, mut kept) = (Vec::with_capacity(nnz), Vec::with_capacity(nnz));
        let mut square_sum = 0u64;
        row_start.push(0);
        for row in values.chunks_exact(width.max(1)) {
            let before = cols.len();
            for (k, &j) in varying.iter().enumerate() {
                if let Some(&v) = row.get(j).filter(|&&v| v != 0.0) {
                    cols.push(k as u32);
                    kept.push(v);
                }
            }
            square_sum += ((cols.len() - before) as u64).pow(2);
            row_start.push(cols.len());
        }
        Some(Sparse { row_start, cols, values: kept, square_sum })
    }

    fn rows(&self) -> usize {
        self.row_start.len().saturating_sub(1)
    }

    /// Average nonzeros per row (rounded up).
    pub(super) fn nonzeros_per_row(&self) -> u64 {
        (self.cols.len() as u64).div_ceil(self.rows().max(1) as u64)
    }

    /// Work per row of a product with a `dense_width`-wide layer.
    pub(super) fn pair_work_per_row(&self, dense_width: u64) -> u64 {
        self.nonzeros_per_row() * dense_width * AXPY_COST + dense_width
    }

    /// Work per row of the self product (its scattered additions).
    pub(super) fn self_work_per_row(&self) -> u64 {
        (self.square_sum / 2 + self.cols.len() as u64).div_ceil(self.rows().max(1) as u64) * SCATTER_COST
    }

    /// Row `r`'s (columns, values).
    fn row(&self, r: usize) -> (&[u32], &[f32]) {
        let (Some(&a), Some(&b)) = (self.row_start.get(r), self.row_start.get(r + 1)) else { return (&[], &[]) };
        (self.cols.get(a..b).unwrap_or(&[]), self.values.get(a..b).unwrap_or(&[]))
    }

    /// `acc` (`[width, width]`) += the upper triangle (j ≤ k) of the raw xᵀx
    /// over `rows`.
    pub(super) fn add_self_products(&self, rows: Range<usize>, width: usize, acc: &mut [f64]) {
        // The row's values as f64 and its columns as usize once, not once per
        // pair: the inner loop is then a load, a multiply-add and a store.
        let (mut cols, mut values) = (Vec::new(), Vec::new());
        for r in rows {
            let (c, v) = self.row(r);
            cols.clear();
            cols.extend(c.iter().map(|&j| j as usize));
            values.clear();
            values.extend(v.iter().map(|&v| f64::from(v)));
            for (a, (&j, &vj)) in cols.iter().zip(&values).enumerate() {
                let (Some(acc_row), Some(ks), Some(vks)) =
                    (acc.get_mut(j * width..(j + 1) * width), cols.get(a..), values.get(a..))
                else {
                    continue;
                };
                for (&k, &vk) in ks.iter().zip(vks) {
                    if let Some(slot) = acc_row.get_mut(k) {
                        *slot += vj * vk;
                    }
                }
            }
        }
    }

    /// `acc` (`[width, dense_width]`) += xᵀ·y over `rows`, for `y` the
    /// centred rows `rows` of another layer (row-major, `dense_width` wide).
    pub(super) fn add_products(&self, rows: Range<usize>, y: &[f64], dense_width: usize, acc: &mut [f64]) {
        let first = rows.start;
        for r in rows {
            let start = (r - first) * dense_width;
            let Some(y_row) = y.get(start..start + dense_width) else { continue };
            let (cols, values) = self.row(r);
            for (&j, &v) in cols.iter().zip(values) {
                let start = j as usize * dense_width;
                let Some(acc_row) = acc.get_mut(start..start + dense_width) else { continue };
                let v = f64::from(v);
                // Contiguous: vectorised (SSE/AVX on the host, simd128 in wasm).
                for (d, &b) in acc_row.iter_mut().zip(y_row) {
                    *d += v * b;
                }
            }
        }
    }
}

/// ‖XcᵀXc‖²_F from the raw upper triangle of XᵀX ([`Sparse::add_self_products`]
/// over every row), the column means and the number of rows.
pub(super) fn centred_squared_norm(acc: &[f64], width: usize, means: &[f64], n: usize) -> f64 {
    let n = n as f64;
    let mut total = 0.0;
    for (j, mj) in means.iter().enumerate().take(width) {
        let Some(row) = acc.get(j * width..(j + 1) * width) else { continue };
        for (k, (g, mk)) in row.iter().zip(means).enumerate().skip(j) {
            let c = g - n * mj * mk;
            total += if k == j { c * c } else { 2.0 * c * c };
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use ndarray::{Array2, CowArray};

    use super::super::layer::Layer;

    #[test]
    fn only_mostly_zero_layers_take_the_sparse_path() {
        // 1 value in 4 nonzero; the last column is constant, so left out.
        let data = Array2::from_shape_fn((8, 5), |(i, j)| match j {
            4 => 2.0,
            _ if (i + j) % 4 == 0 => 1.0 + j as f32,
            _ => 0.0,
        });
        let mut layer = Layer::new("sparse".into(), CowArray::from(data));
        layer.prepare();
        assert_eq!(layer.width(), 4);
        let sparse = layer.sparse().unwrap();
        assert_eq!(sparse.row(1), (&[3u32][..], &[4.0f32][..]));
        assert_eq!(sparse.nonzeros_per_row(), 1);
        let half = Array2::from_shape_fn((8, 4), |(i, j)| ((i + j) % 2) as f32);
        let mut half = Layer::new("half".into(), CowArray::from(half));
        half.prepare();
        assert!(half.sparse().is_none());
    }
}
