//! The evaluation set's signatures as CSV, for download.

use std::fmt::Write;

use super::RunResults;

impl RunResults {
    /// The evaluation set's signatures as CSV (layout in docs/automation.md):
    /// `index,label,prediction,cluster_<layer>…,<layer>_<neuron>…`.
    pub fn signatures_csv(&self) -> String {
        let mut out = String::from("index,label,prediction");
        for layer in &self.layers {
            let _ = write!(out, ",cluster_{}", layer.name);
        }
        for layer in &self.layers {
            for j in 0..layer.width() {
                let _ = write!(out, ",{}_{j}", layer.name);
            }
        }
        out.push('\n');
        let value = |index: usize| self.classes.value_at(index).unwrap_or(0);
        for i in 0..self.eval.len() {
            let _ = write!(
                out,
                "{},{},{}",
                self.eval.test_indices[i],
                value(self.eval.targets[i]),
                value(self.eval.predictions[i])
            );
            for layer in &self.layers {
                let _ = write!(out, ",{}", layer.clustering().labels.get(i).copied().unwrap_or(0));
            }
            for layer in &self.layers {
                for v in layer.signatures.row(i) {
                    let _ = write!(out, ",{v}");
                }
            }
            out.push('\n');
        }
        out
    }
}
