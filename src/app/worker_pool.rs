//! Clustering on every core: a few Web Workers each run the page's own wasm
//! (the compiled module is handed over: nothing is downloaded or compiled
//! twice) and take jobs from `core::jobs`: one K-means fit per (layer, K),
//! then shares of each layer's silhouette pass. The page's thread only hands
//! out jobs and adds up the answers, so it stays free for input.
//!
//! The workers start with the run (they are ready long before the
//! clustering) and end with it. If they cannot start or one fails, the runner
//! clusters in the page as before: slower, same results.
//!
//! Tried and left out: recording the signatures on the workers too. It was
//! slower than the page alone, both on two workers (each worker's first run
//! of the pass is in V8's baseline code, and the answers are copied and
//! decoded; sending them the images while the network trained slowed the
//! training) and split between the page and one pre-warmed worker (figures:
//! docs/performance.md).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::poll_fn;
use std::rc::Rc;
use std::task::{Poll, Waker};

use js_sys::{Array, Object, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use web_sys::{Event, MessageEvent, Worker, WorkerOptions, WorkerType};

use crate::core::jobs::{self, Answer, Job, JobQueue, JobRunner};

use super::browser::{js_error_text, worker_error_text, worker_script};

/// The page's meta tag naming the workers' script (assets/pool-worker.js,
/// renamed by its content hash in scripts/post-build.mjs).
const WORKER_META: &str = "sigpath:pool-worker";
/// At most this many workers, whatever the machine reports: more rarely pays
/// for the copy of the signatures each one keeps.
const MAX_WORKERS: u32 = 4;
/// Shares per worker of each layer's silhouette pass: enough that the last
/// ones finish close together, few enough that each share's set-up (sorting
/// the points, and the sums it sends back) stays small.
const SHARES_PER_WORKER: usize = 2;

thread_local! {
    /// The worker side: what a worker was sent (unused in the page). A worker
    /// has no page and no `AppState`; its jobs arrive through `pool_job`.
    static RUNNER: RefCell<JobRunner> = RefCell::new(JobRunner::new());
}

/// Called by `pool-worker.js` with each job's bytes; answers in bytes.
#[wasm_bindgen]
pub fn pool_job(job: &[u8]) -> Vec<u8> {
    RUNNER.with(|runner| runner.borrow_mut().run_bytes(job))
}

/// What a worker said, in arrival order.
enum Said {
    Ready,
    Answer(Vec<u8>),
    Failed(String),
}

#[derive(Default)]
struct Inbox {
    events: VecDeque<(usize, Said)>,
    waker: Option<Waker>,
}

fn deliver(inbox: &Rc<RefCell<Inbox>>, worker: usize, said: Said) {
    let waker = {
        let mut inbox = inbox.borrow_mut();
        inbox.events.push_back((worker, said));
        inbox.waker.take()
    };
    if let Some(waker) = waker {
        waker.wake();
    }
}

struct PoolWorker {
    worker: Worker,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(Event)>,
}

/// Why the pool stopped before the end (the runner then does the work).
pub enum PoolStop {
    Cancelled,
    Failed(String),
}

/// The clustering workers of one run; dropping the pool ends them.
pub struct WorkerPool {
    workers: Vec<PoolWorker>,
    inbox: Rc<RefCell<Inbox>>,
    /// Per worker, the answers to `broadcast` data still to come. A worker
    /// answers its messages in order, so these come first, and any answer
    /// after them ends a job: the worker is free before the answer is read.
    acks_due: RefCell<Vec<usize>>,
}

impl WorkerPool {
    /// Start one worker per core (at most [`MAX_WORKERS`]), each loading the
    /// page's wasm. Jobs can be sent at once: the worker script keeps them
    /// until its wasm runs.
    pub fn start() -> Result<Self, String> {
        let window = web_sys::window().ok_or("no window")?;
        let count = (window.navigator().hardware_concurrency() as u32).clamp(1, MAX_WORKERS) as usize;
        let glue = glue_url(&window).ok_or("the page's script is not listed in the page")?;
        let hello = Object::new();
        Reflect::set(&hello, &"glue".into(), &glue.into()).map_err(|e| js_error_text(&e))?;
        Reflect::set(&hello, &"module".into(), &wasm_bindgen::module()).map_err(|e| js_error_text(&e))?;

        let url = worker_script(WORKER_META)?;
        let inbox: Rc<RefCell<Inbox>> = Rc::default();
        let mut workers = Vec::with_capacity(count);
        for index in 0..count {
            let options = WorkerOptions::new();
            options.set_type(WorkerType::Module);
            let worker = Worker::new_with_options(&url, &options).map_err(|e| js_error_text(&e))?;
            let messages = inbox.clone();
            let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                let data = event.data();
                let said = match data.as_string() {
                    Some(text) if text == "ready" => Said::Ready,
                    Some(text) => Said::Failed(text),
                    None => Said::Answer(Uint8Array::new(&data).to_vec()),
                };
                deliver(&messages, index, said);
            });
            let errors = inbox.clone();
            let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
                let message = worker_error_text(&event);
                deliver(&errors, index, Said::Failed(message));
            });
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            worker.set_onmessageerror(Some(on_error.as_ref().unchecked_ref()));
            worker.post_message(&hello).map_err(|e| js_error_text(&e))?;
            workers.push(PoolWorker { worker, _on_message: on_message, _on_error: on_error });
        }
        let acks_due = RefCell::new(vec![0; workers.len()]);
        Ok(Self { workers, inbox, acks_due })
    }

    pub fn size(&self) -> usize {
        self.workers.len()
    }

    /// Shares to cut a silhouette pass into for this pool.
    pub fn shares(&self) -> usize {
        (self.workers.len() * SHARES_PER_WORKER).max(1)
    }

    /// Send `job` to every worker (one encoding, copied to each): data they
    /// keep for later jobs. Their answers are read and checked by [`Self::run`].
    pub fn broadcast(&self, job: &Job) -> Result<(), String> {
        let bytes = jobs::encode(job).map_err(|e| e.to_string())?;
        let array = Uint8Array::from(bytes.as_slice());
        drop(bytes);
        for target in &self.workers {
            target
                .worker
                .post_message(&array)
                .map_err(|e| format!("data could not be sent to a worker ({})", js_error_text(&e)))?;
        }
        self.acks_due.borrow_mut().iter_mut().for_each(|due| *due += 1);
        Ok(())
    }

    async fn next_event(&self) -> (usize, Said) {
        poll_fn(|cx| {
            let mut inbox = self.inbox.borrow_mut();
            match inbox.events.pop_front() {
                Some(event) => Poll::Ready(event),
                None => {
                    inbox.waker = Some(cx.waker().clone());
                    Poll::Pending
                }
            }
        })
        .await
    }

    /// Run `queue` to the end on the workers. `stop` is asked after every
    /// answer; `progress` hears the share done after each.
    pub async fn run(
        &self,
        queue: &mut impl JobQueue,
        stop: impl Fn() -> bool,
        mut progress: impl FnMut(f64),
    ) -> Result<(), PoolStop> {
        let failed = PoolStop::Failed;
        let mut busy = vec![false; self.workers.len()];
        loop {
            self.hand_out(queue, &mut busy)?;
            if queue.is_done() {
                return Ok(());
            }
            // Nothing running and nothing to hand out, yet not done: cannot
            // happen unless the queue is wrong; better an error than a hang.
            if queue.outstanding() == 0 && queue.queued() == 0 {
                return Err(failed("the work stalled".into()));
            }
            let (worker, said) = self.next_event().await;
            match said {
                Said::Ready => {}
                Said::Failed(message) => return Err(failed(format!("a worker stopped: {message}"))),
                Said::Answer(bytes) => {
                    let acknowledges_data = match self.acks_due.borrow_mut().get_mut(worker) {
                        Some(due) if *due > 0 => {
                            *due -= 1;
                            true
                        }
                        _ => false,
                    };
                    if !acknowledges_data {
                        // The worker's next job first: it need not wait while
                        // the page reads and merges a silhouette share.
                        if let Some(busy) = busy.get_mut(worker) {
                            *busy = false;
                        }
                        self.hand_out(queue, &mut busy)?;
                    }
                    match jobs::decode::<Answer>(&bytes).map_err(|e| failed(e.to_string()))? {
                        Answer::Failed { message } => return Err(failed(format!("a worker failed: {message}"))),
                        Answer::Kept { .. } if acknowledges_data => {}
                        answer if !acknowledges_data => {
                            queue.absorb(answer).map_err(|e| failed(e.to_string()))?;
                            progress(queue.progress());
                        }
                        _ => return Err(failed("a worker answered out of turn".into())),
                    }
                }
            }
            if stop() {
                return Err(PoolStop::Cancelled);
            }
        }
    }

    /// Give every idle worker the next job, while there are jobs.
    fn hand_out(&self, queue: &mut impl JobQueue, busy: &mut [bool]) -> Result<(), PoolStop> {
        for (target, busy) in self.workers.iter().zip(busy.iter_mut()) {
            if *busy {
                continue;
            }
            let Some(job) = queue.next_job() else { break };
            let bytes = jobs::encode(&job).map_err(|e| PoolStop::Failed(e.to_string()))?;
            let array = Uint8Array::from(bytes.as_slice());
            target.worker.post_message_with_transfer(&array, &Array::of1(&array.buffer())).map_err(|e| {
                PoolStop::Failed(format!("a job could not be sent to a worker ({})", js_error_text(&e)))
            })?;
            *busy = true;
        }
        Ok(())
    }
}

impl Drop for WorkerPool {
    fn drop(&mut self) {
        for worker in &self.workers {
            worker.worker.terminate();
        }
    }
}

/// Absolute URL of the page's JS glue (Trunk lists it for preloading; the
/// snippets it imports are listed too, under `snippets/`).
fn glue_url(window: &web_sys::Window) -> Option<String> {
    let links = window.document()?.query_selector_all("link[rel=modulepreload]").ok()?;
    (0..links.length())
        .filter_map(|i| links.item(i)?.dyn_into::<web_sys::HtmlLinkElement>().ok())
        .map(|link| link.href())
        .find(|href| !href.contains("/snippets/") && href.ends_with(".js"))
}
