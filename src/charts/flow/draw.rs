//! Drawing the flow: bands (the highlighted one on top), nodes with their
//! labels, column headers, then the probe's path over everything.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::super::errors::ChartError;
use super::super::frame::PxRect;
use super::super::paint::{FONT_CSS_PX, Painter, solid, stroke, text_width_estimate};
use super::super::palette;
use super::band::{FlowBand, curve_points};
use super::layout::{FlowLayout, FlowLayoutParams, flow_layout};
use super::{FlowColumn, FlowNodeKind, validate_paths};

/// Straight segments per drawn curve.
const CURVE_SEGMENTS: usize = 24;

#[derive(Debug, Clone, Copy)]
pub struct FlowOptions<'a> {
    pub scale: f64,
    /// Band to emphasise (hover); the others fade.
    pub highlight_band: Option<usize>,
    /// The probe's node per column, drawn as a cased line over the flow.
    pub probe_path: Option<&'a [usize]>,
}

impl Default for FlowOptions<'_> {
    fn default() -> Self {
        FlowOptions { scale: 1.0, highlight_band: None, probe_path: None }
    }
}

/// A fractional pixel position rounded to the backend's integer pixels.
fn round_px((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// Draw the flow into `area` (cleared first) and return its layout.
pub fn draw_flow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    paths: &[Vec<usize>],
    columns: &[FlowColumn],
    opts: &FlowOptions,
) -> Result<FlowLayout, ChartError> {
    validate_paths(paths, columns)?;
    if let Some(probe_path) = opts.probe_path {
        validate_probe_path(probe_path, columns)?;
    }
    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();
    let font = p.font_px(FONT_CSS_PX);
    let pad = p.px(6.0);
    // Room for the first and last columns' labels, outside the nodes.
    let widest_label = |c: Option<&FlowColumn>| {
        c.map_or(0, |c| c.node_labels.iter().map(|l| text_width_estimate(l, font)).max().unwrap_or(0))
    };
    let left = widest_label(columns.first()) + pad;
    let right = widest_label(columns.last()) + pad;
    let header = (font * 1.8).round() as i32;
    let rect = PxRect::new(full.x0 + left, full.y0 + header, full.x1 - right, full.y1 - p.px(6.0));
    if rect.width() < p.px(40.0) || rect.height() < p.px(30.0) {
        return Err(ChartError::AreaTooSmall { width: full.width() as u32, height: full.height() as u32 });
    }
    let layout = flow_layout(
        paths,
        columns,
        rect,
        &FlowLayoutParams { node_width: f64::from(p.px(12.0)), node_gap: f64::from(p.px(8.0)) },
    )?;

    draw_bands(&p, &layout, opts.highlight_band)?;
    draw_nodes(&p, &layout, columns, font)?;
    draw_column_headers(&p, &layout, columns, font, full.y0)?;
    if let Some(probe_path) = opts.probe_path {
        draw_probe_path(&p, &layout, probe_path)?;
    }
    Ok(layout)
}

/// The probe's path has one node per column, each within its column's nodes.
fn validate_probe_path(probe_path: &[usize], columns: &[FlowColumn]) -> Result<(), ChartError> {
    if probe_path.len() != columns.len() {
        return Err(ChartError::LengthMismatch {
            what: "flow probe path",
            expected: columns.len(),
            got: probe_path.len(),
        });
    }
    for (&node, column) in probe_path.iter().zip(columns) {
        if node >= column.node_labels.len() {
            return Err(ChartError::IndexOutOfRange {
                what: "flow probe node",
                index: node,
                len: column.node_labels.len(),
            });
        }
    }
    Ok(())
}

/// Every band in its class colour, the highlighted one last so it sits on top
/// and the others faded while one is highlighted.
fn draw_bands<DB: DrawingBackend>(
    p: &Painter<DB>,
    layout: &FlowLayout,
    highlight_band: Option<usize>,
) -> Result<(), ChartError> {
    let draw_band = |band: &FlowBand, alpha: f64| -> Result<(), ChartError> {
        let mut outline: Vec<(i32, i32)> =
            curve_points(band.x0, band.x1, band.from_y0, band.to_y0, CURVE_SEGMENTS).map(round_px).collect();
        outline.extend(curve_points(band.x1, band.x0, band.to_y1, band.from_y1, CURVE_SEGMENTS).map(round_px));
        p.polygon(outline, palette::with_alpha(palette::categorical(band.class), alpha))
    };
    let highlighted = highlight_band.filter(|&i| i < layout.bands.len());
    for (i, band) in layout.bands.iter().enumerate() {
        if Some(i) == highlighted {
            continue;
        }
        draw_band(band, if highlighted.is_some() { 0.15 } else { 0.5 })?;
    }
    if let Some(band) = highlighted.and_then(|i| layout.bands.get(i)) {
        draw_band(band, 0.9)?;
    }
    Ok(())
}

/// Non-empty nodes (classes in their colour, clusters neutral) and their
/// labels where they are tall enough: left of the first column, right of the
/// others.
fn draw_nodes<DB: DrawingBackend>(
    p: &Painter<DB>,
    layout: &FlowLayout,
    columns: &[FlowColumn],
    font: f64,
) -> Result<(), ChartError> {
    let last = columns.len() - 1;
    for node in &layout.nodes {
        if node.count == 0 {
            continue;
        }
        let kind = columns.get(node.column).map_or(FlowNodeKind::Cluster, |c| c.kind);
        let color = match kind {
            FlowNodeKind::Class => palette::categorical(node.node),
            FlowNodeKind::Cluster => palette::NEUTRAL,
        };
        let r = PxRect::new(
            node.x0.round() as i32,
            node.y0.round() as i32,
            node.x1.round() as i32,
            (node.y1.round() as i32).max(node.y0.round() as i32 + 1),
        );
        p.fill_rect(r, solid(color))?;
        if node.y1 - node.y0 < font * 0.8 {
            continue; // no room for a label
        }
        let label = columns.get(node.column).and_then(|c| c.node_labels.get(node.node)).map_or("", String::as_str);
        let (x, h) = if node.column == 0 { (r.x0 - p.px(4.0), HPos::Right) } else { (r.x1 + p.px(4.0), HPos::Left) };
        let inner = node.column != 0 && node.column != last;
        // Inner labels sit over the bands: near the node's top (the probe line
        // runs through the centre) on a translucent backing.
        let y = if inner && node.y1 - node.y0 >= font * 2.0 {
            r.y0 + (font * 0.8).round() as i32
        } else {
            (r.y0 + r.y1) / 2
        };
        if inner {
            let half_h = (font * 0.6).round() as i32;
            p.fill_rect(
                PxRect::new(x - p.px(2.0), y - half_h, x + text_width_estimate(label, font) + p.px(2.0), y + half_h),
                palette::with_alpha(palette::BACKGROUND, 0.75).filled(),
            )?;
        }
        p.text(label, (x, y), font, palette::INK, (h, VPos::Center))?;
    }
    Ok(())
}

/// Each column's header at the top, aligned with its nodes (the outer ones
/// flush with the chart's edges).
fn draw_column_headers<DB: DrawingBackend>(
    p: &Painter<DB>,
    layout: &FlowLayout,
    columns: &[FlowColumn],
    font: f64,
    top: i32,
) -> Result<(), ChartError> {
    let last = columns.len() - 1;
    for (c, column) in columns.iter().enumerate() {
        let Some(n) = layout.node(c, 0) else { continue };
        let centre_x = ((n.x0 + n.x1) / 2.0).round() as i32;
        let (x, h) = if c == 0 {
            (n.x0.round() as i32, HPos::Left)
        } else if c == last {
            (n.x1.round() as i32, HPos::Right)
        } else {
            (centre_x, HPos::Center)
        };
        p.text(&column.label, (x, top + p.px(4.0)), font, palette::INK, (h, VPos::Top))?;
    }
    Ok(())
}

/// The probe's path: a black-cased white line through its nodes' centres.
fn draw_probe_path<DB: DrawingBackend>(
    p: &Painter<DB>,
    layout: &FlowLayout,
    probe_path: &[usize],
) -> Result<(), ChartError> {
    let mut line: Vec<(i32, i32)> = Vec::new();
    let mut previous_exit: Option<(f64, f64)> = None;
    for (c, &node) in probe_path.iter().enumerate() {
        let Some(n) = layout.node(c, node) else {
            continue;
        };
        let centre_y = (n.y0 + n.y1) / 2.0;
        if let Some((exit_x, exit_y)) = previous_exit {
            line.extend(curve_points(exit_x, n.x0, exit_y, centre_y, CURVE_SEGMENTS).skip(1).map(round_px));
        } else {
            line.push(round_px((n.x0, centre_y)));
        }
        line.push(round_px((n.x1, centre_y)));
        previous_exit = Some((n.x1, centre_y));
    }
    p.path(line.clone(), stroke(palette::PROBE_CASING, p.px(7.0)))?;
    p.path(line, stroke(palette::BACKGROUND, p.px(3.0)))
}
