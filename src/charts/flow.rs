//! Layer flow (alluvial / Sankey): columns true class → cluster at layer 1 →
//! … → predicted class. Band width = number of images; bands are split by the
//! image's true class (the first column) and coloured by it, so a class can be
//! followed across layers. The layout is a pure function ([`flow_layout`]);
//! [`draw_flow`] draws it and returns it for hit-testing.

use std::collections::BTreeMap;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, VPos};

use super::errors::ChartError;
use super::frame::PxRect;
use super::paint::{FONT_CSS_PX, Painter, solid, stroke, text_width_estimate};
use super::palette;

/// What a column's nodes are: classes get class colours, clusters stay neutral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlowNodeKind {
    Class,
    Cluster,
}

/// One column of the flow.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowColumn {
    /// Header, e.g. "true class", "H1", "predicted".
    pub label: String,
    pub kind: FlowNodeKind,
    /// One label per node; path entries of this column must be below its length.
    pub node_labels: Vec<String>,
}

/// Layout sizes in backend pixels.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FlowLayoutParams {
    pub node_width: f64,
    /// Vertical gap between non-empty nodes of a column (shrunk if it does not fit).
    pub node_gap: f64,
}

/// A node: the images at `node` in `column`.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowNode {
    pub column: usize,
    pub node: usize,
    pub count: usize,
    pub x0: f64,
    pub x1: f64,
    pub y0: f64,
    pub y1: f64,
    /// Image indices (positions in the paths slice), ascending.
    pub images: Vec<usize>,
}

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
    /// Top and bottom of the band at horizontal fraction `t` of its curve
    /// parameter (cubic Bézier with both control points at mid-x).
    fn edges_at_t(&self, t: f64) -> (f64, f64) {
        let s = t * t * (3.0 - 2.0 * t);
        (self.from_y0 + (self.to_y0 - self.from_y0) * s, self.from_y1 + (self.to_y1 - self.from_y1) * s)
    }

    /// Curve parameter at pixel x (the Bézier's x is monotonic in t).
    fn t_at_x(&self, x: f64) -> Option<f64> {
        let w = self.x1 - self.x0;
        if w.is_nan() || w <= 0.0 || x < self.x0 || x > self.x1 {
            return None;
        }
        let target = (x - self.x0) / w;
        let (mut lo, mut hi) = (0.0f64, 1.0f64);
        for _ in 0..40 {
            let mid = (lo + hi) / 2.0;
            if bezier_x_frac(mid) < target {
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
fn bezier_x_frac(t: f64) -> f64 {
    1.5 * t - 1.5 * t * t + t * t * t
}

/// The whole layout: nodes, bands and the vertical order of each column.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowLayout {
    /// Column-major: column 0's nodes (by node id), then column 1's, ...
    pub nodes: Vec<FlowNode>,
    /// Band id = index here. Sorted by (column, source position, target
    /// position, class).
    pub bands: Vec<FlowBand>,
    /// Per column, node ids top to bottom.
    pub order: Vec<Vec<usize>>,
    /// Pixels of height per image.
    pub px_per_image: f64,
    node_offsets: Vec<usize>,
}

impl FlowLayout {
    /// Node `node` of `column`.
    pub fn node(&self, column: usize, node: usize) -> Option<&FlowNode> {
        let off = self.node_offsets.get(column)?;
        let end = self.node_offsets.get(column + 1)?;
        (off + node < *end).then(|| self.nodes.get(off + node)).flatten()
    }

    /// The band under pixel (`px`, `py`). Thin bands count as 3 px tall so one
    /// image can still be hovered; where bands overlap the thinnest wins.
    pub fn band_at(&self, px: f64, py: f64) -> Option<usize> {
        let mut best: Option<(f64, usize)> = None;
        for (i, b) in self.bands.iter().enumerate() {
            let Some((top, bottom)) = b.edges_at_x(px) else {
                continue;
            };
            let (top, bottom) = if bottom - top < 3.0 {
                let c = (top + bottom) / 2.0;
                (c - 1.5, c + 1.5)
            } else {
                (top, bottom)
            };
            if py >= top && py <= bottom {
                let h = bottom - top;
                if best.is_none_or(|(bh, _)| h < bh) {
                    best = Some((h, i));
                }
            }
        }
        best.map(|(_, i)| i)
    }

    /// The node under pixel (`px`, `py`), as an index into `nodes`.
    pub fn node_at(&self, px: f64, py: f64) -> Option<usize> {
        self.nodes.iter().position(|n| n.count > 0 && px >= n.x0 && px <= n.x1 && py >= n.y0 && py <= n.y1)
    }
}

fn validate(paths: &[Vec<usize>], columns: &[FlowColumn]) -> Result<(), ChartError> {
    if columns.len() < 2 {
        return Err(ChartError::InvalidInput(format!("a flow needs at least 2 columns, got {}", columns.len())));
    }
    for p in paths {
        if p.len() != columns.len() {
            return Err(ChartError::LengthMismatch { what: "flow path", expected: columns.len(), got: p.len() });
        }
        for (&n, col) in p.iter().zip(columns) {
            if n >= col.node_labels.len() {
                return Err(ChartError::IndexOutOfRange { what: "flow node", index: n, len: col.node_labels.len() });
            }
        }
    }
    Ok(())
}

/// Lay out the flow inside `rect`. Pure.
///
/// Cluster columns are reordered (barycentre sweeps) so bands cross as little
/// as possible; class columns keep their natural order. At each node,
/// outgoing bands are stacked by target position then class, incoming bands by
/// source position then class, so parallel bands never cross each other.
pub fn flow_layout(
    paths: &[Vec<usize>],
    columns: &[FlowColumn],
    rect: PxRect,
    params: &FlowLayoutParams,
) -> Result<FlowLayout, ChartError> {
    validate(paths, columns)?;
    let n_cols = columns.len();
    let sizes: Vec<usize> = columns.iter().map(|c| c.node_labels.len()).collect();
    let total = paths.len();

    // Images per node.
    let mut node_images: Vec<Vec<Vec<usize>>> = sizes.iter().map(|&s| vec![Vec::new(); s]).collect();
    for (i, p) in paths.iter().enumerate() {
        for (col, &n) in node_images.iter_mut().zip(p) {
            if let Some(v) = col.get_mut(n) {
                v.push(i);
            }
        }
    }
    let counts: Vec<Vec<usize>> = node_images.iter().map(|c| c.iter().map(Vec::len).collect()).collect();

    // Pair counts between neighbouring columns: pair[c][from][to].
    let mut pair: Vec<Vec<Vec<usize>>> = (0..n_cols - 1)
        .map(|c| vec![vec![0; sizes.get(c + 1).copied().unwrap_or(0)]; sizes.get(c).copied().unwrap_or(0)])
        .collect();
    for p in paths {
        for (c, w) in p.windows(2).enumerate() {
            if let [a, b] = w
                && let Some(x) = pair.get_mut(c).and_then(|m| m.get_mut(*a)).and_then(|r| r.get_mut(*b))
            {
                *x += 1;
            }
        }
    }

    // Vertical order per column; barycentre sweeps on cluster columns.
    let mut order: Vec<Vec<usize>> = sizes.iter().map(|&s| (0..s).collect()).collect();
    let centre_fracs = |order: &[usize], counts: &[usize]| -> Vec<f64> {
        let mut out = vec![0.0; counts.len()];
        let tot = counts.iter().sum::<usize>().max(1) as f64;
        let mut acc = 0.0;
        for &n in order {
            let c = counts.get(n).copied().unwrap_or(0) as f64;
            if let Some(o) = out.get_mut(n) {
                *o = (acc + c / 2.0) / tot;
            }
            acc += c;
        }
        out
    };
    let reorder = |order: &mut Vec<usize>, bary: &dyn Fn(usize) -> Option<f64>, own: &[f64]| {
        let keys: Vec<f64> = (0..own.len()).map(|n| bary(n).unwrap_or(own.get(n).copied().unwrap_or(0.0))).collect();
        let rank: Vec<usize> = {
            let mut r = vec![0; own.len()];
            for (i, &n) in order.iter().enumerate() {
                if let Some(x) = r.get_mut(n) {
                    *x = i;
                }
            }
            r
        };
        order.sort_by(|&a, &b| {
            keys.get(a).unwrap_or(&0.0).total_cmp(keys.get(b).unwrap_or(&0.0)).then(rank.get(a).cmp(&rank.get(b)))
        });
    };
    let empty: Vec<usize> = Vec::new();
    for sweep in 0..3 {
        let forward = sweep % 2 == 0;
        let cols: Vec<usize> = if forward { (1..n_cols).collect() } else { (0..n_cols - 1).rev().collect() };
        for c in cols {
            if columns.get(c).map(|k| k.kind) != Some(FlowNodeKind::Cluster) {
                continue;
            }
            let nb = if forward { c - 1 } else { c + 1 };
            let nb_pos = centre_fracs(order.get(nb).unwrap_or(&empty), counts.get(nb).unwrap_or(&empty));
            let own = centre_fracs(order.get(c).unwrap_or(&empty), counts.get(c).unwrap_or(&empty));
            let weight = |n: usize, m: usize| -> usize {
                if forward {
                    pair.get(c - 1).and_then(|p| p.get(m)).and_then(|r| r.get(n)).copied().unwrap_or(0)
                } else {
                    pair.get(c).and_then(|p| p.get(n)).and_then(|r| r.get(m)).copied().unwrap_or(0)
                }
            };
            let bary = |n: usize| -> Option<f64> {
                let (mut s, mut w) = (0.0, 0usize);
                for (m, pos) in nb_pos.iter().enumerate() {
                    let x = weight(n, m);
                    s += pos * x as f64;
                    w += x;
                }
                (w > 0).then(|| s / w as f64)
            };
            if let Some(o) = order.get_mut(c) {
                reorder(o, &bary, &own);
            }
        }
    }
    let rank: Vec<Vec<usize>> = order
        .iter()
        .map(|o| {
            let mut r = vec![0; o.len()];
            for (i, &n) in o.iter().enumerate() {
                if let Some(x) = r.get_mut(n) {
                    *x = i;
                }
            }
            r
        })
        .collect();

    // Vertical scale shared by all columns so a band is equally wide at both ends.
    let height = f64::from(rect.height());
    let width = f64::from(rect.width());
    let non_empty: Vec<usize> = counts.iter().map(|c| c.iter().filter(|&&n| n > 0).count()).collect();
    let most = non_empty.iter().copied().max().unwrap_or(1).max(1);
    let mut gap = params.node_gap.max(0.0);
    if most > 1 && gap * (most - 1) as f64 > height * 0.5 {
        gap = height * 0.5 / (most - 1) as f64;
    }
    let px_per_image =
        if total == 0 { 0.0 } else { (height - gap * (most.saturating_sub(1)) as f64).max(0.0) / total as f64 };
    let node_w = params.node_width.max(1.0).min(width / n_cols as f64);
    let col_x = |c: usize| f64::from(rect.x0) + c as f64 * (width - node_w) / (n_cols - 1) as f64;

    let mut nodes = Vec::new();
    let mut node_offsets = Vec::with_capacity(n_cols + 1);
    for c in 0..n_cols {
        node_offsets.push(nodes.len());
        let cnt = counts.get(c).cloned().unwrap_or_default();
        let ne = non_empty.get(c).copied().unwrap_or(0);
        let col_h = total as f64 * px_per_image + gap * ne.saturating_sub(1) as f64;
        let mut y = f64::from(rect.y0) + (height - col_h) / 2.0;
        let mut ys = vec![(0.0, 0.0); cnt.len()];
        for &n in order.get(c).unwrap_or(&empty) {
            let k = cnt.get(n).copied().unwrap_or(0);
            let h = k as f64 * px_per_image;
            if let Some(slot) = ys.get_mut(n) {
                *slot = (y, y + h);
            }
            if k > 0 {
                y += h + gap;
            }
        }
        let x0 = col_x(c);
        for (n, (y0, y1)) in ys.into_iter().enumerate() {
            nodes.push(FlowNode {
                column: c,
                node: n,
                count: cnt.get(n).copied().unwrap_or(0),
                x0,
                x1: x0 + node_w,
                y0,
                y1,
                images: node_images.get_mut(c).and_then(|col| col.get_mut(n)).map(std::mem::take).unwrap_or_default(),
            });
        }
    }
    node_offsets.push(nodes.len());

    // Bands keyed by (column, from, to, class).
    let mut groups: BTreeMap<(usize, usize, usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, p) in paths.iter().enumerate() {
        let class = p.first().copied().unwrap_or(0);
        for (c, w) in p.windows(2).enumerate() {
            if let [a, b] = w {
                groups.entry((c, *a, *b, class)).or_default().push(i);
            }
        }
    }
    let rk = |c: usize, n: usize| rank.get(c).and_then(|r| r.get(n)).copied().unwrap_or(0);
    let mut keys: Vec<(usize, usize, usize, usize)> = groups.keys().copied().collect();
    keys.sort_by_key(|&(c, a, b, cl)| (c, rk(c, a), rk(c + 1, b), cl));
    let mut bands: Vec<FlowBand> = Vec::with_capacity(keys.len());
    let node_at = |c: usize, n: usize| -> Option<&FlowNode> {
        let off = node_offsets.get(c)?;
        nodes.get(off + n)
    };
    for &(c, a, b, cl) in &keys {
        let images = groups.remove(&(c, a, b, cl)).unwrap_or_default();
        let (Some(src), Some(dst)) = (node_at(c, a), node_at(c + 1, b)) else {
            continue;
        };
        bands.push(FlowBand {
            column: c,
            from: a,
            to: b,
            class: cl,
            count: images.len(),
            images,
            x0: src.x1,
            x1: dst.x0,
            from_y0: 0.0,
            from_y1: 0.0,
            to_y0: 0.0,
            to_y1: 0.0,
        });
    }
    // Stack outgoing bands at each source (already in target order), then
    // incoming bands at each target by (source position, class).
    let mut cursor: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for b in bands.iter_mut() {
        let start = node_at(b.column, b.from).map_or(0.0, |n| n.y0);
        let y = cursor.entry((b.column, b.from)).or_insert(start);
        b.from_y0 = *y;
        b.from_y1 = *y + b.count as f64 * px_per_image;
        *y = b.from_y1;
    }
    let mut incoming: Vec<usize> = (0..bands.len()).collect();
    incoming.sort_by_key(|&i| bands.get(i).map(|b| (b.column, rk(b.column + 1, b.to), rk(b.column, b.from), b.class)));
    let mut cursor: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for i in incoming {
        let Some(b) = bands.get(i) else { continue };
        let (col, to, count) = (b.column + 1, b.to, b.count);
        let start = node_at(col, to).map_or(0.0, |n| n.y0);
        let y = cursor.entry((col, to)).or_insert(start);
        let y0 = *y;
        *y += count as f64 * px_per_image;
        if let Some(b) = bands.get_mut(i) {
            b.to_y0 = y0;
            b.to_y1 = y0 + count as f64 * px_per_image;
        }
    }

    Ok(FlowLayout { nodes, bands, order, px_per_image, node_offsets })
}

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

/// Samples of a band's curve edge from (x0, ya) to (x1, yb).
fn curve(x0: f64, x1: f64, ya: f64, yb: f64, segments: usize) -> impl Iterator<Item = (f64, f64)> {
    (0..=segments).map(move |i| {
        let t = i as f64 / segments as f64;
        let s = t * t * (3.0 - 2.0 * t);
        (x0 + (x1 - x0) * bezier_x_frac(t), ya + (yb - ya) * s)
    })
}

fn ipt((x, y): (f64, f64)) -> (i32, i32) {
    (x.round() as i32, y.round() as i32)
}

/// Draw the flow into `area` (cleared first) and return its layout.
pub fn draw_flow<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    paths: &[Vec<usize>],
    columns: &[FlowColumn],
    opts: &FlowOptions,
) -> Result<FlowLayout, ChartError> {
    validate(paths, columns)?;
    if let Some(pp) = opts.probe_path {
        if pp.len() != columns.len() {
            return Err(ChartError::LengthMismatch { what: "flow probe path", expected: columns.len(), got: pp.len() });
        }
        for (&n, col) in pp.iter().zip(columns) {
            if n >= col.node_labels.len() {
                return Err(ChartError::IndexOutOfRange {
                    what: "flow probe node",
                    index: n,
                    len: col.node_labels.len(),
                });
            }
        }
    }
    let p = Painter::new(area, opts.scale);
    p.clear()?;
    let full = p.rect();
    let font = p.font_px(FONT_CSS_PX);
    let pad = p.px(6.0);
    let widest = |c: Option<&FlowColumn>| {
        c.map_or(0, |c| c.node_labels.iter().map(|l| text_width_estimate(l, font)).max().unwrap_or(0))
    };
    let left = widest(columns.first()) + pad;
    let right = widest(columns.last()) + pad;
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

    // Bands, the highlighted one last so it sits on top.
    let segments = 24;
    let draw_band = |b: &FlowBand, alpha: f64| -> Result<(), ChartError> {
        let mut pts: Vec<(i32, i32)> = curve(b.x0, b.x1, b.from_y0, b.to_y0, segments).map(ipt).collect();
        pts.extend(curve(b.x1, b.x0, b.to_y1, b.from_y1, segments).map(ipt));
        p.polygon(pts, palette::with_alpha(palette::categorical(b.class), alpha))
    };
    let hl = opts.highlight_band.filter(|&i| i < layout.bands.len());
    for (i, b) in layout.bands.iter().enumerate() {
        if Some(i) == hl {
            continue;
        }
        draw_band(b, if hl.is_some() { 0.15 } else { 0.5 })?;
    }
    if let Some(b) = hl.and_then(|i| layout.bands.get(i)) {
        draw_band(b, 0.9)?;
    }

    // Nodes and labels.
    let last = columns.len() - 1;
    for n in &layout.nodes {
        if n.count == 0 {
            continue;
        }
        let kind = columns.get(n.column).map_or(FlowNodeKind::Cluster, |c| c.kind);
        let color = match kind {
            FlowNodeKind::Class => palette::categorical(n.node),
            FlowNodeKind::Cluster => palette::NEUTRAL,
        };
        let r = PxRect::new(
            n.x0.round() as i32,
            n.y0.round() as i32,
            n.x1.round() as i32,
            (n.y1.round() as i32).max(n.y0.round() as i32 + 1),
        );
        p.fill_rect(r, solid(color))?;
        if n.y1 - n.y0 < font * 0.8 {
            continue; // no room for a label
        }
        let label = columns.get(n.column).and_then(|c| c.node_labels.get(n.node)).map_or("", String::as_str);
        let (x, h) = if n.column == 0 { (r.x0 - p.px(4.0), HPos::Right) } else { (r.x1 + p.px(4.0), HPos::Left) };
        let inner = n.column != 0 && n.column != last;
        // Inner labels sit over the bands: near the node's top (the probe line
        // runs through the centre) on a translucent backing.
        let y = if inner && n.y1 - n.y0 >= font * 2.0 { r.y0 + (font * 0.8).round() as i32 } else { (r.y0 + r.y1) / 2 };
        if inner {
            let half_h = (font * 0.6).round() as i32;
            p.fill_rect(
                PxRect::new(x - p.px(2.0), y - half_h, x + text_width_estimate(label, font) + p.px(2.0), y + half_h),
                palette::with_alpha(palette::BACKGROUND, 0.75).filled(),
            )?;
        }
        p.text(label, (x, y), font, palette::INK, (h, VPos::Center))?;
    }
    for (c, col) in columns.iter().enumerate() {
        let Some(n) = layout.node(c, 0) else { continue };
        let cx = ((n.x0 + n.x1) / 2.0).round() as i32;
        let (x, h) = if c == 0 {
            (n.x0.round() as i32, HPos::Left)
        } else if c == last {
            (n.x1.round() as i32, HPos::Right)
        } else {
            (cx, HPos::Center)
        };
        p.text(&col.label, (x, full.y0 + p.px(4.0)), font, palette::INK, (h, VPos::Top))?;
    }

    // The probe's path: a black-cased white line through its nodes' centres.
    if let Some(pp) = opts.probe_path {
        let mut pts: Vec<(i32, i32)> = Vec::new();
        let mut prev: Option<(f64, f64)> = None;
        for (c, &node) in pp.iter().enumerate() {
            let Some(n) = layout.node(c, node) else {
                continue;
            };
            let yc = (n.y0 + n.y1) / 2.0;
            if let Some((px_, py_)) = prev {
                pts.extend(curve(px_, n.x0, py_, yc, segments).skip(1).map(ipt));
            } else {
                pts.push(ipt((n.x0, yc)));
            }
            pts.push(ipt((n.x1, yc)));
            prev = Some((n.x1, yc));
        }
        p.path(pts.clone(), stroke(palette::PROBE_CASING, p.px(7.0)))?;
        p.path(pts, stroke(palette::BACKGROUND, p.px(3.0)))?;
    }

    Ok(layout)
}
