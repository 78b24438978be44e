//! Experiment files: everything a finished run shows, in one versioned file,
//! so an import restores every view without training again.
//!
//! Layout (all the file's bytes):
//!
//! | offset | bytes | content                                                       |
//! |--------|-------|---------------------------------------------------------------|
//! | 0      | 8     | magic `SIGPATH\0`                                             |
//! | 8      | 4     | format version, u32 little-endian ([`FORMAT_VERSION`])         |
//! | 12     | rest  | one gzip member (RFC 1952, CRC-checked) of the postcard bytes of an [`ExperimentFile`] |
//!
//! Version 2 appends the training curve ([`ExperimentFile::curve`]) to the
//! payload of version 1, which still reads (with no curve).
//!
//! postcard is not self-describing: any change to these types needs a new
//! [`FORMAT_VERSION`]. The payload holds plain types only (no model or
//! analysis types), with explicit shapes that [`ExperimentFile::validate`]
//! checks on both [`write`] and [`read`], so a file written is always readable.

use std::io::{Read, Write};

use serde::{Deserialize, Serialize};

use crate::core::config::ExperimentConfig;

pub use super::curve::{CurvePoint, MAX_CURVE_POINTS, fit_curve, thin_curve};
use super::errors::ShareError;
use super::link::ViewOptions;

mod validate;

/// First bytes of every experiment file.
pub const MAGIC: [u8; 8] = *b"SIGPATH\0";
/// The format [`write`] produces; [`read`] accepts it and every older one
/// from [`OLDEST_VERSION`] on.
pub const FORMAT_VERSION: u32 = 2;
/// The oldest format [`read`] still opens.
pub const OLDEST_VERSION: u32 = 1;
/// Magic plus version.
pub const HEADER_BYTES: usize = 12;
/// Largest file accepted.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;
/// Largest unpacked payload accepted: stops a small file from inflating to gigabytes.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024 * 1024;
/// Most recorded layers.
pub const MAX_LAYERS: usize = 8;
/// Widest recorded layer (a CNN's flattened conv block can be wider than a dense layer).
pub const MAX_LAYER_WIDTH: usize = 65_536;
/// Most PCA components kept per layer.
pub const MAX_PCA_COMPONENTS: usize = 3;
/// Longest layer or backend name.
pub const MAX_NAME_CHARS: usize = 64;

/// Everything a finished run shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentFile {
    pub config: ExperimentConfig,
    /// Kept class values, ascending (the config's sorted classes). Column `j` of
    /// the probabilities and output `j` of the network are `classes[j]`.
    pub classes: Vec<u8>,
    /// The trained model, opaque: burn record bytes from the model module.
    pub weights: Vec<u8>,
    pub training: TrainingSummary,
    pub evaluation: EvaluationSet,
    /// One per recorded (hidden) layer, input side first.
    pub layers: Vec<LayerRecord>,
    pub view: ViewOptions,
    /// The training chart's readings, in order (empty in a version-1 file).
    /// Encoded after the rest of the payload (version 2), hence skipped here.
    #[serde(skip)]
    pub curve: Vec<CurvePoint>,
}

/// How training went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Mean training loss of each finished epoch (at most `config.epochs`).
    pub loss_per_epoch: Vec<f64>,
    /// Wall time of each finished epoch, same length as `loss_per_epoch`.
    pub epoch_secs: Vec<f64>,
    /// Accuracies in [0, 1].
    pub train_accuracy: f64,
    pub test_accuracy: f64,
    pub samples_per_sec: f64,
    /// "webgpu", "cpu", ...
    pub backend: String,
    /// Optimisation steps in one epoch (the last batch may be partial).
    pub steps_per_epoch: u32,
}

/// The test images whose signatures were recorded, and what the network said.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EvaluationSet {
    /// Positions in the data set's test split, no repeats; `n = indices.len()`.
    pub indices: Vec<u32>,
    /// True class value of each image (a member of `classes`), `n`.
    pub labels: Vec<u8>,
    /// Predicted class value of each image (a member of `classes`), `n`.
    pub predictions: Vec<u8>,
    /// Softmax outputs, row-major `[n × classes.len()]`, each in [0, 1].
    pub probabilities: Vec<f32>,
}

impl EvaluationSet {
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// One hidden layer: its signatures and how they cluster.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LayerRecord {
    pub name: String,
    pub width: u32,
    /// Activations of the evaluation images, row-major `[n × width]`, finite.
    pub signatures: Vec<f32>,
    /// One K-means result per K, K ascending within 2..=10 (normally all of them).
    pub clusterings: Vec<Clustering>,
    /// The K the silhouette chose; one of the `clusterings`.
    pub chosen_k: u8,
    /// The K the visitor picked instead, if any; one of the `clusterings`.
    pub k_override: Option<u8>,
    pub pca: PcaBasis,
}

impl LayerRecord {
    /// The clustering for `k`, if recorded.
    pub fn clustering(&self, k: u8) -> Option<&Clustering> {
        self.clusterings.iter().find(|c| c.k == k)
    }
}

/// K-means with one K on one layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clustering {
    pub k: u8,
    /// Cluster of each evaluation image, `n`, each `< k`.
    pub labels: Vec<u8>,
    /// Cluster centres, row-major `[k × width]`, finite.
    pub centres: Vec<f32>,
    /// Mean silhouette in [-1, 1]; `None` when it could not be computed.
    pub silhouette: Option<f64>,
    /// Agreement of these clusters with the true labels.
    pub scores: ClusterScores,
}

/// Agreement between clusters and true classes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ClusterScores {
    /// In [0, 1].
    pub purity: f64,
    /// Normalised mutual information, in [0, 1].
    pub nmi: f64,
    /// Adjusted Rand index, in [-1, 1].
    pub ari: f64,
}

/// A layer's 2-D (or 3-D) PCA projection: `(signature - mean) · componentᵀ`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PcaBasis {
    /// `width` values.
    pub mean: Vec<f32>,
    /// Row-major `[c × width]`, `c = explained_variance_ratio.len()`.
    pub components: Vec<f32>,
    /// Share of the variance along each component, in [0, 1], summing to at most 1.
    pub explained_variance_ratio: Vec<f64>,
}

/// The file's bytes for an experiment (checked first, so they always read back).
pub fn write(file: &ExperimentFile) -> Result<Vec<u8>, ShareError> {
    FileWriter::new(file)?.finish()
}

/// [`write`] a slice at a time, for a page that keeps a run without holding
/// up its frames: `new` checks and encodes the experiment, each
/// [`Self::step`] compresses the next slice of it, [`Self::finish`] the rest.
/// The bytes are those of [`write`]. (Written at once, every autosave of the
/// demo's run was a long task in the browser.)
#[derive(Debug)]
pub struct FileWriter {
    /// The postcard bytes of the experiment.
    payload: Vec<u8>,
    /// How much of `payload` went to the encoder.
    written: usize,
    /// Header, then the gzip member so far.
    encoder: flate2::write::GzEncoder<Vec<u8>>,
}

impl FileWriter {
    /// Check and encode `file`; nothing compressed yet.
    pub fn new(file: &ExperimentFile) -> Result<Self, ShareError> {
        file.validate()?;
        let payload = postcard::to_allocvec(&(file, &file.curve)).map_err(|e| ShareError::Encode(e.to_string()))?;
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(ShareError::PayloadTooLarge { limit_bytes: MAX_PAYLOAD_BYTES });
        }
        let mut header = Vec::with_capacity(HEADER_BYTES + payload.len() / 2);
        header.extend_from_slice(&MAGIC);
        header.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        // Level 1: on a full run's mostly-float payload it is ~25x faster than the
        // default level for a file only ~7% larger (2.67 vs 2.49 MiB).
        let encoder = flate2::write::GzEncoder::new(header, flate2::Compression::fast());
        Ok(Self { payload, written: 0, encoder })
    }

    /// Compress up to `max_bytes` more of the experiment; `true` once all of it is in.
    pub fn step(&mut self, max_bytes: usize) -> Result<bool, ShareError> {
        let end = self.written.saturating_add(max_bytes.max(1)).min(self.payload.len());
        let slice = self.payload.get(self.written..end).unwrap_or_default();
        self.encoder.write_all(slice).map_err(|e| ShareError::Encode(e.to_string()))?;
        self.written = end;
        Ok(self.written >= self.payload.len())
    }

    /// Compress what is left, then close the gzip member: the file's bytes.
    pub fn finish(mut self) -> Result<Vec<u8>, ShareError> {
        self.step(usize::MAX)?;
        let bytes = self.encoder.finish().map_err(|e| ShareError::Encode(e.to_string()))?;
        if bytes.len() > MAX_FILE_BYTES {
            return Err(ShareError::FileTooLarge { limit_bytes: MAX_FILE_BYTES });
        }
        Ok(bytes)
    }
}

/// Read and check an experiment file.
pub fn read(bytes: &[u8]) -> Result<ExperimentFile, ShareError> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(ShareError::FileTooLarge { limit_bytes: MAX_FILE_BYTES });
    }
    let magic_part = bytes.get(..MAGIC.len()).unwrap_or(bytes);
    if bytes.is_empty() || !MAGIC.starts_with(magic_part) {
        return Err(ShareError::NotExperimentFile);
    }
    let version = match bytes.get(MAGIC.len()..HEADER_BYTES) {
        Some(&[a, b, c, d]) => u32::from_le_bytes([a, b, c, d]),
        _ => return Err(ShareError::Truncated),
    };
    if !(OLDEST_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(ShareError::UnsupportedVersion { found: version, supported: FORMAT_VERSION });
    }
    let payload = inflate(bytes.get(HEADER_BYTES..).unwrap_or_default())?;
    decode_payload_of(&payload, version)
}

/// The payload step of [`read`] alone for the current format: postcard bytes
/// (already unpacked) to a checked file.
pub fn decode_payload(payload: &[u8]) -> Result<ExperimentFile, ShareError> {
    decode_payload_of(payload, FORMAT_VERSION)
}

/// [`decode_payload`] for a file of format `version`.
pub fn decode_payload_of(payload: &[u8], version: u32) -> Result<ExperimentFile, ShareError> {
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(ShareError::PayloadTooLarge { limit_bytes: MAX_PAYLOAD_BYTES });
    }
    // serde caps what it preallocates for a claimed length, and postcard fails
    // at the end of the bytes, so a lying length cannot allocate much.
    let (mut file, mut rest) =
        postcard::take_from_bytes::<ExperimentFile>(payload).map_err(|e| ShareError::CorruptPayload(e.to_string()))?;
    if version >= 2 {
        let (curve, after) = postcard::take_from_bytes::<Vec<CurvePoint>>(rest)
            .map_err(|e| ShareError::CorruptPayload(e.to_string()))?;
        file.curve = curve;
        rest = after;
    }
    if !rest.is_empty() {
        return Err(ShareError::TrailingBytes);
    }
    file.validate()?;
    Ok(file)
}

fn inflate(compressed: &[u8]) -> Result<Vec<u8>, ShareError> {
    if compressed.is_empty() {
        return Err(ShareError::Truncated);
    }
    // `bufread` so the slice is not over-read: what is left after the member is really left.
    let mut decoder = flate2::bufread::GzDecoder::new(compressed);
    let mut payload = Vec::new();
    (&mut decoder).take(MAX_PAYLOAD_BYTES as u64 + 1).read_to_end(&mut payload).map_err(|e| match e.kind() {
        std::io::ErrorKind::UnexpectedEof => ShareError::Truncated,
        _ => ShareError::CorruptCompression(e.to_string()),
    })?;
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(ShareError::PayloadTooLarge { limit_bytes: MAX_PAYLOAD_BYTES });
    }
    if !decoder.into_inner().is_empty() {
        return Err(ShareError::TrailingBytes);
    }
    Ok(payload)
}
