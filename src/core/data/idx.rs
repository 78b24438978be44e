//! The IDX format of the original MNIST distribution: a big-endian header,
//! then raw `u8` values, row-major. Files usually arrive gzip'd.

use std::io::Read;

use super::errors::DataError;

/// Magic number of an IDX file of unsigned bytes with three dimensions (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned bytes with one dimension (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;
/// Side of an image, in pixels.
pub const IMAGE_SIDE: usize = 28;
/// Pixels in one image.
pub const IMAGE_PIXELS: usize = IMAGE_SIDE * IMAGE_SIDE;
/// Largest file we agree to unpack (MNIST's training images are 47 MB).
pub const MAX_UNPACKED_BYTES: usize = 64 * 1024 * 1024;

/// Images as stored: `u8` pixels, `count` x 28 x 28, row-major.
/// Kept as bytes until a batch needs floats (60,000 images as f32 would take 188 MB).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Images {
    pub count: usize,
    pub pixels: Vec<u8>,
}

impl Images {
    /// Pixels of image `index` (784 bytes), or `None` past the end.
    pub fn image(&self, index: usize) -> Option<&[u8]> {
        let start = index.checked_mul(IMAGE_PIXELS)?;
        self.pixels.get(start..start + IMAGE_PIXELS)
    }
}

/// Undo gzip if the bytes are gzip'd; pass raw IDX bytes through (a server may
/// already have removed the compression). Anything else is refused.
pub fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
    if bytes.starts_with(&GZIP_MAGIC) {
        let mut out = Vec::new();
        // `take` bounds the output so a small hostile file cannot unpack to gigabytes.
        let mut reader = flate2::read::GzDecoder::new(bytes).take(MAX_UNPACKED_BYTES as u64 + 1);
        reader.read_to_end(&mut out).map_err(|e| DataError::CorruptGzip(e.to_string()))?;
        if out.len() > MAX_UNPACKED_BYTES {
            return Err(DataError::TooLarge { limit_bytes: MAX_UNPACKED_BYTES });
        }
        Ok(out)
    } else if bytes.len() >= 4 && bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08 {
        Ok(bytes.to_vec())
    } else {
        Err(DataError::NotGzip)
    }
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    let word = bytes.get(at..at + 4)?;
    Some(u32::from_be_bytes([word[0], word[1], word[2], word[3]]))
}

fn header_too_short(bytes: &[u8], header_bytes: usize) -> DataError {
    DataError::Truncated { expected_bytes: header_bytes, found_bytes: bytes.len() }
}

fn check_magic(bytes: &[u8], expected: u32, what: &'static str) -> Result<(), DataError> {
    let found = read_u32(bytes, 0).ok_or_else(|| header_too_short(bytes, 4))?;
    if found != expected {
        return Err(DataError::WrongMagic { what, expected, found });
    }
    Ok(())
}

fn check_length(bytes: &[u8], expected_bytes: usize) -> Result<(), DataError> {
    match bytes.len() {
        n if n < expected_bytes => Err(DataError::Truncated { expected_bytes, found_bytes: n }),
        n if n > expected_bytes => Err(DataError::TrailingBytes { expected_bytes, found_bytes: n }),
        _ => Ok(()),
    }
}

/// Parse an (uncompressed) IDX image file of 28x28 images.
pub fn parse_images(bytes: &[u8]) -> Result<Images, DataError> {
    const HEADER_BYTES: usize = 16;
    check_magic(bytes, IMAGES_MAGIC, "image")?;
    let field = |at| read_u32(bytes, at).ok_or_else(|| header_too_short(bytes, HEADER_BYTES));
    let count = field(4)? as usize;
    let rows = field(8)? as usize;
    let cols = field(12)? as usize;
    if rows != IMAGE_SIDE || cols != IMAGE_SIDE {
        return Err(DataError::WrongDimensions { rows, cols });
    }
    let expected_bytes = count
        .checked_mul(IMAGE_PIXELS)
        .and_then(|n| n.checked_add(HEADER_BYTES))
        .ok_or(DataError::TooLarge { limit_bytes: MAX_UNPACKED_BYTES })?;
    check_length(bytes, expected_bytes)?;
    Ok(Images { count, pixels: bytes[HEADER_BYTES..].to_vec() })
}

/// Parse an (uncompressed) IDX label file.
pub fn parse_labels(bytes: &[u8]) -> Result<Vec<u8>, DataError> {
    const HEADER_BYTES: usize = 8;
    check_magic(bytes, LABELS_MAGIC, "label")?;
    let count = read_u32(bytes, 4).ok_or_else(|| header_too_short(bytes, HEADER_BYTES))? as usize;
    let expected_bytes =
        count.checked_add(HEADER_BYTES).ok_or(DataError::TooLarge { limit_bytes: MAX_UNPACKED_BYTES })?;
    check_length(bytes, expected_bytes)?;
    Ok(bytes[HEADER_BYTES..].to_vec())
}

/// Unpack and parse a gzip'd image file.
pub fn decode_images(file: &[u8]) -> Result<Images, DataError> {
    parse_images(&gunzip(file)?)
}

/// Unpack and parse a gzip'd label file.
pub fn decode_labels(file: &[u8]) -> Result<Vec<u8>, DataError> {
    parse_labels(&gunzip(file)?)
}
