//! Which images are foreign to a run, taken a chunk at a time, and the
//! fingerprint that says when their signatures must be extracted again.

use std::ops::Range;

use crate::core::data::{ClassSet, Dataset, DatasetKind, IMAGE_PIXELS, Images, LabeledImages, Subset};
use crate::core::results::RunResults;

/// The data set scored as foreign against a run on `kind`.
pub fn foreign_kind(kind: DatasetKind) -> DatasetKind {
    match kind {
        DatasetKind::Mnist => DatasetKind::Animals,
        DatasetKind::Animals => DatasetKind::Mnist,
    }
}

/// The foreign images of `dataset` (a data set of [`foreign_kind`]): every
/// Animal-Shape image (both splits: none of them was seen by a digit
/// network), or the 10,000 MNIST test digits.
pub fn foreign_images(dataset: &Dataset) -> LabeledImages {
    match dataset.kind {
        DatasetKind::Mnist => dataset.test.clone(),
        DatasetKind::Animals => {
            let mut pixels = Vec::with_capacity((dataset.train.len() + dataset.test.len()) * IMAGE_PIXELS);
            pixels.extend_from_slice(&dataset.train.images.pixels);
            pixels.extend_from_slice(&dataset.test.images.pixels);
            let mut labels = dataset.train.labels.clone();
            labels.extend_from_slice(&dataset.test.labels);
            LabeledImages::from_parts(Images { count: labels.len(), pixels }, labels)
        }
    }
}

/// Rows `rows` of the foreign images as a subset a network with `classes`
/// accepts. Foreign labels mean nothing to the network, so every target is 0.
pub fn foreign_chunk(images: &LabeledImages, rows: Range<usize>, classes: &ClassSet) -> Subset {
    let end = rows.end.min(images.len());
    let indices: Vec<usize> = (rows.start.min(end)..end).collect();
    let data = images.select(&indices);
    let targets = vec![0; data.len()];
    Subset { classes: classes.clone(), data, targets }
}

/// A number that changes when the run's network or evaluation set changes
/// but not when K does: decides whether foreign signatures must be extracted
/// again. FNV-1a over the configuration and the evaluation probabilities.
pub fn run_fingerprint(results: &RunResults) -> u64 {
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(PRIME);
        }
    };
    eat(serde_json::to_string(&results.config).unwrap_or_default().as_bytes());
    eat(&(results.eval.len() as u64).to_le_bytes());
    for &p in &results.eval.probabilities {
        eat(&p.to_bits().to_le_bytes());
    }
    hash
}
