//! IDX parsing on hand-made bytes: every error the issue lists, and valid files.

use std::io::Write;

use sigpath::core::data::idx::{self, IMAGE_PIXELS};
use sigpath::core::data::{DataError, DatasetKind, LabeledImages};

fn image_file(count: u32, rows: u32, cols: u32, pixel_bytes: usize) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend(idx::IMAGES_MAGIC.to_be_bytes());
    bytes.extend(count.to_be_bytes());
    bytes.extend(rows.to_be_bytes());
    bytes.extend(cols.to_be_bytes());
    bytes.extend((0..pixel_bytes).map(|i| (i % 251) as u8));
    bytes
}

fn label_file(labels: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    bytes.extend(idx::LABELS_MAGIC.to_be_bytes());
    bytes.extend((labels.len() as u32).to_be_bytes());
    bytes.extend_from_slice(labels);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn valid_images_parse_with_their_pixels() {
    let file = image_file(3, 28, 28, 3 * IMAGE_PIXELS);
    let images = idx::decode_images(&gzip(&file)).unwrap();
    assert_eq!(images.count, 3);
    assert_eq!(images.pixels.len(), 3 * IMAGE_PIXELS);
    assert_eq!(images.image(1).unwrap()[0], (IMAGE_PIXELS % 251) as u8);
    assert!(images.image(3).is_none());
}

#[test]
fn valid_labels_parse() {
    let labels = idx::decode_labels(&gzip(&label_file(&[5, 0, 4]))).unwrap();
    assert_eq!(labels, vec![5, 0, 4]);
}

#[test]
fn raw_idx_bytes_pass_through_without_gzip() {
    let labels = idx::decode_labels(&label_file(&[1, 2])).unwrap();
    assert_eq!(labels, vec![1, 2]);
}

#[test]
fn wrong_magic_is_refused() {
    // A label file where images are expected, and the other way round.
    let err = idx::decode_images(&gzip(&label_file(&[1, 2]))).unwrap_err();
    assert!(matches!(err, DataError::WrongMagic { what: "image", found: 0x801, .. }), "{err:?}");
    let err = idx::decode_labels(&gzip(&image_file(1, 28, 28, IMAGE_PIXELS))).unwrap_err();
    assert!(matches!(err, DataError::WrongMagic { what: "label", found: 0x803, .. }), "{err:?}");
}

#[test]
fn wrong_dimensions_are_refused() {
    let err = idx::decode_images(&gzip(&image_file(2, 32, 28, 2 * 32 * 28))).unwrap_err();
    assert_eq!(err, DataError::WrongDimensions { rows: 32, cols: 28 });
}

#[test]
fn truncated_data_is_refused() {
    let err = idx::decode_images(&gzip(&image_file(2, 28, 28, IMAGE_PIXELS + 10))).unwrap_err();
    assert_eq!(
        err,
        DataError::Truncated { expected_bytes: 16 + 2 * IMAGE_PIXELS, found_bytes: 16 + IMAGE_PIXELS + 10 }
    );
    let mut labels = label_file(&[1, 2, 3]);
    labels.pop();
    assert!(matches!(idx::decode_labels(&labels).unwrap_err(), DataError::Truncated { .. }));
    // A header cut in the middle.
    let header = &image_file(1, 28, 28, 0)[..10];
    assert!(matches!(idx::parse_images(header).unwrap_err(), DataError::Truncated { .. }));
}

#[test]
fn a_truncated_gzip_stream_is_refused() {
    let packed = gzip(&image_file(2, 28, 28, 2 * IMAGE_PIXELS));
    let err = idx::decode_images(&packed[..packed.len() / 2]).unwrap_err();
    assert!(matches!(err, DataError::CorruptGzip(_)), "{err:?}");
}

#[test]
fn trailing_bytes_are_refused() {
    let mut labels = label_file(&[1, 2]);
    labels.push(7);
    assert!(matches!(idx::decode_labels(&labels).unwrap_err(), DataError::TrailingBytes { .. }));
}

#[test]
fn a_file_that_is_not_gzip_is_refused() {
    let err = idx::decode_images(b"<!DOCTYPE html><html>not found</html>").unwrap_err();
    assert_eq!(err, DataError::NotGzip);
    assert_eq!(idx::decode_labels(&[]).unwrap_err(), DataError::NotGzip);
}

#[test]
fn image_and_label_counts_must_agree() {
    let images = idx::decode_images(&image_file(2, 28, 28, 2 * IMAGE_PIXELS)).unwrap();
    let err = LabeledImages::new(images, vec![1, 2, 3], 10).unwrap_err();
    assert_eq!(err, DataError::CountMismatch { images: 2, labels: 3 });
}

#[test]
fn labels_outside_the_classes_are_refused() {
    let images = idx::decode_images(&image_file(2, 28, 28, 2 * IMAGE_PIXELS)).unwrap();
    let err = LabeledImages::new(images, vec![1, 12], DatasetKind::Mnist.class_count()).unwrap_err();
    assert_eq!(err, DataError::LabelOutOfRange { label: 12, max: 9 });
}

#[test]
fn every_error_reads_as_a_sentence() {
    let err = idx::decode_images(b"hello").unwrap_err();
    let message = err.to_string();
    assert!(message.starts_with("the file is not gzip"), "{message}");
}
