//! Signature extraction: every hidden layer of every image, and one drawing's path.

use burn::prelude::*;
use futures_lite::future::block_on;
use sigpath::core::config::{Arch, ExperimentConfig};
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::{ClassSet, LabeledImages, Subset};
use sigpath::core::model::Network;
use sigpath::core::signature::{SIGNATURE_CHUNK_ROWS, SignatureError, extract, extract_one};
use sigpath::core::train::{Trainer, evaluate};

fn mnist_test() -> LabeledImages {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/mnist/");
    let images = decode_images(&std::fs::read(format!("{dir}t10k-images-idx3-ubyte.gz")).unwrap()).unwrap();
    let labels = decode_labels(&std::fs::read(format!("{dir}t10k-labels-idx1-ubyte.gz")).unwrap()).unwrap();
    LabeledImages::new(images, labels, 10).unwrap()
}

fn trained(arch: Arch, hidden: &[usize], data: &Subset) -> Network {
    let classes: Vec<u8> = data.classes.values().to_vec();
    let config = ExperimentConfig {
        arch,
        hidden: hidden.to_vec(),
        classes,
        epochs: 1,
        batch_size: 16,
        ..ExperimentConfig::default()
    };
    let mut trainer = Trainer::new(&config, data, &Device::flex()).unwrap();
    while !trainer.is_finished() {
        trainer.step(data).unwrap();
    }
    block_on(trainer.read_progress()).unwrap();
    trainer.model().unwrap()
}

#[test]
fn every_layer_of_every_image_in_subset_order() {
    let split = mnist_test();
    let classes = ClassSet::new(&[0, 3, 6, 9], 10).unwrap();
    let train = Subset::new(&split, &classes, Some(20), 1, "test").unwrap();
    let model = trained(Arch::Mlp, &[32, 64], &train);
    // More images than one chunk, so the chunks must be stitched back in order.
    let eval = Subset::new(&split, &classes, Some(700), 2, "test").unwrap();
    assert!(eval.len() > SIGNATURE_CHUNK_ROWS);
    let device = Device::flex();
    let signatures = block_on(extract(&model, &eval, &device)).unwrap();

    let n = eval.len();
    assert_eq!(signatures.len(), n);
    let layers: Vec<(&str, (usize, usize))> =
        signatures.layers.iter().map(|l| (l.name.as_str(), l.values.dim())).collect();
    assert_eq!(layers, vec![("h1", (n, 32)), ("h2", (n, 64))]);
    assert_eq!(signatures.probabilities.dim(), (n, 4));
    assert_eq!(signatures.targets, eval.targets);
    for layer in &signatures.layers {
        assert!(layer.values.iter().all(|v| *v >= 0.0 && v.is_finite()), "{} is post-ReLU", layer.name);
    }
    for (row, &prediction) in signatures.probabilities.rows().into_iter().zip(&signatures.predictions) {
        let sum: f32 = row.sum();
        assert!((sum - 1.0).abs() < 1e-4, "probabilities sum to {sum}");
        let best = (0..4).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap();
        assert_eq!(prediction, best);
    }
    // The same predictions as the evaluation path.
    let evaluation = block_on(evaluate(&model, &eval, &device)).unwrap();
    assert_eq!(signatures.predictions, evaluation.predictions);

    // Row i is image i: compare with single passes, in the first and in a later chunk.
    for row in [0, 1, SIGNATURE_CHUNK_ROWS - 1, SIGNATURE_CHUNK_ROWS, n - 1] {
        let one = block_on(extract_one(&model, &eval.pixels_f32(&[row]), &device)).unwrap();
        assert_eq!(one.prediction, signatures.predictions[row]);
        for ((name, values), layer) in one.layers.iter().zip(&signatures.layers) {
            assert_eq!(name, &layer.name);
            for (a, b) in values.iter().zip(layer.values.row(row)) {
                assert!((a - b).abs() < 1e-4, "row {row} layer {name}: {a} vs {b}");
            }
        }
        for (a, b) in one.probabilities.iter().zip(signatures.probabilities.row(row)) {
            assert!((a - b).abs() < 1e-5);
        }
    }
}

#[test]
fn a_subset_of_a_listed_split_takes_its_rows_of_the_list() {
    let split = mnist_test();
    let classes = ClassSet::new(&[1, 4, 7], 10).unwrap();
    let train = Subset::new(&split, &classes, Some(20), 3, "test").unwrap();
    let model = trained(Arch::Mlp, &[32, 64], &train);
    let device = Device::flex();

    // Cut before the split is listed: the subset lists its own images.
    let unlisted = Subset::new(&split, &classes, Some(300), 4, "test").unwrap();
    assert!(unlisted.data.listed_nonzero_pixels().is_none());
    let own = block_on(extract(&model, &unlisted, &device)).unwrap();

    // Cut after: the subset comes listed, with its rows of the split's list.
    assert!(split.listed_nonzero_pixels().is_none());
    split.nonzero_pixels();
    let listed = Subset::new(&split, &classes, Some(300), 4, "test").unwrap();
    let rows = listed.data.listed_nonzero_pixels().expect("a subset of a listed split comes listed");
    assert_eq!(rows, &sigpath::core::data::NonzeroPixels::new(listed.data.images.pixels.chunks_exact(784)));
    let taken = block_on(extract(&model, &listed, &device)).unwrap();

    assert_eq!(listed.data, unlisted.data, "a listing is not part of what images are");
    assert_eq!(taken.targets, own.targets);
    assert_eq!(taken.predictions, own.predictions);
    for (a, b) in taken.layers.iter().zip(&own.layers) {
        assert_eq!(a.values, b.values, "layer {}: the same sums in the same order", a.name);
    }
    assert_eq!(taken.probabilities, own.probabilities);
}

#[test]
fn cnn_signatures_have_the_block_widths() {
    let split = mnist_test();
    let classes = ClassSet::new(&[4, 7], 10).unwrap();
    let data = Subset::new(&split, &classes, Some(15), 3, "test").unwrap();
    let model = trained(Arch::Cnn, &[12], &data);
    let signatures = block_on(extract(&model, &data, &Device::flex())).unwrap();
    let layers: Vec<(&str, (usize, usize))> =
        signatures.layers.iter().map(|l| (l.name.as_str(), l.values.dim())).collect();
    assert_eq!(layers, vec![("conv1", (30, 784)), ("conv2", (30, 392)), ("fc", (30, 12))]);
    assert_eq!(signatures.probabilities.dim(), (30, 2));
}

#[test]
fn a_drawing_must_have_784_pixels() {
    let config = ExperimentConfig::default();
    let device = Device::flex();
    let model = Network::new(&config, 10, &device).unwrap();
    for len in [0, 783, 785] {
        assert_eq!(
            block_on(extract_one(&model, &vec![0.5; len], &device)).unwrap_err(),
            SignatureError::InputSize { expected: 784, found: len }
        );
    }
    let one = block_on(extract_one(&model, &[0.5; 784], &device)).unwrap();
    assert_eq!(one.layers.iter().map(|(n, v)| (n.as_str(), v.len())).collect::<Vec<_>>(), vec![("h1", 32), ("h2", 64)]);
    assert_eq!(one.probabilities.len(), 10);
    // Out-of-range and non-finite pixels are clamped like a drawing would be, not passed through.
    let mut wild = vec![0.5; 784];
    wild[0] = f32::NAN;
    wild[1] = 7.0;
    let clamped = block_on(extract_one(&model, &wild, &device)).unwrap();
    assert!(clamped.probabilities.iter().all(|p| p.is_finite()));
}

#[test]
fn signatures_on_another_device_than_the_weights() {
    // Weights on an autodiff device (as after training), extraction on the plain one.
    let split = mnist_test();
    let classes = ClassSet::new(&[1, 2], 10).unwrap();
    let data = Subset::new(&split, &classes, Some(5), 3, "test").unwrap();
    let config = ExperimentConfig { classes: vec![1, 2], ..ExperimentConfig::default() };
    let model = Network::new(&config, 2, &Device::flex().autodiff()).unwrap();
    let a = block_on(extract(&model, &data, &Device::flex())).unwrap();
    let b = block_on(extract(&model.valid(), &data, &Device::flex())).unwrap();
    assert_eq!(a, b);
}
