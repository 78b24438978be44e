//! K-means (linfa-clustering underneath), the per-layer K sweep and choosing K.

use ndarray::{Array2, Axis};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sigpath::core::analysis::{
    AnalysisError, K_RANGE, KMeansSettings, LayerSweep, SweepStep, adjusted_rand_index, analyse_layer, choose_k,
    kmeans, kmeans_with,
};

/// `per_blob` points around each of `centres` (uniform noise of ±`spread`),
/// blob-major order; returns data and the true blob of every point.
fn blobs(centres: &Array2<f32>, per_blob: usize, spread: f32, seed: u64) -> (Array2<f32>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (k, width) = centres.dim();
    let mut data = Array2::zeros((k * per_blob, width));
    let mut truth = Vec::with_capacity(k * per_blob);
    for (i, mut row) in data.axis_iter_mut(Axis(0)).enumerate() {
        let blob = i / per_blob;
        for (v, &c) in row.iter_mut().zip(centres.row(blob)) {
            *v = c + rng.gen_range(-spread..spread);
        }
        truth.push(blob);
    }
    (data, truth)
}

/// Blob centres on the axes, 10 apart (spread 1 keeps them far apart).
fn axis_centres(k: usize, width: usize) -> Array2<f32> {
    Array2::from_shape_fn((k, width), |(i, j)| if i == j { 10.0 } else { 0.0 })
}

/// Same partition up to renaming: a bijection between labels.
fn same_partition(a: &[usize], b: &[usize]) -> bool {
    let mut forward = std::collections::HashMap::new();
    let mut backward = std::collections::HashMap::new();
    a.iter().zip(b).all(|(&x, &y)| *forward.entry(x).or_insert(y) == y && *backward.entry(y).or_insert(x) == x)
}

#[test]
fn well_separated_blobs_are_recovered_exactly() {
    let (data, truth) = blobs(&axis_centres(4, 8), 50, 1.0, 1);
    let c = kmeans(data.view(), 4, 42).unwrap();
    assert!(same_partition(&c.labels, &truth), "labels {:?}", c.labels);
    assert_eq!(c.sizes, vec![50; 4]);
    assert_eq!(c.centres.dim(), (4, 8));
    // Each centre is (close to) its blob's centre.
    for (label, centre) in c.centres.rows().into_iter().enumerate() {
        let blob = truth[c.labels.iter().position(|&l| l == label).unwrap()];
        let expected = axis_centres(4, 8).row(blob).to_owned();
        let err = (&centre - &expected).mapv(f32::abs).fold(0.0f32, |a, &b| a.max(b));
        assert!(err < 0.5, "centre {label} is {err} off");
    }
}

#[test]
fn blobs_are_recovered_when_fitting_on_a_sample() {
    // 10 blobs × 400 = 4,000 points > the 1,000-point fitting sample.
    let (data, truth) = blobs(&axis_centres(10, 16), 400, 1.5, 2);
    let settings = KMeansSettings::default();
    assert!(data.nrows() > settings.fit_sample);
    let c = kmeans_with(data.view(), 10, 3, &settings).unwrap();
    assert!(same_partition(&c.labels, &truth));
    assert_eq!(c.sizes, vec![400; 10]);
    assert!((adjusted_rand_index(&c.labels, &truth).unwrap() - 1.0).abs() < 1e-12);
}

#[test]
fn labels_are_nearest_centres_and_inertia_is_their_squared_distance() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    let data = Array2::from_shape_fn((300, 6), |_| rng.gen_range(0.0..1.0f32));
    let c = kmeans(data.view(), 5, 9).unwrap();
    assert_eq!(c.labels.len(), 300);
    assert_eq!(c.sizes.iter().sum::<usize>(), 300);
    let mut inertia = 0.0f64;
    for (row, &label) in data.rows().into_iter().zip(&c.labels) {
        let sq: Vec<f64> = c
            .centres
            .rows()
            .into_iter()
            .map(|centre| row.iter().zip(centre).map(|(&x, &m)| f64::from(x - m).powi(2)).sum())
            .collect();
        let best = sq.iter().copied().fold(f64::INFINITY, f64::min);
        assert!(sq[label] <= best + 1e-6);
        inertia += sq[label];
    }
    assert!((c.inertia - inertia).abs() < 1e-3 * inertia);
    for (k, &size) in c.sizes.iter().enumerate() {
        assert_eq!(size, c.labels.iter().filter(|&&l| l == k).count());
    }
}

#[test]
fn the_same_seed_gives_the_same_clustering() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(6);
    let data = Array2::from_shape_fn((2_500, 10), |_| rng.gen_range(-1.0..1.0f32));
    let a = kmeans(data.view(), 6, 11).unwrap();
    let b = kmeans(data.view(), 6, 11).unwrap();
    assert_eq!(a, b);
}

#[test]
fn bad_requests_are_errors_not_panics() {
    let data = Array2::from_shape_fn((5, 3), |(i, j)| (i * 3 + j) as f32);
    assert_eq!(kmeans(data.view(), 0, 1).unwrap_err(), AnalysisError::ZeroClusters);
    assert_eq!(kmeans(data.view(), 6, 1).unwrap_err(), AnalysisError::TooManyClusters { k: 6, points: 5 });
    assert_eq!(kmeans(Array2::<f32>::zeros((0, 3)).view(), 2, 1).unwrap_err(), AnalysisError::EmptyData);
    assert_eq!(kmeans(Array2::<f32>::zeros((4, 0)).view(), 2, 1).unwrap_err(), AnalysisError::ZeroWidth);
    let mut bad = data.clone();
    bad[[2, 1]] = f32::NAN;
    assert_eq!(kmeans(bad.view(), 2, 1).unwrap_err(), AnalysisError::NonFinite { row: 2, col: 1 });
    bad[[2, 1]] = f32::INFINITY;
    assert!(matches!(kmeans(bad.view(), 2, 1), Err(AnalysisError::NonFinite { .. })));
    // K = n is allowed: every point its own cluster.
    let c = kmeans(data.view(), 5, 1).unwrap();
    assert_eq!(c.non_empty(), 5);
}

#[test]
fn dead_or_constant_layers_do_not_panic() {
    // A dead ReLU layer: every signature is zero; large n uses the sample path.
    for n in [50, 3_000] {
        let zeros = Array2::<f32>::zeros((n, 32));
        for k in K_RANGE {
            let c = kmeans(zeros.view(), k, 3).unwrap();
            assert_eq!(c.non_empty(), 1);
            assert_eq!(c.inertia, 0.0);
            assert_eq!(c.sizes.iter().sum::<usize>(), n);
        }
    }
    let constant = Array2::from_elem((40, 4), 2.5f32);
    let c = kmeans(constant.view(), 3, 1).unwrap();
    assert_eq!(c.inertia, 0.0);
    // Three distinct points asked for five clusters: some clusters stay empty.
    let three = Array2::from_shape_fn((30, 2), |(i, j)| ((i % 3) * 10 + j) as f32);
    let c = kmeans(three.view(), 5, 1).unwrap();
    assert_eq!(c.non_empty(), 3);
    assert_eq!(c.inertia, 0.0);
}

#[test]
fn the_sweep_picks_the_number_of_blobs() {
    let (data, truth) = blobs(&axis_centres(4, 8), 60, 1.0, 7);
    let analysis = analyse_layer(data.view(), K_RANGE, 21).unwrap();
    let ks: Vec<usize> = analysis.clusterings.iter().map(|c| c.k).collect();
    assert_eq!(ks, (2..=10).collect::<Vec<_>>());
    assert_eq!(analysis.silhouettes.len(), 9);
    assert!(analysis.silhouettes.iter().all(|s| s.is_some()));
    let chosen = analysis.chosen_clustering().unwrap();
    assert_eq!(chosen.k, 4);
    assert!(same_partition(&chosen.labels, &truth));
    assert_eq!(analysis.silhouette_by_k()[2], (4, analysis.silhouettes[2]));
}

#[test]
fn stepping_the_sweep_gives_the_same_result_in_bounded_steps() {
    let (data, _) = blobs(&axis_centres(3, 6), 700, 2.0, 8);
    let reference = analyse_layer(data.view(), 2..=5, 4).unwrap();

    let mut sweep = LayerSweep::new(data.clone(), 2..=5, 4).unwrap().with_pairs_per_step(50_000);
    assert_eq!(sweep.ks(), &[2, 3, 4, 5]);
    let mut steps = Vec::new();
    let mut last_progress = sweep.progress();
    assert_eq!(last_progress, 0.0);
    loop {
        let step = sweep.step().unwrap();
        let progress = sweep.progress();
        assert!(progress >= last_progress);
        last_progress = progress;
        steps.push(step);
        if step == SweepStep::Done {
            break;
        }
    }
    assert_eq!(&steps[..4], &[2, 3, 4, 5].map(|k| SweepStep::Clustered { k }));
    let silhouette_steps = steps.iter().filter(|s| matches!(s, SweepStep::Silhouette { .. })).count();
    // 2,100 points = 2.2 M pairs in chunks of ≥ 50,000 pairs: many small steps.
    assert!(silhouette_steps > 5, "{silhouette_steps} silhouette steps");
    assert!((last_progress - 1.0).abs() < 1e-12);
    assert_eq!(sweep.finish().unwrap(), reference);
}

#[test]
fn tiny_sets_skip_impossible_k() {
    let data = Array2::from_shape_fn((4, 2), |(i, j)| (i * 7 + j * 3) as f32);
    let analysis = analyse_layer(data.view(), K_RANGE, 1).unwrap();
    let ks: Vec<usize> = analysis.clusterings.iter().map(|c| c.k).collect();
    assert_eq!(ks, vec![2, 3, 4]);
    // K = n = 4 puts every point alone: sklearn leaves that undefined.
    assert_eq!(analysis.silhouettes[2], None);
}

#[test]
fn choosing_k_takes_the_best_defined_silhouette() {
    assert_eq!(choose_k(&[Some(0.2), Some(0.5), None, Some(0.4)]), Some(1));
    // Ties go to the first (smaller K).
    assert_eq!(choose_k(&[Some(0.5), Some(0.5)]), Some(0));
    assert_eq!(choose_k(&[None, Some(-0.1)]), Some(1));
    assert_eq!(choose_k(&[None, None]), None);
    assert_eq!(choose_k(&[]), None);
    assert_eq!(choose_k(&[Some(f64::NAN), Some(0.1)]), Some(1));
}
