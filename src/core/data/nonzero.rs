//! Every image's non-zero pixels, listed once: what the sparse forward pass
//! (`model::sparse`) reads instead of the 784 bytes of an image.
//!
//! About 80 % of an MNIST image is background. Finding the rest took about a
//! third of the signature pass, and the evaluation images are the same run
//! after run, so the test split is listed once and every run's evaluation
//! subset takes its rows of that list (`LabeledImages::select`).

use wide::{u8x16, u16x8};

use super::idx::IMAGE_PIXELS;

/// The non-zero pixels of a run of images, image after image: positions in
/// 0..784 and their values. An image past 784 bytes is cut there.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NonzeroPixels {
    /// Where each image's entries start in `positions` and `values`, then
    /// the total: one more than there are images.
    starts: Vec<usize>,
    positions: Vec<u16>,
    values: Vec<u8>,
}

impl NonzeroPixels {
    /// List `images` (784 bytes each).
    pub fn new<'a>(images: impl IntoIterator<Item = &'a [u8]>) -> Self {
        let mut listed = NonzeroPixels { starts: vec![0], ..Self::default() };
        let mut list = vec![0; IMAGE_PIXELS];
        for pixels in images {
            let pixels = &pixels[..pixels.len().min(IMAGE_PIXELS)];
            let found = nonzero_pixels(pixels, &mut list);
            let positions = &list[..found];
            listed.positions.extend_from_slice(positions);
            listed.values.extend(positions.iter().map(|&p| pixels.get(usize::from(p)).copied().unwrap_or(0)));
            listed.starts.push(listed.positions.len());
        }
        listed
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Image `row`: positions of its non-zero pixels (increasing) and their values.
    pub fn image(&self, row: usize) -> Option<(&[u16], &[u8])> {
        let (&start, &end) = (self.starts.get(row)?, self.starts.get(row.checked_add(1)?)?);
        Some((self.positions.get(start..end)?, self.values.get(start..end)?))
    }

    /// The images at `rows`, in that order; rows past the end are skipped (as
    /// `LabeledImages::select` skips them).
    pub fn select(&self, rows: &[usize]) -> NonzeroPixels {
        let mut selected = NonzeroPixels { starts: Vec::with_capacity(rows.len() + 1), ..Self::default() };
        selected.starts.push(0);
        for (positions, values) in rows.iter().filter_map(|&row| self.image(row)) {
            selected.positions.extend_from_slice(positions);
            selected.values.extend_from_slice(values);
            selected.starts.push(selected.positions.len());
        }
        selected
    }
}

/// Row `m` lists the positions of the set bits of the byte `m`, lowest first,
/// padded with zeros: a mask of eight inputs becomes their indices in one
/// vector store, with no branch per input (inside a digit, whether a pixel is
/// zero is close to random, and mispredicted branches cost more than the work
/// they skip).
static SET_BITS: [[u16; 8]; 256] = {
    let mut table = [[0; 8]; 256];
    let mut mask = 0;
    while mask < 256 {
        let (mut bit, mut found) = (0, 0);
        while bit < 8 {
            if mask & (1 << bit) != 0 {
                table[mask][found] = bit as u16;
                found += 1;
            }
            bit += 1;
        }
        mask += 1;
    }
    table
};

/// Appends the indices `base + b` for the set bits `b` of `mask` (eight bits)
/// at `list[found..]`; returns the new length. All eight slots are written and
/// only the set ones counted, so `list` needs room for eight past `found`.
#[inline(always)]
pub(crate) fn push_set_bits(list: &mut [u16], found: usize, mask: u32, base: usize) -> usize {
    let positions = u16x8::new(SET_BITS[(mask & 0xff) as usize]) + u16x8::splat(base as u16);
    if let Some(slots) = list.get_mut(found..found + 8) {
        slots.copy_from_slice(&positions.to_array());
    }
    found + (mask & 0xff).count_ones() as usize
}

/// Indices of the non-zero `pixels` into `list` (as long as `pixels`, at most
/// 65,536); returns how many. Sixteen pixels are compared at once; a run of
/// background is skipped whole.
pub(crate) fn nonzero_pixels(pixels: &[u8], list: &mut [u16]) -> usize {
    let mut found = 0;
    let mut chunks = pixels.chunks_exact(16);
    for (chunk_index, chunk) in (&mut chunks).enumerate() {
        let Ok(bytes) = <[u8; 16]>::try_from(chunk) else { continue };
        let mask = !u8x16::new(bytes).simd_eq(u8x16::ZERO).to_bitmask() & 0xffff;
        if mask != 0 {
            // `found` never passes the index of the first pixel of the half, so
            // the eight slots written fit in a list as long as `pixels`.
            found = push_set_bits(list, found, mask, chunk_index * 16);
            found = push_set_bits(list, found, mask >> 8, chunk_index * 16 + 8);
        }
    }
    let tail = pixels.len() - chunks.remainder().len();
    push_remainder(chunks.remainder().iter().map(|&p| p != 0), tail, list, found)
}

/// The last inputs, fewer than a vector: one at a time, branch-free.
pub(crate) fn push_remainder(
    nonzero: impl Iterator<Item = bool>,
    start: usize,
    list: &mut [u16],
    mut found: usize,
) -> usize {
    for (offset, is_nonzero) in nonzero.enumerate() {
        if let Some(slot) = list.get_mut(found) {
            *slot = (start + offset) as u16;
        }
        found += usize::from(is_nonzero);
    }
    found.min(list.len())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_xoshiro::Xoshiro256PlusPlus;

    /// The plain filter that the vector listings (here and of ReLU outputs in
    /// `model::sparse`) must equal.
    pub(crate) fn indices_where(nonzero: impl Iterator<Item = bool>) -> Vec<u16> {
        nonzero.enumerate().filter(|&(_, keep)| keep).map(|(i, _)| i as u16).collect()
    }

    fn random_pixels(rng: &mut Xoshiro256PlusPlus, length: usize, density: f64) -> Vec<u8> {
        (0..length).map(|_| if rng.gen_bool(density) { rng.gen_range(1..=255) } else { 0 }).collect()
    }

    #[test]
    fn lists_nonzero_pixels_of_any_length() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(3);
        // Full vectors, a remainder, shorter than one vector, empty; sparse and dense.
        for (length, density) in [(784, 0.2), (784, 1.0), (100, 0.5), (7, 0.5), (0, 0.5), (784, 0.0)] {
            let pixels = random_pixels(&mut rng, length, density);
            let mut list = vec![u16::MAX; length];
            let found = nonzero_pixels(&pixels, &mut list);
            assert_eq!(list[..found], indices_where(pixels.iter().map(|&p| p != 0))[..], "{length} pixels");
        }
    }

    #[test]
    fn lists_every_image_and_selects_rows() {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(8);
        let densities = [0.2, 0.0, 1.0, 0.5];
        let images: Vec<Vec<u8>> = densities.iter().map(|&d| random_pixels(&mut rng, IMAGE_PIXELS, d)).collect();
        let listed = NonzeroPixels::new(images.iter().map(Vec::as_slice));
        assert_eq!(listed.len(), 4);
        for (row, pixels) in images.iter().enumerate() {
            let (positions, values) = listed.image(row).unwrap();
            assert_eq!(positions, indices_where(pixels.iter().map(|&p| p != 0)), "image {row}");
            let expected: Vec<u8> = pixels.iter().copied().filter(|&p| p != 0).collect();
            assert_eq!(values, expected, "image {row}");
        }
        assert_eq!(listed.image(4), None);

        // Rows in any order, repeated, and one past the end (skipped).
        let selected = listed.select(&[3, 0, 3, 9, 1]);
        assert_eq!(selected.len(), 4);
        for (row, source) in [3, 0, 3, 1].into_iter().enumerate() {
            assert_eq!(selected.image(row), listed.image(source), "row {row}");
        }
        assert_eq!(selected, NonzeroPixels::new([3, 0, 3, 1].map(|i| images[i].as_slice())));
        assert!(NonzeroPixels::new(std::iter::empty()).is_empty());
    }
}
