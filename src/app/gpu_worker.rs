//! The page's side of the WebGPU trainer: starts the `sigpath-gpu` worker
//! (see `src/worker.rs`), sends it the run, and hands its events to the runner.
//! Ending the worker is how a run on WebGPU is cancelled.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{Event, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::core::config::ExperimentConfig;
use crate::core::data::Subset;
use crate::core::train::remote::{self, TrainRequest, WorkerEvent};

use super::browser::{js_error_text, sleep_ms, worker_error_text, worker_script};

/// The page's meta tag naming the worker's entry (scripts/build-gpu-worker.sh
/// writes it, scripts/post-build.mjs moves it under its content hash).
const WORKER_META: &str = "sigpath:gpu-worker";
/// How often the runner looks for new events and for a cancel.
const POLL_MS: i32 = 15;

/// A running WebGPU trainer; dropping it ends the worker.
pub struct GpuWorker {
    worker: Worker,
    inbox: Rc<RefCell<VecDeque<WorkerEvent>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

impl GpuWorker {
    /// Start the worker (it answers [`WorkerEvent::Ready`] once its wasm runs).
    pub fn spawn() -> Result<Self, String> {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let url = worker_script(WORKER_META)?;
        let worker = Worker::new_with_options(&url, &options).map_err(|e| js_error_text(&e))?;
        let inbox: Rc<RefCell<VecDeque<WorkerEvent>>> = Rc::default();

        let messages = inbox.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            let bytes = Uint8Array::new(&event.data()).to_vec();
            let event = remote::decode::<WorkerEvent>(&bytes)
                .unwrap_or_else(|e| WorkerEvent::Failed { message: e.to_string(), gpu: false });
            messages.borrow_mut().push_back(event);
        });
        let errors = inbox.clone();
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let message = worker_error_text(&event);
            errors.borrow_mut().push_back(WorkerEvent::Failed {
                message: format!("the WebGPU trainer stopped: {message}"),
                gpu: true,
            });
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        worker.set_onmessageerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(Self { worker, inbox, _on_message: on_message, _on_error: on_error })
    }

    /// Send the run (its bytes are moved to the worker, not copied).
    pub fn send(&self, config: &ExperimentConfig, train: &Subset) -> Result<(), String> {
        let bytes = TrainRequest::encode_from(config, train).map_err(|e| e.to_string())?;
        let array = Uint8Array::from(bytes.as_slice());
        drop(bytes);
        self.worker
            .post_message_with_transfer(&array, &Array::of1(&array.buffer()))
            .map_err(|e| format!("the training data could not be sent to the WebGPU trainer ({})", js_error_text(&e)))
    }

    /// The next event, or `None` as soon as `stop()` is true.
    pub async fn next(&self, stop: impl Fn() -> bool) -> Option<WorkerEvent> {
        loop {
            if let Some(event) = self.inbox.borrow_mut().pop_front() {
                return Some(event);
            }
            if stop() {
                return None;
            }
            sleep_ms(POLL_MS).await;
        }
    }
}

impl Drop for GpuWorker {
    fn drop(&mut self) {
        self.worker.terminate();
    }
}
