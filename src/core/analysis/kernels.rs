//! Small numeric kernels shared by the algorithms: squared distances written so
//! that the compiler vectorises them (host SIMD and wasm simd128 alike), and the
//! one matrix product behind all-pairs distances.

use ndarray::{ArrayView2, CowArray, Ix2};

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
fn load4(values: &[f32]) -> f32x4 {
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

/// Splitmix64: turns (seed, stream) pairs into well-spread RNG seeds, so runs
/// for different K and restarts do not share random streams.
pub(crate) fn mix_seed(seed: u64, stream: u64) -> u64 {
    let mut z = seed ^ stream.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
