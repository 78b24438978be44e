//! Training curves: loss (top panel) and train / test accuracy (bottom panel),
//! sharing the x axis. Cheap to call again with longer series while training.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::errors::ChartError;
use super::frame::{PlotFrame, PxRect, ViewRect};
use super::paint::{AxesSpec, LegendEntry, Painter, draw_axes, draw_legend, fmt_tick, legend_width, solid, stroke};
use super::palette;

/// Series as (x, y) pairs; x is a step count or a (fractional) epoch.
#[derive(Debug, Clone, Copy, Default)]
pub struct TrainingCurves<'a> {
    pub loss: &'a [(f64, f64)],
    /// Accuracy in 0..=1.
    pub train_accuracy: &'a [(f64, f64)],
    pub test_accuracy: &'a [(f64, f64)],
}

#[derive(Debug, Clone, Copy)]
pub struct TrainingOptions<'a> {
    pub scale: f64,
    pub x_desc: &'a str,
    /// Planned end of training, so the x axis does not rescale on every call.
    pub x_max: Option<f64>,
}

impl Default for TrainingOptions<'_> {
    fn default() -> Self {
        TrainingOptions { scale: 1.0, x_desc: "epoch", x_max: None }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrainingGeometry {
    pub loss_frame: PlotFrame,
    pub accuracy_frame: PlotFrame,
    /// Legend rows of the accuracy panel: 0 = train, 1 = test.
    pub legend: Vec<LegendEntry>,
}

/// Series of at most this many points get a dot on each.
const MARKED_POINTS: usize = 60;

/// Colours of the three series.
pub const LOSS_COLOR: usize = 0;
pub const TRAIN_COLOR: usize = 6;
pub const TEST_COLOR: usize = 3;

fn finite(s: &[(f64, f64)]) -> impl Iterator<Item = (f64, f64)> + '_ {
    s.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite())
}

/// Evenly thin a long series to about `max_points` (keeps the last point) so
/// a live redraw stays cheap however long training runs.
fn thin(s: Vec<(f64, f64)>, max_points: usize) -> Vec<(f64, f64)> {
    if s.len() <= max_points || max_points < 2 {
        return s;
    }
    let stride = s.len().div_ceil(max_points);
    let last = s.last().copied();
    let mut out: Vec<(f64, f64)> = s.into_iter().step_by(stride).collect();
    if out.last().copied() != last {
        out.extend(last);
    }
    out
}

pub fn draw_training<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    curves: &TrainingCurves,
    opts: &TrainingOptions,
) -> Result<TrainingGeometry, ChartError> {
    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();
    let x_end = finite(curves.loss)
        .chain(finite(curves.train_accuracy))
        .chain(finite(curves.test_accuracy))
        .map(|(x, _)| x)
        .fold(opts.x_max.filter(|v| v.is_finite()).unwrap_or(1.0), f64::max);
    let x_start = finite(curves.loss)
        .chain(finite(curves.train_accuracy))
        .chain(finite(curves.test_accuracy))
        .map(|(x, _)| x)
        .fold(0.0, f64::min);
    let loss_hi = finite(curves.loss).map(|(_, y)| y).fold(0.0, f64::max);
    let loss_hi = if loss_hi > 0.0 { loss_hi * 1.05 } else { 1.0 };
    let acc_lo = finite(curves.train_accuracy).chain(finite(curves.test_accuracy)).map(|(_, y)| y).fold(1.0, f64::min);
    // Accuracy climbs into the 0.9s quickly; zoom to where the data is, in
    // steps of 0.1, but never above 0.9 at the bottom.
    let acc_lo = ((acc_lo - 0.02) * 10.0).floor().clamp(0.0, 9.0) / 10.0;

    let legend_labels = ["train", "test"];
    let legend_w = legend_width(&legend_labels, p.scale).min(full.width() / 3);
    let split = full.y0 + (f64::from(full.height()) * 0.5).round() as i32;
    let top = PxRect::new(full.x0, full.y0, full.x1 - legend_w, split);
    let bottom = PxRect::new(full.x0, split, full.x1 - legend_w, full.y1);
    let fmt = |v: &f64| fmt_tick(*v);
    let loss_frame = draw_axes(
        &p.sub_area(top),
        &AxesSpec {
            view: ViewRect::new(x_start, x_end, 0.0, loss_hi),
            x_desc: "",
            y_desc: "loss",
            x_labels: 6,
            y_labels: 4,
            x_fmt: &fmt,
            y_fmt: &fmt,
        },
        p.scale,
    )?;
    let pct = |v: &f64| format!("{:.0}%", v * 100.0);
    let accuracy_frame = draw_axes(
        &p.sub_area(bottom),
        &AxesSpec {
            view: ViewRect::new(x_start, x_end, acc_lo, 1.0),
            x_desc: opts.x_desc,
            y_desc: "accuracy",
            x_labels: 6,
            y_labels: 4,
            x_fmt: &fmt,
            y_fmt: &pct,
        },
        p.scale,
    )?;

    let line_w = p.px(1.5);
    let max_pts = (loss_frame.plot.width().max(2) as usize) * 2;
    let to_px = |f: &PlotFrame, s: Vec<(f64, f64)>| -> Vec<(i32, i32)> {
        s.into_iter()
            .map(|(x, y)| {
                let (a, b) = f.to_pixel(x, y);
                (a.round() as i32, b.round() as i32)
            })
            .collect()
    };
    // Few points (one per epoch, or the first readings of a run): mark them
    // too; a lone point (a restored one-epoch run) would otherwise not show.
    let mark = |pts: &[(i32, i32)], color: RGBColor| -> Result<(), ChartError> {
        if pts.len() <= MARKED_POINTS {
            for &c in pts {
                p.circle(c, p.px(2.5), solid(color))?;
            }
        }
        Ok(())
    };
    let loss_pts = to_px(&loss_frame, thin(finite(curves.loss).collect(), max_pts));
    mark(&loss_pts, palette::categorical(LOSS_COLOR))?;
    p.path(loss_pts, stroke(palette::categorical(LOSS_COLOR), line_w))?;
    for (series, color) in [
        (curves.train_accuracy, palette::categorical(TRAIN_COLOR)),
        (curves.test_accuracy, palette::categorical(TEST_COLOR)),
    ] {
        let pts = to_px(&accuracy_frame, thin(finite(series).collect(), max_pts));
        mark(&pts, color)?;
        p.path(pts, stroke(color, p.px(2.0)))?;
    }
    let legend = draw_legend(
        &p,
        full.x1 - legend_w,
        bottom.y0 + p.px(12.0),
        legend_w,
        &[("train", palette::categorical(TRAIN_COLOR)), ("test", palette::categorical(TEST_COLOR))],
    )?;
    Ok(TrainingGeometry { loss_frame, accuracy_frame, legend })
}
