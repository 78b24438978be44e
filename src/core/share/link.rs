//! Share links: the whole configuration and view in the URL fragment, so a
//! link reproduces a run.
//!
//! The fragment is a plain `name=value` list joined by `&`, e.g.
//!
//! ```text
//! v=1&data=mnist&classes=0-9&per=all&arch=mlp&hidden=32,64&epochs=1&batch=64&lr=0.001&seed=42&k=auto,7&color=cluster&pair=3,8
//! ```
//!
//! | name      | value                                                                 |
//! |-----------|-----------------------------------------------------------------------|
//! | `v`       | format version, `1` (required)                                        |
//! | `data`    | `mnist` or `animals`                                                  |
//! | `classes` | kept class values, commas and ranges: `0-9`, `0,3-5,8` (no repeats)   |
//! | `per`     | training images per class, or `all`                                   |
//! | `arch`    | `mlp` or `cnn`                                                        |
//! | `hidden`  | hidden widths, comma-separated                                        |
//! | `epochs`  | whole number                                                          |
//! | `batch`   | batch size                                                            |
//! | `lr`      | learning rate, a decimal (`0.001`) or exponent (`1e-7`) number        |
//! | `seed`    | whole number, 0 to 2^64 - 1                                           |
//! | `k`       | K per hidden layer, `auto` or 2..10, comma-separated (omitted: all auto) |
//! | `color`   | scatter colours: `cluster`, `label`, `prediction` or `correct`        |
//! | `pair`    | two kept classes compared in the findings panel, `3,8` (omitted: none) |
//!
//! [`encode`] writes every setting, in this order, without the leading `#`.
//! [`decode`] takes the fragment with or without its `#`, in any order; a
//! setting left out takes its default (only `v` is required). It refuses
//! anything it did not expect rather than guess: unknown names, repeats,
//! %-encoding, characters outside `a-z 0-9 = & , . -`, numbers of more than 7
//! digits (20 for the seed), links over [`MAX_LINK_CHARS`], and settings that
//! [`ExperimentConfig::validate`] rejects.

use serde::{Deserialize, Serialize};

use crate::core::config::{Arch, ExperimentConfig, MAX_HIDDEN_LAYERS};
use crate::core::data::DatasetKind;

use super::errors::ShareError;

/// The version [`encode`] writes and [`decode`] reads.
pub const LINK_VERSION: u32 = 1;
/// Longest fragment accepted, in characters.
pub const MAX_LINK_CHARS: usize = 2048;
/// Fewest and most clusters a layer can be given.
pub const K_MIN: usize = 2;
pub const K_MAX: usize = 10;
/// Most entries in `k`: one per recorded layer (a CNN may record its conv blocks too).
pub const MAX_K_LAYERS: usize = MAX_HIDDEN_LAYERS + 4;
/// Counts (images per class, widths, epochs, batch size) have at most this many digits.
const MAX_COUNT_DIGITS: usize = 7;

/// How the scatter plots colour each image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ColorMode {
    /// By the cluster the image falls in.
    #[default]
    Cluster,
    /// By the image's true class.
    Label,
    /// By the network's prediction.
    Prediction,
    /// Right or wrong prediction.
    Correct,
}

impl ColorMode {
    pub const ALL: [ColorMode; 4] = [ColorMode::Cluster, ColorMode::Label, ColorMode::Prediction, ColorMode::Correct];

    /// Name used in links and `state()`.
    pub fn id(self) -> &'static str {
        match self {
            ColorMode::Cluster => "cluster",
            ColorMode::Label => "label",
            ColorMode::Prediction => "prediction",
            ColorMode::Correct => "correct",
        }
    }

    pub fn from_id(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|mode| mode.id() == id)
    }
}

/// What the views show, beyond the run itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ViewOptions {
    pub color: ColorMode,
    /// Two kept class values compared in the findings panel.
    pub pair: Option<(u8, u8)>,
}

/// Everything a share link carries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ShareState {
    pub config: ExperimentConfig,
    /// K per recorded layer; `None` lets the silhouette choose. Empty means all automatic.
    pub k: Vec<Option<usize>>,
    pub view: ViewOptions,
}

impl ShareState {
    /// Every check [`decode`] makes on the values (not on the text).
    pub fn validate(&self) -> Result<(), ShareError> {
        if let Some(error) = self.config.validate(None).into_iter().next() {
            return Err(ShareError::Config(error));
        }
        let k_count_ok = match self.config.arch {
            // The dense net records exactly its hidden layers.
            Arch::Mlp => self.k.is_empty() || self.k.len() == self.config.hidden.len(),
            Arch::Cnn => self.k.len() <= MAX_K_LAYERS,
        };
        if !k_count_ok {
            return Err(ShareError::BadValue { key: "k", expected: "one value per hidden layer" });
        }
        if self.k.iter().flatten().any(|k| !(K_MIN..=K_MAX).contains(k)) {
            return Err(ShareError::BadValue { key: "k", expected: "auto or a number of clusters from 2 to 10" });
        }
        if let Some((a, b)) = self.view.pair {
            let classes = self.config.sorted_classes();
            if a == b || !classes.contains(&a) || !classes.contains(&b) {
                return Err(ShareError::BadValue { key: "pair", expected: "two different kept classes" });
            }
        }
        Ok(())
    }
}

/// The fragment for a state, without the leading `#`. Does not validate:
/// [`decode`] refuses what an invalid state encodes to.
pub fn encode(state: &ShareState) -> String {
    let config = &state.config;
    let mut parts = vec![
        format!("v={LINK_VERSION}"),
        format!("data={}", config.dataset.id()),
        format!("classes={}", encode_classes(&config.sorted_classes())),
        format!("per={}", config.per_class.map_or_else(|| "all".to_string(), |n| n.to_string())),
        format!("arch={}", config.arch.id()),
        format!("hidden={}", join(config.hidden.iter().map(usize::to_string))),
        format!("epochs={}", config.epochs),
        format!("batch={}", config.batch_size),
        format!("lr={}", encode_float(config.learning_rate)),
        format!("seed={}", config.seed),
    ];
    if !state.k.is_empty() {
        parts.push(format!(
            "k={}",
            join(state.k.iter().map(|k| k.map_or_else(|| "auto".to_string(), |k| k.to_string())))
        ));
    }
    parts.push(format!("color={}", state.view.color.id()));
    if let Some((a, b)) = state.view.pair {
        parts.push(format!("pair={a},{b}"));
    }
    parts.join("&")
}

/// Read a fragment (with or without its `#`) back into a state.
pub fn decode(fragment: &str) -> Result<ShareState, ShareError> {
    if fragment.chars().take(MAX_LINK_CHARS + 2).count() > MAX_LINK_CHARS + usize::from(fragment.starts_with('#')) {
        return Err(ShareError::LinkTooLong { limit: MAX_LINK_CHARS });
    }
    let body = fragment.strip_prefix('#').unwrap_or(fragment);
    if body.is_empty() {
        return Err(ShareError::EmptyLink);
    }
    if body.contains('%') {
        return Err(ShareError::PercentEncoded);
    }
    if let Some(position) = body.chars().position(|c| !allowed(c)) {
        return Err(ShareError::BadCharacter { position: position + 1 });
    }

    let mut fields = Fields::default();
    for (index, part) in body.split('&').enumerate() {
        let (key, value) = part.split_once('=').ok_or(ShareError::Malformed { part: index + 1 })?;
        if key.is_empty() || value.contains('=') {
            return Err(ShareError::Malformed { part: index + 1 });
        }
        let slot = fields.slot(key).ok_or_else(|| ShareError::UnknownKey { key: short(key) })?;
        if slot.replace(value).is_some() {
            return Err(ShareError::DuplicateKey { key: short(key) });
        }
    }

    match fields.v {
        None => return Err(ShareError::MissingVersion),
        Some(v) if v != LINK_VERSION.to_string() => return Err(ShareError::UnknownVersion { found: short(v) }),
        Some(_) => {}
    }
    let defaults = ShareState::default();
    let mut config = defaults.config.clone();
    if let Some(value) = fields.data {
        config.dataset =
            DatasetKind::from_id(value).ok_or(ShareError::BadValue { key: "data", expected: "mnist or animals" })?;
    }
    if let Some(value) = fields.classes {
        config.classes = decode_classes(value)?;
    }
    if let Some(value) = fields.per {
        config.per_class = if value == "all" { None } else { Some(count("per", value)?) };
    }
    if let Some(value) = fields.arch {
        config.arch = Arch::from_id(value).ok_or(ShareError::BadValue { key: "arch", expected: "mlp or cnn" })?;
    }
    if let Some(value) = fields.hidden {
        config.hidden = value.split(',').map(|w| count("hidden", w)).collect::<Result<_, _>>()?;
    }
    if let Some(value) = fields.epochs {
        config.epochs = count("epochs", value)?;
    }
    if let Some(value) = fields.batch {
        config.batch_size = count("batch", value)?;
    }
    if let Some(value) = fields.lr {
        config.learning_rate =
            decode_float(value).ok_or(ShareError::BadValue { key: "lr", expected: "a number such as 0.001" })?;
    }
    if let Some(value) = fields.seed {
        config.seed = decode_seed(value)?;
    }
    let k = match fields.k {
        None => Vec::new(),
        Some(value) => decode_k(value)?,
    };
    let mut view = defaults.view;
    if let Some(value) = fields.color {
        view.color = ColorMode::from_id(value)
            .ok_or(ShareError::BadValue { key: "color", expected: "cluster, label, prediction or correct" })?;
    }
    if let Some(value) = fields.pair {
        view.pair = Some(decode_pair(value)?);
    }
    let state = ShareState { config, k, view };
    state.validate()?;
    Ok(state)
}

/// The raw value of each known setting, as found.
#[derive(Default)]
struct Fields<'a> {
    v: Option<&'a str>,
    data: Option<&'a str>,
    classes: Option<&'a str>,
    per: Option<&'a str>,
    arch: Option<&'a str>,
    hidden: Option<&'a str>,
    epochs: Option<&'a str>,
    batch: Option<&'a str>,
    lr: Option<&'a str>,
    seed: Option<&'a str>,
    k: Option<&'a str>,
    color: Option<&'a str>,
    pair: Option<&'a str>,
}

impl<'a> Fields<'a> {
    fn slot(&mut self, key: &str) -> Option<&mut Option<&'a str>> {
        Some(match key {
            "v" => &mut self.v,
            "data" => &mut self.data,
            "classes" => &mut self.classes,
            "per" => &mut self.per,
            "arch" => &mut self.arch,
            "hidden" => &mut self.hidden,
            "epochs" => &mut self.epochs,
            "batch" => &mut self.batch,
            "lr" => &mut self.lr,
            "seed" => &mut self.seed,
            "k" => &mut self.k,
            "color" => &mut self.color,
            "pair" => &mut self.pair,
            _ => return None,
        })
    }
}

fn allowed(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '=' | '&' | ',' | '.' | '-')
}

/// A piece of the input short enough to show in a message.
fn short(text: &str) -> String {
    const SHOWN: usize = 16;
    let mut shown: String = text.chars().take(SHOWN).collect();
    if text.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    shown
}

fn join(items: impl Iterator<Item = String>) -> String {
    items.collect::<Vec<_>>().join(",")
}

/// Sorted classes as runs: `0-9`, `0,3-5,8`.
fn encode_classes(classes: &[u8]) -> String {
    let mut runs: Vec<(u8, u8)> = Vec::new();
    for &c in classes {
        match runs.last_mut() {
            Some((_, end)) if u16::from(*end) + 1 == u16::from(c) => *end = c,
            _ => runs.push((c, c)),
        }
    }
    join(runs.into_iter().map(|(a, b)| if a == b { a.to_string() } else { format!("{a}-{b}") }))
}

fn decode_classes(value: &str) -> Result<Vec<u8>, ShareError> {
    const BAD: ShareError = ShareError::BadValue { key: "classes", expected: "class numbers and ranges such as 0-4,7" };
    let mut classes = Vec::new();
    for part in value.split(',') {
        let (from, to) = part.split_once('-').unwrap_or((part, part));
        let (from, to) = (small(from).ok_or(BAD)?, small(to).ok_or(BAD)?);
        if from > to {
            return Err(BAD);
        }
        classes.extend(from..=to);
    }
    let mut sorted = classes.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != classes.len() {
        return Err(ShareError::BadValue { key: "classes", expected: "each class listed once" });
    }
    Ok(sorted)
}

/// A class value: up to three digits, at most 255.
fn small(text: &str) -> Option<u8> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A count of at most seven digits, so it fits every `usize` and never overflows.
fn count(key: &'static str, text: &str) -> Result<usize, ShareError> {
    if text.is_empty() || text.len() > MAX_COUNT_DIGITS || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ShareError::BadValue { key, expected: "a whole number below 10000000" });
    }
    text.parse().map_err(|_| ShareError::BadValue { key, expected: "a whole number below 10000000" })
}

fn decode_seed(text: &str) -> Result<u64, ShareError> {
    const BAD: ShareError =
        ShareError::BadValue { key: "seed", expected: "a whole number from 0 to 18446744073709551615" };
    if text.is_empty() || text.len() > 20 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BAD);
    }
    text.parse().map_err(|_| BAD)
}

/// Shortest text that reads back to the same `f64`: plain decimals while they
/// are short, exponent form otherwise (`1e-7`, not `0.0000001`).
fn encode_float(value: f64) -> String {
    const PLAIN_CHARS: usize = 12;
    let plain = value.to_string();
    if plain.len() <= PLAIN_CHARS { plain } else { format!("{value:e}") }
}

fn decode_float(text: &str) -> Option<f64> {
    const MAX_CHARS: usize = 32;
    // `f64::from_str` also takes "inf", "nan" and "+"; the character check has
    // already ruled those out, and this keeps the form to digits, '.', 'e', '-'.
    if text.is_empty()
        || text.len() > MAX_CHARS
        || !text.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'-'))
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn decode_k(value: &str) -> Result<Vec<Option<usize>>, ShareError> {
    const BAD: ShareError =
        ShareError::BadValue { key: "k", expected: "auto or a number of clusters from 2 to 10, per layer" };
    let parts: Vec<&str> = value.split(',').collect();
    if parts.len() > MAX_K_LAYERS {
        return Err(ShareError::BadValue { key: "k", expected: "one value per hidden layer" });
    }
    parts
        .into_iter()
        .map(|part| match part {
            "auto" => Ok(None),
            _ => small(part).map(|k| Some(usize::from(k))).ok_or(BAD),
        })
        .collect()
}

fn decode_pair(value: &str) -> Result<(u8, u8), ShareError> {
    const BAD: ShareError = ShareError::BadValue { key: "pair", expected: "two different kept classes such as 3,8" };
    let (a, b) = value.split_once(',').ok_or(BAD)?;
    Ok((small(a).ok_or(BAD)?, small(b).ok_or(BAD)?))
}
