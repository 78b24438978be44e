//! The training chart's readings, as an experiment file keeps them (format 2).

use serde::{Deserialize, Serialize};

/// Most points of the training curve kept in a file.
pub const MAX_CURVE_POINTS: usize = 4096;

/// One reading of the training chart: the mean loss and the accuracy of the
/// training steps since the previous reading, at `epochs` into training.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CurvePoint {
    /// Epochs done, in (0, config.epochs].
    pub epochs: f32,
    /// Mean cross-entropy per image, ≥ 0.
    pub loss: f32,
    /// In [0, 1].
    pub accuracy: f32,
}

/// What a file can hold of a run's readings: those in order, finite and
/// within `epochs`, thinned to [`MAX_CURVE_POINTS`].
pub fn fit_curve(points: &[CurvePoint], epochs: usize) -> Vec<CurvePoint> {
    let mut kept: Vec<CurvePoint> = Vec::with_capacity(points.len());
    for point in points {
        let in_range = point.epochs > 0.0
            && point.epochs <= epochs as f32
            && point.loss.is_finite()
            && point.loss >= 0.0
            && (0.0..=1.0).contains(&point.accuracy);
        if in_range && kept.last().is_none_or(|last| point.epochs >= last.epochs) {
            kept.push(*point);
        }
    }
    thin_curve(&kept, MAX_CURVE_POINTS)
}

/// At most `max` of `points`, evenly spread and always with the last one (a
/// long run's readings thinned for its file).
pub fn thin_curve(points: &[CurvePoint], max: usize) -> Vec<CurvePoint> {
    if points.len() <= max {
        return points.to_vec();
    }
    if max < 2 {
        return points.last().into_iter().take(max).copied().collect();
    }
    let last = points.len() - 1;
    (0..max).filter_map(|i| points.get(i * last / (max - 1))).copied().collect()
}
