//! Fetch, inflate and parse the data sets shipped in `data/`: the test split
//! first (the demo and every view need it), the training images on demand.

use std::sync::Arc;

use crate::core::data::{Dataset, DatasetKind, LabeledImages, idx};

/// One file of a data set, with the words used for it in messages.
struct Asset {
    path: &'static str,
    what: &'static str,
}

/// MNIST's (images, labels) files: the training pair, then the test pair.
fn mnist_files() -> [(Asset, Asset); 2] {
    [
        (
            Asset { path: "data/mnist/train-images-idx3-ubyte.gz", what: "MNIST training images" },
            Asset { path: "data/mnist/train-labels-idx1-ubyte.gz", what: "MNIST training labels" },
        ),
        (
            Asset { path: "data/mnist/t10k-images-idx3-ubyte.gz", what: "MNIST test images" },
            Asset { path: "data/mnist/t10k-labels-idx1-ubyte.gz", what: "MNIST test labels" },
        ),
    ]
}

/// Animal-Shape's one (images, labels) pair.
fn animals_files() -> (Asset, Asset) {
    (
        Asset { path: "data/animals/animal-images-idx3-ubyte.gz", what: "Animal-Shape images" },
        Asset { path: "data/animals/animal-labels-idx1-ubyte.gz", what: "Animal-Shape labels" },
    )
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
    let unreadable =
        |asset: &Asset, why: String| format!("The {} ({}) could not be read: {why}.", asset.what, asset.path);
    let label_bytes = load_file(labels).await?;
    let labels_parsed = idx::parse_labels(&label_bytes).map_err(|e| unreadable(labels, e.to_string()))?;
    let image_bytes = load_file(images).await?;
    let images_parsed = idx::parse_images(&image_bytes).map_err(|e| unreadable(images, e.to_string()))?;
    drop(image_bytes);
    LabeledImages::new(images_parsed, labels_parsed, kind.class_count())
        .map_err(|e| format!("The {} and {} do not match: {e}.", images.what, labels.what))
}

/// What a first load brings: the test split, and how many training images
/// each class has. For MNIST the training images (9.9 MB) wait until the
/// visitor trains ([`load_training`]); only the training labels (29 kB) come
/// now, so the counts and the form's checks are exact from the start.
pub struct FirstLoad {
    /// `train` is empty until [`load_training`] fills it (MNIST); Animal-Shape
    /// ships as one file, so both its splits arrive at once.
    pub dataset: Arc<Dataset>,
    /// Training images of each class value `0..class_count`.
    pub train_counts: Vec<usize>,
}

fn empty_split() -> LabeledImages {
    LabeledImages::default()
}

/// Load what the page needs before anyone trains; `on_progress(done, total)`
/// is called after each file.
pub async fn load_dataset(kind: DatasetKind, mut on_progress: impl FnMut(usize, usize)) -> Result<FirstLoad, String> {
    match kind {
        DatasetKind::Mnist => {
            let [train_pair, test_pair] = mnist_files();
            let total = 3;
            on_progress(0, total);
            let test = load_split(&test_pair.0, &test_pair.1, kind).await?;
            on_progress(2, total);
            let labels = &train_pair.1;
            let train_labels = idx::parse_labels(&load_file(labels).await?)
                .map_err(|e| format!("The {} ({}) could not be read: {e}.", labels.what, labels.path))?;
            let mut counts = vec![0; usize::from(kind.class_count())];
            for &label in &train_labels {
                if let Some(count) = counts.get_mut(usize::from(label)) {
                    *count += 1;
                }
            }
            on_progress(total, total);
            Ok(FirstLoad { dataset: Arc::new(Dataset { kind, train: empty_split(), test }), train_counts: counts })
        }
        DatasetKind::Animals => {
            let (images, labels) = animals_files();
            on_progress(0, 1);
            let dataset = Dataset::split_animals(load_split(&images, &labels, kind).await?);
            on_progress(1, 1);
            let train_counts = dataset.train.counts_by_label(kind.class_count());
            Ok(FirstLoad { dataset: Arc::new(dataset), train_counts })
        }
    }
}

/// Whether `dataset`'s training images are here (see [`FirstLoad`]).
pub fn has_training_images(dataset: &Dataset) -> bool {
    !dataset.train.is_empty()
}

/// The training split of `dataset`, fetched now if it was left out of the
/// first load; returns the data set with both splits.
pub async fn load_training(dataset: Arc<Dataset>) -> Result<Arc<Dataset>, String> {
    if has_training_images(&dataset) {
        return Ok(dataset);
    }
    let train = match dataset.kind {
        DatasetKind::Mnist => {
            let [train_pair, _] = mnist_files();
            load_split(&train_pair.0, &train_pair.1, dataset.kind).await?
        }
        // Both splits come with the first load.
        DatasetKind::Animals => return Ok(dataset),
    };
    Ok(Arc::new(Dataset { kind: dataset.kind, train, test: dataset.test.clone() }))
}
