//! Two score distributions (an out-of-distribution score for in-distribution
//! vs foreign samples) as overlaid histograms, with a threshold marker and the
//! probe's score.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::errors::ChartError;
use super::frame::{PlotFrame, PxRect, ViewRect};
use super::paint::{
    AxesSpec, FONT_CSS_PX, LegendEntry, Painter, draw_axes, draw_legend, fmt_tick, legend_width, stroke,
};
use super::palette;

#[derive(Debug, Clone, Copy)]
pub struct ScoreDistributions<'a> {
    pub in_dist: &'a [f32],
    pub foreign: &'a [f32],
    pub in_label: &'a str,
    pub foreign_label: &'a str,
    /// Decision threshold (dashed line).
    pub threshold: Option<f32>,
    /// The visitor's score (black line with a marker).
    pub probe: Option<f32>,
    pub x_desc: &'a str,
}

#[derive(Debug, Clone, Copy)]
pub struct ScoreOptions {
    pub scale: f64,
    pub bins: usize,
}

impl Default for ScoreOptions {
    fn default() -> Self {
        ScoreOptions { scale: 1.0, bins: 30 }
    }
}

/// Shared bins of both sets. Pure.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreHistogram {
    /// `bins + 1` ascending edges.
    pub edges: Vec<f64>,
    pub in_counts: Vec<usize>,
    pub foreign_counts: Vec<usize>,
}

impl ScoreHistogram {
    /// Share of each set per bin (each set sums to 1 unless empty), so sets of
    /// different sizes compare.
    pub fn shares(&self) -> (Vec<f64>, Vec<f64>) {
        let norm = |c: &[usize]| {
            let t = c.iter().sum::<usize>().max(1) as f64;
            c.iter().map(|&n| n as f64 / t).collect()
        };
        (norm(&self.in_counts), norm(&self.foreign_counts))
    }
}

/// Bin both sets on common edges spanning every finite score plus `extra`
/// values (threshold, probe) that must be visible. Non-finite scores are dropped.
pub fn score_histogram(in_dist: &[f32], foreign: &[f32], extra: &[f32], bins: usize) -> ScoreHistogram {
    let bins = bins.clamp(1, 1000);
    let all = in_dist.iter().chain(foreign).chain(extra).copied().filter(|v| v.is_finite());
    let (lo, hi) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(f64::from(v)), h.max(f64::from(v))));
    let (lo, hi) = if lo.is_finite() && hi > lo {
        (lo, hi)
    } else if lo.is_finite() {
        (lo - 0.5, lo + 0.5)
    } else {
        (0.0, 1.0)
    };
    let width = (hi - lo) / bins as f64;
    let edges: Vec<f64> = (0..=bins).map(|i| lo + width * i as f64).collect();
    let count = |vals: &[f32]| {
        let mut c = vec![0usize; bins];
        for v in vals.iter().copied().filter(|v| v.is_finite()) {
            let b = (((f64::from(v) - lo) / width).floor().max(0.0) as usize).min(bins - 1);
            if let Some(x) = c.get_mut(b) {
                *x += 1;
            }
        }
        c
    };
    ScoreHistogram { edges, in_counts: count(in_dist), foreign_counts: count(foreign) }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ScoreGeometry {
    pub frame: PlotFrame,
    pub histogram: ScoreHistogram,
    pub legend: Vec<LegendEntry>,
}

impl ScoreGeometry {
    /// Bin under a pixel (inside the plot).
    pub fn bin_at(&self, px: f64, py: f64) -> Option<usize> {
        if !self.frame.contains_px(px, py) {
            return None;
        }
        let (x, _) = self.frame.to_data(px, py);
        let b = self.histogram.edges.partition_point(|&e| e <= x).checked_sub(1)?;
        (b < self.histogram.in_counts.len()).then_some(b)
    }
}

pub const IN_COLOR: usize = 0;
pub const FOREIGN_COLOR: usize = 3;

pub fn draw_score_distributions<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    data: &ScoreDistributions,
    opts: &ScoreOptions,
) -> Result<ScoreGeometry, ChartError> {
    let extra: Vec<f32> = data.threshold.into_iter().chain(data.probe).collect();
    let hist = score_histogram(data.in_dist, data.foreign, &extra, opts.bins);
    let (in_share, foreign_share) = hist.shares();
    let y_hi = in_share.iter().chain(&foreign_share).copied().fold(0.0, f64::max).max(0.01) * 1.1;
    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();
    let labels = [data.in_label, data.foreign_label];
    let legend_w = legend_width(&labels, p.scale).min(full.width() * 2 / 5);
    let chart_rect = PxRect::new(full.x0, full.y0, full.x1 - legend_w, full.y1);
    let (x_lo, x_hi) = (hist.edges.first().copied().unwrap_or(0.0), hist.edges.last().copied().unwrap_or(1.0));
    let fmt = |v: &f64| fmt_tick(*v);
    let pct = |v: &f64| format!("{:.0}%", v * 100.0);
    let frame = draw_axes(
        &p.sub_area(chart_rect),
        &AxesSpec {
            view: ViewRect::new(x_lo, x_hi, 0.0, y_hi),
            x_desc: data.x_desc,
            y_desc: "share",
            x_labels: 6,
            y_labels: 4,
            x_fmt: &fmt,
            y_fmt: &pct,
        },
        p.scale,
    )?;

    for (shares, color) in
        [(&in_share, palette::categorical(IN_COLOR)), (&foreign_share, palette::categorical(FOREIGN_COLOR))]
    {
        let fill = palette::with_alpha(color, 0.45).filled();
        let mut outline = Vec::with_capacity(shares.len() * 2 + 2);
        // The outline spans only this set's non-empty bins, so it does not
        // run along the base line under the other set.
        let first = shares.iter().position(|&s| s > 0.0).unwrap_or(0);
        let end = shares.iter().rposition(|&s| s > 0.0).map_or(0, |i| i + 1);
        for (b, &s) in shares.iter().enumerate().take(end).skip(first) {
            let (Some(&e0), Some(&e1)) = (hist.edges.get(b), hist.edges.get(b + 1)) else {
                continue;
            };
            let (x0, y0) = frame.to_pixel(e0, s);
            let (x1, base) = frame.to_pixel(e1, 0.0);
            let (x0, x1, y0, base) = (x0.round() as i32, x1.round() as i32, y0.round() as i32, base.round() as i32);
            if s > 0.0 {
                p.fill_rect(PxRect::new(x0, y0, x1.max(x0 + 1), base + 1), fill)?;
            }
            if outline.is_empty() {
                outline.push((x0, base));
            }
            outline.push((x0, y0));
            outline.push((x1, y0));
        }
        if let Some(&(x, _)) = outline.last() {
            let (_, base) = frame.to_pixel(0.0, 0.0);
            outline.push((x, base.round() as i32));
        }
        p.path(outline, stroke(color, p.px(1.5)))?;
    }

    let font = p.font_px(FONT_CSS_PX);
    let (top, bottom) = (frame.plot.y0, frame.plot.y1 - 1);
    if let Some(t) = data.threshold.filter(|t| t.is_finite()) {
        let (x, _) = frame.to_pixel(f64::from(t), 0.0);
        let x = x.round() as i32;
        // Dashed: short segments, since not every backend has dash styles.
        let (dash, gap) = (p.px(5.0), p.px(4.0));
        let mut y = top;
        while y < bottom {
            p.path(vec![(x, y), (x, (y + dash).min(bottom))], stroke(palette::INK, p.px(1.5)))?;
            y += dash + gap;
        }
        p.text("threshold", (x + p.px(4.0), top + p.px(2.0)), font, palette::INK, (HPos::Left, VPos::Top))?;
    }
    if let Some(s) = data.probe.filter(|s| s.is_finite()) {
        let (x, _) = frame.to_pixel(f64::from(s), 0.0);
        let x = x.round() as i32;
        p.path(vec![(x, top), (x, bottom)], stroke(palette::PROBE_CASING, p.px(2.0)))?;
        let r = p.px(6.0);
        p.polygon(vec![(x - r, top), (x + r, top), (x, top + r)], palette::PROBE_CASING.to_rgba())?;
    }
    let legend = draw_legend(
        &p,
        chart_rect.x1,
        full.y0 + p.px(12.0),
        legend_w,
        &[(data.in_label, palette::categorical(IN_COLOR)), (data.foreign_label, palette::categorical(FOREIGN_COLOR))],
    )?;
    Ok(ScoreGeometry { frame, histogram: hist, legend })
}
