//! A whole run assembled from its parts: layer snapshots, K overrides, the
//! probe of one input, the signatures CSV and the experiment-file round trip.

use burn::prelude::*;
use futures_lite::future::block_on;
use sigpath::core::analysis::{K_RANGE, Mahalanobis, analyse_layer};
use sigpath::core::config::ExperimentConfig;
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::subset::select_indices;
use sigpath::core::data::{ClassSet, LabeledImages, Subset};
use sigpath::core::findings::emergence_finding;
use sigpath::core::results::{FileAssembly, ResultsError, RunResults};
use sigpath::core::share::experiment;
use sigpath::core::share::link::ViewOptions;
use sigpath::core::signature::{extract, extract_one};
use sigpath::core::snapshot::{BackendKind, ProbeSource, TrainingSnapshot};
use sigpath::core::train::Trainer;

fn split(images: &str, labels: &str) -> LabeledImages {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/assets/data/");
    let images = decode_images(&std::fs::read(format!("{dir}{images}")).unwrap()).unwrap();
    let labels = decode_labels(&std::fs::read(format!("{dir}{labels}")).unwrap()).unwrap();
    LabeledImages::new(images, labels, 10).unwrap()
}

struct Run {
    results: RunResults,
    model: sigpath::core::model::Network,
    test: LabeledImages,
}

fn run() -> Run {
    let test = split("mnist/t10k-images-idx3-ubyte.gz", "mnist/t10k-labels-idx1-ubyte.gz");
    let config = ExperimentConfig {
        classes: vec![0, 1, 7],
        per_class: Some(150),
        batch_size: 16,
        epochs: 2,
        ..Default::default()
    };
    let classes = ClassSet::new(&config.classes, 10).unwrap();
    // Train on the first 5,000 test images' digits, evaluate on the rest: cheap and disjoint.
    let train_split = LabeledImages::from_parts(
        sigpath::core::data::Images { count: 5000, pixels: test.images.pixels[..5000 * 784].to_vec() },
        test.labels[..5000].to_vec(),
    );
    let train = Subset::new(&train_split, &classes, config.per_class, config.seed, "training").unwrap();
    let device = Device::flex();
    let mut trainer = Trainer::new(&config, &train, &device).unwrap();
    while !trainer.is_finished() {
        trainer.step(&train).unwrap();
    }
    let reading = block_on(trainer.read_progress()).unwrap();
    let model = trainer.model().unwrap();
    let eval_indices: Vec<usize> = select_indices(&test, &classes, None, 0, "test")
        .unwrap()
        .into_iter()
        .filter(|&i| i >= 5000)
        .take(600)
        .collect();
    let eval = Subset { classes: classes.clone(), data: test.select(&eval_indices), targets: Vec::new() };
    let eval = Subset { targets: eval.data.labels.iter().map(|&l| classes.index_of(l).unwrap()).collect(), ..eval };
    let signatures = block_on(extract(&model, &eval, &device)).unwrap();
    let analyses = signatures.layers.iter().map(|l| analyse_layer(l.values.view(), K_RANGE, 7).unwrap()).collect();
    let training = TrainingSnapshot {
        epoch: 2,
        epochs: 2,
        step: trainer.steps_per_epoch(),
        steps: trainer.steps_per_epoch(),
        loss_per_epoch: reading.finished_epochs.iter().map(|e| e.stats.mean_loss).collect(),
        train_accuracy: reading.finished_epochs.last().map(|e| e.stats.accuracy),
        test_accuracy: None,
        epoch_secs: vec![0.1, 0.1],
        samples_per_sec: Some(1000.0),
    };
    let results = RunResults::new(config, BackendKind::Cpu, training, eval_indices, signatures, analyses).unwrap();
    Run { results, model, test }
}

#[test]
fn a_run_reports_every_layer_and_follows_k_overrides() {
    let Run { mut results, .. } = run();
    assert!(results.training.test_accuracy.unwrap() > 0.9, "three easy digits are learnt");
    let layers = results.layer_snapshots();
    assert_eq!(layers.iter().map(|l| (l.name.as_str(), l.width)).collect::<Vec<_>>(), vec![("h1", 32), ("h2", 64)]);
    for layer in &layers {
        assert!((2..=10).contains(&layer.k));
        assert_eq!(Some(layer.k), layer.k_auto);
        assert_eq!(layer.silhouette_by_k.len(), 9);
        assert!((0.0..=1.0).contains(&layer.purity) && (0.0..=1.0).contains(&layer.nmi));
        assert!((-1.0..=1.0).contains(&layer.ari));
        assert_eq!(layer.cluster_sizes.len(), layer.k);
        assert_eq!(layer.cluster_sizes.iter().sum::<usize>(), 600);
        let best = layer.silhouette_by_k.values().flatten().fold(f64::MIN, |a, &b| a.max(b));
        assert_eq!(layer.silhouette_by_k[&layer.k.to_string()], Some(best));
    }
    // The visitor's K is used everywhere; an unknown K is refused.
    let other = if layers[1].k == 9 { 8 } else { 9 };
    results.layers[1].set_k(Some(other)).unwrap();
    let snapshot = results.layers[1].snapshot();
    assert_eq!((snapshot.k, snapshot.k_auto), (other, layers[1].k_auto));
    assert_eq!(snapshot.cluster_sizes.len(), other);
    assert!(results.paths().iter().all(|p| p.len() == 4 && p[2] < other));
    assert!(matches!(results.layers[1].set_k(Some(11)), Err(ResultsError::UnknownK { k: 11, .. })));
    results.layers[1].set_k(None).unwrap();
    assert_eq!(results.layers[1].k(), layers[1].k);
    // The sentence names a layer and the NMI figures of this run.
    let sentence = emergence_finding(&results).sentence;
    let nmi_h2 = format!("{:.2}", layers[1].nmi);
    assert!(sentence.contains(&nmi_h2), "{sentence}");
    assert!(sentence.contains("layer h1") || sentence.contains("layer h2"), "{sentence}");
}

#[test]
fn the_csv_holds_one_row_per_image_in_the_documented_layout() {
    let Run { results, test, .. } = run();
    let csv = results.signatures_csv();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..5], &["index", "label", "prediction", "cluster_h1", "cluster_h2"]);
    assert_eq!(header[5], "h1_0");
    assert_eq!(header[5 + 32], "h2_0");
    assert_eq!(header.len(), 5 + 32 + 64);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 600);
    for row in &rows {
        assert_eq!(row.len(), header.len());
        let index: usize = row[0].parse().unwrap();
        assert_eq!(row[1].parse::<u8>().unwrap(), test.labels[index], "label is the digit of that test image");
        assert!(row[5..].iter().all(|v| v.parse::<f32>().is_ok_and(|v| v >= 0.0) && !v.contains('e')));
    }
}

#[test]
fn probing_places_an_input_on_a_path_and_judges_it() {
    let Run { results, model, test } = run();
    let device = Device::flex();
    let seven = (0..test.len()).find(|&i| test.labels[i] == 7).unwrap();
    let pixels: Vec<f32> = test.images.image(seven).unwrap().iter().map(|&p| f32::from(p) / 255.0).collect();
    let probe = results.probe(&block_on(extract_one(&model, &pixels, &device)).unwrap()).unwrap();
    assert_eq!(results.classes.value_at(probe.prediction), Some(7));
    assert_eq!(probe.path().len(), 2);
    assert!(!probe.unfamiliar, "a test seven looks familiar (score {})", probe.ood_score);
    for (layer, result) in probe.layers.iter().zip(&results.layers) {
        assert!(layer.cluster < result.k());
        assert_eq!(result.pca.project(&layer.activations).unwrap(), layer.plane);
        // The path's step is the nearest centre under the K in use, found here by brute force.
        let centres = &result.clustering().centres;
        let distance = |row: &[f32], c: usize| {
            row.iter().zip(centres.row(c)).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>().sqrt()
        };
        let nearest = (0..centres.nrows())
            .min_by(|&a, &b| distance(&layer.activations, a).total_cmp(&distance(&layer.activations, b)))
            .unwrap();
        assert_eq!(layer.cluster, nearest, "layer {}", layer.name);
        // Its distance: Mahalanobis to the nearest cluster mean with the clusters'
        // pooled covariance, here through the precision matrix (not the whitened
        // form the page uses).
        let model = Mahalanobis::fit(result.signatures.view(), &result.clustering().labels).unwrap();
        let mahalanobis = |row: &[f32]| model.distance(row).unwrap().1;
        assert!(
            (f64::from(layer.distance) - mahalanobis(&layer.activations)).abs()
                < 1e-3 * (1.0 + f64::from(layer.distance))
        );
        // Its percentile: share of evaluation images nearer their own centre (ties half).
        let own: Vec<f64> = result.signatures.rows().into_iter().map(|row| mahalanobis(&row.to_vec())).collect();
        let d = f64::from(layer.distance);
        let below = own.iter().filter(|&&o| o < d - 1e-4).count() as f64;
        let ties = own.iter().filter(|&&o| (o - d).abs() <= 1e-4).count() as f64;
        let expected = (below + 0.5 * ties) / own.len() as f64;
        assert!(
            (layer.percentile - expected).abs() <= ties / own.len() as f64 + 1e-9,
            "{} vs {expected}",
            layer.percentile
        );
    }
    let mean = probe.layers.iter().map(|l| l.percentile).sum::<f64>() / probe.layers.len() as f64;
    assert!((probe.ood_score - mean).abs() < 1e-12, "the score is the mean layer percentile");
    let snapshot = probe.snapshot(ProbeSource::Dataset, &results.classes);
    assert_eq!(snapshot.prediction, 7);
    assert_eq!(snapshot.ood_verdict, "in-distribution");
    // Random noise is far from every cluster.
    let noise: Vec<f32> = (0..784).map(|i| ((i * 7919) % 13) as f32 / 12.0).collect();
    let probe = results.probe(&block_on(extract_one(&model, &noise, &device)).unwrap()).unwrap();
    assert!(probe.unfamiliar, "noise looks unfamiliar (score {})", probe.ood_score);
}

#[test]
fn experiment_files_restore_the_same_state() {
    let Run { mut results, model, .. } = run();
    results.layers[0].set_k(Some(5)).unwrap();
    let weights = block_on(model.to_bytes()).unwrap();
    let bytes = experiment::write(&results.to_file(weights.clone(), ViewOptions::default())).unwrap();
    let (restored, restored_weights, _) = RunResults::from_file(experiment::read(&bytes).unwrap()).unwrap();
    assert_eq!(restored_weights, weights);
    assert_eq!(restored.layer_snapshots(), results.layer_snapshots());
    assert_eq!(restored.training, results.training);
    assert_eq!(restored.eval, results.eval);
    assert_eq!(restored.paths(), results.paths());
    assert_eq!(restored.signatures_csv(), results.signatures_csv());
    assert_eq!(restored.layers[0].k_override(), Some(5));
    // The file holds no inertia: it is summed again from the signatures and
    // centres, in f32 distances as K-means does; against a plain f64 sum.
    for (mine, theirs) in restored.layers.iter().zip(&results.layers) {
        let c = mine.clustering();
        let expected: f64 = (mine.signatures.rows().into_iter().zip(&c.labels))
            .map(|(row, &l)| row.iter().zip(c.centres.row(l)).map(|(&x, &y)| f64::from(x - y).powi(2)).sum::<f64>())
            .sum();
        assert!(expected > 0.0);
        approx::assert_relative_eq!(c.inertia, expected, max_relative = 1e-5);
        approx::assert_relative_eq!(c.inertia, theirs.clustering().inertia, max_relative = 1e-3);
    }

    // A piece at a time (as the page restores): two steps a layer, the same run.
    let mut assembly = FileAssembly::new(experiment::read(&bytes).unwrap()).unwrap();
    let mut steps = 1;
    while !assembly.step().unwrap() {
        steps += 1;
        assert!(steps < 100, "the assembly never ends");
    }
    assert_eq!(steps, 2 * results.layers.len());
    let (stepped, stepped_weights, _) = assembly.finish().unwrap();
    assert_eq!(stepped_weights, weights);
    assert_eq!(stepped.layer_snapshots(), restored.layer_snapshots());
    assert_eq!(stepped.eval, restored.eval);
    assert_eq!(stepped.signatures_csv(), restored.signatures_csv());
    assert_eq!(stepped.layers[0].k_override(), Some(5));
    // Finished at once after one step, too.
    let mut assembly = FileAssembly::new(experiment::read(&bytes).unwrap()).unwrap();
    assert!(!assembly.step().unwrap());
    assert_eq!(assembly.finish().unwrap().0.layer_snapshots(), restored.layer_snapshots());
}
