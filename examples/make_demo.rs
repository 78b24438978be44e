//! Writes the demo the page shows on a first visit: the default experiment
//! (MNIST, all ten digits, all 60,000 training images, the 784-32-64-10 dense
//! net, one epoch at batch 64, learning rate 0.001, seed 42), trained on the
//! host with the project's own training loop on burn's flex CPU backend, then
//! recorded and clustered exactly as the page does after a run.
//!
//!     cargo run --release --example make_demo            # writes assets/demo/experiment.sigpath
//!     cargo run --release --example make_demo -- OUT     # writes OUT instead
//!
//! The output is deterministic: the same code gives the same bytes. Wall-clock
//! figures (epoch time, images per second) depend on the machine, so they are
//! printed here and stored as 0, which the page shows as "not measured".

use std::path::PathBuf;
use std::time::Instant;

use burn::module::{Module, ModuleMapper, Param, ParamId};
use burn::prelude::{Device, Tensor};
use futures_lite::future::block_on;
use sigpath::core::analysis::{K_RANGE, analyse_layer};
use sigpath::core::config::ExperimentConfig;
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::subset::select_indices;
use sigpath::core::data::{ClassSet, LabeledImages, Subset};
use sigpath::core::results::RunResults;
use sigpath::core::share::experiment::{self, CurvePoint};
use sigpath::core::share::link::ViewOptions;
use sigpath::core::signature::extract;
use sigpath::core::snapshot::{BackendKind, TrainingSnapshot};
use sigpath::core::train::Trainer;

/// Gives parameters ids 0, 1, 2, ... in visiting order. burn draws each
/// parameter's id at random and stores it in the record; numbering them makes
/// the weights, and so the file, the same on every run.
#[derive(Default)]
struct StableIds {
    next: u64,
}

impl ModuleMapper for StableIds {
    fn map_float<const D: usize>(&mut self, mut param: Param<Tensor<D>>) -> Param<Tensor<D>> {
        param.id = ParamId::from(self.next);
        self.next += 1;
        param
    }
}

/// Training steps between two readings of the chart (938 steps an epoch).
const CURVE_EVERY_STEPS: usize = 20;

const DEFAULT_OUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo/experiment.sigpath");

fn load(images: &str, labels: &str) -> Result<LabeledImages, Box<dyn std::error::Error>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/mnist/");
    let images = decode_images(&std::fs::read(format!("{dir}{images}"))?)?;
    let labels = decode_labels(&std::fs::read(format!("{dir}{labels}"))?)?;
    Ok(LabeledImages::new(images, labels, 10)?)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).map_or_else(|| PathBuf::from(DEFAULT_OUT), PathBuf::from);
    let config = ExperimentConfig::default();
    let classes = ClassSet::new(&config.classes, config.dataset.class_count())?;
    let train_split = load("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")?;
    let test_split = load("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")?;
    // The same cuts as the page's runner: the training subset, and every test image of the kept classes.
    let train = Subset::new(&train_split, &classes, config.per_class, config.seed, "training")?;
    let eval_indices = select_indices(&test_split, &classes, None, config.seed, "test")?;
    let eval = Subset::from_indices(&test_split, &classes, &eval_indices);
    let device = Device::flex();

    let started = Instant::now();
    let mut trainer = Trainer::new(&config, &train, &device)?;
    // The training chart's readings, as the page takes them while it trains.
    let mut curve = Vec::new();
    let mut epochs = Vec::new();
    let mut steps = 0;
    while !trainer.is_finished() {
        trainer.step(&train)?;
        steps += 1;
        if steps % CURVE_EVERY_STEPS == 0 || trainer.is_finished() {
            let reading = block_on(trainer.read_progress())?;
            if let Some(window) = reading.since_last {
                curve.push(CurvePoint {
                    epochs: reading.steps_done as f32 / trainer.steps_per_epoch().max(1) as f32,
                    loss: window.mean_loss as f32,
                    accuracy: window.accuracy as f32,
                });
            }
            epochs.extend(reading.finished_epochs.iter().map(|e| e.stats));
        }
    }
    let train_secs = started.elapsed().as_secs_f64();
    let training = TrainingSnapshot {
        epoch: config.epochs,
        epochs: config.epochs,
        step: trainer.steps_per_epoch(),
        steps: trainer.steps_per_epoch(),
        loss_per_epoch: epochs.iter().map(|s| s.mean_loss).collect(),
        train_accuracy: epochs.last().map(|s| s.accuracy),
        test_accuracy: None,
        // Machine-dependent: left out so the file is reproducible byte for byte.
        epoch_secs: vec![0.0; epochs.len()],
        samples_per_sec: None,
    };

    let model = trainer.model()?;
    let analysis_started = Instant::now();
    let signatures = block_on(extract(&model, &eval, &device))?;
    let analyses = signatures
        .layers
        .iter()
        .map(|layer| analyse_layer(layer.values.view(), K_RANGE, config.seed))
        .collect::<Result<Vec<_>, _>>()?;
    let analysis_secs = analysis_started.elapsed().as_secs_f64();
    // What `Network::to_bytes` does, with stable parameter ids.
    let cpu = block_on(model.copy_to(&Device::flex()))?.map(&mut StableIds::default());
    let weights = cpu.into_record().into_bytes()?.to_vec();
    let mut results = RunResults::new(config, BackendKind::Cpu, training, eval_indices, signatures, analyses)?;
    results.curve = curve;
    let bytes = experiment::write(&results.to_file(weights, ViewOptions::default()))?;

    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(&out, &bytes)?;
    println!(
        "trained {} images in {train_secs:.1} s ({:.0} images/s), recorded and clustered {} test images in {analysis_secs:.1} s",
        train.len(),
        train.len() as f64 / train_secs.max(1e-9),
        eval.len()
    );
    println!(
        "test accuracy {:.4}; K per layer {:?}",
        results.eval.accuracy(),
        results.layer_snapshots().iter().map(|l| (l.name.clone(), l.k)).collect::<Vec<_>>()
    );
    println!("wrote {} ({} bytes)", out.display(), bytes.len());
    Ok(())
}
