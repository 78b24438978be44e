//! The analysis metrics against scikit-learn: the reference values in
//! tests/fixtures/analysis_reference.json come from
//! tests/fixtures/make_analysis_fixture.py (silhouette_score,
//! normalized_mutual_info_score, adjusted_rand_score, PCA, roc_auc_score).

use approx::assert_abs_diff_eq;
use ndarray::Array2;
use serde_json::Value;
use sigpath::core::analysis::{Contingency, Pca2, auroc, silhouette_score, silhouette_scores};

const TOLERANCE: f64 = 1e-4;

fn fixture() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/analysis_reference.json"))
        .unwrap();
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

fn labels(fx: &Value, name: &str) -> Vec<usize> {
    fx["labelings"][name].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect()
}

fn floats(value: &Value) -> Vec<f64> {
    value.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect()
}

#[test]
fn silhouettes_match_scikit_learn_one_by_one_and_all_at_once() {
    let fx = fixture();
    for data_name in ["x", "h"] {
        let data = matrix(&fx[data_name]);
        let expected = fx["silhouette"][data_name].as_object().unwrap();
        let names: Vec<&String> = expected.keys().collect();
        assert!(names.len() >= 5);
        // One pass for every labeling together...
        let sets = names.iter().map(|n| labels(&fx, n)).collect();
        let together = silhouette_scores(data.view(), sets).unwrap();
        for (name, got) in names.iter().zip(&together) {
            let want = expected[name.as_str()].as_f64().unwrap();
            let got = got.unwrap_or_else(|| panic!("{data_name}/{name}: undefined"));
            assert_abs_diff_eq!(got, want, epsilon = TOLERANCE);
        }
        // ...and each alone.
        for name in &names {
            let want = expected[name.as_str()].as_f64().unwrap();
            let got = silhouette_score(data.view(), &labels(&fx, name)).unwrap().unwrap();
            assert_abs_diff_eq!(got, want, epsilon = TOLERANCE);
        }
    }
}

#[test]
fn nmi_ari_and_purity_match_scikit_learn() {
    let fx = fixture();
    let cases = fx["agreement"].as_array().unwrap();
    assert!(cases.len() >= 5);
    for case in cases {
        let clusters = labels(&fx, case["clusters"].as_str().unwrap());
        let classes = labels(&fx, case["classes"].as_str().unwrap());
        let table = Contingency::new(&clusters, &classes).unwrap();
        assert_abs_diff_eq!(table.nmi(), case["nmi"].as_f64().unwrap(), epsilon = TOLERANCE);
        assert_abs_diff_eq!(table.ari(), case["ari"].as_f64().unwrap(), epsilon = TOLERANCE);
        assert_abs_diff_eq!(table.purity(), case["purity"].as_f64().unwrap(), epsilon = TOLERANCE);
        // NMI and ARI are symmetric in their arguments.
        let swapped = Contingency::new(&classes, &clusters).unwrap();
        assert_abs_diff_eq!(swapped.nmi(), table.nmi(), epsilon = 1e-12);
        assert_abs_diff_eq!(swapped.ari(), table.ari(), epsilon = 1e-12);
    }
}

#[test]
fn pca_matches_scikit_learn_up_to_sign() {
    let fx = fixture();
    for data_name in ["x", "h"] {
        let data = matrix(&fx[data_name]);
        let reference = &fx["pca"][data_name];
        let pca = Pca2::fit(data.view()).unwrap();

        let ratio = floats(&reference["explained_variance_ratio"]);
        assert_abs_diff_eq!(pca.explained_variance_ratio()[0], ratio[0], epsilon = TOLERANCE);
        assert_abs_diff_eq!(pca.explained_variance_ratio()[1], ratio[1], epsilon = TOLERANCE);

        let mean = floats(&reference["mean"]);
        for (got, want) in pca.mean().iter().zip(&mean) {
            assert_abs_diff_eq!(f64::from(*got), *want, epsilon = TOLERANCE);
        }

        // sklearn's sign convention differs; each component may be flipped.
        let components = reference["components"].as_array().unwrap();
        let mut signs = [1.0f64; 2];
        for (k, sign) in signs.iter_mut().enumerate() {
            let want = floats(&components[k]);
            let got = &pca.components()[k];
            let dot: f64 = got.iter().zip(&want).map(|(&g, &w)| f64::from(g) * w).sum();
            *sign = dot.signum();
            for (g, w) in got.iter().zip(&want) {
                assert_abs_diff_eq!(f64::from(*g) * *sign, *w, epsilon = TOLERANCE);
            }
        }

        let projection = matrix(&reference["projection"]);
        let rows = pca.project_rows(data.view()).unwrap();
        assert_eq!(rows.dim(), projection.dim());
        for (i, (got, want)) in rows.rows().into_iter().zip(projection.rows()).enumerate() {
            for k in 0..2 {
                // Absolute error relative to the coordinate's scale (values ~10).
                let tolerance = TOLERANCE * f64::from(want[k]).abs().max(1.0);
                assert_abs_diff_eq!(f64::from(got[k]) * signs[k], f64::from(want[k]), epsilon = tolerance);
            }
            // A single projection agrees with the bulk one.
            let one = pca.project(data.row(i).as_slice().unwrap()).unwrap();
            assert_eq!(one, [got[0], got[1]]);
        }
    }
}

#[test]
fn auroc_matches_scikit_learn_with_ties() {
    let fx = fixture();
    let reference = &fx["auroc"];
    let scores_in = floats(&reference["scores_in"]);
    let scores_out = floats(&reference["scores_out"]);
    // The fixture rounds scores to one decimal, so there are many ties.
    let distinct: std::collections::BTreeSet<i64> =
        scores_in.iter().chain(&scores_out).map(|v| (v * 10.0).round() as i64).collect();
    assert!(distinct.len() < scores_in.len() + scores_out.len());
    let got = auroc(&scores_in, &scores_out).unwrap();
    assert_abs_diff_eq!(got, reference["value"].as_f64().unwrap(), epsilon = 1e-12);

    let zeros_in = vec![0.0f64; scores_in.len()];
    let zeros_out = vec![0.0f64; scores_out.len()];
    let tied = auroc(&zeros_in, &zeros_out).unwrap();
    assert_abs_diff_eq!(tied, reference["all_tied_value"].as_f64().unwrap(), epsilon = 1e-12);
}
