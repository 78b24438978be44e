//! The network: a dense net or a small CNN over 28x28 images, whose forward
//! pass returns every hidden layer's output alongside the logits, so
//! signatures need no second model (the seed's `get_hidden_layers_outputs`).
//!
//! One model type serves training (on an autodiff device), evaluation and the
//! single-drawing probe; the backend lives in the `Device` its weights are on.

pub mod cnn;
pub mod errors;
mod init;
pub mod mlp;
pub mod sparse;

use burn::module::Param;
use burn::nn::Linear;
use burn::nn::conv::Conv2d;
use burn::prelude::*;
use burn::store::ModuleRecord;
use burn::tensor::{Bytes, Transaction};
use rand::SeedableRng;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::config::{Arch, ExperimentConfig};
use super::data::IMAGE_PIXELS;

pub use cnn::{Cnn, CnnConfig};
pub use errors::ModelError;
pub use mlp::{Mlp, MlpConfig};

/// Mixed into `config.seed` for the weight stream, so it differs from the
/// data-selection and shuffling streams drawn from the same seed.
const INIT_STREAM: u64 = 0x5EED_0000_1A17_0001;

/// What one forward pass gives.
#[derive(Debug, Clone)]
pub struct NetworkOutput {
    /// Post-ReLU output of each hidden layer, in order: `[batch, width_l]`.
    pub hidden: Vec<Tensor<2>>,
    /// `[batch, classes]`, before softmax.
    pub logits: Tensor<2>,
}

/// A hidden layer as the page names it (test ids, CSV columns).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LayerInfo {
    /// "h1", "h2", ... for the dense net; "conv1", "conv2", "fc" for the CNN.
    pub name: String,
    /// Values per image in this layer's signature.
    pub width: usize,
}

/// The hidden layers a configuration yields, without building the network.
pub fn layer_plan(config: &ExperimentConfig) -> Vec<LayerInfo> {
    hidden_layers(config.arch, &config.hidden)
}

/// The hidden layers of `arch` whose dense layers have `widths` (the CNN has
/// one dense layer: the last width); the one place layers are named.
fn hidden_layers(arch: Arch, widths: &[usize]) -> Vec<LayerInfo> {
    let info = |name: String, width: usize| LayerInfo { name, width };
    match arch {
        Arch::Mlp => widths.iter().enumerate().map(|(i, &width)| info(format!("h{}", i + 1), width)).collect(),
        Arch::Cnn => vec![
            info("conv1".into(), cnn::CONV1_WIDTH),
            info("conv2".into(), cnn::CONV2_WIDTH),
            info("fc".into(), widths.last().copied().unwrap_or(0)),
        ],
    }
}

/// The network of one experiment.
#[derive(Module, Debug)]
// burn's `Module` derive does not see through `Box`, and one network lives per run.
#[allow(clippy::large_enum_variant)]
pub enum Network {
    Mlp(Mlp),
    Cnn(Cnn),
}

impl Network {
    /// Build the network `config` describes with `classes` outputs, weights
    /// drawn from `config.seed` (the same on every backend), on `device`.
    pub fn new(config: &ExperimentConfig, classes: usize, device: &Device) -> Result<Network, ModelError> {
        if config.hidden.is_empty() {
            return Err(ModelError::NoHiddenLayer);
        }
        if config.hidden.contains(&0) {
            return Err(ModelError::ZeroWidth);
        }
        if classes < 2 {
            return Err(ModelError::TooFewClasses(classes));
        }
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(config.seed ^ INIT_STREAM);
        Ok(match config.arch {
            Arch::Mlp => {
                Network::Mlp(MlpConfig::new(IMAGE_PIXELS, config.hidden.clone(), classes).init(&mut rng, device))
            }
            Arch::Cnn => {
                // Validated non-empty above; the CNN's one dense layer is the last entry.
                let dense = config.hidden.last().copied().unwrap_or(1);
                Network::Cnn(CnnConfig::new(dense, classes).init(&mut rng, device))
            }
        })
    }

    /// - images: `[batch, 784]`, pixels in [0, 1]
    /// - returns each hidden layer's output `[batch, width_l]` and the logits `[batch, classes]`.
    pub fn forward(&self, images: Tensor<2>) -> NetworkOutput {
        let (hidden, logits) = match self {
            Network::Mlp(net) => net.forward(images),
            Network::Cnn(net) => net.forward(images),
        };
        NetworkOutput { hidden, logits }
    }

    pub fn arch(&self) -> Arch {
        match self {
            Network::Mlp(_) => Arch::Mlp,
            Network::Cnn(_) => Arch::Cnn,
        }
    }

    /// The hidden layers, in forward order.
    pub fn layers(&self) -> Vec<LayerInfo> {
        match self {
            Network::Mlp(net) => hidden_layers(Arch::Mlp, &net.widths()),
            Network::Cnn(net) => hidden_layers(Arch::Cnn, &[net.dense_width()]),
        }
    }

    /// Number of outputs (kept classes).
    pub fn classes(&self) -> usize {
        match self {
            Network::Mlp(net) => net.classes(),
            Network::Cnn(net) => net.classes(),
        }
    }

    /// The device the weights live on.
    pub fn device(&self) -> Device {
        match self {
            Network::Mlp(net) => net.output.weight.lazy_device(),
            Network::Cnn(net) => net.output.weight.lazy_device(),
        }
    }

    /// A copy of this network with its weights on `device` (e.g. from WebGPU to
    /// `Device::flex()` for low-latency single probes). The weights are read back
    /// asynchronously in one transaction, since burn's own `to_device` between
    /// backends reads synchronously, which the browser forbids.
    pub async fn copy_to(&self, device: &Device) -> Result<Network, ModelError> {
        let mut tensors = Tensors::default();
        self.collect(&mut tensors);
        let data = tensors.transaction.execute_async().await.map_err(|e| ModelError::Readback(format!("{e:?}")))?;
        let mut data = data.into_iter();
        self.rebuild(&mut data, device)
    }

    /// The weights in burn's record format (burnpack), for experiment files.
    /// Taken from a CPU copy, where reading is immediate even in the browser.
    pub async fn to_bytes(&self) -> Result<Vec<u8>, ModelError> {
        let cpu = self.copy_to(&Device::flex()).await?;
        let bytes = cpu.into_record().into_bytes().map_err(|e| ModelError::CorruptWeights(e.to_string()))?;
        Ok(bytes.to_vec())
    }

    /// The network `config` describes, with the weights saved by [`Network::to_bytes`].
    /// Bytes that are not a weights file, or that belong to another architecture or
    /// other layer sizes, give an error.
    pub fn from_bytes(
        config: &ExperimentConfig,
        classes: usize,
        bytes: &[u8],
        device: &Device,
    ) -> Result<Network, ModelError> {
        let record = ModuleRecord::from_bytes(Bytes::from_bytes_vec(bytes.to_vec()))
            .map_err(|e| ModelError::CorruptWeights(e.to_string()))?
            // Weights saved in another precision are converted rather than kept,
            // so the forward pass always sees f32 parameters.
            .cast_to_module_dtype();
        Network::new(config, classes, device)?
            .try_load_record(record)
            .map_err(|e| ModelError::WeightsMismatch(e.to_string()))
    }

    /// Queue every parameter for reading, in a fixed order `rebuild` follows.
    fn collect(&self, tensors: &mut Tensors) {
        match self {
            Network::Mlp(net) => {
                net.hidden.iter().for_each(|layer| tensors.linear(layer));
                tensors.linear(&net.output);
            }
            Network::Cnn(net) => {
                tensors.conv(&net.conv1);
                tensors.conv(&net.conv2);
                tensors.linear(&net.fc);
                tensors.linear(&net.output);
            }
        }
    }

    fn rebuild(&self, data: &mut impl Iterator<Item = TensorData>, device: &Device) -> Result<Network, ModelError> {
        Ok(match self {
            Network::Mlp(net) => {
                let hidden = net
                    .hidden
                    .iter()
                    .map(|layer| rebuild_linear(layer, data, device))
                    .collect::<Result<Vec<_>, _>>()?;
                let output = rebuild_linear(&net.output, data, device)?;
                Network::Mlp(Mlp { hidden, output })
            }
            Network::Cnn(net) => Network::Cnn(Cnn {
                conv1: rebuild_conv(&net.conv1, data, device)?,
                conv2: rebuild_conv(&net.conv2, data, device)?,
                pool: net.pool.clone(),
                fc: rebuild_linear(&net.fc, data, device)?,
                output: rebuild_linear(&net.output, data, device)?,
            }),
        })
    }
}

/// Parameters queued for one asynchronous read.
#[derive(Default)]
struct Tensors {
    transaction: Transaction,
}

impl Tensors {
    fn push<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let transaction = std::mem::take(&mut self.transaction);
        self.transaction = transaction.register(param.val());
    }

    fn linear(&mut self, layer: &Linear) {
        self.push(&layer.weight);
        if let Some(bias) = &layer.bias {
            self.push(bias);
        }
    }

    fn conv(&mut self, layer: &Conv2d) {
        self.push(&layer.weight);
        if let Some(bias) = &layer.bias {
            self.push(bias);
        }
    }
}

/// The next tensor of a transaction's results, in the order `Tensors` queued them.
fn next_data(data: &mut impl Iterator<Item = TensorData>) -> Result<TensorData, ModelError> {
    data.next().ok_or_else(|| ModelError::Readback("fewer tensors came back than were asked for".into()))
}

fn next_param<const D: usize>(
    data: &mut impl Iterator<Item = TensorData>,
    device: &Device,
) -> Result<Param<Tensor<D>>, ModelError> {
    Ok(Param::from_data(next_data(data)?, device))
}

fn rebuild_linear(
    layer: &Linear,
    data: &mut impl Iterator<Item = TensorData>,
    device: &Device,
) -> Result<Linear, ModelError> {
    let weight = next_param(data, device)?;
    let bias = match layer.bias {
        Some(_) => Some(next_param(data, device)?),
        None => None,
    };
    Ok(Linear { weight, bias })
}

fn rebuild_conv(
    layer: &Conv2d,
    data: &mut impl Iterator<Item = TensorData>,
    device: &Device,
) -> Result<Conv2d, ModelError> {
    let weight = next_param(data, device)?;
    let bias = match layer.bias {
        Some(_) => Some(next_param(data, device)?),
        None => None,
    };
    Ok(Conv2d {
        weight,
        bias,
        stride: layer.stride,
        kernel_size: layer.kernel_size,
        dilation: layer.dilation,
        groups: layer.groups,
        padding: layer.padding.clone(),
    })
}
