//! One run, end to end: pick the backend, train step by step (yielding to the
//! browser between slices of work), record the evaluation set's signatures,
//! cluster every layer, and publish the results. Cancel is checked between steps
//! (on WebGPU, training runs in a worker: cancel ends it).

use burn::tensor::Device;
use leptos::prelude::*;

use crate::core::analysis::{K_RANGE, LayerAnalysis, LayerSweep, SweepStep};
use crate::core::config::ExperimentConfig;
use crate::core::data::subset::select_indices;
use crate::core::data::{ClassSet, Dataset, Subset};
use crate::core::jobs::ParallelSweep;
use crate::core::model::Network;
use crate::core::results::RunResults;
use crate::core::share::experiment::CurvePoint;
use crate::core::signature::{Signatures, extract};
use crate::core::snapshot::{BackendKind, Phase, TrainingSnapshot};
use crate::core::train::remote::WorkerEvent;
use crate::core::train::{ProgressReading, TrainError, Trainer, steps_per_epoch};

use super::backend::{self, Backend};
use super::browser::{Pacer, log_warning, now_ms, yield_now};
use super::experiment::{self, Generation, Origin};
use super::gpu_worker::GpuWorker;
use super::state::{AppState, Curves, Progress};
use super::worker_pool::{PoolStop, WorkerPool};

/// Work between two yields to the browser: under a frame.
const SLICE_MS: f64 = 12.0;
/// How often training progress is read back and shown.
const PUBLISH_MS: f64 = 200.0;

enum RunError {
    Cancelled,
    /// A message for the visitor; `gpu` when WebGPU itself failed.
    Failed {
        message: String,
        gpu: bool,
    },
}

fn failed(message: impl Into<String>) -> RunError {
    RunError::Failed { message: message.into(), gpu: false }
}

/// Start a run with the current configuration (ignored while one runs): it
/// becomes the experiment on screen at once (`experiment::begin`).
pub fn start(state: AppState) {
    if state.running.get_untracked() {
        return;
    }
    let config = state.config.get_untracked();
    let generation = experiment::begin(state);
    state.running.set(true);
    state.cancel_requested.set(false);
    state.error.set(None);
    state.notice.set(None);
    super::persist::kept::run_started(&config);
    leptos::task::spawn_local(async move {
        let outcome = run(state, config, generation).await;
        if !experiment::is_current(generation) {
            return;
        }
        state.running.set(false);
        state.progress.set(None);
        // Keep the finished experiment in the browser (and apply a share link's K).
        super::persist::kept::run_ended(state, outcome.is_ok());
        match outcome {
            Ok(()) => {}
            Err(RunError::Cancelled) => {
                state.phase.set(Phase::Idle);
                state.notice.set(Some("Training cancelled. Change the settings or train again.".into()));
            }
            Err(RunError::Failed { message, gpu }) => {
                state.offer_cpu.set(gpu);
                state.fail(message);
            }
        }
    });
}

/// Ask the running run to stop at its next step.
pub fn cancel(state: AppState) {
    if state.running.get_untracked() {
        state.cancel_requested.set(true);
    }
}

fn check_cancel(state: AppState) -> Result<(), RunError> {
    if state.cancel_requested.get_untracked() { Err(RunError::Cancelled) } else { Ok(()) }
}

fn seconds_left(elapsed_ms: f64, done: usize, total: usize) -> String {
    if done == 0 {
        return String::new();
    }
    let left = elapsed_ms / done as f64 * (total - done.min(total)) as f64 / 1000.0;
    if left < 1.0 { "under a second left".into() } else { format!("about {left:.0} s left") }
}

/// Training progress as the page shows it: `state().training`, the curves
/// and the progress bar, from readings of either trainer.
struct Board {
    snapshot: TrainingSnapshot,
    steps_per_epoch: usize,
    images: usize,
    started_ms: f64,
    epoch_started_ms: f64,
}

impl Board {
    fn new(state: AppState, config: &ExperimentConfig, images: usize) -> Self {
        let steps_per_epoch = steps_per_epoch(images, config.batch_size);
        let snapshot = TrainingSnapshot {
            epoch: 1,
            epochs: config.epochs,
            step: 0,
            steps: steps_per_epoch,
            ..TrainingSnapshot::default()
        };
        state.training.set(Some(snapshot.clone()));
        let now = now_ms();
        Board { snapshot, steps_per_epoch, images, started_ms: now, epoch_started_ms: now }
    }

    /// Training time starts now (the WebGPU trainer is up).
    fn start_clock(&mut self) {
        self.started_ms = now_ms();
        self.epoch_started_ms = self.started_ms;
    }

    /// Show a reading; `epoch` and `step_in_epoch` are the trainer's next step (0-based).
    fn publish(
        &mut self,
        state: AppState,
        reading: &ProgressReading,
        epoch: usize,
        step_in_epoch: usize,
        finished: bool,
    ) {
        let now = now_ms();
        let snapshot = &mut self.snapshot;
        let x = reading.steps_done as f64 / self.steps_per_epoch.max(1) as f64;
        state.curves.update(|c| {
            if let Some(window) = reading.since_last {
                c.loss.push((x, window.mean_loss));
                c.train_accuracy.push((x, window.accuracy));
            }
        });
        for finished in &reading.finished_epochs {
            snapshot.loss_per_epoch.push(finished.stats.mean_loss);
            snapshot.train_accuracy = Some(finished.stats.accuracy);
            snapshot.epoch_secs.push((now - self.epoch_started_ms) / 1000.0);
            self.epoch_started_ms = now;
        }
        let trained_secs: f64 = snapshot.epoch_secs.iter().sum();
        if trained_secs > 0.0 {
            snapshot.samples_per_sec = Some((self.images * snapshot.epoch_secs.len()) as f64 / trained_secs);
        }
        snapshot.epoch = (epoch + 1).min(snapshot.epochs);
        snapshot.step = if finished { self.steps_per_epoch } else { step_in_epoch };
        if let (None, Some(window)) = (snapshot.train_accuracy, reading.since_last) {
            snapshot.train_accuracy = Some(window.accuracy);
        }
        state.training.set(Some(snapshot.clone()));
        state.progress.set(Some(Progress {
            label: "Training".into(),
            fraction: reading.steps_done as f64 / reading.total_steps.max(1) as f64,
            detail: format!(
                "epoch {} of {}, step {} of {} · {}",
                snapshot.epoch,
                snapshot.epochs,
                snapshot.step,
                self.steps_per_epoch,
                seconds_left(now - self.started_ms, reading.steps_done, reading.total_steps)
            ),
        }));
    }
}

/// Show where the run trains.
fn announce(state: AppState, backend: &Backend) {
    state.backend.set(Some(backend.kind));
    state.backend_note.set(backend.fallback_reason.clone());
}

/// Train here, on the CPU, in slices between yields to the browser.
async fn train_here(
    state: AppState,
    config: &ExperimentConfig,
    train: &Subset,
    board: &mut Board,
) -> Result<Network, RunError> {
    let mut trainer = Trainer::new(config, train, &Device::flex()).map_err(|e| failed(format!("{e}.")))?;
    board.start_clock();
    let mut pacer = Pacer::new(SLICE_MS);
    // Reading back and redrawing the chart cost far more than a step: do them a
    // few times a second, and at every epoch's end (profiled: redrawing after
    // every slice took most of the epoch).
    let mut published_ms = f64::NEG_INFINITY;
    loop {
        check_cancel(state)?;
        let step = trainer.step(train).map_err(|e| failed(format!("Training stopped: {e}")))?;
        if !(step.epoch_finished || step.finished || now_ms() - published_ms >= PUBLISH_MS) {
            if pacer.due() {
                pacer.pause().await;
            }
            continue;
        }
        let reading = trainer.read_progress().await.map_err(|e| failed(format!("Training stopped: {e}")))?;
        published_ms = now_ms();
        board.publish(state, &reading, trainer.epoch(), trainer.step_in_epoch(), step.finished);
        if step.finished {
            break;
        }
        pacer.pause().await;
    }
    let model = trainer.model().map_err(|e| failed(format!("Training stopped: {e}")))?;
    // A plain CPU copy (no autodiff) probes drawings and records the signatures.
    model.copy_to(&Device::flex()).await.map_err(|e| failed(format!("Keeping the model failed: {e}.")))
}

/// How a run on WebGPU ended, when it did not fail.
enum GpuOutcome {
    /// The trained network, on the CPU (boxed: it is far larger than a reason).
    Trained(Box<Network>),
    /// WebGPU could not start, and why: the run goes on on the CPU.
    NoGpu(String),
}

/// Train in the WebGPU worker; cancel ends the worker.
async fn train_in_worker(
    state: AppState,
    config: &ExperimentConfig,
    train: &Subset,
    board: &mut Board,
) -> Result<GpuOutcome, RunError> {
    let worker = match GpuWorker::spawn() {
        Ok(worker) => worker,
        Err(e) => return Ok(GpuOutcome::NoGpu(format!("the WebGPU trainer could not start ({e})"))),
    };
    let mut ready = false;
    loop {
        let Some(event) = worker.next(|| state.cancel_requested.get_untracked()).await else {
            return Err(RunError::Cancelled);
        };
        match event {
            WorkerEvent::Ready => {
                worker.send(config, train).map_err(failed)?;
                ready = true;
            }
            WorkerEvent::NoGpu { reason } => return Ok(GpuOutcome::NoGpu(reason)),
            // Before it listens, a failure means the trainer itself did not load.
            WorkerEvent::Failed { message, .. } if !ready => return Ok(GpuOutcome::NoGpu(message)),
            WorkerEvent::Failed { message, gpu: true } => {
                return Err(RunError::Failed {
                    message: format!("WebGPU failed while training ({message}). You can continue on the CPU."),
                    gpu: true,
                });
            }
            WorkerEvent::Failed { message, gpu: false } => return Err(failed(format!("Training stopped: {message}"))),
            WorkerEvent::Started => board.start_clock(),
            WorkerEvent::Progress(p) => board.publish(state, &p.reading, p.epoch, p.step_in_epoch, p.finished),
            WorkerEvent::Trained { weights } => {
                return Network::from_bytes(config, train.classes.len(), &weights, &Device::flex())
                    .map(|model| GpuOutcome::Trained(Box::new(model)))
                    .map_err(|e| failed(format!("The weights trained on WebGPU could not be read: {e}.")));
            }
        }
    }
}

/// List the non-zero pixels of `dataset`'s test split unless that was done:
/// every evaluation subset cut from it afterwards takes its rows of the list,
/// and the signature pass reads them (`core::data::nonzero`). Once per data
/// set; what it costs is `LabeledImages::nonzero_pixels`'s.
pub fn list_test_pixels(state: AppState, dataset: &Dataset) {
    if dataset.test.listed_nonzero_pixels().is_none() {
        let started = now_ms();
        dataset.test.nonzero_pixels();
        let ms = now_ms() - started;
        state.timings.update(|t| t.listing_ms = Some(ms));
    }
}

async fn run(state: AppState, config: ExperimentConfig, generation: Generation) -> Result<(), RunError> {
    state.phase.set(Phase::Training);
    if !state.current_dataset().is_some_and(|d| super::loader::has_training_images(&d)) {
        // The first visit loads the test split only: the training images come now.
        state.progress.set(Some(Progress {
            label: format!("Loading the {} training images", config.dataset.title()),
            fraction: 0.0,
            detail: "they load the first time you train".into(),
        }));
    }
    let dataset = super::ensure_training(state, config.dataset).await.map_err(failed)?;
    check_cancel(state)?;
    let classes = ClassSet::new(&config.classes, config.dataset.class_count()).map_err(|e| failed(format!("{e}.")))?;
    let train = Subset::new(&dataset.train, &classes, config.per_class, config.seed, "training")
        .map_err(|e| failed(format!("The training set cannot be cut: {e}.")))?;
    let eval_indices = select_indices(&dataset.test, &classes, None, config.seed, "test")
        .map_err(|e| failed(format!("The test set cannot be cut: {e}.")))?;
    list_test_pixels(state, &dataset);
    let eval = Subset::from_indices(&dataset.test, &classes, &eval_indices);
    if let Some(error) = config.validate(Some(train.len())).into_iter().next() {
        return Err(failed(format!("{}.", TrainError::from(error))));
    }

    // The clustering workers load while the network trains.
    let pool = WorkerPool::start().map_err(|e| log_warning(&format!("sigpath: clustering in the page ({e})"))).ok();
    state.progress.set(Some(Progress {
        label: "Starting".into(),
        fraction: 0.0,
        detail: "choosing the backend".into(),
    }));
    let mut backend = backend::select(state).await;
    announce(state, &backend);
    let mut board = Board::new(state, &config, train.len());
    let mut trained = None;
    if backend.kind == BackendKind::Webgpu {
        state.progress.set(Some(Progress {
            label: "Starting".into(),
            fraction: 0.0,
            detail: "starting WebGPU".into(),
        }));
        match train_in_worker(state, &config, &train, &mut board).await? {
            GpuOutcome::Trained(model) => trained = Some(*model),
            GpuOutcome::NoGpu(reason) => {
                backend = backend::webgpu_failed(state, reason);
                announce(state, &backend);
                state.curves.set(Curves::default());
                board = Board::new(state, &config, train.len());
            }
        }
    }
    let probe_model = match trained {
        Some(model) => model,
        None => train_here(state, &config, &train, &mut board).await?,
    };
    let snapshot = board.snapshot;

    // Signatures of the evaluation set, in one batched pass.
    state.phase.set(Phase::Analyzing);
    state.progress.set(Some(Progress {
        label: "Recording signatures".into(),
        fraction: 0.0,
        detail: format!("{} test images", eval.len()),
    }));
    yield_now().await;
    check_cancel(state)?;
    // The training images are not needed any more. Freed now, their memory
    // takes the signatures and the clustering's work space: fresh wasm memory
    // costs a page fault per 4 KiB on first write (the bench's signature pass
    // is measurably faster so).
    drop(train);
    let extract_started = now_ms();
    let signatures = extract(&probe_model, &eval, &Device::flex())
        .await
        .map_err(|e| failed(format!("Recording the signatures failed: {e}.")))?;
    let extract_ms = now_ms() - extract_started;
    state.timings.update(|t| t.extract_ms = Some(extract_ms));
    if let Some(last) = state.curves.with_untracked(|c| c.loss.last().map(|p| p.0)) {
        let right = signatures.predictions.iter().zip(&signatures.targets).filter(|(p, t)| p == t).count();
        let accuracy = right as f64 / signatures.len().max(1) as f64;
        state.curves.update(|c| c.test_accuracy.push((last, accuracy)));
    }

    // K-means for every K and the silhouettes: on the pool's workers, or in
    // the page if they could not help.
    let cluster_started = now_ms();
    let (analyses, workers) = cluster(state, &signatures, config.seed, pool).await?;
    let cluster_ms = now_ms() - cluster_started;
    state.timings.update(|t| {
        t.cluster_ms = Some(cluster_ms);
        t.cluster_workers = Some(workers as u64);
    });

    // Keep a CPU copy for probing drawings, and the weights for experiment files.
    let weights = probe_model.to_bytes().await.map_err(|e| failed(format!("Saving the weights failed: {e}.")))?;
    let mut results = RunResults::new(config, backend.kind, snapshot, eval_indices, signatures, analyses)
        .map_err(|e| failed(format!("The results could not be assembled: {e}.")))?;
    // The chart's readings go with the run (and into its file).
    results.curve = state.curves.with_untracked(|c| {
        c.loss
            .iter()
            .zip(&c.train_accuracy)
            .map(|(&(epochs, loss), &(_, accuracy))| CurvePoint {
                epochs: epochs as f32,
                loss: loss as f32,
                accuracy: accuracy as f32,
            })
            .collect()
    });
    // Showing the results is a task of its own; they mount a section per
    // task, then the phase is "ready".
    yield_now().await;
    if !experiment::is_current(generation) {
        return Ok(());
    }
    state.training.set(Some(results.training.clone()));
    experiment::show(state, generation, results, probe_model, weights, Origin::Trained).await;
    Ok(())
}

/// Every layer's clustering, and how many workers did it (0: the page).
async fn cluster(
    state: AppState,
    signatures: &Signatures,
    seed: u64,
    pool: Option<WorkerPool>,
) -> Result<(Vec<LayerAnalysis>, usize), RunError> {
    let layers = || signatures.layers.iter().map(|l| l.values.clone()).collect::<Vec<_>>();
    if let Some(pool) = pool {
        let mut sweep = ParallelSweep::new(layers(), K_RANGE, seed, pool.shares())
            .map_err(|e| failed(format!("Clustering failed: {e}.")))?;
        let sent = sweep.layer_jobs().iter().try_for_each(|job| pool.broadcast(job));
        let stop = || state.cancel_requested.get_untracked();
        let progress = |fraction: f64| {
            state.progress.set(Some(Progress {
                label: "Clustering signatures".into(),
                fraction,
                detail: format!("K-means and silhouettes on {} workers", pool.size()),
            }));
        };
        let outcome = match sent {
            Ok(()) => pool.run(&mut sweep, stop, progress).await,
            Err(reason) => Err(PoolStop::Failed(reason)),
        };
        match outcome.map(|()| sweep.finish()) {
            Ok(Ok(analyses)) => return Ok((analyses, pool.size())),
            Err(PoolStop::Cancelled) => return Err(RunError::Cancelled),
            // Same work in the page: slower, same results.
            Ok(Err(error)) => log_warning(&format!("sigpath: clustering in the page ({error})")),
            Err(PoolStop::Failed(reason)) => log_warning(&format!("sigpath: clustering in the page ({reason})")),
        }
    }
    let mut pacer = Pacer::new(SLICE_MS);
    let layer_count = signatures.layers.len();
    let mut analyses = Vec::with_capacity(layer_count);
    for (index, (layer, values)) in signatures.layers.iter().zip(layers()).enumerate() {
        let mut sweep = LayerSweep::new(values, K_RANGE, seed)
            .map_err(|e| failed(format!("Clustering layer {} failed: {e}.", layer.name)))?;
        loop {
            check_cancel(state)?;
            let step = sweep.step().map_err(|e| failed(format!("Clustering layer {} failed: {e}.", layer.name)))?;
            if step == SweepStep::Done {
                break;
            }
            if pacer.due() {
                let detail = match step {
                    SweepStep::Clustered { k } => format!("layer {}: K-means with K = {k}", layer.name),
                    _ => format!("layer {}: silhouettes", layer.name),
                };
                state.progress.set(Some(Progress {
                    label: "Clustering signatures".into(),
                    fraction: (index as f64 + sweep.progress()) / layer_count as f64,
                    detail,
                }));
                pacer.pause().await;
            }
        }
        analyses.push(sweep.finish().map_err(|e| failed(format!("Clustering layer {} failed: {e}.", layer.name)))?);
    }
    Ok((analyses, 0))
}
