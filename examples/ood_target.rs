//! Host figures for the foreign-input detectors of the findings panel
//! (issue 5's target): trains the default dense network (784-32-64-10) for
//! one epoch on all of MNIST with burn's flex CPU backend, records the
//! signatures of the 10,000 MNIST test digits and of the 10,000 Animal-Shape
//! images, clusters every layer exactly as the page does (K = 2..10, K chosen
//! by silhouette, seed 42) and prints the AUROC of each detector, using the
//! same `core::findings` code as the page.
//!
//!     cargo run --release --example ood_target -- [--seed S] [--held-out]
//!
//! Also printed, to judge the figures rather than tune them:
//! - the nearest-centre AUROC for every K (not only the chosen one);
//! - a held-out check (`--held-out`): 10,000 *training* digits, which the
//!   clusters were not fitted on, scored against the same centres, so the
//!   in-sample advantage of the evaluation set can be seen;
//! - two other distance normalisations: the distance divided by the nearest
//!   cluster's RMS radius, and the distance after standardising each neuron.

use std::time::Instant;

use burn::prelude::Device;
use futures_lite::future::block_on;
use ndarray::{Array2, Axis};
use sigpath::core::analysis::{K_RANGE, LayerSweep, Mahalanobis, auroc};
use sigpath::core::config::ExperimentConfig;
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::subset::select_indices;
use sigpath::core::data::{ClassSet, Dataset, DatasetKind, LabeledImages, Subset};
use sigpath::core::findings::{
    DetectorKind, DetectorScores, FixedDetectors, SignatureAccumulator, emergence_finding, fit_mahalanobis,
    foreign_chunk, foreign_finding, foreign_images, ink_scores, mahalanobis_distances, nearest_centre_distances,
    pair_finding,
};
use sigpath::core::results::RunResults;
use sigpath::core::signature::{Signatures, extract};
use sigpath::core::snapshot::{BackendKind, TrainingSnapshot};
use sigpath::core::train::Trainer;

fn load(dir: &str, images: &str, labels: &str) -> Result<LabeledImages, Box<dyn std::error::Error>> {
    let dir = format!("{}/assets/data/{dir}/", env!("CARGO_MANIFEST_DIR"));
    let images = decode_images(&std::fs::read(format!("{dir}{images}"))?)?;
    let labels = decode_labels(&std::fs::read(format!("{dir}{labels}"))?)?;
    Ok(LabeledImages::new(images, labels, 10)?)
}

fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// Distance to the nearest centre divided by that cluster's RMS radius
/// (measured on the evaluation set).
fn radius_normalised(centres: &Array2<f32>, labels: &[usize], eval: &Array2<f32>, data: &Array2<f32>) -> Vec<f32> {
    let k = centres.nrows();
    let mut sq = vec![0.0f64; k];
    let mut n = vec![0usize; k];
    for (row, &c) in eval.rows().into_iter().zip(labels) {
        sq[c] += row.iter().zip(centres.row(c)).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>();
        n[c] += 1;
    }
    let rms: Vec<f64> = sq.iter().zip(&n).map(|(s, &m)| (s / m.max(1) as f64).sqrt().max(1e-9)).collect();
    data.rows()
        .into_iter()
        .map(|row| {
            (0..k)
                .map(|c| {
                    row.iter().zip(centres.row(c)).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>().sqrt() / rms[c]
                })
                .fold(f64::INFINITY, f64::min) as f32
        })
        .collect()
}

/// Nearest-centre distance after scaling every neuron to unit standard
/// deviation over the evaluation set (dead neurons left as they are).
fn standardised(centres: &Array2<f32>, eval: &Array2<f32>, data: &Array2<f32>) -> Vec<f32> {
    let std = eval.std_axis(Axis(0), 0.0).mapv(|s| if s > 1e-6 { s } else { 1.0 });
    let scale = |m: &Array2<f32>| m / &std;
    nearest_centre_distances(scale(centres).view(), scale(data).view()).unwrap_or_default()
}

fn unit_rows(m: &Array2<f32>) -> Array2<f32> {
    let mut out = m.clone();
    for mut row in out.rows_mut() {
        let norm = row.dot(&row).sqrt();
        if norm > 1e-12 {
            row /= norm;
        }
    }
    out
}

/// 1 − the largest cosine similarity to a centre.
fn cosine_nearest(centres: &Array2<f32>, data: &Array2<f32>) -> Vec<f32> {
    let sims = unit_rows(data).dot(&unit_rows(centres).t());
    sims.rows().into_iter().map(|r| 1.0 - r.iter().copied().fold(f32::NEG_INFINITY, f32::max)).collect()
}

fn class_means(data: &Array2<f32>, targets: &[usize], k: usize) -> Array2<f32> {
    let mut sums = Array2::<f32>::zeros((k, data.ncols()));
    let mut n = vec![0f32; k];
    for (row, &t) in data.rows().into_iter().zip(targets) {
        let mut s = sums.row_mut(t);
        s += &row;
        n[t] += 1.0;
    }
    for (mut s, &c) in sums.rows_mut().into_iter().zip(&n) {
        s /= c.max(1.0);
    }
    sums
}

/// Cosine distance to the k-th nearest evaluation signature (Sun et al.,
/// 2022); an evaluation point skips itself.
fn knn_scores(eval: &Array2<f32>, foreign: &Array2<f32>, k: usize) -> (Vec<f32>, Vec<f32>) {
    let e = unit_rows(eval);
    let kth = |data: &Array2<f32>, skip_self: bool| -> Vec<f32> {
        let mut out = Vec::with_capacity(data.nrows());
        for start in (0..data.nrows()).step_by(1000) {
            let end = (start + 1000).min(data.nrows());
            let sims = unit_rows(&data.slice(ndarray::s![start..end, ..]).to_owned()).dot(&e.t());
            for row in sims.rows() {
                let mut v: Vec<f32> = row.to_vec();
                let at = k + usize::from(skip_self) - 1;
                v.select_nth_unstable_by(at, |a, b| b.total_cmp(a));
                out.push(1.0 - v[at]);
            }
        }
        out
    };
    (kth(eval, true), kth(foreign, false))
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = flag(&args, "--seed").map(|v| v.parse()).transpose()?.unwrap_or(42);
    let held_out = args.iter().any(|a| a == "--held-out");
    let config = ExperimentConfig { seed, ..ExperimentConfig::default() };

    let train_split = load("mnist", "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz")?;
    let test_split = load("mnist", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")?;
    let animals =
        Dataset::split_animals(load("animals", "animal-images-idx3-ubyte.gz", "animal-labels-idx1-ubyte.gz")?);
    let classes = ClassSet::new(&config.classes, DatasetKind::Mnist.class_count())?;
    let train = Subset::new(&train_split, &classes, config.per_class, config.seed, "training")?;
    let eval_indices = select_indices(&test_split, &classes, None, config.seed, "test")?;
    let eval = Subset::from_indices(&test_split, &classes, &eval_indices);
    let device = Device::flex();

    let started = Instant::now();
    let mut trainer = Trainer::new(&config, &train, &device)?;
    while !trainer.is_finished() {
        trainer.step(&train)?;
    }
    let reading = block_on(trainer.read_progress())?;
    let model = trainer.model()?;
    println!("trained {} images, 1 epoch, seed {seed}: {:.1} s", train.len(), started.elapsed().as_secs_f64());

    let started = Instant::now();
    let signatures = block_on(extract(&model, &eval, &device))?;
    let foreign_pool = foreign_images(&animals);
    // In chunks, as the page does.
    let mut acc = SignatureAccumulator::new();
    for start in (0..foreign_pool.len()).step_by(500) {
        let chunk = foreign_chunk(&foreign_pool, start..start + 500, &classes);
        acc.push(block_on(extract(&model, &chunk, &device))?)?;
    }
    let foreign: Signatures = acc.finish()?;
    println!(
        "signatures: {} test digits, {} Animal-Shape images: {:.2} s",
        signatures.len(),
        foreign.len(),
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let analyses = signatures
        .layers
        .iter()
        .map(|l| LayerSweep::new(l.values.clone(), K_RANGE, config.seed)?.finish())
        .collect::<Result<Vec<_>, _>>()?;
    println!("clustering (K = 2..10, silhouettes): {:.1} s", started.elapsed().as_secs_f64());
    let training = TrainingSnapshot {
        epoch: 1,
        epochs: 1,
        loss_per_epoch: reading.finished_epochs.iter().map(|e| e.stats.mean_loss).collect(),
        ..TrainingSnapshot::default()
    };
    let mut results = RunResults::new(config.clone(), BackendKind::Cpu, training, eval_indices, signatures, analyses)?;
    println!("test accuracy {:.4}", results.eval.accuracy());

    let started = Instant::now();
    let mut fixed = FixedDetectors::compute(&results, &foreign)?;
    fixed.ink = Some(DetectorScores::new(
        DetectorKind::Ink,
        None,
        ink_scores(&eval.data.images, None),
        ink_scores(&foreign_pool.images, None),
    ));
    let fixed_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let finding = foreign_finding(&results, &foreign, &fixed)?;
    println!(
        "detectors: max softmax + Mahalanobis {fixed_secs:.2} s, nearest centre + profiles {:.3} s",
        started.elapsed().as_secs_f64()
    );
    println!("\nAUROC, MNIST test digits (negative) vs Animal-Shape (positive), K as the page chooses it:");
    for layer in &results.layers {
        println!("  {}: K = {}", layer.name, layer.k());
    }
    for d in &finding.detectors {
        println!("  {:<40} {:.4}", d.label(), d.auroc.unwrap_or(f64::NAN));
    }
    if let Some(best) = finding.best_layer() {
        println!(
            "best layer (nearest centre): {} AUROC {:.4}",
            best.layer.as_deref().unwrap_or("?"),
            best.auroc.unwrap_or(0.0)
        );
    }
    println!("\n{}", emergence_finding(&results).sentence);
    let started = Instant::now();
    let pair = pair_finding(&results, 3, 8)?;
    println!("{}  [{:.0} ms]", pair.sentence, started.elapsed().as_secs_f64() * 1e3);
    println!("{}", finding.sentence);
    println!("state().ood = {}", serde_json::to_string(&finding.snapshot())?);

    println!("\nNearest-centre AUROC for every K (investigation, not used by the page):");
    for index in 0..results.layers.len() {
        let mut line = format!("  {}:", results.layers[index].name);
        for k in results.layers[index].ks() {
            results.layers[index].set_k(Some(k))?;
            let layer = &results.layers[index];
            let centres = &layer.clustering().centres;
            let in_d = nearest_centre_distances(centres.view(), layer.signatures.view())?;
            let out_d = nearest_centre_distances(centres.view(), foreign.layers[index].values.view())?;
            line.push_str(&format!(" K{k} {:.3}", auroc(&in_d, &out_d).unwrap_or(f64::NAN)));
        }
        results.layers[index].set_k(None)?;
        println!("{line}");
    }

    println!("\nOther distance normalisations at the chosen K (investigation):");
    for (index, layer) in results.layers.iter().enumerate() {
        let c = layer.clustering();
        let f = &foreign.layers[index].values;
        let r_in = radius_normalised(&c.centres, &c.labels, &layer.signatures, &layer.signatures);
        let r_out = radius_normalised(&c.centres, &c.labels, &layer.signatures, f);
        let s_in = standardised(&c.centres, &layer.signatures, &layer.signatures);
        let s_out = standardised(&c.centres, &layer.signatures, f);
        println!(
            "  {}: distance / cluster RMS radius {:.4}; standardised neurons {:.4}",
            layer.name,
            auroc(&r_in, &r_out).unwrap_or(f64::NAN),
            auroc(&s_in, &s_out).unwrap_or(f64::NAN)
        );
    }

    println!("\nOther detectors on the same signatures (investigation, not used by the page):");
    for (index, layer) in results.layers.iter().enumerate() {
        let f = &foreign.layers[index].values;
        let c = &layer.clustering().centres;
        let (cos_in, cos_out) = (cosine_nearest(c, &layer.signatures), cosine_nearest(c, f));
        let means = class_means(&layer.signatures, &results.eval.targets, results.classes.len());
        let m_in = nearest_centre_distances(means.view(), layer.signatures.view())?;
        let m_out = nearest_centre_distances(means.view(), f.view())?;
        let (k_in, k_out) = knn_scores(&layer.signatures, f, 50);
        // Whitened nearest-centre: Mahalanobis with the K-means clusters as classes (no labels).
        let whitened = Mahalanobis::fit(layer.signatures.view(), &layer.clustering().labels)?.whiten()?;
        let w_in = mahalanobis_distances(&whitened, layer.signatures.view(), 0..usize::MAX)?;
        let w_out = mahalanobis_distances(&whitened, f.view(), 0..usize::MAX)?;
        println!(
            "  {}: whitened nearest-centre (Mahalanobis to the K-means centres, shared covariance) {:.4}",
            layer.name,
            auroc(&w_in, &w_out).unwrap_or(f64::NAN)
        );
        println!(
            "  {}: cosine to nearest centre {:.4}; nearest class mean {:.4}; 50th-neighbour cosine distance (kNN) {:.4}",
            layer.name,
            auroc(&cos_in, &cos_out).unwrap_or(f64::NAN),
            auroc(&m_in, &m_out).unwrap_or(f64::NAN),
            auroc(&k_in, &k_out).unwrap_or(f64::NAN),
        );
    }

    if held_out {
        // 10,000 training digits the clusters never saw (they did train the network).
        let picks = select_indices(&train_split, &classes, Some(1000), seed ^ 0xABCD, "training")?;
        let held = Subset::from_indices(&train_split, &classes, &picks);
        let held_sigs = block_on(extract(&model, &held, &device))?;
        println!(
            "\nHeld-out check: {} training digits vs Animal-Shape, same centres and class means:",
            held_sigs.len()
        );
        let models = fit_mahalanobis(&results)?;
        for (index, layer) in results.layers.iter().enumerate() {
            let m_in = mahalanobis_distances(&models[index], held_sigs.layers[index].values.view(), 0..usize::MAX)?;
            let m_out = mahalanobis_distances(&models[index], foreign.layers[index].values.view(), 0..usize::MAX)?;
            let eval_auroc = finding.detector(&format!("mahalanobis-{}", layer.name)).and_then(|d| d.auroc);
            println!(
                "  {}: Mahalanobis held-out {:.4} (evaluation set, in-sample: {:.4})",
                layer.name,
                auroc(&m_in, &m_out).unwrap_or(f64::NAN),
                eval_auroc.unwrap_or(f64::NAN)
            );
            let centres = &layer.clustering().centres;
            let in_d = nearest_centre_distances(centres.view(), held_sigs.layers[index].values.view())?;
            let out_d = nearest_centre_distances(centres.view(), foreign.layers[index].values.view())?;
            let eval_auroc = finding.detector(&format!("centre-{}", layer.name)).and_then(|d| d.auroc);
            println!(
                "  {}: nearest-centre held-out {:.4} (evaluation set, in-sample: {:.4})",
                layer.name,
                auroc(&in_d, &out_d).unwrap_or(f64::NAN),
                eval_auroc.unwrap_or(f64::NAN)
            );
        }
    }
    Ok(())
}
