//! Findings helpers: nearest centres, percentile ranks and the verdict,
//! AUROC, Mahalanobis distance, two-class separability, neuron
//! profiles, where class structure emerges, the contingency table, and PCA
//! on degenerate data. Synthetic data with answers known by construction.

use approx::assert_abs_diff_eq;
use ndarray::{Array2, ArrayView1, array};
use sigpath::core::analysis::{
    AnalysisError, Contingency, EMERGENCE_NMI_THRESHOLD, LayerJump, Mahalanobis, OOD_VERDICT_THRESHOLD, Pca2,
    ReferenceDistances, auroc, emergence, emergence_with, is_unfamiliar, nearest_centre, neuron_profile, ood_score,
    separability, silhouette_score,
};

#[test]
fn nearest_centre_returns_index_and_euclidean_distance() {
    let centres = array![[0.0f32, 0.0], [3.0, 4.0], [10.0, 0.0]];
    assert_eq!(nearest_centre(centres.view(), array![0.5f32, 0.0].view()), Some((0, 0.5)));
    let (i, d) = nearest_centre(centres.view(), array![6.0f32, 8.0].view()).unwrap();
    assert_eq!(i, 1);
    assert_abs_diff_eq!(d, 5.0, epsilon = 1e-6);
    // Column-major centres work too.
    let transposed = centres.t().to_owned();
    let fortran = transposed.t();
    assert_eq!(nearest_centre(fortran, array![9.0f32, 0.0].view()), Some((2, 1.0)));
    assert_eq!(nearest_centre(centres.view(), array![1.0f32].view()), None);
    assert_eq!(nearest_centre(Array2::<f32>::zeros((0, 2)).view(), array![1.0f32, 2.0].view()), None);
    assert_eq!(nearest_centre(centres.view(), array![f32::NAN, 2.0].view()), None);
}

#[test]
fn percentile_ranks_count_ties_as_half() {
    let reference = ReferenceDistances::new(vec![3.0, 1.0, 2.0, 2.0, f32::NAN, 4.0]);
    assert_eq!(reference.len(), 5); // NaN dropped
    assert_eq!(reference.sorted(), &[1.0, 2.0, 2.0, 3.0, 4.0]);
    assert_eq!(reference.percentile_rank(0.5), Some(0.0));
    assert_eq!(reference.percentile_rank(2.0), Some((1.0 + 0.5 * 2.0) / 5.0));
    assert_eq!(reference.percentile_rank(2.5), Some(3.0 / 5.0));
    assert_eq!(reference.percentile_rank(9.0), Some(1.0));
    assert_eq!(reference.percentile_rank(f32::NAN), None);
    assert_eq!(ReferenceDistances::new(vec![]).percentile_rank(1.0), None);
    assert_eq!(ReferenceDistances::new(vec![2.0, 1.0]).percentile_rank(2.0), Some(0.75));
}

#[test]
fn ood_score_is_the_mean_layer_percentile_and_the_verdict_uses_the_threshold() {
    assert_eq!(ood_score(&[0.2, 0.6]), Some(0.4));
    assert_eq!(ood_score(&[f64::NAN, 0.8]), Some(0.8));
    assert_eq!(ood_score(&[]), None);
    assert!(is_unfamiliar(OOD_VERDICT_THRESHOLD));
    assert!(!is_unfamiliar(OOD_VERDICT_THRESHOLD - 1e-9));
}

#[test]
fn auroc_of_perfect_reversed_and_tied_detectors() {
    assert_eq!(auroc(&[0.1f32, 0.2], &[0.3f32, 0.9]), Some(1.0));
    assert_eq!(auroc(&[0.3f32, 0.9], &[0.1f32, 0.2]), Some(0.0));
    assert_eq!(auroc(&[1.0f32, 1.0], &[1.0f32]), Some(0.5));
    // One tie between the sets counts half: pairs (in, out) = 4, wins 2.5.
    assert_eq!(auroc(&[0.0f64, 0.5], &[0.5f64, 1.0]), Some(3.5 / 4.0));
    assert_eq!(auroc::<f32>(&[], &[1.0]), None);
    assert_eq!(auroc(&[f64::NAN], &[1.0]), None);
}

#[test]
fn mahalanobis_matches_a_closed_form_two_dimensional_case() {
    // Two classes with the same elongated, tilted spread.
    let offsets = [[2.0f32, 1.0], [-2.0, -1.0], [0.5, -0.5], [-0.5, 0.5]];
    let means = [[0.0f32, 0.0], [10.0, 0.0]];
    let mut rows = Vec::new();
    let mut labels = Vec::new();
    for (class, m) in means.iter().enumerate() {
        for o in &offsets {
            rows.extend([m[0] + o[0], m[1] + o[1]]);
            labels.push(class * 5 + 1); // labels 1 and 6
        }
    }
    let data = Array2::from_shape_vec((8, 2), rows).unwrap();
    let model = Mahalanobis::fit(data.view(), &labels).unwrap();
    assert_eq!(model.classes(), &[1, 6]);

    // Shared covariance (divide by n) of the offsets, plus the ridge.
    let n = offsets.len() as f64;
    let (mut sxx, mut sxy, mut syy) = (0.0, 0.0, 0.0);
    for o in &offsets {
        let (x, y) = (f64::from(o[0]), f64::from(o[1]));
        sxx += x * x / n;
        sxy += x * y / n;
        syy += y * y / n;
    }
    let ridge = 1e-3 * (sxx + syy) / 2.0 + 1e-9;
    let (a, b, d) = (sxx + ridge, sxy, syy + ridge);
    let det = a * d - b * b;
    let quad = |x: f64, y: f64| ((d * x * x - 2.0 * b * x * y + a * y * y) / det).sqrt();

    for point in [[1.0f32, 0.5], [1.0, -0.5], [8.0, 1.0]] {
        let (class, dist) = model.distance(&point).unwrap();
        let to0 = quad(f64::from(point[0]), f64::from(point[1]));
        let to1 = quad(f64::from(point[0]) - 10.0, f64::from(point[1]));
        assert_eq!(class, if to0 <= to1 { 1 } else { 6 });
        assert_abs_diff_eq!(dist, to0.min(to1), epsilon = 1e-6 * to0.min(to1).max(1.0));
    }
    // Along the spread is nearer than across it, at the same Euclidean length.
    let along = model.distance(&[1.0, 0.5]).unwrap().1;
    let across = model.distance(&[0.5, -1.0]).unwrap().1;
    assert!(along < across);

    assert!(matches!(model.distance(&[1.0]), Err(AnalysisError::LengthMismatch { .. })));
    // A dead neuron (all zeros) is handled by the ridge.
    let padded = Array2::from_shape_fn((8, 3), |(i, j)| if j < 2 { data[[i, j]] } else { 0.0 });
    assert!(Mahalanobis::fit(padded.view(), &labels).unwrap().distance(&[0.0, 0.0, 0.0]).is_ok());
}

#[test]
fn separability_of_two_classes_with_known_geometry() {
    // Class 3 around (0,0,0,0), class 8 around (6,0,0,0): each class is
    // centre ± unit vectors along axes 1 and 2, so its RMS radius is 1.
    let mut rows = Vec::new();
    let mut classes = Vec::new();
    for (class, cx) in [(3usize, 0.0f32), (8, 6.0)] {
        for (dy, dz) in [(1.0f32, 0.0f32), (-1.0, 0.0), (0.0, 1.0), (0.0, -1.0)] {
            rows.extend([cx, dy, dz, if class == 8 { 2.0 } else { 0.5 }]);
            classes.push(class);
        }
    }
    // A third class that must be ignored.
    rows.extend([100.0, 100.0, 100.0, 100.0]);
    classes.push(5);
    let data = Array2::from_shape_vec((9, 4), rows).unwrap();
    // Clusters: class 3 → 0,0,0,1; class 8 → 1,1,2,2; the extra point → 2.
    let clusters = [0, 0, 0, 1, 1, 1, 2, 2, 2];

    let s = separability(data.view(), &classes, &clusters, 3, 8, 2).unwrap();
    assert_eq!((s.count_a, s.count_b), (4, 4));
    let centre_distance = (36.0f64 + 1.5 * 1.5).sqrt();
    assert_abs_diff_eq!(s.centre_distance, centre_distance, epsilon = 1e-6);
    assert_abs_diff_eq!(s.mean_within_rms, 1.0, epsilon = 1e-6);
    assert_abs_diff_eq!(s.centre_ratio.unwrap(), centre_distance, epsilon = 1e-6);
    // min(1/4, 2/4) in cluster 1; nothing else shared.
    assert_abs_diff_eq!(s.cluster_overlap, 0.25, epsilon = 1e-12);
    assert_eq!(s.shared_clusters, vec![1]);
    // Neuron 0 differs by 6, neuron 3 by 1.5, neurons 1 and 2 by 0.
    assert_eq!(s.top_neurons.iter().map(|t| t.neuron).collect::<Vec<_>>(), vec![0, 3]);
    assert_abs_diff_eq!(s.top_neurons[0].difference(), -6.0, epsilon = 1e-6);
    assert_abs_diff_eq!(s.top_neurons[1].mean_b, 2.0, epsilon = 1e-6);
    // The silhouette is that of the two-class subset with the true classes.
    let subset = data.slice(ndarray::s![..8, ..]).to_owned();
    let expected = silhouette_score(subset.view(), &classes[..8]).unwrap().unwrap();
    assert_abs_diff_eq!(s.silhouette.unwrap(), expected, epsilon = 1e-9);
    assert!(expected > 0.7);

    assert_eq!(separability(data.view(), &classes, &clusters, 3, 3, 2).unwrap_err(), AnalysisError::SameClass(3));
    assert_eq!(separability(data.view(), &classes, &clusters, 3, 9, 2).unwrap_err(), AnalysisError::EmptyClass(9));
    assert!(separability(data.view(), &classes[..8], &clusters, 3, 8, 2).is_err());
}

#[test]
fn identical_classes_have_no_centre_ratio_and_full_overlap() {
    let data = Array2::from_elem((6, 2), 1.0f32);
    let classes = [0, 0, 0, 1, 1, 1];
    let clusters = [0, 1, 1, 0, 1, 1];
    let s = separability(data.view(), &classes, &clusters, 0, 1, 5).unwrap();
    assert_eq!(s.centre_ratio, None);
    assert_eq!(s.silhouette, None);
    assert_abs_diff_eq!(s.cluster_overlap, 1.0, epsilon = 1e-12);
    assert_eq!(s.top_neurons.len(), 2);
}

#[test]
fn neuron_profiles_find_silent_neurons() {
    // Neuron 0 dead, neuron 1 barely active (0.5% of the loudest), neuron 2
    // active, neuron 3 negative but active.
    let data = Array2::from_shape_fn((10, 4), |(i, j)| match j {
        0 => 0.0,
        1 => {
            if i == 0 {
                0.1
            } else {
                0.0
            }
        }
        2 => 2.0,
        _ => -1.0 - i as f32 * 0.1,
    });
    let p = neuron_profile(data.view(), None).unwrap();
    assert_eq!(p.silent, vec![true, true, false, false]);
    assert_eq!(p.silent_count(), 2);
    assert_abs_diff_eq!(p.mean[1], 0.01, epsilon = 1e-7);
    assert_abs_diff_eq!(p.mean[3], -1.45, epsilon = 1e-6);
    assert_eq!(p.most_active(2), vec![2, 1]);
    // Only row 0: neuron 1 is now 5% of the loudest, not silent.
    let first = neuron_profile(data.view(), Some(&[0])).unwrap();
    assert_eq!(first.silent, vec![true, false, false, false]);
    assert!(neuron_profile(data.view(), Some(&[10])).is_err());
    assert_eq!(neuron_profile(data.view(), Some(&[])).unwrap_err(), AnalysisError::EmptyData);
    // A fully dead layer: every neuron silent.
    assert_eq!(neuron_profile(Array2::<f32>::zeros((3, 5)).view(), None).unwrap().silent_count(), 5);
}

#[test]
fn emergence_finds_the_first_layer_past_the_threshold_and_the_largest_jump() {
    let e = emergence(&[0.1, 0.3, 0.62, 0.7]);
    assert_eq!(e.threshold, EMERGENCE_NMI_THRESHOLD);
    assert_eq!(e.first_above, Some(2));
    let jump = e.largest_jump.unwrap();
    assert_eq!(jump.to, 2);
    assert_abs_diff_eq!(jump.gain, 0.32, epsilon = 1e-12);
    let falling = emergence(&[0.8, 0.6]);
    assert_eq!(falling.first_above, Some(0));
    assert_eq!(falling.largest_jump, None);
    assert_eq!(emergence(&[0.2]).largest_jump, None);
    let with_nan = emergence_with(&[0.1, f64::NAN, 0.9], 0.95);
    assert_eq!(with_nan.first_above, None);
    assert_eq!(with_nan.largest_jump, None);
    assert_eq!(emergence_with(&[0.1, 0.2, 0.9], 0.5).largest_jump, Some(LayerJump { to: 2, gain: 0.9 - 0.2 }));
}

#[test]
fn contingency_table_counts_and_names_its_rows_and_columns() {
    let clusters = [0, 0, 0, 2, 2, 2, 2];
    let classes = [7, 7, 1, 1, 1, 1, 7];
    let t = Contingency::new(&clusters, &classes).unwrap();
    assert_eq!(t.cluster_ids(), &[0, 2]);
    assert_eq!(t.class_ids(), &[1, 7]);
    assert_eq!(t.counts(), array![[1usize, 2], [3, 1]]);
    assert_eq!(t.count(2, 1), 3);
    assert_eq!(t.count(1, 1), 0);
    assert_eq!(t.total(), 7);
    assert_eq!(t.dominant_class(0), Some((7, 2.0 / 3.0)));
    assert_eq!(t.dominant_class(5), None);
    assert_abs_diff_eq!(t.purity(), 5.0 / 7.0, epsilon = 1e-12);
    // Perfect agreement up to renaming.
    let perfect = Contingency::new(&[0, 0, 1, 1], &[5, 5, 3, 3]).unwrap();
    assert_abs_diff_eq!(perfect.nmi(), 1.0, epsilon = 1e-12);
    assert_eq!((perfect.ari(), perfect.purity()), (1.0, 1.0));
    // One group on each side: sklearn's convention is NMI 1.
    assert_eq!(Contingency::new(&[0, 0], &[4, 4]).unwrap().nmi(), 1.0);
    assert_eq!(Contingency::new(&[0, 0, 0, 0], &[0, 1, 2, 3]).unwrap().nmi(), 0.0);
    assert!(Contingency::new(&[0], &[0, 1]).is_err());
    assert_eq!(Contingency::new(&[], &[]).unwrap_err(), AnalysisError::EmptyData);
}

#[test]
fn pca_on_degenerate_data_does_not_panic() {
    let same = Array2::from_elem((50, 8), 3.0f32);
    let pca = Pca2::fit(same.view()).unwrap();
    assert_eq!(pca.explained_variance_ratio(), [0.0, 0.0]);
    assert_eq!(pca.project(&[3.0; 8]).unwrap(), [0.0, 0.0]);
    let zeros = Array2::<f32>::zeros((10, 4));
    assert_eq!(Pca2::fit(zeros.view()).unwrap().explained_variance_ratio(), [0.0, 0.0]);
    // One row.
    assert!(Pca2::fit(Array2::from_elem((1, 3), 1.0f32).view()).is_ok());
    // Rank one: all variance on the first component.
    let line = Array2::from_shape_fn((20, 3), |(i, j)| i as f32 * [1.0, 2.0, -2.0][j]);
    let pca = Pca2::fit(line.view()).unwrap();
    let [r0, r1] = pca.explained_variance_ratio();
    assert_abs_diff_eq!(r0, 1.0, epsilon = 1e-9);
    assert_abs_diff_eq!(r1, 0.0, epsilon = 1e-9);
    let c0: Vec<f32> = pca.components()[0].clone();
    assert_abs_diff_eq!(c0[0].abs(), 1.0 / 3.0, epsilon = 1e-6);
    // The largest-magnitude coefficient is made positive.
    assert!(c0[1] > 0.0 || c0[2] > 0.0);
    // One column.
    let column = Array2::from_shape_fn((10, 1), |(i, _)| i as f32);
    let pca = Pca2::fit(column.view()).unwrap();
    assert_eq!(pca.explained_variance_ratio(), [1.0, 0.0]);
    assert_eq!(pca.project(&[4.5]).unwrap(), [0.0, 0.0]);
    // Wrong widths and non-finite inputs are errors.
    assert!(matches!(pca.project(&[1.0, 2.0]), Err(AnalysisError::LengthMismatch { .. })));
    assert!(matches!(pca.project(&[f32::NAN]), Err(AnalysisError::NonFinite { .. })));
    assert!(pca.project_rows(Array2::<f32>::zeros((2, 3)).view()).is_err());
    // Components are orthonormal on ordinary data.
    let data = Array2::from_shape_fn((100, 5), |(i, j)| ((i * 7 + j * 13) % 17) as f32 + (i as f32) * 0.1 * j as f32);
    let pca = Pca2::fit(data.view()).unwrap();
    let [a, b] = pca.components();
    let dot = |x: &[f32], y: &[f32]| x.iter().zip(y).map(|(p, q)| f64::from(*p) * f64::from(*q)).sum::<f64>();
    assert_abs_diff_eq!(dot(a, a), 1.0, epsilon = 1e-5);
    assert_abs_diff_eq!(dot(b, b), 1.0, epsilon = 1e-5);
    assert_abs_diff_eq!(dot(a, b), 0.0, epsilon = 1e-5);
    let _ = ArrayView1::from(&a[..]);
}
