//! Share links and experiment files: round trips, and refusal of anything
//! malformed, hostile, truncated or tampered with.

use std::io::Write;

use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sigpath::core::config::{Arch, ConfigError, ExperimentConfig};
use sigpath::core::data::{DatasetKind, idx};
use sigpath::core::share::experiment::{
    self, CurvePoint, FORMAT_VERSION, MAGIC, MAX_CURVE_POINTS, MAX_PAYLOAD_BYTES, OLDEST_VERSION, thin_curve,
};
use sigpath::core::share::link::{self, MAX_LINK_CHARS};
use sigpath::core::share::{
    ClusterScores, Clustering, ColorMode, EvaluationSet, ExperimentFile, LayerRecord, PcaBasis, ShareError, ShareState,
    TrainingSummary, ViewOptions,
};

// ---------- share links ----------

const EXAMPLE: &str = "v=1&data=mnist&classes=0-9&per=all&arch=mlp&hidden=32,64&epochs=1&batch=64&lr=0.001&seed=42&k=auto,7&color=cluster&pair=3,8";

fn example_state() -> ShareState {
    ShareState {
        config: ExperimentConfig::default(),
        k: vec![None, Some(7)],
        view: ViewOptions { color: ColorMode::Cluster, pair: Some((3, 8)) },
    }
}

/// A random state that passes every check.
fn random_state(rng: &mut Xoshiro256PlusPlus) -> ShareState {
    let dataset = if rng.gen_bool(0.5) { DatasetKind::Mnist } else { DatasetKind::Animals };
    let mut classes: Vec<u8> = (0..10).filter(|_| rng.gen_bool(0.6)).collect();
    while classes.len() < 2 {
        let c = rng.gen_range(0..10);
        if !classes.contains(&c) {
            classes.push(c);
        }
    }
    classes.sort_unstable();
    let arch = if rng.gen_bool(0.5) { Arch::Mlp } else { Arch::Cnn };
    let hidden: Vec<usize> = (0..rng.gen_range(1..=4)).map(|_| rng.gen_range(1..=1024)).collect();
    let learning_rate = match rng.gen_range(0..3) {
        0 => 10f64.powf(rng.gen_range(-8.0..0.0)),
        1 => rng.gen_range(f64::MIN_POSITIVE..=1.0),
        _ => [1.0, 0.1, 0.001, 3e-4, 1e-300][rng.gen_range(0..5)],
    };
    let config = ExperimentConfig {
        dataset,
        classes: classes.clone(),
        per_class: rng.gen_bool(0.3).then(|| rng.gen_range(1..=9_999_999)),
        arch,
        hidden: hidden.clone(),
        epochs: rng.gen_range(1..=100),
        batch_size: rng.gen_range(1..=9_999_999),
        learning_rate,
        seed: rng.r#gen(),
    };
    let layers = match arch {
        Arch::Mlp => hidden.len(),
        Arch::Cnn => rng.gen_range(1..=link::MAX_K_LAYERS),
    };
    let k = if rng.gen_bool(0.3) {
        Vec::new()
    } else {
        (0..layers).map(|_| rng.gen_bool(0.5).then(|| rng.gen_range(2..=10))).collect()
    };
    let pair = rng.gen_bool(0.7).then(|| {
        let a = classes[rng.gen_range(0..classes.len())];
        let b = *classes.iter().find(|&&c| c != a).unwrap();
        (a, b)
    });
    let color = ColorMode::ALL[rng.gen_range(0..4)];
    ShareState { config, k, view: ViewOptions { color, pair } }
}

fn assert_plain_sentence(error: &ShareError) {
    let message = error.to_string();
    assert!(!message.is_empty() && message.chars().count() < 200, "{message}");
    assert!(!message.chars().any(char::is_control), "{message:?}");
    // No Rust debug formatting leaks into what the page shows.
    assert!(!message.contains("Some(") && !message.contains('{'), "{message}");
}

fn refused(fragment: &str) -> ShareError {
    let error = link::decode(fragment).expect_err(fragment);
    assert_plain_sentence(&error);
    error
}

#[test]
fn the_documented_example_encodes_and_decodes() {
    assert_eq!(link::encode(&example_state()), EXAMPLE);
    assert_eq!(link::decode(EXAMPLE).unwrap(), example_state());
    assert_eq!(link::decode(&format!("#{EXAMPLE}")).unwrap(), example_state());
}

#[test]
fn links_round_trip_over_many_random_states() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(2024);
    for _ in 0..5_000 {
        let state = random_state(&mut rng);
        state.validate().unwrap();
        let fragment = link::encode(&state);
        assert!(fragment.len() <= MAX_LINK_CHARS, "{fragment}");
        assert_eq!(link::decode(&fragment).unwrap(), state, "{fragment}");
    }
}

#[test]
fn class_lists_use_ranges_in_any_order() {
    let state = link::decode("v=1&classes=8,0-2,5").unwrap();
    assert_eq!(state.config.classes, vec![0, 1, 2, 5, 8]);
    assert!(link::encode(&state).contains("classes=0-2,5,8"));
}

#[test]
fn settings_left_out_take_their_defaults_and_order_does_not_matter() {
    let state = link::decode("seed=7&v=1").unwrap();
    let defaults = ShareState::default();
    assert_eq!(state.config, ExperimentConfig { seed: 7, ..defaults.config });
    assert_eq!(state.k, defaults.k);
    assert_eq!(state.view, defaults.view);
    let shuffled = "pair=3,8&k=auto,7&color=cluster&seed=42&lr=0.001&batch=64&epochs=1&hidden=32,64&arch=mlp&per=all&classes=0-9&data=mnist&v=1";
    assert_eq!(link::decode(shuffled).unwrap(), example_state());
}

#[test]
fn malformed_links_are_refused() {
    assert_eq!(refused(""), ShareError::EmptyLink);
    assert_eq!(refused("#"), ShareError::EmptyLink);
    assert_eq!(refused("data=mnist"), ShareError::MissingVersion);
    assert_eq!(refused("v=2&data=mnist"), ShareError::UnknownVersion { found: "2".into() });
    assert!(
        matches!(refused("v=10000000000000000000000000000000"), ShareError::UnknownVersion { found } if found.chars().count() <= 17)
    );
    assert_eq!(refused("v=1&&seed=3"), ShareError::Malformed { part: 2 });
    assert_eq!(refused("v=1&seed"), ShareError::Malformed { part: 2 });
    assert_eq!(refused("v=1&=3"), ShareError::Malformed { part: 2 });
    assert_eq!(refused("v=1&seed=3=4"), ShareError::Malformed { part: 2 });
    assert_eq!(refused("v=1&seed=3&seed=3"), ShareError::DuplicateKey { key: "seed".into() });
    assert_eq!(refused("v=1&v=1"), ShareError::DuplicateKey { key: "v".into() });
    assert_eq!(refused("v=1&colour=label"), ShareError::UnknownKey { key: "colour".into() });
    assert!(matches!(refused("v=1&data=fashion"), ShareError::BadValue { key: "data", .. }));
    assert!(matches!(refused("v=1&arch=rnn"), ShareError::BadValue { key: "arch", .. }));
    assert!(matches!(refused("v=1&color=blue"), ShareError::BadValue { key: "color", .. }));
    assert!(matches!(refused("v=1&hidden=32,,64"), ShareError::BadValue { key: "hidden", .. }));
    assert!(matches!(refused("v=1&classes=5-2"), ShareError::BadValue { key: "classes", .. }));
    assert!(matches!(refused("v=1&classes=1,1,2"), ShareError::BadValue { key: "classes", .. }));
    assert!(matches!(refused("v=1&classes=0-3,2"), ShareError::BadValue { key: "classes", .. }));
    assert!(matches!(refused("v=1&lr=1e"), ShareError::BadValue { key: "lr", .. }));
    assert!(matches!(refused("v=1&lr=."), ShareError::BadValue { key: "lr", .. }));
    assert!(matches!(refused("v=1&pair=3"), ShareError::BadValue { key: "pair", .. }));
    assert!(matches!(refused("v=1&k="), ShareError::BadValue { key: "k", .. }));
}

#[test]
fn out_of_range_values_are_refused_by_the_config_rules() {
    assert_eq!(refused("v=1&epochs=0"), ShareError::Config(ConfigError::ZeroEpochs));
    assert_eq!(refused("v=1&epochs=101"), ShareError::Config(ConfigError::TooManyEpochs { max: 100 }));
    assert_eq!(refused("v=1&hidden=0"), ShareError::Config(ConfigError::ZeroWidth));
    assert_eq!(refused("v=1&hidden=2048"), ShareError::Config(ConfigError::TooWide { max: 1024 }));
    assert_eq!(refused("v=1&hidden=1,2,3,4,5"), ShareError::Config(ConfigError::TooManyLayers { max: 4 }));
    assert_eq!(refused("v=1&classes=7"), ShareError::Config(ConfigError::TooFewClasses));
    assert_eq!(refused("v=1&classes=0-12"), ShareError::Config(ConfigError::UnknownClass(10)));
    assert_eq!(refused("v=1&per=0"), ShareError::Config(ConfigError::ZeroPerClass));
    assert_eq!(refused("v=1&batch=0"), ShareError::Config(ConfigError::ZeroBatch));
    for lr in ["0", "2", "-0.1", "1e-400", "1.0000001"] {
        assert_eq!(refused(&format!("v=1&lr={lr}")), ShareError::Config(ConfigError::BadLearningRate), "{lr}");
    }
    // K: one per hidden layer of the dense net, each auto or 2..=10.
    assert!(matches!(refused("v=1&hidden=32,64&k=5"), ShareError::BadValue { key: "k", .. }));
    assert!(matches!(refused("v=1&k=auto,11"), ShareError::BadValue { key: "k", .. }));
    assert!(matches!(refused("v=1&k=1,auto"), ShareError::BadValue { key: "k", .. }));
    // The compared pair: two different kept classes.
    assert!(matches!(refused("v=1&pair=3,3"), ShareError::BadValue { key: "pair", .. }));
    assert!(matches!(refused("v=1&classes=0-4&pair=3,8"), ShareError::BadValue { key: "pair", .. }));
}

#[test]
fn hostile_links_are_refused() {
    // Too long, even when otherwise valid.
    let long = format!("{EXAMPLE}&{}", "x".repeat(MAX_LINK_CHARS));
    assert_eq!(refused(&long), ShareError::LinkTooLong { limit: MAX_LINK_CHARS });
    assert_eq!(refused(&"é".repeat(MAX_LINK_CHARS + 1)), ShareError::LinkTooLong { limit: MAX_LINK_CHARS });
    // Huge numbers do not overflow or allocate.
    assert!(matches!(refused("v=1&seed=18446744073709551616"), ShareError::BadValue { key: "seed", .. }));
    assert!(matches!(refused("v=1&per=99999999999999999999999"), ShareError::BadValue { key: "per", .. }));
    assert!(matches!(refused("v=1&hidden=4294967297"), ShareError::BadValue { key: "hidden", .. }));
    assert!(matches!(refused("v=1&batch=00000000064"), ShareError::BadValue { key: "batch", .. }));
    assert!(matches!(refused("v=1&classes=0-256"), ShareError::BadValue { key: "classes", .. }));
    assert!(matches!(refused("v=1&lr=0.0000000000000000000000000000000001"), ShareError::BadValue { key: "lr", .. }));
    // Percent-encoding tricks: an encoded '&', '=', digit, NUL or '%'.
    for trick in ["v=1&seed=4%26v=2", "v%3D1", "v=1&seed=%34%32", "v=1&seed=1%00", "v=1&seed=%2541"] {
        assert_eq!(refused(trick), ShareError::PercentEncoded, "{trick}");
    }
    // Control characters, spaces, capitals, non-ASCII look-alikes, a second '#'.
    for (trick, position) in [
        ("v=1&seed=1\n", 11),
        ("v=1&seed=1\u{0}", 11),
        ("v=1 &seed=1", 4),
        ("V=1", 1),
        ("v=1&seed=４２", 10),
        ("v=1&data=mnist\u{202e}", 15),
        ("v=1&seed=1#v=2", 11),
        ("v=1&lr=inf", 0),
        ("v=1&lr=NaN", 8),
        ("v=1&lr=+1", 8),
        ("v=1&seed=<script>", 10),
    ] {
        match refused(trick) {
            ShareError::BadCharacter { position: found } => assert_eq!(found, position, "{trick:?}"),
            // "inf" is all allowed characters, refused as a value instead.
            other => {
                assert!(position == 0 && matches!(other, ShareError::BadValue { key: "lr", .. }), "{trick:?}: {other}")
            }
        }
    }
}

#[test]
fn random_and_mutated_links_never_panic() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(99);
    let alphabet: Vec<char> = "v=1&,.-0123456789abcdeklmnoprstuv%#\u{0}é".chars().collect();
    for _ in 0..20_000 {
        let text: String = (0..rng.gen_range(0..80)).map(|_| alphabet[rng.gen_range(0..alphabet.len())]).collect();
        if let Err(error) = link::decode(&text) {
            assert_plain_sentence(&error);
        }
    }
    // One-character edits of valid links: refused, or valid and stable.
    for _ in 0..5_000 {
        let mut chars: Vec<char> = link::encode(&random_state(&mut rng)).chars().collect();
        let at = rng.gen_range(0..chars.len());
        match rng.gen_range(0..3) {
            0 => chars[at] = alphabet[rng.gen_range(0..alphabet.len())],
            1 => {
                chars.remove(at);
            }
            _ => chars.insert(at, alphabet[rng.gen_range(0..alphabet.len())]),
        }
        let text: String = chars.into_iter().collect();
        match link::decode(&text) {
            Ok(state) => {
                state.validate().unwrap();
                assert_eq!(link::decode(&link::encode(&state)).unwrap(), state, "{text}");
            }
            Err(error) => assert_plain_sentence(&error),
        }
    }
}

// ---------- experiment files ----------

fn gaussian(rng: &mut Xoshiro256PlusPlus) -> f32 {
    // Box-Muller; enough for test data.
    let (u, v): (f32, f32) = (rng.gen_range(f32::EPSILON..1.0), rng.r#gen());
    (-2.0 * u.ln()).sqrt() * (std::f32::consts::TAU * v).cos()
}

fn softmax_rows(logits: &[f32], classes: usize) -> Vec<f32> {
    logits
        .chunks(classes)
        .flat_map(|row| {
            let max = row.iter().copied().fold(f32::MIN, f32::max);
            let exp: Vec<f32> = row.iter().map(|v| (v - max).exp()).collect();
            let sum: f32 = exp.iter().sum();
            exp.into_iter().map(move |e| (e / sum).clamp(0.0, 1.0))
        })
        .collect()
}

/// Nearest-centre labels and the centres' means: what K-means would store.
fn cluster(signatures: &[f32], width: usize, k: usize, rng: &mut Xoshiro256PlusPlus) -> Clustering {
    let n = signatures.len() / width;
    let mut centres: Vec<f32> = (0..k)
        .flat_map(|_| {
            let row = rng.gen_range(0..n);
            signatures[row * width..(row + 1) * width].to_vec()
        })
        .collect();
    let labels: Vec<u8> = signatures
        .chunks(width)
        .map(|s| {
            (0..k)
                .min_by(|&a, &b| {
                    let d = |c: usize| {
                        s.iter().zip(&centres[c * width..(c + 1) * width]).map(|(x, y)| (x - y).powi(2)).sum::<f32>()
                    };
                    d(a).total_cmp(&d(b))
                })
                .unwrap() as u8
        })
        .collect();
    let mut counts = vec![0f32; k];
    let mut sums = vec![0f32; k * width];
    for (s, &label) in signatures.chunks(width).zip(&labels) {
        counts[label as usize] += 1.0;
        for (acc, v) in sums[label as usize * width..(label as usize + 1) * width].iter_mut().zip(s) {
            *acc += v;
        }
    }
    for (c, count) in counts.iter().enumerate() {
        if *count > 0.0 {
            for (centre, sum) in centres[c * width..(c + 1) * width].iter_mut().zip(&sums[c * width..(c + 1) * width]) {
                *centre = sum / count;
            }
        }
    }
    Clustering {
        k: k as u8,
        labels,
        centres,
        silhouette: rng.gen_bool(0.9).then(|| rng.gen_range(-1.0..=1.0)),
        scores: ClusterScores { purity: rng.r#gen(), nmi: rng.r#gen(), ari: rng.gen_range(-1.0..=1.0) },
    }
}

/// An experiment whose layers are ReLU of random projections of `inputs`
/// (`n × 784` pixels in [0, 1]): as sparse and as varied as a trained net's.
fn experiment(inputs: &[f32], indices: Vec<u32>, labels: Vec<u8>, hidden: &[usize], seed: u64) -> ExperimentFile {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let n = indices.len();
    let config = ExperimentConfig { hidden: hidden.to_vec(), epochs: 3, ..ExperimentConfig::default() };
    let classes = config.sorted_classes();
    let mut weights = Vec::new();
    let mut previous = inputs.to_vec();
    let mut previous_width = inputs.len() / n;
    let mut layers = Vec::new();
    for (index, &width) in hidden.iter().chain(std::iter::once(&classes.len())).enumerate() {
        let scale = (2.0 / previous_width as f32).sqrt();
        let w: Vec<f32> = (0..previous_width * width).map(|_| gaussian(&mut rng) * scale).collect();
        weights.extend(w.iter().flat_map(|v| v.to_le_bytes()));
        let out: Vec<f32> = previous
            .chunks(previous_width)
            .flat_map(|x| {
                (0..width)
                    .map(|j| (0..previous_width).map(|i| x[i] * w[i * width + j]).sum::<f32>())
                    .collect::<Vec<_>>()
            })
            .collect();
        if index == hidden.len() {
            previous = out;
            break;
        }
        let signatures: Vec<f32> = out.iter().map(|v| v.max(0.0)).collect();
        let clusterings: Vec<Clustering> = (2..=10).map(|k| cluster(&signatures, width, k, &mut rng)).collect();
        let components = 2.min(width);
        let pca = PcaBasis {
            mean: (0..width).map(|_| rng.r#gen()).collect(),
            components: (0..components * width).map(|_| gaussian(&mut rng)).collect(),
            explained_variance_ratio: (0..components).map(|_| rng.gen_range(0.0..0.5)).collect(),
        };
        layers.push(LayerRecord {
            name: format!("hidden {}", index + 1),
            width: width as u32,
            signatures: signatures.clone(),
            clusterings,
            chosen_k: rng.gen_range(2..=10.min(n as u8)),
            k_override: rng.gen_bool(0.5).then_some(2),
            pca,
        });
        previous = signatures;
        previous_width = width;
    }
    let probabilities = softmax_rows(&previous, classes.len());
    let predictions = probabilities
        .chunks(classes.len())
        .map(|row| classes[(0..row.len()).max_by(|&a, &b| row[a].total_cmp(&row[b])).unwrap()])
        .collect();
    ExperimentFile {
        config,
        classes,
        weights,
        training: TrainingSummary {
            loss_per_epoch: vec![0.9, 0.4, 0.3],
            epoch_secs: vec![2.5, 2.4, 2.4],
            train_accuracy: 0.93,
            test_accuracy: 0.92,
            samples_per_sec: 24_000.0,
            backend: "webgpu".into(),
            steps_per_epoch: 938,
        },
        evaluation: EvaluationSet { indices, labels, predictions, probabilities },
        layers,
        view: ViewOptions { color: ColorMode::Prediction, pair: Some((4, 9)) },
        // A reading every tenth of an epoch, loss falling, accuracy rising.
        curve: (1..=30)
            .map(|i| CurvePoint { epochs: i as f32 / 10.0, loss: 2.0 / i as f32, accuracy: (i as f32 / 31.0).min(1.0) })
            .collect(),
    }
}

/// A small experiment on random "images".
fn small_experiment(n: usize, seed: u64) -> ExperimentFile {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let inputs: Vec<f32> = (0..n * 784).map(|_| if rng.gen_bool(0.2) { rng.r#gen() } else { 0.0 }).collect();
    let indices = (0..n as u32).map(|i| i * 7).collect();
    let labels = (0..n).map(|_| rng.gen_range(0..10)).collect();
    experiment(&inputs, indices, labels, &[8, 6], seed)
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// The current format's payload of `file`: the experiment, then its curve.
fn payload_of(file: &ExperimentFile) -> Vec<u8> {
    postcard::to_allocvec(&(file, &file.curve)).unwrap()
}

/// A file around any payload, bypassing `write`'s checks.
fn raw_file(payload: &[u8]) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend(FORMAT_VERSION.to_le_bytes());
    bytes.extend(gzip(payload));
    bytes
}

fn read_err(bytes: &[u8]) -> ShareError {
    let error = experiment::read(bytes).expect_err("the file should be refused");
    assert_plain_sentence(&error);
    error
}

#[test]
fn experiment_files_round_trip() {
    for seed in 0..3 {
        let file = small_experiment(40 + seed as usize * 30, seed);
        let bytes = experiment::write(&file).unwrap();
        assert!(bytes.starts_with(b"SIGPATH\0"));
        assert_eq!(bytes[8..12], FORMAT_VERSION.to_le_bytes());
        assert_eq!(experiment::read(&bytes).unwrap(), file);
    }
}

#[test]
fn files_written_a_slice_at_a_time_are_the_same_bytes() {
    let file = small_experiment(300, 7);
    let whole = experiment::write(&file).unwrap();
    let payload_bytes = payload_of(&file).len();
    for slice in [1, 7, 4096, 65_536, usize::MAX] {
        let mut writer = experiment::FileWriter::new(&file).unwrap();
        let mut steps = 1;
        while !writer.step(slice).unwrap() {
            steps += 1;
        }
        assert_eq!(steps, payload_bytes.div_ceil(slice).max(1), "slices of {slice} bytes");
        assert_eq!(writer.finish().unwrap(), whole, "slices of {slice} bytes");
    }
    // Finished part way, or at once.
    let mut writer = experiment::FileWriter::new(&file).unwrap();
    assert!(!writer.step(100).unwrap());
    assert_eq!(writer.finish().unwrap(), whole);
    assert_eq!(experiment::FileWriter::new(&file).unwrap().finish().unwrap(), whole);
    // Refused up front, as `write` refuses it.
    let mut broken = file.clone();
    broken.layers[0].signatures.pop();
    assert_eq!(experiment::FileWriter::new(&broken).unwrap_err(), experiment::write(&broken).unwrap_err());
}

#[test]
fn truncated_files_are_refused() {
    let bytes = experiment::write(&small_experiment(30, 5)).unwrap();
    for len in 0..bytes.len() {
        let error = read_err(&bytes[..len]);
        if len > 0 {
            assert!(!matches!(error, ShareError::NotExperimentFile), "length {len}: {error}");
        }
    }
}

#[test]
fn foreign_and_random_bytes_are_refused() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(11);
    assert_eq!(read_err(b""), ShareError::NotExperimentFile);
    assert_eq!(read_err(b"PK\x03\x04 a zip file"), ShareError::NotExperimentFile);
    assert_eq!(read_err(&gzip(b"{}")), ShareError::NotExperimentFile);
    for _ in 0..2_000 {
        let random: Vec<u8> = (0..rng.gen_range(0..400)).map(|_| rng.r#gen()).collect();
        read_err(&random);
        // Random bytes behind a valid header.
        let mut headed = MAGIC.to_vec();
        headed.extend(FORMAT_VERSION.to_le_bytes());
        headed.extend(&random);
        read_err(&headed);
        // A valid gzip stream of random bytes.
        read_err(&raw_file(&random));
        // Random payloads straight into the decoder.
        assert!(experiment::decode_payload(&random).is_err());
    }
}

#[test]
fn flipped_bytes_are_refused() {
    let file = small_experiment(30, 6);
    let bytes = experiment::write(&file).unwrap();
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(12);
    let mut refused = 0;
    for at in 0..bytes.len() {
        let mut tampered = bytes.clone();
        tampered[at] ^= 1 << rng.gen_range(0..8);
        match experiment::read(&tampered) {
            Err(error) => {
                assert_plain_sentence(&error);
                refused += 1;
            }
            // A flip may go unnoticed only where it changes no content: gzip's
            // unchecked header fields (time, extra flags, OS), the padding after
            // the last block, or a Huffman table entry no symbol uses. The
            // CRC-32 of the content guarantees the rest.
            Ok(read) => assert_eq!(read, file, "byte {at}"),
        }
    }
    println!("flipped bytes: {refused} of {} refused", bytes.len());
    assert!(refused as f64 >= 0.99 * bytes.len() as f64, "{refused} of {}", bytes.len());
}

#[test]
fn wrong_versions_and_trailing_bytes_are_refused() {
    let bytes = experiment::write(&small_experiment(20, 7)).unwrap();
    for version in [0u32, FORMAT_VERSION + 1, u32::MAX] {
        let mut other = bytes.clone();
        other[8..12].copy_from_slice(&version.to_le_bytes());
        assert_eq!(read_err(&other), ShareError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(read_err(&longer), ShareError::TrailingBytes);
    let mut twice = bytes.clone();
    twice.extend_from_slice(&bytes[12..]);
    assert_eq!(read_err(&twice), ShareError::TrailingBytes);
}

#[test]
fn zip_bombs_and_lying_lengths_are_refused() {
    // 1 MiB more than the limit of zeros gzips to about 65 kB.
    let bomb = raw_file(&vec![0u8; MAX_PAYLOAD_BYTES + (1 << 20)]);
    assert!(bomb.len() < 200_000);
    assert_eq!(read_err(&bomb), ShareError::PayloadTooLarge { limit_bytes: MAX_PAYLOAD_BYTES });
    // A payload whose first list claims 2^63 entries: refused without allocating them.
    let mut payload = vec![0u8]; // data set: mnist
    payload.extend([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]);
    assert!(matches!(read_err(&raw_file(&payload)), ShareError::CorruptPayload(_)));
    // A payload with bytes after the experiment.
    let mut payload = payload_of(&small_experiment(10, 8));
    payload.push(0);
    assert_eq!(read_err(&raw_file(&payload)), ShareError::TrailingBytes);
}

#[test]
fn tampered_contents_are_refused_on_read_and_write() {
    let good = small_experiment(25, 9);
    type Tamper = fn(&mut ExperimentFile);
    let tampers: Vec<(&str, Tamper)> = vec![
        ("config", |f| f.config.epochs = 0),
        ("classes", |f| f.classes.pop().map(drop).unwrap()),
        ("loss history", |f| f.training.loss_per_epoch.push(0.1)),
        ("accuracy", |f| f.training.test_accuracy = 1.5),
        ("backend name", |f| f.training.backend = "web\u{7}gpu".into()),
        ("label count", |f| f.evaluation.labels.pop().map(drop).unwrap()),
        ("label value", |f| f.evaluation.labels[0] = 10),
        ("probabilities", |f| f.evaluation.probabilities.truncate(5)),
        ("probability NaN", |f| f.evaluation.probabilities[3] = f32::NAN),
        ("index range", |f| f.evaluation.indices[0] = 10_000),
        ("index repeat", |f| f.evaluation.indices[1] = f.evaluation.indices[0]),
        ("pair", |f| f.view.pair = Some((4, 4))),
        ("no layers", |f| f.layers.clear()),
        ("layer width", |f| f.layers[0].width += 1),
        ("signature length", |f| f.layers[1].signatures.push(0.0)),
        ("signature infinite", |f| f.layers[1].signatures[0] = f32::INFINITY),
        ("cluster label", |f| f.layers[0].clusterings[0].labels[3] = 2),
        ("cluster count", |f| f.layers[0].clusterings[4].labels.pop().map(drop).unwrap()),
        ("centres", |f| f.layers[0].clusterings[8].centres.pop().map(drop).unwrap()),
        ("K order", |f| f.layers[0].clusterings.swap(0, 1)),
        ("K range", |f| f.layers[0].clusterings[8].k = 11),
        ("silhouette", |f| f.layers[0].clusterings[2].silhouette = Some(1.5)),
        ("scores", |f| f.layers[0].clusterings[2].scores.nmi = f64::NAN),
        ("chosen K", |f| {
            f.layers[0].clusterings.retain(|c| c.k != 5);
            f.layers[0].chosen_k = 5;
        }),
        ("K override", |f| f.layers[1].k_override = Some(12)),
        ("PCA mean", |f| f.layers[0].pca.mean.push(0.0)),
        ("PCA components", |f| f.layers[0].pca.components.pop().map(drop).unwrap()),
        ("PCA ratios", |f| f.layers[0].pca.explained_variance_ratio = vec![0.8, 0.7]),
    ];
    for (what, tamper) in tampers {
        let mut file = good.clone();
        tamper(&mut file);
        let error = experiment::write(&file).expect_err(what);
        assert!(matches!(error, ShareError::Inconsistent(_)), "{what}: {error}");
        let bytes = raw_file(&payload_of(&file));
        assert_eq!(read_err(&bytes), error, "{what}");
    }
}

#[test]
fn a_full_run_file_stays_small() {
    // 10,000 MNIST test images through a 784-32-64-10 net, all K from 2 to 10.
    let read = |name: &str| std::fs::read(format!("{}/assets/data/mnist/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let images = idx::decode_images(&read("t10k-images-idx3-ubyte.gz")).unwrap();
    let labels = idx::decode_labels(&read("t10k-labels-idx1-ubyte.gz")).unwrap();
    let inputs: Vec<f32> = images.pixels.iter().map(|&p| f32::from(p) / 255.0).collect();
    let file = experiment(&inputs, (0..10_000).collect(), labels, &[32, 64], 1);
    let payload_bytes = postcard::to_allocvec(&file).unwrap().len();
    let started = std::time::Instant::now();
    let bytes = experiment::write(&file).unwrap();
    let write_secs = started.elapsed().as_secs_f64();
    let started = std::time::Instant::now();
    let read_back = experiment::read(&bytes).unwrap();
    let read_secs = started.elapsed().as_secs_f64();
    println!(
        "full run: payload {payload_bytes} bytes, file {} bytes ({:.2} MiB), weights {} bytes; write {write_secs:.3} s, read {read_secs:.3} s (host)",
        bytes.len(),
        bytes.len() as f64 / (1 << 20) as f64,
        file.weights.len()
    );
    assert!(bytes.len() < 8 << 20, "{} bytes", bytes.len());
    assert_eq!(read_back, file);
}

/// Seeds for the `experiment_file` fuzz target (run by `fuzz/make_corpus.sh`):
/// small valid files, and their bare payloads for the payload decoder.
#[test]
#[ignore = "writes files; run through fuzz/make_corpus.sh"]
fn write_fuzz_seeds() {
    let dir = std::env::var("SIGPATH_FUZZ_SEEDS").expect("SIGPATH_FUZZ_SEEDS names the output folder");
    std::fs::create_dir_all(&dir).unwrap();
    for seed in 0..4 {
        let mut file = small_experiment(10 + seed as usize, seed);
        // Opaque bytes: a few are as good as many to the reader, and small seeds fuzz faster.
        file.weights.truncate(16);
        std::fs::write(format!("{dir}/file-{seed}"), experiment::write(&file).unwrap()).unwrap();
        std::fs::write(format!("{dir}/payload-{seed}"), postcard::to_allocvec(&file).unwrap()).unwrap();
    }
}

/// A version-1 file: the payload without the curve that version 2 appends.
fn version_1_file(file: &ExperimentFile) -> Vec<u8> {
    let mut bytes = MAGIC.to_vec();
    bytes.extend(1u32.to_le_bytes());
    bytes.extend(gzip(&postcard::to_allocvec(file).unwrap()));
    bytes
}

#[test]
fn version_1_files_still_open_without_a_curve() {
    assert_eq!(OLDEST_VERSION, 1);
    let file = small_experiment(40, 21);
    assert!(!file.curve.is_empty());
    let read = experiment::read(&version_1_file(&file)).unwrap();
    assert!(read.curve.is_empty(), "a version-1 file has no curve");
    assert_eq!(ExperimentFile { curve: file.curve.clone(), ..read }, file, "and everything else as written");
    // The same payload labelled version 2 lacks the curve's bytes: refused.
    let mut mislabelled = version_1_file(&file);
    mislabelled[8..12].copy_from_slice(&2u32.to_le_bytes());
    read_err(&mislabelled);
}

#[test]
fn the_training_curve_round_trips_and_is_checked() {
    let file = small_experiment(30, 22);
    let read = experiment::read(&experiment::write(&file).unwrap()).unwrap();
    assert_eq!(read.curve, file.curve);
    let refused = |change: &dyn Fn(&mut Vec<CurvePoint>)| {
        let mut bad = file.clone();
        change(&mut bad.curve);
        let error = experiment::write(&bad).expect_err("a bad curve is refused");
        assert!(matches!(error, ShareError::Inconsistent(_)), "{error}");
    };
    refused(&|c| c[3].loss = f32::NAN);
    refused(&|c| c[3].loss = -0.1);
    refused(&|c| c[3].accuracy = 1.5);
    refused(&|c| c.swap(3, 4));
    refused(&|c| c[0].epochs = 0.0);
    refused(&|c| c.push(CurvePoint { epochs: 3.5, loss: 0.1, accuracy: 0.9 }));
    refused(&|c| {
        let last = *c.last().unwrap();
        c.resize(MAX_CURVE_POINTS + 1, last);
    });
}

#[test]
fn thinning_a_curve_keeps_its_ends_and_order() {
    let points: Vec<CurvePoint> =
        (1..=1000).map(|i| CurvePoint { epochs: i as f32 / 1000.0, loss: 1.0, accuracy: 0.5 }).collect();
    assert_eq!(thin_curve(&points, 2000), points);
    let thin = thin_curve(&points, 10);
    assert_eq!(thin.len(), 10);
    assert_eq!(thin[0], points[0]);
    assert_eq!(thin[9], points[999]);
    assert!(thin.windows(2).all(|w| w[0].epochs < w[1].epochs));
    assert_eq!(thin_curve(&points, 1), vec![points[999]]);
    assert!(thin_curve(&points, 0).is_empty());
}
