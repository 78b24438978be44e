//! The real files shipped in `assets/`, read through the project's own parser,
//! against the facts of the data README.

use sigpath::core::data::{Dataset, DatasetKind, LabeledImages, idx};

fn read(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/assets/data/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn split(images: &str, labels: &str) -> LabeledImages {
    let images = idx::decode_images(&read(images)).unwrap();
    let labels = idx::decode_labels(&read(labels)).unwrap();
    LabeledImages::new(images, labels, 10).unwrap()
}

#[test]
fn mnist_training_set_matches_the_readme() {
    let train = split("mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz");
    assert_eq!(train.len(), 60_000);
    assert_eq!(&train.labels[..10], &[5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(train.counts_by_label(10), vec![5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
}

#[test]
fn mnist_test_set_matches_the_readme() {
    let test = split("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz");
    assert_eq!(test.len(), 10_000);
    assert_eq!(&test.labels[..10], &[7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // Digits are white on black: the border is dark, the centre has ink.
    let first = test.images.image(0).unwrap();
    assert_eq!(first[0], 0);
    assert!(first.iter().filter(|&&p| p > 128).count() > 50);
}

#[test]
fn animal_shape_splits_800_200_per_class() {
    let all = split("animals/animal-images-idx3-ubyte.gz", "animals/animal-labels-idx1-ubyte.gz");
    assert_eq!(all.counts_by_label(10), vec![1000; 10]);
    let dataset = Dataset::split_animals(all);
    assert_eq!(dataset.train.counts_by_label(10), vec![800; 10]);
    assert_eq!(dataset.test.counts_by_label(10), vec![200; 10]);
    assert_eq!(DatasetKind::Animals.class_name(2), "cat");
    assert_eq!(DatasetKind::Animals.class_name(4), "dog");
}
