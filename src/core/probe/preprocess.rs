//! MNIST's framing of a digit, applied to a drawing.
//!
//! LeCun et al. size-normalised each NIST digit to fit a 20x20 box keeping its
//! aspect ratio, with anti-aliasing (hence the grey edges), then translated it
//! so its centre of mass sits at the centre of a 28x28 field. On the MNIST test
//! set the centre of mass (in pixel-index coordinates) is always within half a
//! pixel of (14, 14) and the inked box is 20 pixels on its longer side: a whole
//! pixel shift, rounded, is what they did, and what we do.

use crate::core::data::{IMAGE_PIXELS, IMAGE_SIDE};

use super::raster::Raster;

/// The network's input: 28x28 values in [0, 1], row-major.
pub type MnistImage = [f32; IMAGE_PIXELS];

/// The longer side of the digit after scaling, in pixels.
pub const BOX_SIDE: usize = 20;
/// Ink at or below this is ignored when finding the digit's extent, so faint
/// dust far from the digit does not shrink it. Inside the extent every value
/// counts (flooring there would move the centre of mass off MNIST's).
pub const INK_FLOOR: f32 = 0.02;
/// A drawing with less ink than this (in fully inked pixels) counts as empty.
pub const MIN_INK: f32 = 1.0;
/// Where the centre of mass goes, in pixel-index coordinates (MNIST's convention).
const CENTRE: f64 = 14.0;

/// Frame a drawing like an MNIST digit, or `None` when there is (almost) no ink.
pub fn to_mnist(raster: &Raster) -> Option<MnistImage> {
    let (x0, y0, x1, y1) = ink_box(raster)?;
    let (crop_w, crop_h) = (x1 - x0 + 1, y1 - y0 + 1);
    let crop: Vec<f32> =
        (y0..=y1).flat_map(|y| (x0..=x1).map(move |x| (x, y))).map(|(x, y)| raster.get(x, y)).collect();
    if crop.iter().sum::<f32>() < MIN_INK {
        return None;
    }

    // The longer side becomes 20 pixels; the shorter keeps the ratio but
    // stays at least one pixel (a one-pixel line must not vanish).
    let long = crop_w.max(crop_h) as f64;
    let fit = |side: usize| ((side as f64 * BOX_SIDE as f64 / long).round() as usize).clamp(1, BOX_SIDE);
    let (box_w, box_h) = (fit(crop_w), fit(crop_h));
    let scaled = resample(&crop, crop_w, crop_h, box_w, box_h);

    let (com_x, com_y) = centre_of_mass(&scaled, box_w)?;
    // Whole-pixel shift, as MNIST: the box's top-left corner in the 28x28 field.
    let left = (CENTRE - com_x).round() as i64;
    let top = (CENTRE - com_y).round() as i64;
    let mut image = [0.0f32; IMAGE_PIXELS];
    for (row, line) in scaled.chunks(box_w).enumerate() {
        for (col, &value) in line.iter().enumerate() {
            let (x, y) = (left + col as i64, top + row as i64);
            // Pixels pushed past the frame are clipped.
            if (0..IMAGE_SIDE as i64).contains(&x)
                && (0..IMAGE_SIDE as i64).contains(&y)
                && let Some(pixel) = image.get_mut(y as usize * IMAGE_SIDE + x as usize)
            {
                *pixel = value.clamp(0.0, 1.0);
            }
        }
    }
    Some(image)
}

/// Centre of mass `(x, y)` of a row-major image `width` pixels wide, in
/// pixel-index coordinates (the first pixel's centre is (0, 0)); `None` without ink.
pub fn centre_of_mass(pixels: &[f32], width: usize) -> Option<(f64, f64)> {
    if width == 0 {
        return None;
    }
    let (mut mass, mut sum_x, mut sum_y) = (0.0f64, 0.0f64, 0.0f64);
    for (i, &value) in pixels.iter().enumerate() {
        let value = f64::from(value);
        mass += value;
        sum_x += (i % width) as f64 * value;
        sum_y += (i / width) as f64 * value;
    }
    (mass > 0.0).then(|| (sum_x / mass, sum_y / mass))
}

/// Inclusive bounding box `(x0, y0, x1, y1)` of the pixels above the floor.
fn ink_box(raster: &Raster) -> Option<(usize, usize, usize, usize)> {
    let width = raster.width();
    let mut bounds: Option<(usize, usize, usize, usize)> = None;
    for (i, _) in raster.ink().iter().enumerate().filter(|(_, v)| **v > INK_FLOOR) {
        let (x, y) = (i % width, i / width);
        bounds = Some(match bounds {
            None => (x, y, x, y),
            Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
        });
    }
    bounds
}

/// Box-filter (area-average) resampling of a `from_w` x `from_h` image to
/// `to_w` x `to_h`: each output pixel is the mean of the source area it
/// covers, partial source pixels weighted by their overlap. Separable, so
/// rows then columns.
fn resample(pixels: &[f32], from_w: usize, from_h: usize, to_w: usize, to_h: usize) -> Vec<f32> {
    let across = box_weights(from_w, to_w);
    let down = box_weights(from_h, to_h);
    // Rows first: from_h x to_w.
    let mut rows = Vec::with_capacity(from_h * to_w);
    for line in pixels.chunks(from_w) {
        for weights in &across {
            rows.push(weights.iter().map(|&(j, w)| line.get(j).copied().unwrap_or(0.0) * w).sum::<f32>());
        }
    }
    // Then columns: to_h x to_w.
    let mut out = Vec::with_capacity(to_h * to_w);
    for weights in &down {
        for col in 0..to_w {
            out.push(weights.iter().map(|&(j, w)| rows.get(j * to_w + col).copied().unwrap_or(0.0) * w).sum::<f32>());
        }
    }
    out
}

/// For each of `to` output cells, the source cells it overlaps and the weight
/// of each (overlap / cell size, so the weights of one output sum to 1).
fn box_weights(from: usize, to: usize) -> Vec<Vec<(usize, f32)>> {
    let cell = from as f64 / to as f64;
    (0..to)
        .map(|i| {
            let (lo, hi) = (i as f64 * cell, (i + 1) as f64 * cell);
            let first = lo.floor() as usize;
            let last = (hi.ceil() as usize).min(from);
            (first..last)
                .filter_map(|j| {
                    let overlap = hi.min(j as f64 + 1.0) - lo.max(j as f64);
                    (overlap > 1e-9).then_some((j, (overlap / cell) as f32))
                })
                .collect()
        })
        .collect()
}
