//! Words the findings' sentences share: what the images are called, numbers
//! with thousands separators, shares as percentages.

use super::foreign::foreign_kind;
use crate::core::data::DatasetKind;
use crate::core::results::RunResults;

/// What the run's images are called in sentences.
pub fn set_noun(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Mnist => "digits",
        DatasetKind::Animals => "animal shapes",
    }
}

/// What the foreign images scored against a run on `kind` are called.
pub fn foreign_noun(kind: DatasetKind) -> &'static str {
    match foreign_kind(kind) {
        DatasetKind::Mnist => "MNIST digits",
        DatasetKind::Animals => "Animal-Shape images",
    }
}

pub(super) fn class_name(results: &RunResults, index: usize) -> String {
    results.classes.value_at(index).map_or_else(|| "?".into(), |v| results.config.dataset.class_name(v).to_string())
}

/// 10000 → "10,000".
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub(super) fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}
