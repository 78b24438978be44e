//! Training in another wasm module: the messages between the page and the
//! WebGPU trainer that runs in a Web Worker (`src/worker.rs`).
//!
//! burn's WebGPU stack (cubecl and its kernels) is most of a wasm that holds
//! it; the page's own wasm trains on the CPU only, and the worker, with WebGPU,
//! is fetched only when a GPU trains. The two exchange postcard bytes of these
//! types. Both are built from this crate in one build, so the layout is the
//! same on both sides; a message that does not decode is still refused, never
//! trusted.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::{ProgressReading, TrainError};
use crate::core::config::ExperimentConfig;
use crate::core::data::idx::{IMAGE_PIXELS, Images};
use crate::core::data::{ClassSet, LabeledImages, Subset};

/// What can be wrong with a message.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum RemoteError {
    #[error("a message to or from the WebGPU trainer could not be encoded: {0}")]
    Encode(String),
    #[error("a message to or from the WebGPU trainer is damaged: {0}")]
    Corrupt(String),
    #[error("the training request holds {pixels} pixels for {labels} labels (784 per image expected)")]
    PixelCount { pixels: usize, labels: usize },
    #[error("the training request holds label {0}, which is not among its classes")]
    UnknownLabel(u8),
    #[error("the training request's classes are not usable: {0}")]
    Classes(String),
}

/// The page asks the worker to train: the configuration and the training
/// images, already cut to the kept classes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainRequest {
    pub config: ExperimentConfig,
    /// The kept class values, sorted (the subset's [`ClassSet`]).
    pub classes: Vec<u8>,
    /// `labels.len() * 784` pixels, row-major, as in the IDX file.
    #[serde(with = "crate::core::wire::le_bytes")]
    pub pixels: Vec<u8>,
    /// Class value of each image.
    #[serde(with = "crate::core::wire::le_bytes")]
    pub labels: Vec<u8>,
}

/// [`TrainRequest`]'s fields borrowed from the page's subset, in the same
/// order and forms, so they encode to the same bytes.
#[derive(Serialize)]
struct TrainRequestView<'a> {
    config: &'a ExperimentConfig,
    classes: &'a [u8],
    #[serde(serialize_with = "crate::core::wire::le_bytes::serialize")]
    pixels: &'a [u8],
    #[serde(serialize_with = "crate::core::wire::le_bytes::serialize")]
    labels: &'a [u8],
}

impl TrainRequest {
    pub fn new(config: &ExperimentConfig, subset: &Subset) -> Self {
        Self {
            config: config.clone(),
            classes: subset.classes.values().to_vec(),
            pixels: subset.data.images.pixels.clone(),
            labels: subset.data.labels.clone(),
        }
    }

    /// The bytes of `TrainRequest::new(config, subset)`, encoded from the
    /// subset itself: the training images are not copied into a request first.
    pub fn encode_from(config: &ExperimentConfig, subset: &Subset) -> Result<Vec<u8>, RemoteError> {
        encode(&TrainRequestView {
            config,
            classes: subset.classes.values(),
            pixels: &subset.data.images.pixels,
            labels: &subset.data.labels,
        })
    }

    /// The configuration and the subset to train on, checked: every image
    /// whole, every label one of the classes.
    pub fn into_parts(self) -> Result<(ExperimentConfig, Subset), RemoteError> {
        let TrainRequest { config, classes, pixels, labels } = self;
        if labels.len().checked_mul(IMAGE_PIXELS) != Some(pixels.len()) {
            return Err(RemoteError::PixelCount { pixels: pixels.len(), labels: labels.len() });
        }
        let classes =
            ClassSet::new(&classes, config.dataset.class_count()).map_err(|e| RemoteError::Classes(e.to_string()))?;
        if let Some(&label) = labels.iter().find(|&&l| classes.index_of(l).is_none()) {
            return Err(RemoteError::UnknownLabel(label));
        }
        let targets = labels.iter().filter_map(|&l| classes.index_of(l)).collect();
        let data = LabeledImages::from_parts(Images { count: labels.len(), pixels }, labels);
        Ok((config, Subset { classes, data, targets }))
    }
}

/// Training progress as the worker read it back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RemoteProgress {
    pub reading: ProgressReading,
    /// 0-based epoch of the next step (`epochs` once finished).
    pub epoch: usize,
    /// 0-based position of the next step within its epoch.
    pub step_in_epoch: usize,
    /// Every step has been taken.
    pub finished: bool,
}

/// What the worker tells the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum WorkerEvent {
    /// The worker's code runs and listens for a [`TrainRequest`].
    Ready,
    /// WebGPU could not start here; the page trains on the CPU instead.
    NoGpu {
        reason: String,
    },
    /// WebGPU started and the network is built: training time starts now.
    Started,
    Progress(RemoteProgress),
    /// Training finished: the weights as [`crate::core::model::Network::to_bytes`] writes them.
    Trained {
        #[serde(with = "crate::core::wire::le_bytes")]
        weights: Vec<u8>,
    },
    /// Training stopped. `gpu` when the device itself failed (the page then
    /// offers the CPU), otherwise the message is about the run (a loss that
    /// diverged, a bad configuration).
    Failed {
        message: String,
        gpu: bool,
    },
}

impl WorkerEvent {
    /// The failure event for a training error.
    pub fn failed(error: &TrainError) -> Self {
        WorkerEvent::Failed { message: error.to_string(), gpu: error.is_device_fault() }
    }
}

/// postcard bytes of a message.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, RemoteError> {
    crate::core::wire::encode(message).map_err(RemoteError::Encode)
}

/// A message from postcard bytes; trailing bytes are refused too.
pub fn decode<'de, T: Deserialize<'de>>(bytes: &'de [u8]) -> Result<T, RemoteError> {
    crate::core::wire::decode(bytes).map_err(RemoteError::Corrupt)
}
