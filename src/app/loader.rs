//! Fetch, inflate and parse the data sets shipped in `data/`.

use std::sync::Arc;

use crate::core::data::{Dataset, DatasetKind, LabeledImages, idx};

/// One file of a data set, with the words used for it in messages.
struct Asset {
    path: &'static str,
    what: &'static str,
}

fn assets(kind: DatasetKind) -> &'static [(Asset, Asset)] {
    const MNIST: &[(Asset, Asset)] = &[
        (
            Asset { path: "data/mnist/train-images-idx3-ubyte.gz", what: "MNIST training images" },
            Asset { path: "data/mnist/train-labels-idx1-ubyte.gz", what: "MNIST training labels" },
        ),
        (
            Asset { path: "data/mnist/t10k-images-idx3-ubyte.gz", what: "MNIST test images" },
            Asset { path: "data/mnist/t10k-labels-idx1-ubyte.gz", what: "MNIST test labels" },
        ),
    ];
    const ANIMALS: &[(Asset, Asset)] = &[(
        Asset { path: "data/animals/animal-images-idx3-ubyte.gz", what: "Animal-Shape images" },
        Asset { path: "data/animals/animal-labels-idx1-ubyte.gz", what: "Animal-Shape labels" },
    )];
    match kind {
        DatasetKind::Mnist => MNIST,
        DatasetKind::Animals => ANIMALS,
    }
}

async fn load_file(asset: &Asset) -> Result<Vec<u8>, String> {
    let bytes = super::browser::fetch_bytes(asset.path)
        .await
        .map_err(|why| format!("The {} ({}) {why}.", asset.what, asset.path))?;
    super::browser::gunzip(bytes)
        .await
        .map_err(|why| format!("The {} ({}) could not be read: {why}.", asset.what, asset.path))
}

async fn load_split(images: &Asset, labels: &Asset, kind: DatasetKind) -> Result<LabeledImages, String> {
    let unreadable = |asset: &Asset, why: String| format!("The {} ({}) could not be read: {why}.", asset.what, asset.path);
    let label_bytes = load_file(labels).await?;
    let labels_parsed = idx::parse_labels(&label_bytes).map_err(|e| unreadable(labels, e.to_string()))?;
    let image_bytes = load_file(images).await?;
    let images_parsed = idx::parse_images(&image_bytes).map_err(|e| unreadable(images, e.to_string()))?;
    drop(image_bytes);
    LabeledImages::new(images_parsed, labels_parsed, kind.class_count())
        .map_err(|e| format!("The {} and {} do not match: {e}.", images.what, labels.what))
}

/// Load a whole data set; `on_progress(done, total)` is called after each file pair.
pub async fn load_dataset(kind: DatasetKind, mut on_progress: impl FnMut(usize, usize)) -> Result<Arc<Dataset>, String> {
    let pairs = assets(kind);
    let mut splits = Vec::new();
    on_progress(0, pairs.len());
    for (done, (images, labels)) in pairs.iter().enumerate() {
        splits.push(load_split(images, labels, kind).await?);
        on_progress(done + 1, pairs.len());
        super::browser::yield_now().await;
    }
    let dataset = match (kind, splits.len()) {
        (DatasetKind::Mnist, 2) => {
            let test = splits.pop();
            let train = splits.pop();
            match (train, test) {
                (Some(train), Some(test)) => Dataset { kind, train, test },
                _ => return Err("The MNIST files are incomplete.".into()),
            }
        }
        (DatasetKind::Animals, 1) => match splits.pop() {
            Some(all) => Dataset::split_animals(all),
            None => return Err("The Animal-Shape files are incomplete.".into()),
        },
        _ => return Err(format!("The {} files are incomplete.", kind.title())),
    };
    Ok(Arc::new(dataset))
}
