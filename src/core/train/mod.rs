//! Training: a loop of our own (burn-train's `Learner` does not run in a
//! browser), steppable one optimisation step at a time so the page can yield
//! to the event loop between steps, with loss and accuracy summed on the
//! device and read back only when the caller asks.

pub mod batcher;
pub mod errors;
mod evaluate;
pub mod remote;

use burn::nn::loss::{CrossEntropyLoss, CrossEntropyLossConfig};
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::Transaction;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_xoshiro::Xoshiro256PlusPlus;
use serde::{Deserialize, Serialize};

use super::config::ExperimentConfig;
use super::data::Subset;
use super::model::Network;

pub use errors::TrainError;
pub(crate) use evaluate::on_device as evaluate_on_device;
pub use evaluate::{EVAL_CHUNK_ROWS, Evaluation, evaluate};

/// Mixed into `config.seed` for the shuffling stream (see `model::INIT_STREAM`).
const SHUFFLE_STREAM: u64 = 0x5EED_0000_5A0F_F1E5;

/// What one optimisation step did. Indices are 0-based.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepOutput {
    /// Epoch the step belonged to.
    pub epoch: usize,
    /// Position of the step within its epoch.
    pub step_in_epoch: usize,
    /// Images in the step's batch (the last batch of an epoch may be smaller).
    pub samples: usize,
    /// This step was the last of its epoch.
    pub epoch_finished: bool,
    /// This step was the last of the run.
    pub finished: bool,
}

/// Loss and accuracy over a number of steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WindowStats {
    pub steps: usize,
    pub samples: usize,
    /// Mean cross-entropy per image.
    pub mean_loss: f64,
    /// Share of images whose largest logit was the right class, in [0, 1].
    pub accuracy: f64,
}

/// One finished epoch, averaged over all its images.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochStats {
    /// 0-based.
    pub epoch: usize,
    pub stats: WindowStats,
}

/// What [`Trainer::read_progress`] found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProgressReading {
    /// The steps taken since the previous reading; `None` if there were none.
    pub since_last: Option<WindowStats>,
    /// Epochs that finished since the previous reading, in order.
    pub finished_epochs: Vec<EpochStats>,
    /// Steps taken so far, of `total_steps`.
    pub steps_done: usize,
    pub total_steps: usize,
}

/// Sums of `[loss x images, correct]` of an epoch's steps, still on the device.
struct Pending {
    epoch: usize,
    steps: usize,
    samples: usize,
    sums: Tensor<1>, // [2]
}

#[derive(Debug, Clone, Copy, Default)]
struct HostTotals {
    steps: usize,
    samples: usize,
    loss_sum: f64,
    correct: f64,
}

impl HostTotals {
    fn add(&mut self, other: HostTotals) {
        self.steps += other.steps;
        self.samples += other.samples;
        self.loss_sum += other.loss_sum;
        self.correct += other.correct;
    }

    fn stats(&self) -> WindowStats {
        let n = self.samples.max(1) as f64;
        WindowStats {
            steps: self.steps,
            samples: self.samples,
            mean_loss: self.loss_sum / n,
            accuracy: self.correct / n,
        }
    }
}

/// Batches in one pass over `images` (the last one may be short).
pub fn steps_per_epoch(images: usize, batch_size: usize) -> usize {
    images.div_ceil(batch_size.max(1))
}

/// Trains a [`Network`] on a [`Subset`] with Adam and softmax cross-entropy.
pub struct Trainer {
    /// `None` only while a step moves it through the optimiser.
    model: Option<Network>,
    optimizer: ModuleOptimizer,
    loss: CrossEntropyLoss,
    device: Device,
    learning_rate: f64,
    batch_size: usize,
    epochs: usize,
    images: usize,
    rng: Xoshiro256PlusPlus,
    /// Order of the subset's rows in the current epoch.
    order: Vec<usize>,
    epoch: usize,
    step_in_epoch: usize,
    pending: Vec<Pending>,
    /// Read-back totals per epoch.
    totals: Vec<HostTotals>,
    history: Vec<EpochStats>,
    diverged: Option<usize>,
}

impl Trainer {
    /// A fresh network for `config` and the optimiser state to train it on
    /// `subset`, on `device` (autodiff is switched on here).
    pub fn new(config: &ExperimentConfig, subset: &Subset, device: &Device) -> Result<Trainer, TrainError> {
        if subset.is_empty() {
            return Err(TrainError::EmptySubset);
        }
        if let Some(error) = config.validate(Some(subset.len())).into_iter().next() {
            return Err(error.into());
        }
        let device = device.clone().autodiff();
        let model = Network::new(config, subset.classes.len(), &device)?;
        Ok(Trainer {
            model: Some(model),
            optimizer: AdamConfig::new().init(),
            loss: CrossEntropyLossConfig::new().init(&device),
            device,
            learning_rate: config.learning_rate,
            batch_size: config.batch_size,
            epochs: config.epochs,
            images: subset.len(),
            rng: Xoshiro256PlusPlus::seed_from_u64(config.seed ^ SHUFFLE_STREAM),
            order: (0..subset.len()).collect(),
            epoch: 0,
            step_in_epoch: 0,
            pending: Vec::new(),
            totals: vec![HostTotals::default(); config.epochs],
            history: Vec::new(),
            diverged: None,
        })
    }

    pub fn steps_per_epoch(&self) -> usize {
        steps_per_epoch(self.images, self.batch_size)
    }

    pub fn total_steps(&self) -> usize {
        self.steps_per_epoch() * self.epochs
    }

    pub fn steps_done(&self) -> usize {
        self.epoch * self.steps_per_epoch() + self.step_in_epoch
    }

    /// 0-based epoch the next step belongs to (`epochs` once finished).
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// 0-based position of the next step within its epoch.
    pub fn step_in_epoch(&self) -> usize {
        self.step_in_epoch
    }

    pub fn epochs(&self) -> usize {
        self.epochs
    }

    pub fn is_finished(&self) -> bool {
        self.epoch >= self.epochs
    }

    /// Finished epochs whose totals have been read back.
    pub fn history(&self) -> &[EpochStats] {
        &self.history
    }

    /// The network as trained so far, without autodiff, for evaluation and
    /// signatures (on the training device).
    pub fn model(&self) -> Result<Network, TrainError> {
        self.model.as_ref().map(|m| m.valid()).ok_or(TrainError::Finished)
    }

    /// One optimisation step on the next batch. Queues work on the device and
    /// reads nothing back.
    pub fn step(&mut self, subset: &Subset) -> Result<StepOutput, TrainError> {
        if let Some(epoch) = self.diverged {
            return Err(TrainError::Diverged { epoch: epoch + 1 });
        }
        if self.is_finished() {
            return Err(TrainError::Finished);
        }
        if subset.len() != self.images {
            return Err(TrainError::SubsetChanged { expected: self.images, found: subset.len() });
        }
        if self.step_in_epoch == 0 {
            self.order.shuffle(&mut self.rng);
        }
        let start = self.step_in_epoch * self.batch_size;
        let end = (start + self.batch_size).min(self.images);
        let rows = self.order.get(start..end).ok_or(TrainError::Finished)?;
        let samples = rows.len();

        let images = batcher::images(subset, rows, &self.device)?; // [batch, 784]
        let targets = batcher::targets(subset, rows, &self.device)?; // [batch]
        let model = self.model.take().ok_or(TrainError::Finished)?;
        let output = model.forward(images);
        let loss = self.loss.forward(output.logits.clone(), targets.clone()); // [1], mean over the batch
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        self.model = Some(self.optimizer.step(self.learning_rate, model, grads));

        // Statistics leave the autodiff graph and stay on the device.
        let loss_sum = loss.without_autodiff().mul_scalar(samples as f32); // [1]
        let correct = output
            .logits
            .without_autodiff()
            .argmax(1) // [batch, 1]
            .reshape([samples])
            .equal(targets)
            .float()
            .sum(); // [1]
        let sums = Tensor::cat(vec![loss_sum, correct], 0); // [2]
        self.accumulate(samples, sums);

        let step = StepOutput {
            epoch: self.epoch,
            step_in_epoch: self.step_in_epoch,
            samples,
            epoch_finished: false,
            finished: false,
        };
        self.step_in_epoch += 1;
        if self.step_in_epoch == self.steps_per_epoch() {
            self.step_in_epoch = 0;
            self.epoch += 1;
            return Ok(StepOutput { epoch_finished: true, finished: self.is_finished(), ..step });
        }
        Ok(step)
    }

    fn accumulate(&mut self, samples: usize, sums: Tensor<1>) {
        match self.pending.last_mut() {
            Some(pending) if pending.epoch == self.epoch => {
                pending.steps += 1;
                pending.samples += samples;
                pending.sums = pending.sums.clone() + sums;
            }
            _ => self.pending.push(Pending { epoch: self.epoch, steps: 1, samples, sums }),
        }
    }

    /// Read back the loss and accuracy summed since the last reading (one
    /// asynchronous readback). Fails with [`TrainError::Diverged`] once the loss
    /// is no longer finite.
    pub async fn read_progress(&mut self) -> Result<ProgressReading, TrainError> {
        let pending = std::mem::take(&mut self.pending);
        let mut transaction = Transaction::default();
        for p in &pending {
            transaction = transaction.register(p.sums.clone());
        }
        let data = if pending.is_empty() {
            Vec::new()
        } else {
            transaction.execute_async().await.map_err(|e| TrainError::Readback(format!("{e:?}")))?
        };
        let mut window = HostTotals::default();
        let mut finished_epochs = Vec::new();
        for (p, data) in pending.iter().zip(data) {
            let sums: Vec<f32> = data.iter::<f32>().collect();
            let (loss_sum, correct) = match sums.as_slice() {
                [loss_sum, correct] => (f64::from(*loss_sum), f64::from(*correct)),
                _ => return Err(TrainError::Readback(format!("expected 2 sums, got {}", sums.len()))),
            };
            if !loss_sum.is_finite() {
                self.diverged = Some(p.epoch);
                return Err(TrainError::Diverged { epoch: p.epoch + 1 });
            }
            let totals = HostTotals { steps: p.steps, samples: p.samples, loss_sum, correct };
            window.add(totals);
            if let Some(epoch_totals) = self.totals.get_mut(p.epoch) {
                epoch_totals.add(totals);
                // Every step of an epoch before the current one has been taken and summed.
                if p.epoch < self.epoch {
                    let stats = EpochStats { epoch: p.epoch, stats: epoch_totals.stats() };
                    self.history.push(stats);
                    finished_epochs.push(stats);
                }
            }
        }
        Ok(ProgressReading {
            since_last: (window.steps > 0).then(|| window.stats()),
            finished_epochs,
            steps_done: self.steps_done(),
            total_steps: self.total_steps(),
        })
    }
}
