//! The colours of every chart, defined once.
//!
//! Categorical: Paul Tol's "muted" scheme (9 colours designed to stay apart for
//! the common colour-vision deficiencies) plus a dark grey as the 10th, so up to
//! ten classes or clusters get distinct colours. Sequential: viridis (perceptually
//! uniform, colour-blind safe, readable in greyscale), interpolated from an
//! 11-stop table instead of pulling in a colormap crate.

use plotters::style::{RGBAColor, RGBColor};

/// Number of distinct categorical colours; category `i` uses `CATEGORICAL[i % 10]`.
pub const CATEGORICAL_LEN: usize = 10;

/// Tol "muted" in an order that keeps neighbouring indices (digits 0,1,2...)
/// far apart in hue and lightness; the 10th is a dark grey.
pub const CATEGORICAL: [RGBColor; CATEGORICAL_LEN] = [
    RGBColor(0x33, 0x22, 0x88), // indigo
    RGBColor(0x88, 0xCC, 0xEE), // cyan
    RGBColor(0x11, 0x77, 0x33), // green
    RGBColor(0xCC, 0x66, 0x77), // rose
    RGBColor(0xDD, 0xCC, 0x77), // sand
    RGBColor(0x88, 0x22, 0x55), // wine
    RGBColor(0x44, 0xAA, 0x99), // teal
    RGBColor(0x99, 0x99, 0x33), // olive
    RGBColor(0xAA, 0x44, 0x99), // purple
    RGBColor(0x55, 0x55, 0x55), // dark grey
];

/// viridis sampled at 0.0, 0.1, ..., 1.0 (matplotlib's table).
const VIRIDIS: [RGBColor; 11] = [
    RGBColor(0x44, 0x01, 0x54),
    RGBColor(0x48, 0x24, 0x75),
    RGBColor(0x41, 0x44, 0x87),
    RGBColor(0x35, 0x5F, 0x8D),
    RGBColor(0x2A, 0x78, 0x8E),
    RGBColor(0x21, 0x91, 0x8C),
    RGBColor(0x22, 0xA8, 0x84),
    RGBColor(0x44, 0xBF, 0x70),
    RGBColor(0x7A, 0xD1, 0x51),
    RGBColor(0xBD, 0xDF, 0x26),
    RGBColor(0xFD, 0xE7, 0x25),
];

/// Nodes that are not classes (clusters in the layer flow).
pub const NEUTRAL: RGBColor = RGBColor(0xBB, 0xBB, 0xBB);
/// Axis lines, ticks and most text.
pub const INK: RGBColor = RGBColor(0x33, 0x33, 0x33);
/// Secondary text (zero counts, hints).
pub const MUTED_INK: RGBColor = RGBColor(0x99, 0x99, 0x99);
/// Grid lines.
pub const GRID: RGBColor = RGBColor(0xE4, 0xE4, 0xE4);
/// Background of every chart.
pub const BACKGROUND: RGBColor = RGBColor(0xFF, 0xFF, 0xFF);
/// Casing of the probe's marker and path (the core is `BACKGROUND`): black and
/// white reads on top of every palette colour.
pub const PROBE_CASING: RGBColor = RGBColor(0x00, 0x00, 0x00);

/// Colour of category `i` (classes, clusters, layers); cycles after ten.
pub fn categorical(i: usize) -> RGBColor {
    CATEGORICAL[i % CATEGORICAL_LEN]
}

/// Sequential colour for `t` in 0..=1 (clamped; NaN maps to the low end).
pub fn sequential(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let lo = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let frac = pos - lo as f64;
    match (VIRIDIS.get(lo), VIRIDIS.get(lo + 1)) {
        (Some(a), Some(b)) => mix(*a, *b, frac),
        _ => VIRIDIS[VIRIDIS.len() - 1],
    }
}

/// A light version of the sequential map for cells that carry numbers: white
/// at 0 rising to the map's middle blue at 1, so sparse tables stay calm and
/// the text (see [`text_on`]) stays readable.
pub fn shade(t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    mix(BACKGROUND, sequential(0.3), t.sqrt())
}

/// Number of steps of [`sequential_quantised`]; enough that steps are invisible.
pub const SEQUENTIAL_STEPS: usize = 256;

/// Quantised sequential colour index for `t`, so equal neighbours can be merged.
pub fn sequential_step(t: f64) -> usize {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    (t * (SEQUENTIAL_STEPS - 1) as f64).round() as usize
}

/// Colour of a quantised step from [`sequential_step`].
pub fn sequential_quantised(step: usize) -> RGBColor {
    sequential(step.min(SEQUENTIAL_STEPS - 1) as f64 / (SEQUENTIAL_STEPS - 1) as f64)
}

/// Linear blend from `a` (t = 0) to `b` (t = 1).
pub fn mix(a: RGBColor, b: RGBColor, t: f64) -> RGBColor {
    let t = if t.is_nan() { 0.0 } else { t.clamp(0.0, 1.0) };
    let ch = |x: u8, y: u8| (f64::from(x) + (f64::from(y) - f64::from(x)) * t).round() as u8;
    RGBColor(ch(a.0, b.0), ch(a.1, b.1), ch(a.2, b.2))
}

/// A colour pushed towards the background, for points outside a highlight.
/// Opaque (not alpha) so overdraw of thousands of points stays even.
pub fn dimmed(c: RGBColor) -> RGBColor {
    mix(c, BACKGROUND, 0.8)
}

/// `c` with opacity `alpha` (0..=1).
pub fn with_alpha(c: RGBColor, alpha: f64) -> RGBAColor {
    RGBAColor(c.0, c.1, c.2, alpha.clamp(0.0, 1.0))
}

/// Black or white, whichever reads better on `bg` (numbers inside cells).
pub fn text_on(bg: RGBColor) -> RGBColor {
    let luma = 0.2126 * f64::from(bg.0) + 0.7152 * f64::from(bg.1) + 0.0722 * f64::from(bg.2);
    if luma > 140.0 { RGBColor(0, 0, 0) } else { RGBColor(0xFF, 0xFF, 0xFF) }
}
