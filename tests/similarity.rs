//! The findings' sentence on how alike the layers are (linear CKA).

use sigpath::core::analysis::cka::{CkaMatrix, cka_matrix};
use sigpath::core::findings::similarity_sentence;

fn matrix(names: &[&str], values: &[&[Option<f64>]]) -> CkaMatrix {
    CkaMatrix {
        layers: names.iter().map(|n| n.to_string()).collect(),
        columns: None,
        matrix: values.iter().map(|row| row.to_vec()).collect(),
    }
}

#[test]
fn each_layer_is_paired_with_the_layer_it_is_most_like() {
    let m = matrix(
        &["input", "h1", "h2", "output"],
        &[
            &[Some(1.0), Some(0.6), Some(0.3), Some(0.2)],
            &[Some(0.6), Some(1.0), Some(0.8), Some(0.5)],
            &[Some(0.3), Some(0.8), Some(1.0), Some(0.9)],
            &[Some(0.2), Some(0.5), Some(0.9), Some(1.0)],
        ],
    );
    let sentence = similarity_sentence(&m, "input", "output").unwrap();
    assert_eq!(
        sentence,
        "Linear CKA (1 = the same up to rotation and scale): h1 is most like h2 (0.80), h2 like the output (0.90), \
         the output like h2 (0.90)."
    );
}

#[test]
fn undefined_values_are_passed_over_and_a_matrix_without_any_says_nothing() {
    let m = matrix(&["input", "h1"], &[&[Some(1.0), None], &[None, None]]);
    assert_eq!(similarity_sentence(&m, "input", "output"), None);
    let m = matrix(
        &["input", "h1", "h2"],
        &[&[Some(1.0), None, Some(0.4)], &[None, None, None], &[Some(0.4), None, Some(1.0)]],
    );
    let sentence = similarity_sentence(&m, "input", "output").unwrap();
    assert!(sentence.contains("h2 is most like the input (0.40)"), "{sentence}");
    assert!(!sentence.contains("h1"), "{sentence}");
}

#[test]
fn on_real_layers_a_copy_is_most_like_its_original() {
    // h2 is h1 rotated and scaled: CKA 1, so each names the other.
    let n = 200;
    let h1 = ndarray::Array2::from_shape_fn((n, 3), |(i, j)| {
        ((i * 7 + j * 13) % 17) as f32 + if j == 1 { (i % 5) as f32 } else { 0.0 }
    });
    let h2 = h1.dot(&ndarray::array![[0.0f32, -2.0, 0.0], [2.0, 0.0, 0.0], [0.0, 0.0, 2.0]]);
    let noise = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| ((i * 31 + j * 17) % 23) as f32);
    let m = cka_matrix(&[("input", noise.view()), ("h1", h1.view()), ("h2", h2.view())]).unwrap();
    let sentence = similarity_sentence(&m, "input", "output").unwrap();
    assert!(sentence.contains("h1 is most like h2 (1.00)"), "{sentence}");
    assert!(sentence.contains("h2 like h1 (1.00)"), "{sentence}");
}
