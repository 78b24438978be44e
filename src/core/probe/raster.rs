//! A grey canvas: ink in [0, 1], row-major, and a round soft brush to draw on it.

use super::errors::ProbeError;

/// Largest raster accepted (a 4096x4096 canvas): bounds the memory a page or
/// test can make the preprocessing allocate.
pub const MAX_RASTER_PIXELS: usize = 4096 * 4096;

/// Ink on a `width` x `height` canvas, row-major, each value in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct Raster {
    width: usize,
    height: usize,
    ink: Vec<f32>,
}

impl Raster {
    /// A blank canvas. Sizes are clamped to at least 1 pixel and at most
    /// [`MAX_RASTER_PIXELS`] in all (the height gives way first).
    pub fn new(width: usize, height: usize) -> Self {
        let width = width.clamp(1, MAX_RASTER_PIXELS);
        let height = height.clamp(1, MAX_RASTER_PIXELS / width);
        Self { width, height, ink: vec![0.0; width * height] }
    }

    /// Take the page's pixels. Values outside [0, 1] are clamped and
    /// non-numbers count as no ink, so a bad canvas read cannot poison the image.
    pub fn from_ink(width: usize, height: usize, ink: Vec<f32>) -> Result<Self, ProbeError> {
        if width == 0 || height == 0 {
            return Err(ProbeError::ZeroSize);
        }
        let pixels = width.checked_mul(height).ok_or(ProbeError::TooLarge { limit: MAX_RASTER_PIXELS })?;
        if pixels > MAX_RASTER_PIXELS {
            return Err(ProbeError::TooLarge { limit: MAX_RASTER_PIXELS });
        }
        if ink.len() != pixels {
            return Err(ProbeError::SizeMismatch { width, height, found: ink.len() });
        }
        let ink = ink.into_iter().map(clean).collect();
        Ok(Self { width, height, ink })
    }

    /// Grey bytes (0 = no ink, 255 = full ink), e.g. an MNIST image.
    pub fn from_bytes(width: usize, height: usize, bytes: &[u8]) -> Result<Self, ProbeError> {
        Self::from_ink(width, height, bytes.iter().map(|&b| f32::from(b) / 255.0).collect())
    }

    pub fn width(&self) -> usize {
        self.width
    }

    pub fn height(&self) -> usize {
        self.height
    }

    /// All pixels, row-major.
    pub fn ink(&self) -> &[f32] {
        &self.ink
    }

    /// Ink at a pixel; 0 outside the canvas.
    pub fn get(&self, x: usize, y: usize) -> f32 {
        if x >= self.width {
            return 0.0;
        }
        y.checked_mul(self.width).and_then(|row| self.ink.get(row + x)).copied().unwrap_or(0.0)
    }

    /// Wipe the canvas.
    pub fn clear(&mut self) {
        self.ink.fill(0.0);
    }

    /// Sum of all ink, in fully inked pixels.
    pub fn total_ink(&self) -> f32 {
        self.ink.iter().sum()
    }

    /// Draw a pointer path with a round brush of `radius` pixels: every pixel
    /// whose centre lies within `radius` of the path is fully inked, and the
    /// edge fades over one pixel (a cheap anti-aliasing, like a canvas'
    /// `lineCap = "round"` stroke). A single point draws a dot. Points are in
    /// pixel units, (0, 0) at the top-left corner of the canvas; points that
    /// are not finite are skipped. Ink only ever grows (max, not sum), so
    /// crossing strokes do not darken.
    pub fn stroke(&mut self, points: &[(f32, f32)], radius: f32) {
        let radius = if radius.is_finite() { radius.max(0.0) } else { 0.0 };
        let points: Vec<(f32, f32)> = points.iter().copied().filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
        match points.as_slice() {
            [] => {}
            [only] => self.segment(*only, *only, radius),
            _ => {
                for pair in points.windows(2) {
                    if let [a, b] = pair {
                        self.segment(*a, *b, radius);
                    }
                }
            }
        }
    }

    fn segment(&mut self, a: (f32, f32), b: (f32, f32), radius: f32) {
        // Half a pixel of soft edge on each side of the hard radius.
        let reach = radius + 0.5;
        let (x_lo, x_hi) = pixel_span(a.0.min(b.0) - reach, a.0.max(b.0) + reach, self.width);
        let (y_lo, y_hi) = pixel_span(a.1.min(b.1) - reach, a.1.max(b.1) + reach, self.height);
        for y in y_lo..y_hi {
            for x in x_lo..x_hi {
                let centre = (x as f32 + 0.5, y as f32 + 0.5);
                let coverage = (reach - distance_to_segment(centre, a, b)).clamp(0.0, 1.0);
                if let Some(pixel) = self.ink.get_mut(y * self.width + x) {
                    *pixel = pixel.max(coverage);
                }
            }
        }
    }
}

fn clean(value: f32) -> f32 {
    if value.is_nan() { 0.0 } else { value.clamp(0.0, 1.0) }
}

/// Pixel indices `lo..hi` whose cells meet the interval [from, to], clipped to the canvas.
fn pixel_span(from: f32, to: f32, size: usize) -> (usize, usize) {
    // Float-to-int `as` saturates, so far-away coordinates cannot overflow.
    let lo = from.floor().max(0.0) as usize;
    let hi = (to.ceil().max(0.0) as usize).min(size);
    (lo.min(hi), hi)
}

fn distance_to_segment(p: (f32, f32), a: (f32, f32), b: (f32, f32)) -> f32 {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length_sq = dx * dx + dy * dy;
    let t = if length_sq > 0.0 { (((p.0 - a.0) * dx + (p.1 - a.1) * dy) / length_sq).clamp(0.0, 1.0) } else { 0.0 };
    let (cx, cy) = (a.0 + t * dx, a.1 + t * dy);
    ((p.0 - cx).powi(2) + (p.1 - cy).powi(2)).sqrt()
}
