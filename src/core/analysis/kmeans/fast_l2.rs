//! Euclidean distance for linfa's K-means, plugged in through linfa-nn's
//! `Distance` trait. linfa's own `L2Dist` folds element by element through
//! `Zip` (one dependent add per dimension); this one reads contiguous rows as
//! slices and sums with independent lanes, about 5-10x faster at 32-64 dims.

use linfa_nn::distance::Distance;
use ndarray::{ArrayView, Dimension};

use crate::core::analysis::kernels::squared_l2;

/// Euclidean (L2) distance; `rdistance` is the squared distance, as in linfa.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FastL2;

impl Distance<f32> for FastL2 {
    #[inline]
    fn distance<D: Dimension>(&self, a: ArrayView<f32, D>, b: ArrayView<f32, D>) -> f32 {
        self.rdistance(a, b).sqrt()
    }

    #[inline]
    fn rdistance<D: Dimension>(&self, a: ArrayView<f32, D>, b: ArrayView<f32, D>) -> f32 {
        match (a.as_slice(), b.as_slice()) {
            (Some(x), Some(y)) => squared_l2(x, y),
            // Non-contiguous views (never produced by our callers): plain fold.
            _ => a.iter().zip(b.iter()).map(|(&p, &q)| (p - q) * (p - q)).sum(),
        }
    }

    #[inline]
    fn rdist_to_dist(&self, rdist: f32) -> f32 {
        rdist.sqrt()
    }

    #[inline]
    fn dist_to_rdist(&self, dist: f32) -> f32 {
        dist * dist
    }
}
