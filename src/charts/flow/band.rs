//! Band geometry: a band's edges are cubic Bézier curves with both control
//! points at mid-x, so they leave and enter the nodes horizontally.

/// A band: the images of true class `class` going from node `from` of column
/// `column` to node `to` of column `column + 1`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowBand {
    pub column: usize,
    pub from: usize,
    pub to: usize,
    pub class: usize,
    pub count: usize,
    /// Image indices, ascending.
    pub images: Vec<usize>,
    /// Right edge of the source node, left edge of the target node.
    pub x0: f64,
    pub x1: f64,
    /// Vertical span at the source node.
    pub from_y0: f64,
    pub from_y1: f64,
    /// Vertical span at the target node.
    pub to_y0: f64,
    pub to_y1: f64,
}

impl FlowBand {
    /// Top and bottom of the band at curve parameter `t`.
    fn edges_at_t(&self, t: f64) -> (f64, f64) {
        let s = curve_y_frac(t);
        (self.from_y0 + (self.to_y0 - self.from_y0) * s, self.from_y1 + (self.to_y1 - self.from_y1) * s)
    }

    /// Curve parameter at pixel x (the Bézier's x is monotonic in t).
    fn t_at_x(&self, x: f64) -> Option<f64> {
        let width = self.x1 - self.x0;
        if width.is_nan() || width <= 0.0 || x < self.x0 || x > self.x1 {
            return None;
        }
        let target = (x - self.x0) / width;
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        for _ in 0..40 {
            let mid = (lo + hi) / 2.0;
            if curve_x_frac(mid) < target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Some((lo + hi) / 2.0)
    }

    /// Top and bottom of the band at pixel x, if x is within its span.
    pub fn edges_at_x(&self, x: f64) -> Option<(f64, f64)> {
        self.t_at_x(x).map(|t| self.edges_at_t(t))
    }
}

/// x(t) of the band curve as a fraction of its width: control points at
/// mid-x give x = 1.5t - 1.5t² + t³ (strictly increasing).
fn curve_x_frac(t: f64) -> f64 {
    1.5 * t - 1.5 * t * t + t * t * t
}

/// y(t) of the band curve as a fraction of its rise (smoothstep).
fn curve_y_frac(t: f64) -> f64 {
    t * t * (3.0 - 2.0 * t)
}

/// `segments + 1` points along a curve from (`x0`, `y0`) to (`x1`, `y1`), in
/// backend pixels: a band's edge, or the probe line between two nodes.
pub(super) fn curve_points(x0: f64, x1: f64, y0: f64, y1: f64, segments: usize) -> impl Iterator<Item = (f64, f64)> {
    (0..=segments).map(move |i| {
        let t = i as f64 / segments as f64;
        (x0 + (x1 - x0) * curve_x_frac(t), y0 + (y1 - y0) * curve_y_frac(t))
    })
}
