//! Linear CKA against an independent implementation (numpy, through n × n
//! Gram matrices: tests/fixtures/make_cka_fixture.py), its invariances and
//! what breaks them, undefined layers, errors, and the steppable job against
//! the one-shot functions.

use approx::assert_abs_diff_eq;
use ndarray::{Array2, ArrayView2};
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use serde_json::Value;
use sigpath::core::analysis::{AnalysisError, CkaJob, CkaMatrix, cka_cross_matrix, cka_matrix, linear_cka};

const TOLERANCE: f64 = 1e-6;

fn fixture() -> Value {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/cka_reference.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn matrix(value: &Value) -> Array2<f32> {
    let rows: Vec<Vec<f32>> = value
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap() as f32).collect())
        .collect();
    let cols = rows[0].len();
    Array2::from_shape_vec((rows.len(), cols), rows.into_iter().flatten().collect()).unwrap()
}

/// The fixture's layers, in its order.
fn fixture_layers(fx: &Value) -> Vec<(String, Array2<f32>)> {
    let names = fx["names"].as_array().unwrap();
    names.iter().map(|n| n.as_str().unwrap()).map(|n| (n.to_string(), matrix(&fx["layers"][n]))).collect()
}

fn random(rows: usize, cols: usize, seed: u64) -> Array2<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Array2::from_shape_fn((rows, cols), |_| rng.gen_range(-1.0..1.0f32))
}

/// A ReLU layer of `x` (many zeros, like a hidden layer).
fn relu_layer(x: &Array2<f32>, width: usize, seed: u64) -> Array2<f32> {
    let w = random(x.ncols(), width, seed);
    x.dot(&w).mapv(|v| v.max(0.0))
}

fn views(layers: &[(String, Array2<f32>)]) -> Vec<(&str, ArrayView2<'_, f32>)> {
    layers.iter().map(|(n, a)| (n.as_str(), a.view())).collect()
}

fn assert_same_matrix(a: &CkaMatrix, b: &CkaMatrix, epsilon: f64) {
    assert_eq!(a.matrix.len(), b.matrix.len());
    for (ra, rb) in a.matrix.iter().zip(&b.matrix) {
        assert_eq!(ra.len(), rb.len());
        for (x, y) in ra.iter().zip(rb) {
            match (x, y) {
                (Some(x), Some(y)) => assert_abs_diff_eq!(x, y, epsilon = epsilon),
                _ => assert_eq!(x, y),
            }
        }
    }
}

#[test]
fn matrix_matches_the_gram_matrix_form_in_numpy() {
    let fx = fixture();
    let layers = fixture_layers(&fx);
    let got = cka_matrix(&views(&layers)).unwrap();
    assert_eq!(got.layers, layers.iter().map(|(n, _)| n.clone()).collect::<Vec<_>>());
    let want = fx["matrix"].as_array().unwrap();
    for (i, row) in want.iter().enumerate() {
        for (j, v) in row.as_array().unwrap().iter().enumerate() {
            match v.as_f64() {
                Some(v) => {
                    let g = got.get(i, j).unwrap_or_else(|| panic!("{i},{j} undefined, numpy says {v}"));
                    assert_abs_diff_eq!(g, v, epsilon = TOLERANCE);
                }
                None => assert_eq!(got.get(i, j), None, "{i},{j}"),
            }
        }
    }
    // One pair at a time gives the same.
    let (b, c) = (&layers[1].1, &layers[2].1);
    assert_abs_diff_eq!(linear_cka(b.view(), c.view()).unwrap().unwrap(), got.get(1, 2).unwrap(), epsilon = 1e-12);
}

#[test]
fn a_layer_with_itself_is_one_and_the_matrix_is_symmetric_in_zero_one() {
    let x = random(300, 20, 1);
    let h = relu_layer(&x, 16, 2);
    assert_abs_diff_eq!(linear_cka(x.view(), x.view()).unwrap().unwrap(), 1.0, epsilon = 1e-12);
    assert_abs_diff_eq!(linear_cka(h.view(), h.view()).unwrap().unwrap(), 1.0, epsilon = 1e-12);
    let layers = vec![
        ("x".to_string(), x.clone()),
        ("h".to_string(), h.clone()),
        ("hh".to_string(), relu_layer(&h, 7, 3)),
        ("noise".to_string(), random(300, 5, 4)),
    ];
    let m = cka_matrix(&views(&layers)).unwrap();
    for i in 0..4 {
        assert_eq!(m.get(i, i), Some(1.0));
        for j in 0..4 {
            let v = m.get(i, j).unwrap();
            assert!((0.0..=1.0).contains(&v), "{i},{j}: {v}");
            assert_eq!(m.get(i, j), m.get(j, i));
        }
    }
    // Argument order does not matter in the one-pair function either.
    let (a, b) = (linear_cka(x.view(), h.view()).unwrap().unwrap(), linear_cka(h.view(), x.view()).unwrap().unwrap());
    assert_abs_diff_eq!(a, b, epsilon = 1e-12);
}

/// A random orthogonal matrix: a product of Householder reflections.
fn rotation(size: usize, seed: u64) -> Array2<f64> {
    let mut q = Array2::<f64>::eye(size);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    for _ in 0..size {
        let v: Vec<f64> = (0..size).map(|_| rng.gen_range(-1.0..1.0)).collect();
        let norm2: f64 = v.iter().map(|a| a * a).sum();
        let h = Array2::from_shape_fn((size, size), |(i, j)| f64::from(u8::from(i == j)) - 2.0 * v[i] * v[j] / norm2);
        q = q.dot(&h);
    }
    q
}

#[test]
fn invariant_to_rotation_and_uniform_scale_but_not_to_uneven_scale() {
    let x = random(400, 12, 5);
    let y = relu_layer(&x, 10, 6);
    let base = linear_cka(x.view(), y.view()).unwrap().unwrap();
    assert!(base > 0.1 && base < 0.99, "{base}");

    let q = rotation(10, 7);
    assert_abs_diff_eq!(q.t().dot(&q), Array2::<f64>::eye(10), epsilon = 1e-12);
    let rotated = y.mapv(f64::from).dot(&q).mapv(|v| v as f32);
    assert_abs_diff_eq!(linear_cka(x.view(), rotated.view()).unwrap().unwrap(), base, epsilon = 1e-6);
    // A power of two scales exactly in f32; 3.7 and a shift round a little.
    assert_abs_diff_eq!(linear_cka(x.view(), (&y * 4.0).view()).unwrap().unwrap(), base, epsilon = 1e-12);
    let moved = y.mapv(|v| 3.7 * v - 2.0);
    assert_abs_diff_eq!(linear_cka(moved.view(), x.view()).unwrap().unwrap(), base, epsilon = 1e-6);

    // Uneven scale: two exactly orthogonal centred columns of equal norm, one
    // stretched tenfold. XᵀX = nI, YᵀX = n·diag(10, 1), YᵀY = n·diag(100, 1):
    // CKA = 101 / (√2 · √10001) ≈ 0.714, far from 1.
    let n = 400;
    let x = Array2::from_shape_fn((n, 2), |(i, j)| if (i >> j) & 1 == 0 { 1.0f32 } else { -1.0 });
    assert_abs_diff_eq!(linear_cka(x.view(), x.view()).unwrap().unwrap(), 1.0, epsilon = 1e-12);
    let mut stretched = x.clone();
    stretched.column_mut(0).mapv_inplace(|v| 10.0 * v);
    let want = 101.0 / (2.0f64.sqrt() * 10_001.0f64.sqrt());
    let got = linear_cka(x.view(), stretched.view()).unwrap().unwrap();
    assert_abs_diff_eq!(got, want, epsilon = 1e-12);
    assert!(got < 0.75);
}

#[test]
fn constant_layers_are_undefined_and_constant_columns_change_nothing() {
    let x = random(100, 6, 8);
    let dead = Array2::<f32>::from_elem((100, 5), 0.1);
    assert_eq!(linear_cka(x.view(), dead.view()).unwrap(), None);
    assert_eq!(linear_cka(dead.view(), dead.view()).unwrap(), None);
    // One row: every column is constant.
    assert_eq!(linear_cka(x.slice(ndarray::s![..1, ..]), x.slice(ndarray::s![..1, ..])).unwrap(), None);
    let layers = vec![("x".to_string(), x.clone()), ("dead".to_string(), dead)];
    let m = cka_matrix(&views(&layers)).unwrap();
    assert_eq!(m.matrix, vec![vec![Some(1.0), None], vec![None, None]]);
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json, serde_json::json!({ "layers": ["x", "dead"], "matrix": [[1.0, null], [null, null]] }));

    // Dead units next to live ones: left out, as they vanish once centred.
    let mut with_dead = Array2::<f32>::from_elem((100, 8), 0.1);
    with_dead.slice_mut(ndarray::s![.., 1..7]).assign(&x);
    let y = relu_layer(&x, 4, 9);
    let (a, b) = (linear_cka(x.view(), y.view()).unwrap().unwrap(), linear_cka(with_dead.view(), y.view()).unwrap());
    assert_abs_diff_eq!(a, b.unwrap(), epsilon = 1e-12);
}

#[test]
fn mismatched_empty_and_non_finite_inputs_are_errors() {
    let (x, y) = (random(50, 3, 10), random(49, 3, 11));
    let err = linear_cka(x.view(), y.view()).unwrap_err();
    assert_eq!(err, AnalysisError::ImageCountMismatch { layer: "y".into(), expected: 50, found: 49 });
    let err = CkaJob::new(vec![("a".into(), x.clone()), ("b".into(), y.clone())]).unwrap_err();
    assert_eq!(err, AnalysisError::ImageCountMismatch { layer: "b".into(), expected: 50, found: 49 });
    let err = CkaJob::cross(vec![("a".into(), x.clone())], vec![("b".into(), y)]).unwrap_err();
    assert!(matches!(err, AnalysisError::ImageCountMismatch { .. }));
    let empty = Array2::<f32>::zeros((0, 3));
    assert_eq!(linear_cka(empty.view(), empty.view()).unwrap_err(), AnalysisError::EmptyData);
    let narrow = Array2::<f32>::zeros((50, 0));
    assert_eq!(linear_cka(x.view(), narrow.view()).unwrap_err(), AnalysisError::ZeroWidth);
    let mut bad = x.clone();
    bad[[7, 2]] = f32::NAN;
    assert_eq!(linear_cka(x.view(), bad.view()).unwrap_err(), AnalysisError::NonFinite { row: 7, col: 2 });
    // No layers: an empty matrix, not an error.
    let m = CkaJob::new(Vec::new()).unwrap().finish();
    assert!(m.layers.is_empty() && m.matrix.is_empty());
}

/// `n × width` pixel-like values: k/256 (exact in f32, and still exact plus
/// one), about 85 % zeros.
fn pixels(n: usize, width: usize, seed: u64) -> Array2<f32> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    Array2::from_shape_fn(
        (n, width),
        |_| if rng.gen_bool(0.15) { rng.gen_range(1..256u16) as f32 / 256.0 } else { 0.0 },
    )
}

/// Input pixels (mostly zeros: the sparse path), then ReLU layers (dense).
fn network_like(n: usize, widths: &[usize], seed: u64) -> Vec<(String, Array2<f32>)> {
    let mut layers = vec![("input".to_string(), pixels(n, widths[0], seed))];
    for (i, &w) in widths.iter().enumerate().skip(1) {
        let next = relu_layer(&layers[i - 1].1, w, seed + i as u64).mapv(|v| v / 4.0);
        layers.push((format!("h{i}"), next));
    }
    layers
}

#[test]
fn skipping_the_zeros_of_sparse_layers_changes_nothing() {
    // Adding 1 to every value leaves CKA unchanged (centring) but leaves no
    // zeros, so the shifted layers take the dense path: both must agree.
    let mut layers = network_like(700, &[60, 25], 19);
    let sparser = layers[0].1.mapv(|v| if v < 0.5 { 0.0 } else { v });
    let mut with_border = pixels(700, 30, 20);
    with_border.column_mut(3).fill(0.0);
    layers.push(("sparser".into(), sparser));
    layers.push(("border".into(), with_border));
    let shifted: Vec<(String, Array2<f32>)> =
        layers.iter().map(|(n, l)| (n.clone(), if n == "h1" { l.clone() } else { l + 1.0 })).collect();
    let sparse = cka_matrix(&views(&layers)).unwrap();
    let dense = cka_matrix(&views(&shifted)).unwrap();
    assert_same_matrix(&sparse, &dense, 1e-10);
    assert!(sparse.get(0, 2).unwrap() > 0.3, "{:?}", sparse.matrix);
    let cross = cka_cross_matrix(&views(&layers), &views(&shifted)).unwrap();
    for r in 0..4 {
        for c in 0..4 {
            assert_abs_diff_eq!(cross.get(r, c).unwrap(), dense.get(r, c).unwrap(), epsilon = 1e-10);
        }
    }
}

#[test]
fn small_steps_give_the_one_shot_matrix() {
    let layers = network_like(1_100, &[40, 300, 9, 17], 12);
    let once = cka_matrix(&views(&layers)).unwrap();
    for work in [1, 5_000, 400_000] {
        let mut job = CkaJob::new(layers.clone()).unwrap().with_work_per_step(work);
        let mut steps = 0;
        let mut last = job.progress();
        while !job.step() {
            steps += 1;
            assert!(job.progress() >= last && job.progress() < 1.0 + 1e-12);
            last = job.progress();
        }
        assert!(steps >= 4, "{work}: {steps} steps");
        assert!(job.is_done() && (job.progress() - 1.0).abs() < 1e-12);
        assert_same_matrix(&job.finish(), &once, 1e-12);
    }
}

#[test]
fn a_run_against_itself_gives_its_own_matrix() {
    let layers = network_like(600, &[30, 20, 10], 13);
    let own = cka_matrix(&views(&layers)).unwrap();
    let cross = cka_cross_matrix(&views(&layers), &views(&layers)).unwrap();
    assert_eq!(cross.column_names(), own.layers.as_slice());
    assert_same_matrix(&cross, &own, 1e-12);
    let json = serde_json::to_value(&cross).unwrap();
    assert_eq!(json["columns"], serde_json::json!(["input", "h1", "h2"]));

    // Another run: rows are this run's layers, columns the other's.
    let other = network_like(600, &[30, 12], 14);
    let mut job = CkaJob::cross(layers.clone(), other.clone()).unwrap().with_work_per_step(10_000);
    while !job.step() {}
    let m = job.finish();
    assert_eq!(m.layers, vec!["input", "h1", "h2"]);
    assert_eq!(m.column_names(), ["input", "h1"]);
    for (r, (_, x)) in layers.iter().enumerate() {
        for (c, (_, y)) in other.iter().enumerate() {
            assert_abs_diff_eq!(
                m.get(r, c).unwrap(),
                linear_cka(x.view(), y.view()).unwrap().unwrap(),
                epsilon = 1e-12
            );
        }
    }
}

#[test]
fn a_self_product_handed_in_is_not_computed_again() {
    let layers = network_like(900, &[200, 16, 8], 21);
    let mut first = CkaJob::new(layers.clone()).unwrap().with_work_per_step(20_000);
    let mut first_steps = 0;
    while !first.step() {
        first_steps += 1;
    }
    let known = first.self_products();
    assert_eq!(known.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>(), ["input", "h1", "h2"]);
    let full = first.finish();
    let (name, value) = known[0].clone();
    let mut again = CkaJob::new(layers.clone()).unwrap().with_work_per_step(20_000).with_self_product(&name, value);
    let mut steps = 0;
    while !again.step() {
        steps += 1;
    }
    assert!(steps < first_steps, "{steps} vs {first_steps}");
    assert_same_matrix(&again.finish(), &full, 1e-12);
    // Nonsense is ignored; a zero makes the layer undefined (constant).
    let ignored = CkaJob::new(layers.clone()).unwrap().with_self_product("input", f64::NAN).finish();
    assert_same_matrix(&ignored, &full, 1e-12);
    let zero = CkaJob::new(layers).unwrap().with_self_product("h1", 0.0).finish();
    assert_eq!(zero.get(1, 0), None);
    assert_abs_diff_eq!(zero.get(0, 2).unwrap(), full.get(0, 2).unwrap(), epsilon = 1e-12);
}

#[test]
fn the_default_run_sizes_complete() {
    // 10,000 images, input 784 (mostly zeros, like pixels), h1 32, h2 64,
    // output 10. Timing is in examples/cka_bench.rs, not asserted here.
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(15);
    let input =
        Array2::from_shape_fn((10_000, 784), |_| if rng.gen_bool(0.2) { rng.gen_range(0.0..1.0f32) } else { 0.0 });
    let h1 = relu_layer(&input, 32, 16);
    let h2 = relu_layer(&h1, 64, 17);
    let out = relu_layer(&h2, 10, 18);
    let layers = vec![("input".into(), input), ("h1".into(), h1), ("h2".into(), h2), ("output".into(), out)];
    let mut job = CkaJob::new(layers).unwrap();
    let mut steps = 0;
    while !job.step() {
        steps += 1;
    }
    assert!(steps > 10);
    let m = job.finish();
    for i in 0..4 {
        for j in 0..4 {
            assert!(m.get(i, j).is_some_and(|v| (0.0..=1.0).contains(&v)), "{i},{j}");
        }
    }
}
