//! The findings panel's numbers: every detector's AUROC and the two-class
//! figures against an independent implementation (scikit-learn / SciPy /
//! NumPy, tests/fixtures/make_findings_fixture.py), the two-class figures on
//! data with answers known by construction, the emergence finding, the pair
//! choice, the foreign images and their chunked signatures, and one small
//! Animal-Shape run end to end (class names, MNIST as the foreign set).

use approx::assert_abs_diff_eq;
use burn::prelude::*;
use futures_lite::future::block_on;
use ndarray::{Array2, array};
use serde_json::Value;
use sigpath::core::analysis::{Clustering, K_RANGE, LayerAnalysis, analyse_layer};
use sigpath::core::config::ExperimentConfig;
use sigpath::core::data::idx::{decode_images, decode_labels};
use sigpath::core::data::subset::select_indices;
use sigpath::core::data::{ClassSet, Dataset, DatasetKind, Images, LabeledImages, Subset};
use sigpath::core::findings::{
    DetectorKind, DetectorScores, FindingsError, FixedDetectors, PairFindingJob, SignatureAccumulator, default_pair,
    emergence_finding, foreign_chunk, foreign_finding, foreign_images, foreign_kind, ink_scores, msp_scores,
    nearest_centre_detectors, nearest_centre_distances, pair_finding, resolve_pair, thousands,
};
use sigpath::core::results::RunResults;
use sigpath::core::signature::{LayerSignatures, Signatures, extract};
use sigpath::core::snapshot::{BackendKind, TrainingSnapshot};
use sigpath::core::train::Trainer;

// ---------------------------------------------------------------------------
// Helpers

fn matrix(value: &Value) -> Array2<f32> {
    let rows: Vec<Vec<f32>> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect())
        .collect();
    let width = rows[0].len();
    Array2::from_shape_vec((rows.len(), width), rows.concat()).unwrap()
}

fn usizes(value: &Value) -> Vec<usize> {
    value.as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect()
}

fn argmax_rows(p: &Array2<f32>) -> Vec<usize> {
    p.rows()
        .into_iter()
        .map(|r| r.iter().enumerate().fold((0, f32::MIN), |b, (i, &v)| if v > b.1 { (i, v) } else { b }).0)
        .collect()
}

/// A clustering given by its centres and labels (as the fixture's K-means made them).
fn clustering(centres: Array2<f32>, labels: Vec<usize>, data: &Array2<f32>) -> Clustering {
    let k = centres.nrows();
    let mut sizes = vec![0; k];
    let mut inertia = 0.0;
    for (row, &l) in data.rows().into_iter().zip(&labels) {
        sizes[l] += 1;
        inertia += row.iter().zip(centres.row(l)).map(|(a, b)| f64::from(a - b).powi(2)).sum::<f64>();
    }
    Clustering { k, labels, centres, sizes, inertia }
}

/// A run assembled from given signatures and one clustering per layer.
fn run_from_parts(
    dataset: DatasetKind,
    class_values: Vec<u8>,
    layers: Vec<(&str, Array2<f32>, Clustering)>,
    targets: Vec<usize>,
    probabilities: Array2<f32>,
) -> RunResults {
    let config = ExperimentConfig { dataset, classes: class_values, ..ExperimentConfig::default() };
    let n = targets.len();
    let predictions = argmax_rows(&probabilities);
    let mut analyses = Vec::new();
    let mut signature_layers = Vec::new();
    for (name, values, clustering) in layers {
        analyses.push(LayerAnalysis { clusterings: vec![clustering], silhouettes: vec![Some(0.5)], chosen: Some(0) });
        signature_layers.push(LayerSignatures { name: name.to_string(), values });
    }
    let signatures = Signatures { layers: signature_layers, probabilities, predictions, targets };
    RunResults::new(config, BackendKind::Cpu, TrainingSnapshot::default(), (0..n).collect(), signatures, analyses)
        .unwrap()
}

struct FixtureRun {
    results: RunResults,
    foreign: Signatures,
    fx: Value,
}

fn fixture_run() -> FixtureRun {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/findings_reference.json"))
        .unwrap();
    let fx: Value = serde_json::from_str(&text).unwrap();
    let targets = usizes(&fx["targets"]);
    let class_values: Vec<u8> = usizes(&fx["class_values"]).into_iter().map(|v| v as u8).collect();
    let mut layers = Vec::new();
    let mut foreign_layers = Vec::new();
    for layer in fx["layers"].as_array().unwrap() {
        let name = layer["name"].as_str().unwrap();
        let values = matrix(&layer["in"]);
        let c = clustering(matrix(&layer["centres"]), usizes(&layer["labels"]), &values);
        layers.push((name, values, c));
        foreign_layers.push(LayerSignatures { name: name.to_string(), values: matrix(&layer["foreign"]) });
    }
    let results = run_from_parts(DatasetKind::Mnist, class_values, layers, targets, matrix(&fx["prob_in"]));
    let probabilities = matrix(&fx["prob_foreign"]);
    let foreign = Signatures {
        layers: foreign_layers,
        predictions: argmax_rows(&probabilities),
        targets: vec![0; probabilities.nrows()],
        probabilities,
    };
    FixtureRun { results, foreign, fx }
}

/// One swapped in/foreign pair moves the AUROC by 1 / (n_in · n_foreign);
/// f32 distances may swap a near-tie the float64 reference ordered the other
/// way, so allow two such swaps.
fn auroc_tolerance(fx: &Value) -> f64 {
    let n_in = fx["targets"].as_array().unwrap().len() as f64;
    let n_out = fx["prob_foreign"].as_array().unwrap().len() as f64;
    2.0 / (n_in * n_out) + 1e-12
}

// ---------------------------------------------------------------------------
// Against scikit-learn

#[test]
fn every_detector_auroc_matches_scikit_learn() {
    let FixtureRun { results, foreign, fx } = fixture_run();
    let tol = auroc_tolerance(&fx);
    let fixed = FixedDetectors::compute(&results, &foreign).unwrap();
    let finding = foreign_finding(&results, &foreign, &fixed).unwrap();
    let reference_layers = fx["layers"].as_array().unwrap();
    for layer in reference_layers {
        let name = layer["name"].as_str().unwrap();
        // The nearest-centre distance is a Mahalanobis one (f64 Cholesky on f32 data): a few more swaps.
        let centre = finding.detector(&format!("centre-{name}")).unwrap();
        assert_abs_diff_eq!(
            centre.auroc.unwrap(),
            layer["auroc_nearest_centre"].as_f64().unwrap(),
            epsilon = 3.0 * tol
        );
        let euclid = finding.detector(&format!("euclid-{name}")).unwrap();
        assert_abs_diff_eq!(euclid.auroc.unwrap(), layer["auroc_euclidean_centre"].as_f64().unwrap(), epsilon = tol);
        let maha = finding.detector(&format!("mahalanobis-{name}")).unwrap();
        // The Mahalanobis distance goes through a Cholesky inverse in f64 on f32 data: allow a few more swaps.
        assert_abs_diff_eq!(maha.auroc.unwrap(), layer["auroc_mahalanobis"].as_f64().unwrap(), epsilon = 3.0 * tol);
    }
    let msp = finding.detector("max-softmax").unwrap();
    assert_abs_diff_eq!(msp.auroc.unwrap(), fx["auroc_max_softmax"].as_f64().unwrap(), epsilon = tol);
    let all = finding.detector("all-layers").unwrap();
    assert_abs_diff_eq!(all.auroc.unwrap(), fx["auroc_all_layers"].as_f64().unwrap(), epsilon = tol);

    // state().ood carries the same numbers, keyed by layer.
    let snap = finding.snapshot();
    assert_eq!(snap.probe_set, "animals");
    assert_eq!(snap.auroc_by_layer.keys().cloned().collect::<Vec<_>>(), vec!["h1", "h2"]);
    for layer in reference_layers {
        let name = layer["name"].as_str().unwrap();
        assert_abs_diff_eq!(
            snap.auroc_by_layer[name],
            layer["auroc_nearest_centre"].as_f64().unwrap(),
            epsilon = 3.0 * tol
        );
        assert_abs_diff_eq!(
            snap.auroc_euclidean_by_layer[name],
            layer["auroc_euclidean_centre"].as_f64().unwrap(),
            epsilon = tol
        );
        assert_abs_diff_eq!(
            snap.auroc_mahalanobis[name],
            layer["auroc_mahalanobis"].as_f64().unwrap(),
            epsilon = 3.0 * tol
        );
    }
    assert_abs_diff_eq!(snap.auroc_max_softmax, fx["auroc_max_softmax"].as_f64().unwrap(), epsilon = tol);
    assert_eq!((snap.in_count, snap.foreign_count), (150, 90));
    assert_eq!(snap.auroc_ink, None, "no images, no ink yardstick");
    // The snapshot serialises with the documented keys.
    let json = serde_json::to_value(&snap).unwrap();
    for key in ["probe_set", "auroc_by_layer", "auroc_max_softmax", "auroc_mahalanobis", "auroc_all_layers"] {
        assert!(json.get(key).is_some(), "{key} missing from {json}");
    }

    // The best detector is the one with the largest AUROC among the signature detectors.
    let best = finding.best().unwrap();
    let top = finding.detectors.iter().filter_map(|d| d.auroc).fold(0.0, f64::max);
    assert_eq!(best.auroc, Some(top));
    assert!(finding.sentence.contains(&format!("AUROC {top:.3}")), "{}", finding.sentence);
    assert!(finding.sentence.contains(&format!("{:.3}", msp.auroc.unwrap())), "{}", finding.sentence);
}

#[test]
fn two_class_figures_and_layer_agreement_match_scikit_learn() {
    let FixtureRun { results, fx, .. } = fixture_run();
    // Classes 3 and 8 are class indices 1 and 2 here: the values must be mapped.
    let pair = pair_finding(&results, 3, 8).unwrap();
    let emergence = emergence_finding(&results);
    for (i, layer) in fx["layers"].as_array().unwrap().iter().enumerate() {
        let s = &pair.layers[i].separability;
        assert_eq!((s.count_a, s.count_b), (50, 50));
        assert_abs_diff_eq!(s.silhouette.unwrap(), layer["pair_silhouette"].as_f64().unwrap(), epsilon = 1e-5);
        assert_abs_diff_eq!(s.centre_ratio.unwrap(), layer["pair_centre_ratio"].as_f64().unwrap(), epsilon = 1e-5);
        assert_abs_diff_eq!(s.cluster_overlap, layer["pair_overlap"].as_f64().unwrap(), epsilon = 1e-12);
        assert_abs_diff_eq!(emergence.layers[i].nmi, layer["nmi"].as_f64().unwrap(), epsilon = 1e-9);
        assert_abs_diff_eq!(emergence.layers[i].purity, layer["purity"].as_f64().unwrap(), epsilon = 1e-12);
        assert_eq!(emergence.layers[i].k, 4);
    }
    // The clearer layer (higher two-class silhouette) is named, with its neurons.
    let sil: Vec<f64> = pair.layers.iter().map(|l| l.separability.silhouette.unwrap()).collect();
    let clearest = if sil[1] > sil[0] { 1 } else { 0 };
    assert_eq!(pair.clearest, Some(clearest));
    let name = &pair.layers[clearest].name;
    assert!(pair.sentence.contains(&format!("told apart best at {name}")), "{}", pair.sentence);
    let top = pair.layers[clearest].separability.top_neurons[0].neuron;
    assert!(pair.sentence.contains(&format!("{name}#{top} ")), "{}", pair.sentence);
    assert!(pair.sentence.starts_with("3 vs 8 (50 and 50 test images)"), "{}", pair.sentence);
}

// ---------------------------------------------------------------------------
// Known answers by construction

/// Classes 3 and 8 (values; indices 1 and 2 among [1, 3, 8]) placed so every
/// figure is known: each class is its centre ± one unit along two axes.
fn geometric_run() -> RunResults {
    let mut rows = Vec::new();
    let mut targets = Vec::new();
    // Class 1 (index 0) far away; class 3 around (0,0,0); class 8 around (4,0,0).
    let offsets = [(1.0f32, 0.0f32), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)];
    for (index, cx) in [(0usize, 40.0f32), (1, 0.0), (2, 4.0)] {
        for (dy, dz) in offsets {
            rows.extend([cx, dy, dz]);
            targets.push(index);
        }
    }
    let h1 = Array2::from_shape_vec((12, 3), rows).unwrap();
    // h2: same but classes 3 and 8 on top of each other (centre distance 0).
    let h2 = h1.mapv(|v| if v == 4.0 { 0.0 } else { v });
    // Clusters: class 1 alone; at h1 class 3 → 1,1,1,2 and class 8 → 2,2,2,2;
    // at h2 both classes spread over clusters 1 and 2 the same way.
    let h1_labels = vec![0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 2];
    let h2_labels = vec![0, 0, 0, 0, 1, 1, 2, 2, 1, 1, 2, 2];
    let centres = |data: &Array2<f32>, labels: &[usize]| {
        let mut c = Array2::<f32>::zeros((3, 3));
        let mut n = [0f32; 3];
        for (row, &l) in data.rows().into_iter().zip(labels) {
            let mut target = c.row_mut(l);
            target += &row;
            n[l] += 1.0;
        }
        for (mut row, count) in c.rows_mut().into_iter().zip(n) {
            row /= count;
        }
        c
    };
    let c1 = clustering(centres(&h1, &h1_labels), h1_labels.clone(), &h1);
    let c2 = clustering(centres(&h2, &h2_labels), h2_labels.clone(), &h2);
    let probabilities = Array2::from_shape_fn((12, 3), |(i, j)| if targets[i] == j { 0.9 } else { 0.05 });
    run_from_parts(DatasetKind::Mnist, vec![8, 1, 3], vec![("h1", h1, c1), ("h2", h2, c2)], targets, probabilities)
}

#[test]
fn a_pair_finding_made_in_steps_is_the_one_made_at_once() {
    let FixtureRun { results, .. } = fixture_run();
    let whole = pair_finding(&results, 3, 8).unwrap();
    // One pair per step still does a row block (64 of the 100 rows) at a time.
    let mut job = PairFindingJob::new(&results, 3, 8).unwrap();
    let mut steps = 1;
    while !job.step(1) {
        steps += 1;
        assert!(steps < 100, "the job never ends");
    }
    assert_eq!(steps, 2 * results.layers.len(), "two row blocks per layer");
    assert_eq!(job.finish().unwrap(), whole);
    // Finished without a step, and after some of them.
    assert_eq!(PairFindingJob::new(&results, 3, 8).unwrap().finish().unwrap(), whole);
    let mut part = PairFindingJob::new(&results, 3, 8).unwrap();
    assert!(!part.step(1));
    assert_eq!(part.finish().unwrap(), whole);
    // The same refusals as the one-shot finding, before any work.
    assert_eq!(PairFindingJob::new(&results, 3, 3).unwrap_err(), FindingsError::SamePair);
    assert_eq!(PairFindingJob::new(&results, 3, 5).unwrap_err(), FindingsError::UnknownClass(5));
}

#[test]
fn two_class_figures_on_known_geometry() {
    let results = geometric_run();
    let pair = pair_finding(&results, 3, 8).unwrap();
    assert_eq!((pair.a, pair.b), (3, 8));
    let h1 = &pair.layers[0].separability;
    // Centres 4 apart; each class's RMS radius is 1.
    assert_abs_diff_eq!(h1.centre_distance, 4.0, epsilon = 1e-6);
    assert_abs_diff_eq!(h1.centre_ratio.unwrap(), 4.0, epsilon = 1e-6);
    // Cluster 2 holds 1/4 of class 3 and all of class 8: overlap 1/4.
    assert_abs_diff_eq!(h1.cluster_overlap, 0.25, epsilon = 1e-12);
    assert_eq!(h1.shared_clusters, vec![2]);
    // Only neuron 0 differs (0 vs 4).
    assert_eq!(h1.top_neurons[0].neuron, 0);
    assert_abs_diff_eq!(h1.top_neurons[0].mean_b - h1.top_neurons[0].mean_a, 4.0, epsilon = 1e-6);
    // Silhouette by hand from the eight points' pairwise distances.
    let expected = {
        let pts: Vec<[f64; 3]> = [(0.0, 1.0, 0.0), (0.0, -1.0, 0.0), (0.0, 0.0, 1.0), (0.0, 0.0, -1.0)]
            .iter()
            .flat_map(|&(x, y, z)| [[x, y, z], [x + 4.0, y, z]])
            .collect();
        let class = |i: usize| i % 2;
        let d =
            |a: &[f64; 3], b: &[f64; 3]| ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt();
        let mut total = 0.0;
        for (i, p) in pts.iter().enumerate() {
            let same: Vec<f64> =
                pts.iter().enumerate().filter(|&(j, _)| j != i && class(j) == class(i)).map(|(_, q)| d(p, q)).collect();
            let other: Vec<f64> =
                pts.iter().enumerate().filter(|&(j, _)| class(j) != class(i)).map(|(_, q)| d(p, q)).collect();
            let a = same.iter().sum::<f64>() / same.len() as f64;
            let b = other.iter().sum::<f64>() / other.len() as f64;
            total += (b - a) / a.max(b);
        }
        total / pts.len() as f64
    };
    assert_abs_diff_eq!(h1.silhouette.unwrap(), expected, epsilon = 1e-6);

    let h2 = &pair.layers[1].separability;
    // On top of each other: no centre distance, the same spread over clusters.
    assert_abs_diff_eq!(h2.centre_distance, 0.0, epsilon = 1e-6);
    assert_abs_diff_eq!(h2.centre_ratio.unwrap(), 0.0, epsilon = 1e-6);
    assert_abs_diff_eq!(h2.cluster_overlap, 1.0, epsilon = 1e-12);
    assert!(h2.silhouette.unwrap() <= 0.0);
    assert_eq!(pair.clearest, Some(0));
    assert!(pair.sentence.contains("at h1 the two-class silhouette is"), "{}", pair.sentence);
    assert!(pair.sentence.contains("4.00 spreads apart"), "{}", pair.sentence);
    assert!(pair.sentence.contains("share 25%") && pair.sentence.contains("share 100%"), "{}", pair.sentence);

    // The order of the pair is the visitor's; unknown or equal classes are refused.
    let swapped = pair_finding(&results, 8, 3).unwrap();
    assert_abs_diff_eq!(swapped.layers[0].separability.top_neurons[0].mean_a, 4.0, epsilon = 1e-6);
    assert!(swapped.sentence.starts_with("8 vs 3"));
    assert_eq!(pair_finding(&results, 3, 3).unwrap_err(), FindingsError::SamePair);
    assert_eq!(pair_finding(&results, 3, 5).unwrap_err(), FindingsError::UnknownClass(5));
}

#[test]
fn emergence_names_the_layer_where_clusters_start_matching_the_classes() {
    let results = geometric_run();
    let found = emergence_finding(&results);
    // h1's clusters split 3 from 8 (one point off); h2's mix them evenly.
    assert!(found.layers[0].nmi > found.layers[1].nmi);
    assert_eq!(found.emergence.first_above, Some(0));
    assert_eq!(found.emergence.largest_jump, None);
    assert!(found.sentence.contains("Class structure emerges at h1"), "{}", found.sentence);
    assert!(found.sentence.contains("NMI does not rise"), "{}", found.sentence);
    assert!(
        found
            .sentence
            .contains(&format!("h1 NMI {:.2}, purity {:.2} (K = 3)", found.layers[0].nmi, found.layers[0].purity))
    );
    assert!(found.sentence.contains("match the digits"));
}

#[test]
fn the_pair_follows_the_visitor_then_the_data_set_then_the_kept_classes() {
    let digits = ClassSet::new(&(0..10).collect::<Vec<u8>>(), 10).unwrap();
    assert_eq!(resolve_pair(None, DatasetKind::Mnist, &digits), Some((3, 8)));
    assert_eq!(resolve_pair(Some((4, 9)), DatasetKind::Mnist, &digits), Some((4, 9)));
    assert_eq!(resolve_pair(Some((4, 4)), DatasetKind::Mnist, &digits), Some((3, 8)));
    let few = ClassSet::new(&[1, 7, 3], 10).unwrap();
    assert_eq!(resolve_pair(None, DatasetKind::Mnist, &few), Some((1, 3)));
    assert_eq!(resolve_pair(Some((7, 9)), DatasetKind::Mnist, &few), Some((1, 3)));
    let animals = ClassSet::new(&(0..10).collect::<Vec<u8>>(), 10).unwrap();
    let (a, b) = resolve_pair(None, DatasetKind::Animals, &animals).unwrap();
    assert_eq!((DatasetKind::Animals.class_name(a), DatasetKind::Animals.class_name(b)), ("cat", "dog"));
    assert_eq!(default_pair(DatasetKind::Animals), (2, 4));
    assert_eq!(foreign_kind(DatasetKind::Mnist), DatasetKind::Animals);
    assert_eq!(foreign_kind(DatasetKind::Animals), DatasetKind::Mnist);
}

// ---------------------------------------------------------------------------
// Detectors on simple data

#[test]
fn nearest_centre_and_softmax_scores() {
    let centres = array![[0.0f32, 0.0], [10.0, 0.0]];
    let data = array![[3.0f32, 4.0], [10.0, 1.0], [f32::NAN, 0.0]];
    assert!(nearest_centre_distances(centres.view(), data.view()).is_err());
    let d = nearest_centre_distances(centres.view(), data.slice(ndarray::s![..2, ..])).unwrap();
    assert_abs_diff_eq!(d[0], 5.0, epsilon = 1e-5);
    assert_abs_diff_eq!(d[1], 1.0, epsilon = 1e-5);
    assert!(nearest_centre_distances(centres.view(), Array2::<f32>::zeros((1, 3)).view()).is_err());

    let p = array![[0.7f32, 0.2, 0.1], [0.34, 0.33, 0.33]];
    let msp = msp_scores(p.view());
    assert_abs_diff_eq!(msp[0], 0.3, epsilon = 1e-6);
    assert_abs_diff_eq!(msp[1], 0.66, epsilon = 1e-6);

    let d = DetectorScores::new(DetectorKind::NearestCentre, Some("h2".into()), vec![0.1, 0.2], vec![0.3, 0.05]);
    assert_eq!(d.auroc, Some(0.5));
    assert_eq!(d.id(), "centre-h2");
    assert_eq!(d.label(), "nearest-centre distance at h2");
    assert_eq!(DetectorScores::new(DetectorKind::MaxSoftmax, None, vec![], vec![1.0]).auroc, None);

    let images = Images { count: 2, pixels: [vec![255u8; 784], vec![0u8; 392], vec![255u8; 392]].concat() };
    assert_eq!(ink_scores(&images, None), vec![1.0, 0.5]);
    assert_eq!(ink_scores(&images, Some(&[1, 7])), vec![0.5]);

    assert_eq!(
        (thousands(7), thousands(600), thousands(10_000), thousands(1_234_567)),
        ("7".into(), "600".into(), "10,000".into(), "1,234,567".into())
    );
}

#[test]
fn foreign_sets_far_from_every_centre_are_detected_and_mismatches_refused() {
    let results = geometric_run();
    let far = Array2::from_elem((5, 3), 100.0f32);
    let foreign = Signatures {
        layers: vec![
            LayerSignatures { name: "h1".into(), values: far.clone() },
            LayerSignatures { name: "h2".into(), values: far.clone() },
        ],
        probabilities: Array2::from_elem((5, 3), 1.0 / 3.0),
        predictions: vec![0; 5],
        targets: vec![0; 5],
    };
    let detectors = nearest_centre_detectors(&results, &foreign).unwrap();
    assert_eq!(
        detectors.iter().map(DetectorScores::id).collect::<Vec<_>>(),
        vec!["centre-h1", "centre-h2", "all-layers", "euclid-h1", "euclid-h2"]
    );
    for d in &detectors {
        assert_eq!(d.auroc, Some(1.0), "{}", d.id());
    }
    // Foreign ranks are 1 at every layer; evaluation ranks stay in [0, 1].
    assert!(detectors[2].foreign_scores.iter().all(|&r| r == 1.0));
    assert!(detectors[2].in_scores.iter().all(|&r| (0.0..1.0).contains(&r)));

    let mut fixed = FixedDetectors::compute(&results, &foreign).unwrap();
    assert_eq!(fixed.max_softmax.auroc, Some(1.0));
    fixed.ink = Some(DetectorScores::new(DetectorKind::Ink, None, vec![0.1; 12], vec![0.9; 5]));
    let finding = foreign_finding(&results, &foreign, &fixed).unwrap();
    assert_eq!(finding.detectors.len(), 3 + 2 + 1 + 2 + 1);
    assert_eq!(finding.best().map(DetectorScores::id), Some("centre-h1".to_string()));
    assert_ne!(finding.best().map(|d| d.kind), Some(DetectorKind::Ink));
    assert_eq!(finding.snapshot().auroc_ink, Some(1.0));
    // Every foreign image is called class index 0, i.e. the digit 1.
    assert_eq!(finding.predicted_shares, vec![1.0, 0.0, 0.0]);
    assert!(finding.sentence.contains("calls 100% of them “1”"), "{}", finding.sentence);
    assert!(finding.sentence.contains("mean pixel value alone 1.000"), "{}", finding.sentence);
    assert!(finding.sentence.starts_with("5 Animal-Shape images through the digits network"), "{}", finding.sentence);

    let empty = Signatures {
        layers: vec![
            LayerSignatures { name: "h1".into(), values: Array2::zeros((0, 3)) },
            LayerSignatures { name: "h2".into(), values: Array2::zeros((0, 3)) },
        ],
        probabilities: Array2::zeros((0, 3)),
        predictions: vec![],
        targets: vec![],
    };
    assert_eq!(nearest_centre_detectors(&results, &empty).unwrap_err(), FindingsError::NoForeignImages);
    let one_layer = Signatures { layers: foreign.layers[..1].to_vec(), ..foreign.clone() };
    assert!(matches!(foreign_finding(&results, &one_layer, &fixed), Err(FindingsError::Mismatch(_))));
    let narrow = Signatures {
        layers: vec![foreign.layers[0].clone(), LayerSignatures { name: "h2".into(), values: Array2::zeros((5, 2)) }],
        ..foreign.clone()
    };
    assert!(matches!(nearest_centre_detectors(&results, &narrow), Err(FindingsError::Mismatch(_))));
}

#[test]
fn nearest_centre_detectors_follow_k_and_the_fingerprint_does_not() {
    // Three tight groups: K = 3 fits them, K = 2 leaves one group far from
    // every centre.
    let data = Array2::from_shape_fn((60, 2), |(i, j)| {
        let group = (i % 3) as f32 * 10.0;
        group + ((i * 7 + j * 3) % 5) as f32 * 0.1
    });
    let targets: Vec<usize> = (0..60).map(|i| i % 3).collect();
    let analysis = analyse_layer(data.view(), 2..=3, 1).unwrap();
    let config = ExperimentConfig { classes: vec![0, 1, 2], ..ExperimentConfig::default() };
    let probabilities = Array2::from_elem((60, 3), 1.0 / 3.0);
    let signatures = Signatures {
        layers: vec![LayerSignatures { name: "h1".into(), values: data.clone() }],
        predictions: vec![0; 60],
        probabilities,
        targets,
    };
    let mut results = RunResults::new(
        config,
        BackendKind::Cpu,
        TrainingSnapshot::default(),
        (0..60).collect(),
        signatures,
        vec![analysis],
    )
    .unwrap();
    // Foreign points right between groups 0 and 1.
    let foreign = Signatures {
        layers: vec![LayerSignatures { name: "h1".into(), values: Array2::from_elem((4, 2), 5.0) }],
        probabilities: Array2::from_elem((4, 3), 1.0 / 3.0),
        predictions: vec![0; 4],
        targets: vec![0; 4],
    };
    results.layers[0].set_k(Some(3)).unwrap();
    let k3 = nearest_centre_detectors(&results, &foreign).unwrap();
    results.layers[0].set_k(Some(2)).unwrap();
    let k2 = nearest_centre_detectors(&results, &foreign).unwrap();
    // With 3 centres every evaluation point is close; with 2, one group is far.
    assert_eq!(k3[0].auroc, Some(1.0));
    assert!(k2[0].auroc.unwrap() < 1.0);
    assert_ne!(k2[0].in_scores, k3[0].in_scores);
}

// ---------------------------------------------------------------------------
// Foreign images and chunked signatures

#[test]
fn foreign_images_chunks_and_accumulated_signatures() {
    let image = |v: u8| vec![v; 784];
    let split = |values: &[u8]| {
        LabeledImages::from_parts(
            Images { count: values.len(), pixels: values.iter().flat_map(|&v| image(v)).collect() },
            values.iter().map(|&v| v % 10).collect(),
        )
    };
    let animals = Dataset { kind: DatasetKind::Animals, train: split(&[1, 2, 3]), test: split(&[4, 5]) };
    let pool = foreign_images(&animals);
    assert_eq!(pool.len(), 5, "both splits of Animal-Shape are foreign to a digit network");
    assert_eq!(pool.images.pixels.len(), 5 * 784);
    let digits = Dataset { kind: DatasetKind::Mnist, train: split(&[1, 2, 3]), test: split(&[4, 5]) };
    assert_eq!(foreign_images(&digits).labels, vec![4, 5], "only the MNIST test digits");

    // A chunk fits a network of any class count; labels do not matter.
    let classes = ClassSet::new(&[1, 7], 10).unwrap();
    let chunk = foreign_chunk(&pool, 3..10, &classes);
    assert_eq!(chunk.len(), 2);
    assert_eq!(chunk.targets, vec![0, 0]);
    assert_eq!(chunk.data.labels, vec![4, 5]);
    assert_eq!(chunk.classes, classes);
    assert!(foreign_chunk(&pool, 7..9, &classes).is_empty());

    let sig = |rows: std::ops::Range<usize>| Signatures {
        layers: vec![LayerSignatures {
            name: "h1".into(),
            values: Array2::from_shape_fn((rows.len(), 2), |(i, j)| (rows.start + i) as f32 * 10.0 + j as f32),
        }],
        probabilities: Array2::from_shape_fn((rows.len(), 2), |(i, _)| (rows.start + i) as f32),
        predictions: rows.clone().collect(),
        targets: vec![0; rows.len()],
    };
    let mut acc = SignatureAccumulator::new();
    assert!(acc.is_empty());
    acc.push(sig(0..3)).unwrap();
    acc.push(sig(3..5)).unwrap();
    assert_eq!(acc.len(), 5);
    let mut wrong = sig(5..6);
    wrong.layers[0].name = "h2".into();
    assert!(acc.push(wrong).is_err());
    assert_eq!(acc.finish().unwrap(), sig(0..5));
}

// ---------------------------------------------------------------------------
// A small Animal-Shape run, end to end

fn load(dir: &str, images: &str, labels: &str) -> LabeledImages {
    let dir = format!("{}/assets/data/{dir}/", env!("CARGO_MANIFEST_DIR"));
    let images = decode_images(&std::fs::read(format!("{dir}{images}")).unwrap()).unwrap();
    let labels = decode_labels(&std::fs::read(format!("{dir}{labels}")).unwrap()).unwrap();
    LabeledImages::new(images, labels, 10).unwrap()
}

#[test]
fn an_animal_run_names_cat_and_dog_and_scores_mnist_as_foreign() {
    let animals = Dataset::split_animals(load("animals", "animal-images-idx3-ubyte.gz", "animal-labels-idx1-ubyte.gz"));
    let mnist_test = load("mnist", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz");
    let mnist = Dataset {
        kind: DatasetKind::Mnist,
        train: mnist_test.select(&[]),
        test: mnist_test.select(&(0..600).collect::<Vec<_>>()),
    };
    let config = ExperimentConfig {
        dataset: DatasetKind::Animals,
        classes: vec![1, 2, 4],
        per_class: Some(200),
        epochs: 3,
        batch_size: 32,
        ..ExperimentConfig::default()
    };
    let classes = ClassSet::new(&config.classes, 10).unwrap();
    let train = Subset::new(&animals.train, &classes, config.per_class, config.seed, "training").unwrap();
    let device = Device::flex();
    let mut trainer = Trainer::new(&config, &train, &device).unwrap();
    while !trainer.is_finished() {
        trainer.step(&train).unwrap();
    }
    let model = trainer.model().unwrap();
    let eval_indices = select_indices(&animals.test, &classes, None, config.seed, "test").unwrap();
    let eval = Subset::from_indices(&animals.test, &classes, &eval_indices);
    let signatures = block_on(extract(&model, &eval, &device)).unwrap();
    let analyses = signatures.layers.iter().map(|l| analyse_layer(l.values.view(), K_RANGE, 7).unwrap()).collect();
    let results = RunResults::new(
        config,
        BackendKind::Cpu,
        TrainingSnapshot::default(),
        eval_indices.clone(),
        signatures,
        analyses,
    )
    .unwrap();

    let (a, b) = resolve_pair(None, DatasetKind::Animals, &results.classes).unwrap();
    let pair = pair_finding(&results, a, b).unwrap();
    assert!(pair.sentence.starts_with("cat vs dog (200 and 200 test images)"), "{}", pair.sentence);
    assert!(pair.sentence.contains("(cat ") && pair.sentence.contains(", dog "), "{}", pair.sentence);
    assert!(emergence_finding(&results).sentence.contains("match the animal shapes"));

    // The foreign set for an animal network: MNIST test digits, in chunks.
    let pool = foreign_images(&mnist);
    let mut acc = SignatureAccumulator::new();
    for start in (0..pool.len()).step_by(250) {
        acc.push(
            block_on(extract(&model, &foreign_chunk(&pool, start..start + 250, &results.classes), &device)).unwrap(),
        )
        .unwrap();
    }
    let foreign = acc.finish().unwrap();
    assert_eq!(foreign.len(), 600);
    let mut fixed = FixedDetectors::compute(&results, &foreign).unwrap();
    fixed.ink = Some(DetectorScores::new(
        DetectorKind::Ink,
        None,
        ink_scores(&animals.test.images, Some(&eval_indices)),
        ink_scores(&pool.images, None),
    ));
    let finding = foreign_finding(&results, &foreign, &fixed).unwrap();
    assert_eq!(finding.snapshot().probe_set, "mnist");
    assert!(finding.sentence.starts_with("600 MNIST digits through the animal shapes network"), "{}", finding.sentence);
    let names = ["bird", "cat", "dog"];
    assert!(names.iter().any(|n| finding.sentence.contains(&format!("“{n}”"))), "{}", finding.sentence);
    // Digits hold far less ink than filled silhouettes: the yardstick sees it the other way round.
    let ink = finding.snapshot().auroc_ink.unwrap();
    assert!(ink < 0.5);
    assert!(finding.sentence.contains(&format!("{:.3} read the other way round", 1.0 - ink)), "{}", finding.sentence);
    for d in &finding.detectors {
        let a = d.auroc.unwrap();
        assert!((0.0..=1.0).contains(&a), "{} {a}", d.id());
    }
}
