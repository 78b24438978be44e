//! Mean silhouette against K, one line per layer; undefined scores are gaps,
//! each layer's chosen K is ringed.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::errors::ChartError;
use super::frame::{PlotFrame, PxRect, ViewRect};
use super::paint::{
    AxesSpec, LegendEntry, Painter, draw_axes, draw_categorical_legend, fmt_tick, legend_width, solid, stroke,
};
use super::palette;

/// One layer's silhouette curve.
#[derive(Debug, Clone, PartialEq)]
pub struct SilhouetteLayer {
    /// Legend text, e.g. "H1".
    pub label: String,
    /// (K, mean silhouette); `None` where it is undefined (e.g. a K that left
    /// an empty cluster). Any order; duplicates of a K are an error.
    pub scores: Vec<(usize, Option<f64>)>,
    /// The K chosen for this layer (ringed).
    pub chosen_k: Option<usize>,
}

#[derive(Debug, Clone, Copy)]
pub struct SilhouetteOptions {
    pub scale: f64,
}

impl Default for SilhouetteOptions {
    fn default() -> Self {
        SilhouetteOptions { scale: 1.0 }
    }
}

/// A drawn (layer, K) point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SilhouetteMarker {
    pub layer: usize,
    pub k: usize,
    pub score: f64,
    pub px: f64,
    pub py: f64,
    pub chosen: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SilhouetteGeometry {
    pub frame: PlotFrame,
    pub markers: Vec<SilhouetteMarker>,
    pub legend: Vec<LegendEntry>,
    /// Polylines drawn (one per run of consecutive defined K of a layer).
    pub segments: usize,
    /// The K values on the axis, ascending.
    pub ks: Vec<usize>,
}

impl SilhouetteGeometry {
    /// The (layer, K) whose marker is nearest to the pixel, within `max_px`.
    pub fn hit(&self, px: f64, py: f64, max_px: f64) -> Option<(usize, usize)> {
        self.markers
            .iter()
            .map(|m| (m, (m.px - px).powi(2) + (m.py - py).powi(2)))
            .filter(|(_, d2)| *d2 <= max_px * max_px)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(m, _)| (m.layer, m.k))
    }

    /// The K column nearest to a pixel's x inside the plot (click anywhere
    /// above a K to pick it).
    pub fn k_at(&self, px: f64, py: f64) -> Option<usize> {
        if !self.frame.contains_px(px, py) {
            return None;
        }
        let (x, _) = self.frame.to_data(px, py);
        self.ks.iter().copied().min_by(|&a, &b| (a as f64 - x).abs().total_cmp(&(b as f64 - x).abs()))
    }
}

/// Runs of consecutive K (K, K+1, ...) with defined scores: the pieces of a
/// line. Pure; `scores` sorted by K.
pub fn defined_runs(scores: &[(usize, Option<f64>)]) -> Vec<Vec<(usize, f64)>> {
    let mut runs: Vec<Vec<(usize, f64)>> = Vec::new();
    let mut cur: Vec<(usize, f64)> = Vec::new();
    for &(k, s) in scores {
        match s.filter(|v| v.is_finite()) {
            Some(v) => {
                if let Some(&(pk, _)) = cur.last()
                    && pk + 1 != k
                {
                    runs.push(std::mem::take(&mut cur));
                }
                cur.push((k, v));
            }
            None => {
                if !cur.is_empty() {
                    runs.push(std::mem::take(&mut cur));
                }
            }
        }
    }
    if !cur.is_empty() {
        runs.push(cur);
    }
    runs
}

pub fn draw_silhouette<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    layers: &[SilhouetteLayer],
    opts: &SilhouetteOptions,
) -> Result<SilhouetteGeometry, ChartError> {
    let mut sorted: Vec<Vec<(usize, Option<f64>)>> = Vec::with_capacity(layers.len());
    for l in layers {
        let mut s = l.scores.clone();
        s.sort_by_key(|&(k, _)| k);
        if s.windows(2).any(|w| matches!(w, [a, b] if a.0 == b.0)) {
            return Err(ChartError::InvalidInput(format!("silhouette layer {:?} lists a K twice", l.label)));
        }
        sorted.push(s);
    }
    let mut ks: Vec<usize> = sorted.iter().flatten().map(|&(k, _)| k).collect();
    ks.sort_unstable();
    ks.dedup();
    let (k_lo, k_hi) = match (ks.first(), ks.last()) {
        (Some(&a), Some(&b)) => (a, b),
        _ => (2, 10),
    };
    let defined: Vec<f64> = sorted.iter().flatten().filter_map(|&(_, s)| s.filter(|v| v.is_finite())).collect();
    let (s_lo, s_hi) = if defined.is_empty() {
        (0.0, 1.0)
    } else {
        let lo = defined.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = defined.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.1).max(0.02);
        ((lo.min(0.0) - pad).max(-1.0), (hi + pad).min(1.0))
    };

    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();
    let labels: Vec<&str> = layers.iter().map(|l| l.label.as_str()).collect();
    let legend_w = if labels.is_empty() { 0 } else { legend_width(&labels, p.scale).min(full.width() * 2 / 5) };
    let chart_rect = PxRect::new(full.x0, full.y0, full.x1 - legend_w, full.y1);
    let x_fmt = |v: &f64| {
        if (v - v.round()).abs() < 1e-6 { format!("{}", v.round()) } else { String::new() }
    };
    let y_fmt = |v: &f64| fmt_tick(*v);
    let frame = draw_axes(
        &p.sub_area(chart_rect),
        &AxesSpec {
            view: ViewRect::new(k_lo as f64 - 0.5, k_hi as f64 + 0.5, s_lo, s_hi),
            x_desc: "K (clusters)",
            y_desc: "mean silhouette",
            x_labels: (k_hi - k_lo + 2).min(20),
            y_labels: 6,
            x_fmt: &x_fmt,
            y_fmt: &y_fmt,
        },
        p.scale,
    )?;

    let mut markers = Vec::new();
    let mut segments = 0usize;
    let line_w = p.px(2.0);
    let dot_r = p.px(3.0);
    for (li, (layer, scores)) in layers.iter().zip(&sorted).enumerate() {
        let color = palette::categorical(li);
        for run in defined_runs(scores) {
            let pts: Vec<(i32, i32)> = run
                .iter()
                .map(|&(k, s)| {
                    let (x, y) = frame.to_pixel(k as f64, s);
                    (x.round() as i32, y.round() as i32)
                })
                .collect();
            if pts.len() >= 2 {
                p.path(pts, stroke(color, line_w))?;
                segments += 1;
            }
            for (k, s) in run {
                let (x, y) = frame.to_pixel(k as f64, s);
                p.circle((x.round() as i32, y.round() as i32), dot_r, solid(color))?;
                let chosen = layer.chosen_k == Some(k);
                if chosen {
                    // Ring: hollow, thicker, larger — the chosen K.
                    p.circle((x.round() as i32, y.round() as i32), p.px(8.0), stroke(color, p.px(2.0)))?;
                }
                markers.push(SilhouetteMarker { layer: li, k, score: s, px: x, py: y, chosen });
            }
        }
    }

    let legend = draw_categorical_legend(&p, chart_rect.x1, full.y0 + p.px(12.0), legend_w, &labels)?;

    Ok(SilhouetteGeometry { frame, markers, legend, segments, ks })
}
