//! Small numeric kernels shared by the algorithms: squared distances written so
//! that the compiler vectorises them (host SIMD and wasm simd128 alike), the
//! matrix product behind all-pairs distances, and f64 products for the
//! covariance work (ndarray's own `dot` has no SIMD kernel on wasm: a scalar
//! fallback several times slower there).

use ndarray::{Array2, ArrayView2, CowArray, Ix2};

use wide::f32x4;

use super::errors::AnalysisError;

/// Lanes of independent accumulators: 16 f32 = two AVX registers or four wasm
/// v128 registers, enough to hide add latency in a reduction.
const LANES: usize = 16;

/// Squared Euclidean distance between two equally long slices (the shorter
/// length wins if they differ; callers check widths first).
#[inline]
pub(crate) fn squared_l2(a: &[f32], b: &[f32]) -> f32 {
    let len = a.len().min(b.len());
    let (a, b) = (&a[..len], &b[..len]);
    let mut acc = [f32x4::ZERO; LANES / 4];
    let mut chunks_a = a.chunks_exact(LANES);
    let mut chunks_b = b.chunks_exact(LANES);
    for (xa, xb) in (&mut chunks_a).zip(&mut chunks_b) {
        for ((s, pa), pb) in acc.iter_mut().zip(xa.chunks_exact(4)).zip(xb.chunks_exact(4)) {
            let t = load4(pa) - load4(pb);
            *s += t * t;
        }
    }
    let mut tail = 0.0f32;
    for (&p, &q) in chunks_a.remainder().iter().zip(chunks_b.remainder()) {
        let t = p - q;
        tail += t * t;
    }
    reduce(acc) + tail
}

/// Squared distance with four independent sums (a single running sum cannot
/// be vectorised or pipelined without reordering additions).
pub(crate) fn squared_l2_f64(a: &[f64], b: &[f64]) -> f64 {
    let mut sums = [0.0f64; 4];
    let (a4, b4) = (a.chunks_exact(4), b.chunks_exact(4));
    let tail: f64 = a4.remainder().iter().zip(b4.remainder()).map(|(x, y)| (x - y) * (x - y)).sum();
    for (x, y) in a4.zip(b4) {
        for lane in 0..4 {
            let d = x[lane] - y[lane];
            sums[lane] += d * d;
        }
    }
    sums.iter().sum::<f64>() + tail
}

/// Sum of a slice with independent accumulators (vectorised; the order of
/// additions differs from a plain loop, which is fine at f32 precision here).
#[inline]
pub(crate) fn sum_f32(values: &[f32]) -> f32 {
    let mut acc = [f32x4::ZERO; LANES / 4];
    let mut chunks = values.chunks_exact(LANES);
    for x in &mut chunks {
        for (s, part) in acc.iter_mut().zip(x.chunks_exact(4)) {
            *s += load4(part);
        }
    }
    // Atoms are often short runs: finish 4 at a time, then one by one.
    let mut quads = chunks.remainder().chunks_exact(4);
    for part in &mut quads {
        acc[0] += load4(part);
    }
    let tail: f32 = quads.remainder().iter().sum();
    reduce(acc) + tail
}

/// Four values as a 128-bit vector (SSE2 on x86-64, simd128 in wasm, scalar
/// elsewhere); callers pass chunks of exactly four.
#[inline(always)]
pub(crate) fn load4(values: &[f32]) -> f32x4 {
    match <[f32; 4]>::try_from(values) {
        Ok(v) => f32x4::new(v),
        Err(_) => f32x4::ZERO,
    }
}

#[inline(always)]
fn reduce(acc: [f32x4; LANES / 4]) -> f32 {
    ((acc[0] + acc[1]) + (acc[2] + acc[3])).reduce_add()
}

/// A signature of `found` values where one of `expected` belongs is an error.
pub(crate) fn check_width(expected: usize, found: usize) -> Result<(), AnalysisError> {
    if found == expected {
        Ok(())
    } else {
        Err(AnalysisError::LengthMismatch { what: "signature width", expected, found })
    }
}

/// One signature: `width` values, all finite.
pub(crate) fn check_point(point: &[f32], width: usize) -> Result<(), AnalysisError> {
    check_width(width, point.len())?;
    match point.iter().position(|v| !v.is_finite()) {
        Some(col) => Err(AnalysisError::NonFinite { row: 0, col }),
        None => Ok(()),
    }
}

/// Refuse empty, zero-width or non-finite data, and hand back a row-major
/// (standard layout) view so rows can be read as slices.
pub(crate) fn checked_standard(data: ArrayView2<'_, f32>) -> Result<CowArray<'_, f32, Ix2>, AnalysisError> {
    let (rows, cols) = data.dim();
    if rows == 0 {
        return Err(AnalysisError::EmptyData);
    }
    if cols == 0 {
        return Err(AnalysisError::ZeroWidth);
    }
    // Fast scan first; find the position only when something is wrong.
    if !data.iter().all(|v| v.is_finite())
        && let Some(((row, col), _)) = data.indexed_iter().find(|(_, v)| !v.is_finite())
    {
        return Err(AnalysisError::NonFinite { row, col });
    }
    if data.is_standard_layout() {
        Ok(CowArray::from(data))
    } else {
        Ok(CowArray::from(data.as_standard_layout().into_owned()))
    }
}

/// `dst[i * dst_stride + j] = -2 · Σ_p lhs[i·k + p] · rhs[j·k + p]` for
/// `i < m`, `j < n`: the cross term of `‖x‖² + ‖y‖² − 2 x·y` for a tile of
/// rows against a tile of columns, both row-major with `k` values per row.
///
/// Returns `false` (and leaves `dst` alone) if the slices are too short for the
/// sizes given, so a sizing mistake can never read or write out of bounds.
pub(crate) fn neg2_cross_products(
    m: usize,
    n: usize,
    k: usize,
    lhs: &[f32],
    rhs: &[f32],
    dst: &mut [f32],
    dst_stride: usize,
) -> bool {
    if m == 0 || n == 0 {
        return true;
    }
    let fits = n <= dst_stride && lhs.len() >= m * k && rhs.len() >= n * k && dst.len() >= (m - 1) * dst_stride + n;
    if !fits {
        return false;
    }
    if k == 0 {
        for row in dst.chunks_mut(dst_stride).take(m) {
            row.iter_mut().take(n).for_each(|v| *v = 0.0);
        }
        return true;
    }
    // SAFETY: the checks above guarantee every index gemm touches is inside the
    // three slices: lhs is m×k with row stride k, rhs is read as the k×n
    // transpose of an n×k row-major block (row stride 1, column stride k), and
    // dst is m×n with row stride `dst_stride` ≥ n. `read_dst = false`, so dst's
    // previous contents are never read. No parallelism: wasm has no threads.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_stride as isize,
            false,
            lhs.as_ptr(),
            1,
            k as isize,
            rhs.as_ptr(),
            k as isize,
            1,
            0.0f32,
            -2.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    true
}

/// `a · b` for `a` `[m, k]` and `b` `[k, n]`: `[m, n]`.
pub(crate) fn matmul_f64(a: ArrayView2<f64>, b: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
    let ((m, k), (k_b, n)) = (a.dim(), b.dim());
    if k_b != k {
        return Err(AnalysisError::LengthMismatch { what: "matrix product inner size", expected: k, found: k_b });
    }
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    let (Some(lhs), Some(rhs)) = (a.as_slice(), b.as_slice()) else {
        return Err(AnalysisError::EmptyData);
    };
    Ok(gemm_f64([m, n, k], (lhs, k, 1), (rhs, n, 1)))
}

/// `xᵀ · x` for `x` `[n, d]`: `[d, d]` (the scatter matrix of centred data).
pub(crate) fn gram_f64(x: ArrayView2<f64>) -> Result<Array2<f64>, AnalysisError> {
    let (n, d) = x.dim();
    let x = x.as_standard_layout();
    let Some(values) = x.as_slice() else {
        return Err(AnalysisError::EmptyData);
    };
    // xᵀ is read from the same row-major values: row stride 1, column stride d.
    Ok(gemm_f64([d, d, n], (values, 1, d), (values, d, 1)))
}

/// `[m, n] = lhs [m, k] · rhs [k, n]`, each operand given as (values, row
/// stride, column stride). An operand too short for its sizes gives zeros
/// rather than reading out of bounds (callers pass whole row-major arrays).
fn gemm_f64([m, n, k]: [usize; 3], lhs: (&[f64], usize, usize), rhs: (&[f64], usize, usize)) -> Array2<f64> {
    let mut dst = Array2::<f64>::zeros((m, n));
    let last = |rows: usize, cols: usize, (values, rs, cs): (&[f64], usize, usize)| {
        (rows - 1)
            .checked_mul(rs)
            .zip((cols - 1).checked_mul(cs))
            .and_then(|(a, b)| a.checked_add(b))
            .is_some_and(|i| i < values.len())
    };
    if m == 0 || n == 0 || k == 0 || !last(m, k, lhs) || !last(k, n, rhs) {
        return dst;
    }
    let Some(out) = dst.as_slice_mut() else { return dst };
    // SAFETY: every index gemm reads is below the last one checked above
    // (row stride × (rows − 1) + column stride × (columns − 1)) and dst is a
    // fresh row-major m×n array (row stride n). `read_dst = false`: dst's
    // zeros are overwritten, never read. No parallelism: wasm has no threads.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            false,
            lhs.0.as_ptr(),
            lhs.2 as isize,
            lhs.1 as isize,
            rhs.0.as_ptr(),
            rhs.2 as isize,
            rhs.1 as isize,
            0.0f64,
            1.0f64,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    dst
}

/// `dst[m, n] += aᵀ · b` for `a` `[k, m]` and `b` `[k, n]`, all row-major with
/// the row strides given (so `a`, `b` and `dst` may be column blocks of wider
/// matrices: pass the slice from the block's first value). The cross products
/// of two row blocks of centred signatures, summed over blocks.
///
/// Returns `false` (and leaves `dst` alone) if a slice is too short for the
/// sizes and strides given, so a sizing mistake can never read or write out of
/// bounds.
pub(crate) fn add_cross_products_f64(
    [m, n, k]: [usize; 3],
    (a, a_stride): (&[f64], usize),
    (b, b_stride): (&[f64], usize),
    (dst, dst_stride): (&mut [f64], usize),
) -> bool {
    if m == 0 || n == 0 || k == 0 {
        return true;
    }
    let last = |rows: usize, cols: usize, stride: usize| {
        (rows - 1).checked_mul(stride).and_then(|i| i.checked_add(cols - 1)).filter(|_| cols <= stride)
    };
    let fits = |end: Option<usize>, len: usize| end.is_some_and(|i| i < len);
    let all_fit = fits(last(k, m, a_stride), a.len())
        && fits(last(k, n, b_stride), b.len())
        && fits(last(m, n, dst_stride), dst.len());
    if !all_fit {
        return false;
    }
    // SAFETY: the checks above bound every index gemm touches: lhs is aᵀ, read
    // from `a` with row stride 1 and column stride `a_stride` (last index
    // (k−1)·a_stride + m−1); rhs is `b` with row stride `b_stride`, column
    // stride 1; dst has row stride `dst_stride` ≥ n. `read_dst = true` with
    // alpha = 1, beta = 1: dst := dst + aᵀ·b. No parallelism: wasm has no
    // threads.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_stride as isize,
            true,
            a.as_ptr(),
            a_stride as isize,
            1,
            b.as_ptr(),
            1,
            b_stride as isize,
            1.0f64,
            1.0f64,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
    true
}

/// Splitmix64: turns (seed, stream) pairs into well-spread RNG seeds, so runs
/// for different K and restarts do not share random streams.
pub(crate) fn mix_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use approx::assert_abs_diff_eq;
    use ndarray::{Array2, s};
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    use super::{AnalysisError, add_cross_products_f64, gram_f64, matmul_f64};

    fn random(rows: usize, cols: usize, rng: &mut Xoshiro256PlusPlus) -> Array2<f64> {
        Array2::from_shape_fn((rows, cols), |_| rng.gen_range(-3.0..3.0))
    }

    #[test]
    fn products_match_ndarray_on_odd_sizes_and_strided_views() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
        for (m, k, n) in [(1, 1, 1), (7, 5, 3), (33, 64, 10), (300, 17, 64)] {
            let (a, b) = (random(m, k, &mut rng), random(k, n, &mut rng));
            let product = matmul_f64(a.view(), b.view()).unwrap();
            assert_abs_diff_eq!(product, a.dot(&b), epsilon = 1e-9);
            // A transposed (column-major) operand and a stepped slice.
            let bt = random(n, k, &mut rng);
            assert_abs_diff_eq!(matmul_f64(a.view(), bt.t()).unwrap(), a.dot(&bt.t()), epsilon = 1e-9);
            let wide = random(m, 2 * k, &mut rng);
            let stepped = wide.slice(s![.., ..;2]);
            assert_abs_diff_eq!(matmul_f64(stepped, b.view()).unwrap(), stepped.dot(&b), epsilon = 1e-9);
            assert_abs_diff_eq!(gram_f64(a.view()).unwrap(), a.t().dot(&a), epsilon = 1e-9);
        }
    }

    #[test]
    fn empty_and_mismatched_products() {
        let a = Array2::<f64>::zeros((0, 4));
        assert_eq!(matmul_f64(a.view(), Array2::<f64>::ones((4, 3)).view()).unwrap().dim(), (0, 3));
        assert_eq!(gram_f64(a.view()).unwrap(), Array2::<f64>::zeros((4, 4)));
        let err = matmul_f64(Array2::<f64>::ones((2, 3)).view(), Array2::<f64>::ones((4, 2)).view()).unwrap_err();
        assert_eq!(err, AnalysisError::LengthMismatch { what: "matrix product inner size", expected: 3, found: 4 });
    }

    #[test]
    fn cross_products_of_column_blocks_accumulate() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
        let (a, b) = (random(37, 20, &mut rng), random(37, 9, &mut rng));
        let mut dst = Array2::<f64>::ones((20, 9));
        // aᵀb for columns 5..17 of a and 2..9 of b, into the matching block.
        let (a_flat, b_flat) = (a.as_slice().unwrap(), b.as_slice().unwrap());
        let block = dst.slice_mut(s![5..17, 2..9]).as_ptr() as usize - dst.as_ptr() as usize;
        let start = block / std::mem::size_of::<f64>();
        assert!(add_cross_products_f64(
            [12, 7, 37],
            (&a_flat[5..], 20),
            (&b_flat[2..], 9),
            (&mut dst.as_slice_mut().unwrap()[start..], 9)
        ));
        let want = a.slice(s![.., 5..17]).t().dot(&b.slice(s![.., 2..9])) + 1.0;
        assert_abs_diff_eq!(dst.slice(s![5..17, 2..9]), want, epsilon = 1e-9);
        assert_abs_diff_eq!(dst.slice(s![..5, ..]), Array2::<f64>::ones((5, 9)));
        // Too short a destination: refused, nothing written.
        let mut short = vec![0.0; 10];
        assert!(!add_cross_products_f64([12, 7, 37], (a_flat, 20), (b_flat, 9), (&mut short, 9)));
        assert!(short.iter().all(|&v| v == 0.0));
    }
}
