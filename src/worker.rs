//! The WebGPU trainer: the only code built with burn's WebGPU stack. It runs
//! in a Web Worker of its own wasm (`sigpath-gpu`), which the page fetches
//! only when a GPU trains (see `core::train::remote` for why and for the
//! messages). It gets one [`TrainRequest`], trains, reports progress, and
//! answers with the trained weights; the page cancels by ending the worker.
//!
//! Off the main thread, a slow GPU (shader compilation on a software one takes
//! seconds) no longer holds up the page.

use burn::tensor::Device;
use burn::tensor::wgpu::WgpuBackend;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::core::train::remote::{self, RemoteProgress, TrainRequest, WorkerEvent};
use crate::core::train::{TrainError, Trainer};
// The same probe as the page's (it runs in workers too).
use crate::app::browser::webgpu_adapter_problem;

/// A readback that waits longer than this halves the steps queued before the
/// next one; one that comes back sooner doubles them. It keeps progress smooth
/// and bounds the work a cancel throws away.
const READBACK_WAIT_MS: f64 = 200.0;
/// At most this many steps are queued on the GPU between two readbacks.
const MAX_STEPS_PER_READBACK: usize = 256;

fn scope() -> DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Send one event to the page (the bytes are moved, not copied).
fn post(event: &WorkerEvent) {
    let bytes = match remote::encode(event) {
        Ok(bytes) => bytes,
        Err(error) => match remote::encode(&WorkerEvent::Failed { message: error.to_string(), gpu: false }) {
            Ok(bytes) => bytes,
            Err(_) => return,
        },
    };
    let array = Uint8Array::from(bytes.as_slice());
    let _ = scope().post_message_with_transfer(&array, &Array::of1(&array.buffer()));
}

/// Start listening; called once by the worker's `main`.
pub fn start() {
    console_error_panic_hook::set_once();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(|event: MessageEvent| {
        let bytes = Uint8Array::new(&event.data()).to_vec();
        wasm_bindgen_futures::spawn_local(async move {
            match remote::decode::<TrainRequest>(&bytes) {
                Ok(request) => train(request).await,
                Err(error) => post(&WorkerEvent::Failed { message: error.to_string(), gpu: false }),
            }
        });
    });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&WorkerEvent::Ready);
}

/// The WebGPU device, or why there is none.
async fn init_webgpu() -> Result<Device, String> {
    let problem = webgpu_adapter_problem().await;
    if !problem.is_empty() {
        return Err(problem);
    }
    Device::wgpu_options()
        .graphics_api(WgpuBackend::WebGpu)
        .init_async()
        .await
        .map_err(|e| format!("WebGPU could not start ({e})"))
}

async fn train(request: TrainRequest) {
    let (config, subset) = match request.into_parts() {
        Ok(parts) => parts,
        Err(error) => return post(&WorkerEvent::Failed { message: error.to_string(), gpu: false }),
    };
    let device = match init_webgpu().await {
        Ok(device) => device,
        Err(reason) => return post(&WorkerEvent::NoGpu { reason }),
    };
    let outcome = async {
        let mut trainer = Trainer::new(&config, &subset, &device)?;
        post(&WorkerEvent::Started);
        // On a GPU, steps are only queued: a readback waits for all of them.
        let mut steps_per_readback: usize = 1;
        let mut steps_since_readback: usize = 0;
        loop {
            let step = trainer.step(&subset)?;
            steps_since_readback += 1;
            if !(step.epoch_finished || step.finished || steps_since_readback >= steps_per_readback) {
                continue;
            }
            let read_started_ms = now_ms();
            let reading = trainer.read_progress().await?;
            steps_per_readback = if now_ms() - read_started_ms > READBACK_WAIT_MS {
                (steps_per_readback / 2).max(1)
            } else {
                (steps_per_readback * 2).min(MAX_STEPS_PER_READBACK)
            };
            steps_since_readback = 0;
            post(&WorkerEvent::Progress(RemoteProgress {
                reading,
                epoch: trainer.epoch(),
                step_in_epoch: trainer.step_in_epoch(),
                finished: step.finished,
            }));
            if step.finished {
                break;
            }
        }
        // The weights go back as bytes, read from a CPU copy.
        let weights = trainer.model()?.to_bytes().await.map_err(TrainError::from)?;
        Ok::<_, TrainError>(weights)
    }
    .await;
    match outcome {
        Ok(weights) => post(&WorkerEvent::Trained { weights }),
        Err(error) => post(&WorkerEvent::failed(&error)),
    }
}
