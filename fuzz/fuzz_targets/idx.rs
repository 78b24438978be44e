//! The IDX parser on arbitrary bytes: gzip'd or raw, images or labels.
//! Errors are fine; panics, hangs and huge allocations are not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sigpath::core::data::idx;

fuzz_target!(|data: &[u8]| {
    if let Ok(images) = idx::decode_images(data) {
        assert_eq!(images.pixels.len(), images.count * idx::IMAGE_PIXELS);
    }
    let _ = idx::decode_labels(data);
    // The raw parsers directly, past gunzip's magic check.
    let _ = idx::parse_images(data);
    let _ = idx::parse_labels(data);
});
