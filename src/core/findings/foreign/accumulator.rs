//! The signatures of the foreign images, extracted a chunk at a time, joined
//! into one set.

use ndarray::Array2;

use crate::core::findings::FindingsError;
use crate::core::signature::{LayerSignatures, Signatures};

#[derive(Debug, Clone, Default)]
pub struct SignatureAccumulator {
    layers: Vec<(String, usize, Vec<f32>)>,
    classes: usize,
    probabilities: Vec<f32>,
    predictions: Vec<usize>,
    targets: Vec<usize>,
}

impl SignatureAccumulator {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.targets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// Append a chunk; its layers must match the earlier chunks'.
    pub fn push(&mut self, chunk: Signatures) -> Result<(), FindingsError> {
        if self.targets.is_empty() && self.layers.is_empty() {
            self.layers = chunk.layers.iter().map(|l| (l.name.clone(), l.values.ncols(), Vec::new())).collect();
            self.classes = chunk.probabilities.ncols();
        }
        let fits = chunk.layers.len() == self.layers.len()
            && chunk
                .layers
                .iter()
                .zip(&self.layers)
                .all(|(l, (name, width, _))| l.name == *name && l.values.ncols() == *width)
            && chunk.probabilities.ncols() == self.classes;
        if !fits {
            return Err(FindingsError::Mismatch("a chunk's layers differ from the first chunk's".into()));
        }
        for (layer, (_, _, values)) in chunk.layers.iter().zip(&mut self.layers) {
            values.extend(layer.values.iter().copied());
        }
        self.probabilities.extend(chunk.probabilities.iter().copied());
        self.predictions.extend(chunk.predictions);
        self.targets.extend(chunk.targets);
        Ok(())
    }

    pub fn finish(self) -> Result<Signatures, FindingsError> {
        let n = self.targets.len();
        let array = |width: usize, values: Vec<f32>| {
            Array2::from_shape_vec((n, width), values).map_err(|e| FindingsError::Mismatch(e.to_string()))
        };
        let layers = self
            .layers
            .into_iter()
            .map(|(name, width, values)| Ok(LayerSignatures { name, values: array(width, values)? }))
            .collect::<Result<Vec<_>, FindingsError>>()?;
        let probabilities = array(self.classes, self.probabilities)?;
        Ok(Signatures { layers, probabilities, predictions: self.predictions, targets: self.targets })
    }
}
