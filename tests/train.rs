//! The training loop: steps, progress readings, determinism, evaluation.

use burn::prelude::*;
use futures_lite::future::block_on;
use sigpath::core::config::{Arch, ExperimentConfig};
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::{ClassSet, LabeledImages, Subset};
use sigpath::core::model::Network;
use sigpath::core::train::{EpochStats, TrainError, Trainer, evaluate};

/// The MNIST test split: small enough to unpack quickly in every test.
fn mnist_test() -> LabeledImages {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/mnist/");
    let images = decode_images(&std::fs::read(format!("{dir}t10k-images-idx3-ubyte.gz")).unwrap()).unwrap();
    let labels = decode_labels(&std::fs::read(format!("{dir}t10k-labels-idx1-ubyte.gz")).unwrap()).unwrap();
    LabeledImages::new(images, labels, 10).unwrap()
}

fn subset(split: &LabeledImages, classes: &[u8], per_class: usize, seed: u64) -> Subset {
    Subset::new(split, &ClassSet::new(classes, 10).unwrap(), Some(per_class), seed, "test").unwrap()
}

fn config(classes: &[u8], epochs: usize, batch_size: usize, seed: u64) -> ExperimentConfig {
    ExperimentConfig { classes: classes.to_vec(), epochs, batch_size, seed, ..ExperimentConfig::default() }
}

/// Step to the end, reading progress every `read_every` steps; the epoch history.
fn train(trainer: &mut Trainer, data: &Subset, read_every: usize) -> Vec<EpochStats> {
    let mut finished = Vec::new();
    let mut steps = 0usize;
    while !trainer.is_finished() {
        trainer.step(data).unwrap();
        steps += 1;
        if steps.is_multiple_of(read_every) || trainer.is_finished() {
            finished.extend(block_on(trainer.read_progress()).unwrap().finished_epochs);
        }
    }
    finished
}

fn logits(model: &Network, data: &Subset) -> Vec<f32> {
    let device = model.device();
    let rows: Vec<usize> = (0..data.len().min(16)).collect();
    let images = Tensor::<2>::from_data(TensorData::new(data.pixels_f32(&rows), [rows.len(), 784]), &device);
    block_on(model.forward(images).logits.into_data_async()).unwrap().iter::<f32>().collect()
}

#[test]
fn steps_follow_epochs_and_batches() {
    let split = mnist_test();
    let data = subset(&split, &[1, 7], 25, 1); // 50 images
    let mut trainer = Trainer::new(&config(&[1, 7], 2, 16, 1), &data, &Device::flex()).unwrap();
    assert_eq!(trainer.steps_per_epoch(), 4, "50 images in batches of 16: 16, 16, 16, 2");
    assert_eq!(trainer.total_steps(), 8);
    let mut outputs = Vec::new();
    while !trainer.is_finished() {
        outputs.push(trainer.step(&data).unwrap());
    }
    let samples: Vec<usize> = outputs.iter().map(|o| o.samples).collect();
    assert_eq!(samples, vec![16, 16, 16, 2, 16, 16, 16, 2]);
    let boundaries: Vec<(usize, usize, bool, bool)> =
        outputs.iter().map(|o| (o.epoch, o.step_in_epoch, o.epoch_finished, o.finished)).collect();
    assert_eq!(boundaries[3], (0, 3, true, false));
    assert_eq!(boundaries[4], (1, 0, false, false));
    assert_eq!(boundaries[7], (1, 3, true, true));
    assert_eq!(trainer.steps_done(), 8);
    assert_eq!(trainer.step(&data).unwrap_err(), TrainError::Finished);

    // Both epochs were still unread: one reading reports them both, each over all 50 images.
    let reading = block_on(trainer.read_progress()).unwrap();
    assert_eq!(reading.since_last.unwrap().steps, 8);
    assert_eq!(reading.since_last.unwrap().samples, 100);
    let epochs: Vec<(usize, usize)> = reading.finished_epochs.iter().map(|e| (e.epoch, e.stats.samples)).collect();
    assert_eq!(epochs, vec![(0, 50), (1, 50)]);
    assert_eq!(trainer.history().len(), 2);
    // Nothing new since: an empty reading.
    let again = block_on(trainer.read_progress()).unwrap();
    assert!(again.since_last.is_none() && again.finished_epochs.is_empty());
}

#[test]
fn a_few_steps_on_a_tiny_subset_lower_the_loss() {
    let split = mnist_test();
    let classes = [0, 1, 2];
    let data = subset(&split, &classes, 20, 5); // 60 images
    let config = ExperimentConfig { learning_rate: 3e-3, ..config(&classes, 8, 10, 5) };
    let mut trainer = Trainer::new(&config, &data, &Device::flex()).unwrap();
    let history = train(&mut trainer, &data, 3);
    assert_eq!(history.len(), 8);
    let first = history[0].stats;
    let last = history[7].stats;
    assert!(first.mean_loss.is_finite() && first.mean_loss > 0.0);
    assert!(last.mean_loss < 0.5 * first.mean_loss, "loss {} -> {}", first.mean_loss, last.mean_loss);
    assert!(last.accuracy > first.accuracy);
    assert!((0.0..=1.0).contains(&last.accuracy));
}

#[test]
fn readings_in_between_add_up_to_the_epoch() {
    let split = mnist_test();
    let data = subset(&split, &[3, 8], 30, 2); // 60 images, 6 steps of 10
    let mut trainer = Trainer::new(&config(&[3, 8], 1, 10, 2), &data, &Device::flex()).unwrap();
    let mut windows = Vec::new();
    let mut finished = Vec::new();
    while !trainer.is_finished() {
        trainer.step(&data).unwrap();
        if trainer.steps_done().is_multiple_of(4) || trainer.is_finished() {
            let reading = block_on(trainer.read_progress()).unwrap();
            windows.push(reading.since_last.unwrap());
            finished.extend(reading.finished_epochs);
        }
    }
    assert_eq!(windows.iter().map(|w| w.steps).collect::<Vec<_>>(), vec![4, 2]);
    assert_eq!(finished.len(), 1);
    let total_loss: f64 = windows.iter().map(|w| w.mean_loss * w.samples as f64).sum();
    let total_correct: f64 = windows.iter().map(|w| w.accuracy * w.samples as f64).sum();
    let epoch = finished[0].stats;
    assert!((epoch.mean_loss - total_loss / 60.0).abs() < 1e-5);
    assert!((epoch.accuracy - total_correct / 60.0).abs() < 1e-9);
}

#[test]
fn same_seed_same_result_other_seed_other_result() {
    let split = mnist_test();
    let classes = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    let data = subset(&split, &classes, 30, 9); // 300 images
    let held_out = subset(&split, &classes, 20, 77);
    let device = Device::flex();
    let run = |seed: u64| {
        let mut trainer = Trainer::new(&config(&classes, 2, 32, seed), &data, &device).unwrap();
        let history = train(&mut trainer, &data, 4);
        let model = trainer.model().unwrap();
        let evaluation = block_on(evaluate(&model, &held_out, &device)).unwrap();
        (history, logits(&model, &held_out), evaluation)
    };
    let (history_a, logits_a, eval_a) = run(21);
    let (history_b, logits_b, eval_b) = run(21);
    let (_, logits_c, _) = run(22);
    assert!(logits_a == logits_b, "same seed: identical weights");
    assert_eq!(history_a, history_b);
    assert!((eval_a.accuracy - eval_b.accuracy).abs() < 1e-3);
    assert_eq!(eval_a.predictions, eval_b.predictions);
    assert!(logits_a != logits_c, "another seed: other weights");
}

#[test]
fn evaluation_counts_right_predictions() {
    let split = mnist_test();
    let classes = [2, 5, 9];
    let data = subset(&split, &classes, 40, 3);
    // More rows than one evaluation chunk, so chunks must come back in order.
    let big = Subset::new(&split, &ClassSet::new(&classes, 10).unwrap(), None, 3, "test").unwrap();
    assert!(big.len() > sigpath::core::train::EVAL_CHUNK_ROWS);
    let device = Device::flex();
    let mut trainer = Trainer::new(&config(&classes, 3, 16, 3), &data, &device).unwrap();
    train(&mut trainer, &data, 5);
    let model = trainer.model().unwrap();
    let evaluation = block_on(evaluate(&model, &big, &device)).unwrap();
    assert_eq!(evaluation.predictions.len(), big.len());
    assert!(evaluation.predictions.iter().all(|&p| p < 3));
    let right = evaluation.predictions.iter().zip(&big.targets).filter(|(p, t)| p == t).count();
    assert!((evaluation.accuracy - right as f64 / big.len() as f64).abs() < 1e-12);
    assert!(evaluation.accuracy > 0.5, "trained on 120 images, better than chance: {}", evaluation.accuracy);

    // Predictions of the first images agree with the argmax of the logits.
    let logits = logits(&model, &big);
    for (row, chunk) in logits.chunks(3).enumerate() {
        let argmax = (0..3).max_by(|&a, &b| chunk[a].total_cmp(&chunk[b])).unwrap();
        assert_eq!(evaluation.predictions[row], argmax, "row {row}");
    }
}

#[test]
fn mismatches_and_bad_configs_are_errors() {
    let split = mnist_test();
    let data = subset(&split, &[0, 1], 10, 4);
    let device = Device::flex();
    let mut trainer = Trainer::new(&config(&[0, 1], 1, 5, 4), &data, &device).unwrap();
    let other = subset(&split, &[0, 1], 11, 4);
    assert_eq!(trainer.step(&other).unwrap_err(), TrainError::SubsetChanged { expected: 20, found: 22 });

    let three = subset(&split, &[0, 1, 2], 10, 4);
    let model = trainer.model().unwrap();
    assert_eq!(
        block_on(evaluate(&model, &three, &device)).unwrap_err(),
        TrainError::ClassMismatch { network: 2, data: 3 }
    );
    assert!(matches!(
        Trainer::new(&config(&[0, 1], 1, 21, 4), &data, &device),
        Err(TrainError::Config(sigpath::core::config::ConfigError::BatchLargerThanData { batch: 21, images: 20 }))
    ));
    assert!(matches!(Trainer::new(&config(&[0, 1], 0, 5, 4), &data, &device), Err(TrainError::Config(_))));
}

#[test]
fn the_cnn_trains_too() {
    let split = mnist_test();
    let classes = [0, 1];
    let data = subset(&split, &classes, 20, 6);
    let config = ExperimentConfig { arch: Arch::Cnn, hidden: vec![16], ..config(&classes, 3, 8, 6) };
    let mut trainer = Trainer::new(&config, &data, &Device::flex()).unwrap();
    let history = train(&mut trainer, &data, 2);
    assert_eq!(history.len(), 3);
    assert!(history[2].stats.mean_loss < history[0].stats.mean_loss);
}
