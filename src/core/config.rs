//! The configuration of one experiment: what to train on and how.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::data::DatasetKind;

/// Network architecture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Arch {
    /// Dense layers with ReLU.
    #[default]
    Mlp,
    /// Two conv + ReLU + pool blocks, then one dense hidden layer.
    Cnn,
}

impl Arch {
    pub fn id(self) -> &'static str {
        match self {
            Arch::Mlp => "mlp",
            Arch::Cnn => "cnn",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        [Arch::Mlp, Arch::Cnn].into_iter().find(|a| a.id() == id)
    }
}

/// Everything that determines a run. Field names are those of `state().config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentConfig {
    pub dataset: DatasetKind,
    /// Kept class values (sorted when used).
    pub classes: Vec<u8>,
    /// Training images per class; `None` keeps them all.
    pub per_class: Option<usize>,
    pub arch: Arch,
    /// Widths of the dense hidden layers (for the CNN: its one dense layer is the last entry).
    pub hidden: Vec<usize>,
    pub epochs: usize,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub seed: u64,
}

impl Default for ExperimentConfig {
    fn default() -> Self {
        Self {
            dataset: DatasetKind::Mnist,
            classes: (0..10).collect(),
            per_class: None,
            arch: Arch::Mlp,
            hidden: vec![32, 64],
            epochs: 1,
            batch_size: 64,
            learning_rate: 1e-3,
            seed: 42,
        }
    }
}

/// A form field of the configuration, so a message can be shown next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConfigField {
    Classes,
    PerClass,
    Hidden,
    Epochs,
    BatchSize,
    LearningRate,
    Seed,
}

impl ConfigField {
    /// Name used in the page's test ids, as in `state().config`.
    pub fn id(self) -> &'static str {
        match self {
            ConfigField::Classes => "classes",
            ConfigField::PerClass => "per_class",
            ConfigField::Hidden => "hidden",
            ConfigField::Epochs => "epochs",
            ConfigField::BatchSize => "batch_size",
            ConfigField::LearningRate => "learning_rate",
            ConfigField::Seed => "seed",
        }
    }
}

/// Why a configuration cannot be trained.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ConfigError {
    #[error("choose at least two classes")]
    TooFewClasses,
    #[error("class {0} does not exist")]
    UnknownClass(u8),
    #[error("images per class must be at least 1")]
    ZeroPerClass,
    #[error("give at least one hidden layer")]
    NoHiddenLayer,
    #[error("hidden layers must have at least one neuron")]
    ZeroWidth,
    #[error("hidden layers of more than {max} neurons are not supported in the browser")]
    TooWide { max: usize },
    #[error("at most {max} hidden layers")]
    TooManyLayers { max: usize },
    #[error("train for at least one epoch")]
    ZeroEpochs,
    #[error("at most {max} epochs")]
    TooManyEpochs { max: usize },
    #[error("the batch size must be at least 1")]
    ZeroBatch,
    #[error("the batch size ({batch}) is larger than the training set ({images} images)")]
    BatchLargerThanData { batch: usize, images: usize },
    #[error("the learning rate must be a number greater than 0 and at most 1")]
    BadLearningRate,
}

impl ConfigError {
    /// The form field the message belongs next to.
    pub fn field(&self) -> ConfigField {
        match self {
            ConfigError::TooFewClasses | ConfigError::UnknownClass(_) => ConfigField::Classes,
            ConfigError::ZeroPerClass => ConfigField::PerClass,
            ConfigError::NoHiddenLayer
            | ConfigError::ZeroWidth
            | ConfigError::TooWide { .. }
            | ConfigError::TooManyLayers { .. } => ConfigField::Hidden,
            ConfigError::ZeroEpochs | ConfigError::TooManyEpochs { .. } => ConfigField::Epochs,
            ConfigError::ZeroBatch | ConfigError::BatchLargerThanData { .. } => ConfigField::BatchSize,
            ConfigError::BadLearningRate => ConfigField::LearningRate,
        }
    }
}

pub const MAX_HIDDEN_WIDTH: usize = 1024;
pub const MAX_HIDDEN_LAYERS: usize = 4;
pub const MAX_EPOCHS: usize = 100;

impl ExperimentConfig {
    /// Sorted, de-duplicated kept classes.
    pub fn sorted_classes(&self) -> Vec<u8> {
        let mut classes = self.classes.clone();
        classes.sort_unstable();
        classes.dedup();
        classes
    }

    /// Every problem with this configuration; `train_images` is the size of the
    /// training subset it selects, when known, to check the batch size against.
    pub fn validate(&self, train_images: Option<usize>) -> Vec<ConfigError> {
        let mut errors = Vec::new();
        let classes = self.sorted_classes();
        if let Some(&bad) = classes.iter().find(|&&c| c >= self.dataset.class_count()) {
            errors.push(ConfigError::UnknownClass(bad));
        } else if classes.len() < 2 {
            errors.push(ConfigError::TooFewClasses);
        }
        if self.per_class == Some(0) {
            errors.push(ConfigError::ZeroPerClass);
        }
        if self.hidden.is_empty() {
            errors.push(ConfigError::NoHiddenLayer);
        } else if self.hidden.contains(&0) {
            errors.push(ConfigError::ZeroWidth);
        } else if self.hidden.iter().any(|&w| w > MAX_HIDDEN_WIDTH) {
            errors.push(ConfigError::TooWide { max: MAX_HIDDEN_WIDTH });
        } else if self.hidden.len() > MAX_HIDDEN_LAYERS {
            errors.push(ConfigError::TooManyLayers { max: MAX_HIDDEN_LAYERS });
        }
        if self.epochs == 0 {
            errors.push(ConfigError::ZeroEpochs);
        } else if self.epochs > MAX_EPOCHS {
            errors.push(ConfigError::TooManyEpochs { max: MAX_EPOCHS });
        }
        if self.batch_size == 0 {
            errors.push(ConfigError::ZeroBatch);
        } else if let Some(images) = train_images
            && self.batch_size > images
        {
            errors.push(ConfigError::BatchLargerThanData { batch: self.batch_size, images });
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            errors.push(ConfigError::BadLearningRate);
        }
        errors
    }
}

/// The configuration form as typed: numbers still as text, so a value that is
/// not a number can be shown back with its message instead of being lost.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigDraft {
    pub dataset: DatasetKind,
    pub classes: Vec<u8>,
    /// Empty means "all".
    pub per_class: String,
    pub arch: Arch,
    /// Comma-separated widths, e.g. "32, 64".
    pub hidden: String,
    pub epochs: String,
    pub batch_size: String,
    pub learning_rate: String,
    pub seed: String,
}

/// A message for one field of the form.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    pub field: ConfigField,
    pub message: String,
}

impl From<ConfigError> for FieldError {
    fn from(error: ConfigError) -> Self {
        FieldError { field: error.field(), message: error.to_string() }
    }
}

impl From<&ExperimentConfig> for ConfigDraft {
    fn from(config: &ExperimentConfig) -> Self {
        ConfigDraft {
            dataset: config.dataset,
            classes: config.sorted_classes(),
            per_class: config.per_class.map(|n| n.to_string()).unwrap_or_default(),
            arch: config.arch,
            hidden: config.hidden.iter().map(|w| w.to_string()).collect::<Vec<_>>().join(", "),
            epochs: config.epochs.to_string(),
            batch_size: config.batch_size.to_string(),
            learning_rate: config.learning_rate.to_string(),
            seed: config.seed.to_string(),
        }
    }
}

fn parse_count(text: &str, field: ConfigField, what: &str) -> Result<usize, FieldError> {
    text.trim().parse::<usize>().map_err(|_| FieldError { field, message: format!("{what} must be a whole number") })
}

impl ConfigDraft {
    /// The configuration the form describes, or every message to show.
    /// `train_images(per_class)` gives the size of the training subset when known.
    pub fn parse(
        &self,
        train_images: impl Fn(&ExperimentConfig) -> Option<usize>,
    ) -> Result<ExperimentConfig, Vec<FieldError>> {
        let mut errors = Vec::new();
        let keep = |r: Result<usize, FieldError>, errors: &mut Vec<FieldError>| match r {
            Ok(v) => v,
            Err(e) => {
                errors.push(e);
                1
            }
        };
        let per_class = if self.per_class.trim().is_empty() || self.per_class.trim().eq_ignore_ascii_case("all") {
            None
        } else {
            Some(keep(parse_count(&self.per_class, ConfigField::PerClass, "images per class"), &mut errors))
        };
        let mut hidden = Vec::new();
        for part in self.hidden.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            hidden.push(keep(parse_count(part, ConfigField::Hidden, "each hidden size"), &mut errors));
        }
        let epochs = keep(parse_count(&self.epochs, ConfigField::Epochs, "epochs"), &mut errors);
        let batch_size = keep(parse_count(&self.batch_size, ConfigField::BatchSize, "the batch size"), &mut errors);
        let learning_rate = match self.learning_rate.trim().parse::<f64>() {
            Ok(v) => v,
            Err(_) => {
                errors.push(ConfigError::BadLearningRate.into());
                1e-3
            }
        };
        let seed = match self.seed.trim().parse::<u64>() {
            Ok(v) => v,
            Err(_) => {
                errors.push(FieldError {
                    field: ConfigField::Seed,
                    message: "the seed must be a whole number ≥ 0".into(),
                });
                0
            }
        };
        let config = ExperimentConfig {
            dataset: self.dataset,
            classes: self.classes.clone(),
            per_class,
            arch: self.arch,
            hidden,
            epochs,
            batch_size,
            learning_rate,
            seed,
        };
        let already: Vec<ConfigField> = errors.iter().map(|e| e.field).collect();
        errors.extend(
            config
                .validate(train_images(&config))
                .into_iter()
                .map(FieldError::from)
                .filter(|e| !already.contains(&e.field)),
        );
        if errors.is_empty() {
            Ok(ExperimentConfig { classes: config.sorted_classes(), ..config })
        } else {
            Err(errors)
        }
    }
}
