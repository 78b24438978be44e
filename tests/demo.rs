//! The bundled demo (`assets/demo/experiment.sigpath`, written by
//! `cargo run --release --example make_demo`): a valid experiment of the
//! default settings whose weights really give the recorded predictions.

use burn::prelude::*;
use futures_lite::future::block_on;
use sigpath::core::config::ExperimentConfig;
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::{ClassSet, LabeledImages, Subset};
use sigpath::core::model::Network;
use sigpath::core::results::RunResults;
use sigpath::core::share::experiment;
use sigpath::core::signature::extract;

const DEMO: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/experiment.sigpath");

fn test_split() -> LabeledImages {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/mnist/");
    let images = decode_images(&std::fs::read(format!("{dir}t10k-images-idx3-ubyte.gz")).unwrap()).unwrap();
    let labels = decode_labels(&std::fs::read(format!("{dir}t10k-labels-idx1-ubyte.gz")).unwrap()).unwrap();
    LabeledImages::new(images, labels, 10).unwrap()
}

#[test]
fn the_demo_is_the_default_experiment_and_its_weights_give_its_predictions() {
    let bytes = std::fs::read(DEMO).unwrap();
    // Small enough to load before the page is interactive.
    assert!(bytes.len() < 5 << 20, "the demo is {} bytes", bytes.len());
    let file = experiment::read(&bytes).unwrap();
    assert_eq!(file.config, ExperimentConfig::default());
    let test = test_split();
    let indices: Vec<usize> = file.evaluation.indices.iter().map(|&i| i as usize).collect();
    assert_eq!(indices.len(), test.len(), "every test image is in the evaluation set");
    for (&index, &label) in indices.iter().zip(&file.evaluation.labels) {
        assert_eq!(test.labels[index], label, "the file's labels are MNIST's");
    }

    let (results, weights, _) = RunResults::from_file(file.clone()).unwrap();
    let device = Device::flex();
    let model = Network::from_bytes(&results.config, results.classes.len(), &weights, &device).unwrap();
    let classes = ClassSet::new(&results.config.classes, 10).unwrap();
    let eval = Subset::from_indices(&test, &classes, &indices);
    let signatures = block_on(extract(&model, &eval, &device)).unwrap();
    let predicted: Vec<u8> = signatures.predictions.iter().map(|&p| classes.value_at(p).unwrap()).collect();
    let agree = predicted.iter().zip(&file.evaluation.predictions).filter(|(a, b)| a == b).count();
    // The same weights on the same backend: the same predictions (a near-tie may flip with summation order).
    assert!(agree as f64 >= 0.999 * predicted.len() as f64, "{agree} of {} predictions agree", predicted.len());
    let right = predicted.iter().zip(&file.evaluation.labels).filter(|(a, b)| a == b).count();
    let accuracy = right as f64 / predicted.len() as f64;
    assert!((accuracy - file.training.test_accuracy).abs() < 2e-3, "{accuracy} vs {}", file.training.test_accuracy);
    assert!(accuracy > 0.9, "one epoch of the default net learns MNIST: {accuracy}");
    // The recorded signatures are this network's hidden activations.
    for (layer, record) in signatures.layers.iter().zip(&file.layers) {
        let recorded = &record.signatures[..100 * record.width as usize];
        let computed: Vec<f32> = layer.values.rows().into_iter().take(100).flat_map(|r| r.to_vec()).collect();
        for (a, b) in recorded.iter().zip(&computed) {
            assert!((a - b).abs() <= 1e-4 * (1.0 + a.abs()), "{a} vs {b}");
        }
    }
    // Machine-dependent timings are not stored, so the file is reproducible.
    assert!(file.training.epoch_secs.iter().all(|&s| s == 0.0));
    assert_eq!(file.training.samples_per_sec, 0.0);
    // The training chart's readings: a curve over the one epoch, not a lone point.
    assert!(file.curve.len() > 10, "{} readings", file.curve.len());
    assert!(file.curve.windows(2).all(|w| w[0].epochs < w[1].epochs));
    assert_eq!(file.curve.last().map(|p| p.epochs), Some(1.0));
    let first = file.curve[0];
    let last = file.curve[file.curve.len() - 1];
    assert!(first.loss > last.loss, "the loss falls: {} to {}", first.loss, last.loss);
    assert!(last.accuracy > first.accuracy, "the accuracy rises: {} to {}", first.accuracy, last.accuracy);
}
