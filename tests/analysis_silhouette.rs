//! Exact silhouettes of many labelings from one pass: against linfa's
//! `SilhouetteScore`, against a plain f64 implementation of scikit-learn's
//! definition, chunked versus one-shot, and the undefined cases.

use approx::assert_abs_diff_eq;
use linfa::DatasetBase;
use linfa::metrics::SilhouetteScore;
use ndarray::{Array1, Array2, Axis, concatenate};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sigpath::core::analysis::{
    AnalysisError, SilhouetteAccumulator, has_varying_column, silhouette_score, silhouette_scores,
};

fn random_data(n: usize, width: usize, seed: u64) -> Array2<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    // Some structure, so the scores are not all ~0: a drift along the rows.
    Array2::from_shape_fn((n, width), |(i, j)| rng.gen_range(-1.0..1.0f32) + ((i * (j + 1)) % 7) as f32 * 0.3)
}

/// Labels in 0..k with every cluster holding at least two points (linfa
/// scores singletons differently from scikit-learn).
fn random_labels(n: usize, k: usize, seed: u64) -> Vec<usize> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n).map(|i| if i < 2 * k { i % k } else { rng.gen_range(0..k) }).collect()
}

/// scikit-learn's definition, directly, in f64.
fn brute_force(data: &Array2<f32>, labels: &[usize]) -> Option<f64> {
    let n = data.nrows();
    let clusters: std::collections::BTreeSet<usize> = labels.iter().copied().collect();
    if clusters.len() < 2 || clusters.len() > n - 1 {
        return None;
    }
    let x = data.mapv(f64::from);
    let mut total = 0.0;
    for i in 0..n {
        let mut sums = std::collections::BTreeMap::<usize, (f64, usize)>::new();
        for (j, &label) in labels.iter().enumerate() {
            let d = (&x.row(i) - &x.row(j)).mapv(|v| v * v).sum().sqrt();
            let e = sums.entry(label).or_insert((0.0, 0));
            e.0 += d;
            e.1 += 1;
        }
        let (own_sum, own_size) = sums[&labels[i]];
        if own_size == 1 {
            continue;
        }
        let a = own_sum / (own_size - 1) as f64;
        let b = sums
            .iter()
            .filter(|(c, _)| **c != labels[i])
            .map(|(_, (s, m))| s / *m as f64)
            .fold(f64::INFINITY, f64::min);
        if a.max(b) > 0.0 {
            total += (b - a) / a.max(b);
        }
    }
    Some(total / n as f64)
}

#[test]
fn matches_linfa_on_small_inputs() {
    for (n, width, k, seed) in [(20, 2, 2, 1), (57, 5, 3, 2), (130, 8, 6, 3), (300, 3, 9, 4)] {
        let data = random_data(n, width, seed);
        let sets: Vec<Vec<usize>> = (2..=k).map(|kk| random_labels(n, kk, seed * 100 + kk as u64)).collect();
        let ours = silhouette_scores(data.view(), sets.clone()).unwrap();
        for (labels, got) in sets.iter().zip(ours) {
            let dataset = DatasetBase::new(data.mapv(f64::from), Array1::from(labels.clone()));
            let want = dataset.silhouette_score().unwrap();
            assert_abs_diff_eq!(got.unwrap(), want, epsilon = 1e-5);
        }
    }
}

#[test]
fn matches_the_definition_across_blocks_and_tiles() {
    // 1,503 points spans many 64-row blocks and two 1,024-column tiles, and
    // is no multiple of 4 (the vector passes' tails run); nine labelings
    // (K = 2..10) as the page scores them, plus one with a singleton and
    // duplicated points.
    let n = 1_503;
    let mut data = random_data(n, 12, 9);
    for i in 0..40 {
        let row = data.row(i).to_owned();
        data.row_mut(i + 100).assign(&row); // exact duplicates
    }
    let mut sets: Vec<Vec<usize>> = (2..=10).map(|k| random_labels(n, k, k as u64)).collect();
    let mut odd = random_labels(n, 4, 77).into_iter().map(|l| l * 1000 + 7).collect::<Vec<_>>();
    odd[5] = 424_242; // alone in its cluster: s = 0
    sets.push(odd);
    let ours = silhouette_scores(data.view(), sets.clone()).unwrap();
    for (labels, got) in sets.iter().zip(ours) {
        let want = brute_force(&data, labels).unwrap();
        assert_abs_diff_eq!(got.unwrap(), want, epsilon = 2e-5);
    }
}

#[test]
fn chunked_processing_equals_one_shot() {
    let n = 777;
    let data = random_data(n, 7, 5);
    let sets: Vec<Vec<usize>> = (2..=5).map(|k| random_labels(n, k, k as u64 + 40)).collect();
    let one_shot = silhouette_scores(data.view(), sets.clone()).unwrap();

    let mut acc = SilhouetteAccumulator::new(data.view(), sets.clone()).unwrap();
    assert_eq!(acc.total_rows(), n);
    let mut start = 0;
    for size in [1, 63, 64, 65, 200, 1] {
        acc.process_rows(start..start + size).unwrap();
        start += size;
        assert_eq!(acc.rows_done(), start);
    }
    // Out of order is refused.
    let err = acc.process_rows(0..10).unwrap_err();
    assert!(matches!(err, AnalysisError::RowsOutOfOrder { expected_start: 394, .. }));
    assert!(acc.process_rows(start..n + 1).is_err());
    assert!(acc.progress() > 0.0 && acc.progress() < 1.0);
    // The rest through budgeted steps, then finish.
    let mut steps = 0;
    while !acc.step(20_000) {
        steps += 1;
    }
    assert!(steps > 1);
    assert!(acc.is_done());
    assert_eq!(acc.progress(), 1.0);
    let chunked = acc.finish().unwrap();
    // Row blocks of other sizes add the distances of a tile in f32 in other
    // groups: equal up to that rounding (about 1e-9 here).
    for (a, b) in chunked.iter().zip(&one_shot) {
        assert_abs_diff_eq!(a.unwrap(), b.unwrap(), epsilon = 1e-8);
    }
    // finish() completes unprocessed rows by itself.
    let lazy = SilhouetteAccumulator::new(data.view(), sets).unwrap().finish().unwrap();
    assert_eq!(lazy, one_shot);
}

#[test]
fn constant_columns_and_translation_do_not_change_scores() {
    let n = 200;
    let data = random_data(n, 5, 6);
    let labels = random_labels(n, 3, 6);
    let base = silhouette_score(data.view(), &labels).unwrap().unwrap();
    let dead = Array2::<f32>::zeros((n, 3));
    let padded = concatenate![Axis(1), dead, data, Array2::from_elem((n, 2), 4.0f32)];
    let shifted = data.mapv(|v| v + 100.0);
    assert_abs_diff_eq!(silhouette_score(padded.view(), &labels).unwrap().unwrap(), base, epsilon = 1e-6);
    assert_abs_diff_eq!(silhouette_score(shifted.view(), &labels).unwrap().unwrap(), base, epsilon = 1e-4);
}

#[test]
fn points_that_all_coincide_have_nothing_to_compute() {
    // Constant columns, whatever their value, and a single point: no pair differs.
    let mut data = Array2::from_elem((40, 3), 0.25f32);
    data.column_mut(1).fill(-3.0);
    assert!(!has_varying_column(data.view()));
    assert!(!has_varying_column(random_data(1, 6, 8).view()));
    // One value off in the last row of the last column is enough.
    data[[39, 2]] = 0.5;
    assert!(has_varying_column(data.view()));
    assert!(has_varying_column(random_data(2, 6, 8).view()));
}

#[test]
fn undefined_cases_are_none_never_nan() {
    let data = random_data(30, 4, 7);
    // One cluster; every point alone; all points identical.
    let scores =
        silhouette_scores(data.view(), vec![vec![3; 30], (0..30).collect(), (0..30).map(|i| i % 2).collect()]).unwrap();
    assert_eq!(scores[0], None);
    assert_eq!(scores[1], None);
    assert!(scores[2].unwrap().is_finite());
    let same = Array2::from_elem((30, 4), 0.5f32);
    assert_eq!(silhouette_score(same.view(), &(0..30).map(|i| i % 3).collect::<Vec<_>>()).unwrap(), None);
    let zeros = Array2::<f32>::zeros((30, 4));
    assert_eq!(silhouette_score(zeros.view(), &(0..30).map(|i| i % 3).collect::<Vec<_>>()).unwrap(), None);
    // Two points, two clusters: n − 1 < 2 clusters allowed → undefined.
    let two = Array2::from_shape_vec((2, 1), vec![0.0f32, 1.0]).unwrap();
    assert_eq!(silhouette_score(two.view(), &[0, 1]).unwrap(), None);
    // Duplicated points in different clusters: a = b = 0 gives s = 0, not NaN.
    let dup = Array2::from_shape_vec((4, 1), vec![1.0f32, 1.0, 1.0, 5.0]).unwrap();
    let s = silhouette_score(dup.view(), &[0, 0, 1, 1]).unwrap().unwrap();
    assert!(s.is_finite());
    assert_abs_diff_eq!(s, brute_force(&dup, &[0, 0, 1, 1]).unwrap(), epsilon = 1e-6);
}

#[test]
fn bad_inputs_are_errors() {
    let data = random_data(10, 3, 8);
    assert!(matches!(
        silhouette_score(data.view(), &[0; 9]),
        Err(AnalysisError::LengthMismatch { expected: 10, found: 9, .. })
    ));
    assert_eq!(silhouette_score(Array2::<f32>::zeros((0, 3)).view(), &[]).unwrap_err(), AnalysisError::EmptyData);
    let mut nan = data.clone();
    nan[[4, 2]] = f32::NAN;
    assert_eq!(silhouette_score(nan.view(), &[0; 10]).unwrap_err(), AnalysisError::NonFinite { row: 4, col: 2 });
}
