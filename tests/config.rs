//! Validation of the experiment configuration and of the form that edits it.

use sigpath::core::config::{ConfigDraft, ConfigError, ConfigField, ExperimentConfig};

fn fields(errors: &[ConfigError]) -> Vec<ConfigField> {
    errors.iter().map(ConfigError::field).collect()
}

#[test]
fn the_default_config_is_valid() {
    let config = ExperimentConfig::default();
    assert!(config.validate(None).is_empty());
    assert!(config.validate(Some(60_000)).is_empty());
    let draft = ConfigDraft::from(&config);
    assert_eq!(draft.parse(|_| Some(60_000)), Ok(config));
}

#[test]
fn each_bad_value_is_reported_at_its_field() {
    let base = ExperimentConfig::default();
    let cases: Vec<(ExperimentConfig, ConfigError)> = vec![
        (ExperimentConfig { epochs: 0, ..base.clone() }, ConfigError::ZeroEpochs),
        (ExperimentConfig { batch_size: 0, ..base.clone() }, ConfigError::ZeroBatch),
        (ExperimentConfig { learning_rate: 0.0, ..base.clone() }, ConfigError::BadLearningRate),
        (ExperimentConfig { learning_rate: -1e-3, ..base.clone() }, ConfigError::BadLearningRate),
        (ExperimentConfig { learning_rate: f64::NAN, ..base.clone() }, ConfigError::BadLearningRate),
        (ExperimentConfig { learning_rate: f64::INFINITY, ..base.clone() }, ConfigError::BadLearningRate),
        (ExperimentConfig { hidden: vec![32, 0], ..base.clone() }, ConfigError::ZeroWidth),
        (ExperimentConfig { hidden: vec![], ..base.clone() }, ConfigError::NoHiddenLayer),
        (ExperimentConfig { classes: vec![3], ..base.clone() }, ConfigError::TooFewClasses),
        (ExperimentConfig { classes: vec![3, 3], ..base.clone() }, ConfigError::TooFewClasses),
        (ExperimentConfig { classes: vec![3, 10], ..base.clone() }, ConfigError::UnknownClass(10)),
        (ExperimentConfig { per_class: Some(0), ..base.clone() }, ConfigError::ZeroPerClass),
    ];
    for (config, expected) in cases {
        assert_eq!(config.validate(Some(1000)), vec![expected.clone()], "{config:?}");
    }
    let big_batch = ExperimentConfig { batch_size: 65, ..base.clone() };
    assert!(big_batch.validate(None).is_empty(), "unknown data size: no check yet");
    assert_eq!(big_batch.validate(Some(64)), vec![ConfigError::BatchLargerThanData { batch: 65, images: 64 }]);
    assert!(big_batch.validate(Some(65)).is_empty());

    let all_wrong =
        ExperimentConfig { epochs: 0, batch_size: 0, learning_rate: -1.0, hidden: vec![0], classes: vec![1], ..base };
    assert_eq!(
        fields(&all_wrong.validate(None)),
        vec![
            ConfigField::Classes,
            ConfigField::Hidden,
            ConfigField::Epochs,
            ConfigField::BatchSize,
            ConfigField::LearningRate
        ]
    );
}

#[test]
fn messages_name_the_problem() {
    assert!(ConfigError::BatchLargerThanData { batch: 512, images: 100 }.to_string().contains("512"));
    assert!(ConfigError::BadLearningRate.to_string().contains("learning rate"));
    assert!(ConfigError::ZeroEpochs.to_string().contains("epoch"));
    assert!(ConfigError::TooFewClasses.to_string().contains("two classes"));
}

fn draft() -> ConfigDraft {
    ConfigDraft::from(&ExperimentConfig::default())
}

fn errors_of(draft: ConfigDraft, images: Option<usize>) -> Vec<(ConfigField, String)> {
    draft.parse(|_| images).unwrap_err().into_iter().map(|e| (e.field, e.message)).collect()
}

#[test]
fn the_form_reports_text_where_numbers_belong() {
    let errors = errors_of(ConfigDraft { learning_rate: "fast".into(), ..draft() }, None);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].0, ConfigField::LearningRate);
    assert_eq!(errors[0].1, ConfigError::BadLearningRate.to_string());

    for (draft, field) in [
        (ConfigDraft { epochs: "two".into(), ..draft() }, ConfigField::Epochs),
        (ConfigDraft { epochs: "-1".into(), ..draft() }, ConfigField::Epochs),
        (ConfigDraft { batch_size: "6.4".into(), ..draft() }, ConfigField::BatchSize),
        (ConfigDraft { hidden: "32, x".into(), ..draft() }, ConfigField::Hidden),
        (ConfigDraft { per_class: "many".into(), ..draft() }, ConfigField::PerClass),
        (ConfigDraft { seed: "-3".into(), ..draft() }, ConfigField::Seed),
    ] {
        let errors = errors_of(draft, None);
        assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), vec![field]);
        assert!(!errors[0].1.is_empty());
    }
}

#[test]
fn the_form_reports_values_out_of_range() {
    for (draft, expected) in [
        (ConfigDraft { epochs: "0".into(), ..draft() }, ConfigError::ZeroEpochs),
        (ConfigDraft { learning_rate: "0".into(), ..draft() }, ConfigError::BadLearningRate),
        (ConfigDraft { learning_rate: "-0.01".into(), ..draft() }, ConfigError::BadLearningRate),
        (ConfigDraft { learning_rate: "NaN".into(), ..draft() }, ConfigError::BadLearningRate),
        (ConfigDraft { hidden: "32, 0".into(), ..draft() }, ConfigError::ZeroWidth),
        (ConfigDraft { hidden: " ".into(), ..draft() }, ConfigError::NoHiddenLayer),
        (ConfigDraft { classes: vec![5], ..draft() }, ConfigError::TooFewClasses),
    ] {
        let errors = errors_of(draft, None);
        assert_eq!(errors, vec![(expected.field(), expected.to_string())]);
    }
    // The batch is checked against the size of the subset the draft selects.
    let errors = errors_of(ConfigDraft { batch_size: "300".into(), ..draft() }, Some(200));
    let expected = ConfigError::BatchLargerThanData { batch: 300, images: 200 };
    assert_eq!(errors, vec![(ConfigField::BatchSize, expected.to_string())]);
    // A field that did not parse is reported once, not again by validation.
    let errors = errors_of(ConfigDraft { epochs: "x".into(), learning_rate: "y".into(), ..draft() }, None);
    assert_eq!(errors.iter().map(|e| e.0).collect::<Vec<_>>(), vec![ConfigField::Epochs, ConfigField::LearningRate]);
}

#[test]
fn the_form_cleans_what_it_accepts() {
    let parsed = ConfigDraft {
        classes: vec![7, 2, 7],
        hidden: " 16 ,8,".into(),
        per_class: "all".into(),
        epochs: " 3 ".into(),
        learning_rate: "5e-4".into(),
        ..draft()
    }
    .parse(|_| None)
    .unwrap();
    assert_eq!(parsed.classes, vec![2, 7]);
    assert_eq!(parsed.hidden, vec![16, 8]);
    assert_eq!(parsed.per_class, None);
    assert_eq!(parsed.epochs, 3);
    assert_eq!(parsed.learning_rate, 5e-4);
}
