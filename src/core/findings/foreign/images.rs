//! Which images are foreign to a run, taken a chunk at a time. (The page
//! extracts their signatures once per experiment on screen: `app::ood` keys
//! its cache by the experiment's generation.)

use std::ops::Range;

use crate::core::data::{ClassSet, Dataset, DatasetKind, IMAGE_PIXELS, Images, LabeledImages, Subset};

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
