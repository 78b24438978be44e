//! Question 1 seen from the layers' side: how alike the layers' signatures
//! are (linear CKA, [`crate::core::analysis::cka`]), in one sentence.

use crate::core::analysis::cka::CkaMatrix;

/// For each row of a layer × layer matrix except the first (the input), the
/// other layer it is most like, in words: "Linear CKA: h1 is most like the
/// input (0.62), h2 like h1 (0.83), the output like h2 (0.74)." `None` for a
/// matrix of fewer than two layers or with no defined value.
pub fn similarity_sentence(matrix: &CkaMatrix, input: &str, output: &str) -> Option<String> {
    let names = &matrix.layers;
    let words = |name: &str| if name == input || name == output { format!("the {name}") } else { name.to_string() };
    let mut parts = Vec::new();
    for (row, name) in names.iter().enumerate().skip(1) {
        let best = (0..names.len())
            .filter(|&col| col != row)
            .filter_map(|col| matrix.get(row, col).filter(|v| v.is_finite()).map(|v| (col, v)))
            .max_by(|a, b| a.1.total_cmp(&b.1));
        if let Some((col, value)) = best {
            let verb = if parts.is_empty() { " is most like " } else { " like " };
            parts.push(format!("{}{verb}{} ({value:.2})", words(name), words(&names[col])));
        }
    }
    if parts.is_empty() {
        return None;
    }
    Some(format!("Linear CKA (1 = the same up to rotation and scale): {}.", parts.join(", ")))
}
