//! Host figures for the training loop and signature extraction on burn's flex
//! CPU backend: trains the default dense network on all of MNIST at batch 64
//! and 256, and prints throughput, epoch time, test accuracy and the time to
//! extract the signatures of the 10,000 test images.
//!
//!     cargo run --release --example train_mnist -- [--epochs N] [--batch B] [--arch mlp|cnn] [--seed S]
//!
//! `--batch` limits the run to one batch size (default: 64 then 256).

use std::time::Instant;

use burn::prelude::Device;
use futures_lite::future::block_on;
use sigpath::core::config::{Arch, ExperimentConfig};
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::{ClassSet, DatasetKind, LabeledImages, Subset};
use sigpath::core::signature::extract;
use sigpath::core::train::{Trainer, evaluate};

/// Steps between two readbacks, as the page does while drawing its curve.
const READ_EVERY_STEPS: usize = 50;

fn load(images: &str, labels: &str) -> Result<LabeledImages, Box<dyn std::error::Error>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/mnist/");
    let images = decode_images(&std::fs::read(format!("{dir}{images}"))?)?;
    let labels = decode_labels(&std::fs::read(format!("{dir}{labels}"))?)?;
    Ok(LabeledImages::new(images, labels, 10)?)
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let epochs: usize = flag(&args, "--epochs").map(|v| v.parse()).transpose()?.unwrap_or(1);
    let batches: Vec<usize> = match flag(&args, "--batch") {
        Some(b) => vec![b.parse()?],
        None => vec![64, 256],
    };
    let seed: u64 = flag(&args, "--seed").map(|v| v.parse()).transpose()?.unwrap_or(42);
    let arch = flag(&args, "--arch").and_then(|a| Arch::from_id(&a)).unwrap_or(Arch::Mlp);

    let train = load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")?;
    let test = load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")?;
    let classes = ClassSet::new(&(0..10).collect::<Vec<u8>>(), DatasetKind::Mnist.class_count())?;
    let train = Subset::new(&train, &classes, None, 42, "training")?;
    let test = Subset::new(&test, &classes, None, 42, "test")?;
    let device = Device::flex();
    println!("train {} images, test {} images, arch {}, epochs {epochs}", train.len(), test.len(), arch.id());

    for batch_size in batches {
        let config = ExperimentConfig { batch_size, epochs, arch, seed, ..ExperimentConfig::default() };
        let mut trainer = Trainer::new(&config, &train, &device)?;
        let started = Instant::now();
        let mut epoch_started = Instant::now();
        while !trainer.is_finished() {
            let step = trainer.step(&train)?;
            if step.epoch_finished || (step.step_in_epoch + 1) % READ_EVERY_STEPS == 0 {
                let reading = block_on(trainer.read_progress())?;
                for epoch in reading.finished_epochs {
                    let epoch_secs = epoch_started.elapsed().as_secs_f64();
                    let model = trainer.model()?;
                    let evaluation = block_on(evaluate(&model, &test, &device))?;
                    println!(
                        "batch {batch_size:>3} epoch {}: {:>7.0} samples/s, epoch_secs {epoch_secs:.2}, train loss {:.4}, train acc {:.4}, test acc {:.4}",
                        epoch.epoch + 1,
                        epoch.stats.samples as f64 / epoch_secs,
                        epoch.stats.mean_loss,
                        epoch.stats.accuracy,
                        evaluation.accuracy,
                    );
                    epoch_started = Instant::now();
                }
            }
        }
        let total_secs = started.elapsed().as_secs_f64();
        let model = trainer.model()?;
        let extract_started = Instant::now();
        let signatures = block_on(extract(&model, &test, &device))?;
        let extract_ms = extract_started.elapsed().as_secs_f64() * 1e3;
        let eval_started = Instant::now();
        let evaluation = block_on(evaluate(&model, &test, &device))?;
        let eval_ms = eval_started.elapsed().as_secs_f64() * 1e3;
        println!(
            "batch {batch_size:>3} total: {:.2} s for {epochs} epoch(s) incl. per-epoch evaluation; final test acc {:.4}; \
             extract {} x {:?} in {extract_ms:.1} ms; evaluate in {eval_ms:.1} ms",
            total_secs,
            evaluation.accuracy,
            signatures.len(),
            signatures.layers.iter().map(|l| (l.name.as_str(), l.values.ncols())).collect::<Vec<_>>(),
        );
    }
    Ok(())
}
