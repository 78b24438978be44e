//! The checks [`ExperimentFile::validate`] makes on both write and read: shapes,
//! ranges, names, class lists, clusterings and PCA bases.

use crate::core::config::Arch;
use crate::core::data::DatasetKind;

use super::super::errors::ShareError;
use super::super::link::{K_MAX, K_MIN};
use super::{
    Clustering, ExperimentFile, LayerRecord, MAX_CURVE_POINTS, MAX_LAYER_WIDTH, MAX_LAYERS, MAX_NAME_CHARS,
    MAX_PCA_COMPONENTS, PcaBasis,
};

/// Size of a data set's test split (the evaluation indices point into it).
fn test_split_len(kind: DatasetKind) -> usize {
    match kind {
        DatasetKind::Mnist => 10_000,
        // 200 of each of the 10 classes (see `Dataset::split_animals`).
        DatasetKind::Animals => 2_000,
    }
}

fn inconsistent(message: String) -> ShareError {
    ShareError::Inconsistent(message)
}

fn finite(values: &[f32]) -> bool {
    values.iter().all(|v| v.is_finite())
}

fn in_unit(value: f64) -> bool {
    value.is_finite() && (0.0..=1.0).contains(&value)
}

fn check_name(name: &str, what: &str) -> Result<(), ShareError> {
    if name.chars().count() > MAX_NAME_CHARS || name.chars().any(char::is_control) {
        return Err(inconsistent(format!(
            "the {what} name is longer than {MAX_NAME_CHARS} characters or holds control characters"
        )));
    }
    Ok(())
}

/// `rows × cols`, or an error naming what overflowed.
fn shape(rows: usize, cols: usize, what: &str) -> Result<usize, ShareError> {
    rows.checked_mul(cols).ok_or_else(|| inconsistent(format!("the {what} are too large")))
}

impl ExperimentFile {
    /// Every length against its shape, every value against its range.
    /// The curve: at most [`MAX_CURVE_POINTS`] finite readings, in order,
    /// within the configured epochs.
    fn check_curve(&self) -> Result<(), ShareError> {
        if self.curve.len() > MAX_CURVE_POINTS {
            return Err(inconsistent(format!("its training curve has more than {MAX_CURVE_POINTS} points")));
        }
        let epochs = self.config.epochs as f32;
        let mut previous = 0.0f32;
        for point in &self.curve {
            let in_order = point.epochs > 0.0 && point.epochs >= previous && point.epochs <= epochs;
            let loss_ok = point.loss.is_finite() && point.loss >= 0.0;
            if !in_order || !loss_ok || !(0.0..=1.0).contains(&point.accuracy) {
                return Err(inconsistent("its training curve is out of order or out of range".into()));
            }
            previous = point.epochs;
        }
        Ok(())
    }

    pub fn validate(&self) -> Result<(), ShareError> {
        if let Some(error) = self.config.validate(None).into_iter().next() {
            return Err(inconsistent(format!("its configuration is invalid ({error})")));
        }
        if self.classes != self.config.sorted_classes() {
            return Err(inconsistent("the kept classes differ from the configuration's".into()));
        }
        self.check_training()?;
        self.check_curve()?;
        let n = self.check_evaluation()?;
        if let Some((a, b)) = self.view.pair
            && (a == b || !self.classes.contains(&a) || !self.classes.contains(&b))
        {
            return Err(inconsistent("the compared pair is not two different kept classes".into()));
        }
        if self.layers.is_empty() || self.layers.len() > MAX_LAYERS {
            return Err(inconsistent(format!("it has {} layers; expected 1 to {MAX_LAYERS}", self.layers.len())));
        }
        if self.config.arch == Arch::Mlp {
            let widths: Vec<usize> = self.layers.iter().map(|l| l.width as usize).collect();
            if widths != self.config.hidden {
                return Err(inconsistent("the layer widths differ from the configuration's hidden sizes".into()));
            }
        }
        for (index, layer) in self.layers.iter().enumerate() {
            check_layer(layer, n).map_err(|e| match e {
                ShareError::Inconsistent(message) => inconsistent(format!("layer {}: {message}", index + 1)),
                other => other,
            })?;
        }
        Ok(())
    }

    fn check_training(&self) -> Result<(), ShareError> {
        let t = &self.training;
        if t.loss_per_epoch.len() > self.config.epochs || t.epoch_secs.len() != t.loss_per_epoch.len() {
            return Err(inconsistent("the training history does not match the number of epochs".into()));
        }
        let non_negative = |v: &f64| v.is_finite() && *v >= 0.0;
        if !t.loss_per_epoch.iter().all(non_negative)
            || !t.epoch_secs.iter().all(non_negative)
            || !non_negative(&t.samples_per_sec)
        {
            return Err(inconsistent("the training history holds negative or non-numeric values".into()));
        }
        if !in_unit(t.train_accuracy) || !in_unit(t.test_accuracy) {
            return Err(inconsistent("an accuracy is outside 0 to 1".into()));
        }
        check_name(&t.backend, "backend")
    }

    /// Checks the evaluation set and returns its size `n`.
    fn check_evaluation(&self) -> Result<usize, ShareError> {
        let e = &self.evaluation;
        let n = e.indices.len();
        if e.labels.len() != n
            || e.predictions.len() != n
            || e.probabilities.len() != shape(n, self.classes.len(), "probabilities")?
        {
            return Err(inconsistent(format!("the evaluation set's lengths do not match its {n} images")));
        }
        let split = test_split_len(self.config.dataset);
        let mut seen = vec![false; split];
        for &index in &e.indices {
            match seen.get_mut(index as usize) {
                Some(slot) if !*slot => *slot = true,
                Some(_) => return Err(inconsistent(format!("test image {index} is listed twice"))),
                None => {
                    return Err(inconsistent(format!(
                        "test image {index} is past the end of the {split}-image test split"
                    )));
                }
            }
        }
        if e.labels.iter().chain(&e.predictions).any(|c| !self.classes.contains(c)) {
            return Err(inconsistent("a label or prediction is not a kept class".into()));
        }
        if !e.probabilities.iter().all(|p| p.is_finite() && (0.0..=1.0).contains(p)) {
            return Err(inconsistent("a probability is outside 0 to 1".into()));
        }
        Ok(n)
    }
}

fn check_layer(layer: &LayerRecord, n: usize) -> Result<(), ShareError> {
    check_name(&layer.name, "layer")?;
    let width = layer.width as usize;
    if width == 0 || width > MAX_LAYER_WIDTH {
        return Err(inconsistent(format!("its width {width} is outside 1 to {MAX_LAYER_WIDTH}")));
    }
    if layer.signatures.len() != shape(n, width, "signatures")? {
        return Err(inconsistent(format!(
            "it holds {} signature values, expected {n} × {width}",
            layer.signatures.len()
        )));
    }
    if !finite(&layer.signatures) {
        return Err(inconsistent("a signature value is not a finite number".into()));
    }
    if layer.clusterings.is_empty() {
        return Err(inconsistent("it has no clustering".into()));
    }
    let mut previous_k = 0u8;
    for clustering in &layer.clusterings {
        let k = clustering.k;
        if !(K_MIN..=K_MAX).contains(&usize::from(k)) || k <= previous_k || usize::from(k) > n {
            return Err(inconsistent(format!(
                "K = {k} is out of order, outside {K_MIN} to {K_MAX}, or above the {n} images"
            )));
        }
        previous_k = k;
        check_clustering(clustering, n, width)?;
    }
    if layer.clustering(layer.chosen_k).is_none() || layer.k_override.is_some_and(|k| layer.clustering(k).is_none()) {
        return Err(inconsistent("the chosen K has no clustering".into()));
    }
    check_pca(&layer.pca, width)
}

fn check_clustering(clustering: &Clustering, n: usize, width: usize) -> Result<(), ShareError> {
    let k = clustering.k;
    if clustering.labels.len() != n || clustering.labels.iter().any(|&c| c >= k) {
        return Err(inconsistent(format!("the K = {k} cluster labels are not {n} values below {k}")));
    }
    if clustering.centres.len() != shape(usize::from(k), width, "centres")? || !finite(&clustering.centres) {
        return Err(inconsistent(format!("the K = {k} centres are not {k} × {width} finite values")));
    }
    if clustering.silhouette.is_some_and(|s| !(s.is_finite() && (-1.0..=1.0).contains(&s))) {
        return Err(inconsistent(format!("the K = {k} silhouette is outside -1 to 1")));
    }
    let s = clustering.scores;
    let ari_ok = s.ari.is_finite() && (-1.0..=1.0).contains(&s.ari);
    if !(in_unit(s.purity) && in_unit(s.nmi) && ari_ok) {
        return Err(inconsistent(format!("the K = {k} scores are out of range")));
    }
    Ok(())
}

fn check_pca(pca: &PcaBasis, width: usize) -> Result<(), ShareError> {
    let c = pca.explained_variance_ratio.len();
    if c > MAX_PCA_COMPONENTS || c > width {
        return Err(inconsistent(format!(
            "its PCA has {c} components; at most {MAX_PCA_COMPONENTS} and no more than the width"
        )));
    }
    if pca.mean.len() != width || pca.components.len() != shape(c, width, "PCA components")? {
        return Err(inconsistent(format!("its PCA basis is not {c} × {width} values")));
    }
    if !finite(&pca.mean) || !finite(&pca.components) {
        return Err(inconsistent("its PCA basis holds non-numeric values".into()));
    }
    let ratios = &pca.explained_variance_ratio;
    // A little slack: the ratios are computed in floating point.
    if !ratios.iter().all(|&r| in_unit(r)) || ratios.iter().sum::<f64>() > 1.0 + 1e-6 {
        return Err(inconsistent("its PCA explained variance ratios are outside 0 to 1".into()));
    }
    Ok(())
}
