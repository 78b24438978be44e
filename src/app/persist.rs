//! Keeping and passing on experiments: the share link (settings and view in
//! the URL fragment), experiment files (export and import), the copy kept in
//! this browser (IndexedDB, restored after a reload) and the bundled demo a
//! first visit opens.
//!
//! Start-up, in order of precedence: a share link in the address (its
//! settings, ready to train), else the experiment kept in this browser, else
//! the demo. Every experiment that is read (demo, kept copy, file) goes
//! through the same checked path, [`restore`], which changes nothing on the
//! page until everything has been read and checked.

use std::cell::{Cell, RefCell};

use burn::tensor::Device;
use js_sys::{Promise, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::config::{ConfigDraft, ExperimentConfig};
use crate::core::data::{Dataset, DatasetKind};
use crate::core::model::Network;
use crate::core::results::{FileAssembly, RunResults};
use crate::core::share::experiment::{self, ExperimentFile, FileWriter, MAX_FILE_BYTES};
use crate::core::share::link::{self, ShareState, ViewOptions};
use crate::core::snapshot::{BackendKind, Phase};

use super::browser::{self, js_error_text, now_ms, yield_now};
use super::session;
use super::state::{AppState, Curves, Progress};

/// The pre-trained default experiment, relative to the page (see `examples/make_demo.rs`).
pub const DEMO_PATH: &str = "demo/experiment.sigpath";
/// localStorage key set while a run is in progress, so a reload can say it was lost.
const RUN_MARKER_KEY: &str = "sigpath.run-in-progress";
/// Changes of K or colours are saved once they settle for this long.
const SAVE_SETTLE_MS: i32 = 400;
/// Bytes of the encoded experiment compressed per task when keeping it (the
/// demo's run is 4.6 MB encoded: 9 tasks).
const SAVE_SLICE_BYTES: usize = 512 * 1024;

#[wasm_bindgen(inline_js = r#"
const DB = "sigpath";
const STORE = "experiments";
const KEY = "last";
function request(r) {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}
async function withStore(mode, act) {
  if (typeof indexedDB === "undefined") throw new Error("this browser keeps no data for pages");
  const opening = indexedDB.open(DB, 1);
  opening.onupgradeneeded = () => opening.result.createObjectStore(STORE);
  const db = await request(opening);
  try {
    const tx = db.transaction(STORE, mode);
    const done = new Promise((resolve, reject) => {
      tx.oncomplete = () => resolve();
      tx.onabort = () => reject(tx.error ?? new Error("the browser refused to store it"));
    });
    const result = await request(act(tx.objectStore(STORE)));
    await done;
    return result;
  } finally {
    db.close();
  }
}
export async function idb_put(bytes, savedAt) {
  await withStore("readwrite", (s) => s.put({ bytes, savedAt }, KEY));
}
export async function idb_get() {
  const value = await withStore("readonly", (s) => s.get(KEY));
  // Anything else under the key (an older layout, a hand edit) counts as nothing kept.
  return value && value.bytes instanceof Uint8Array && typeof value.savedAt === "number" ? value : null;
}
export async function idb_delete() {
  await withStore("readwrite", (s) => s.delete(KEY));
}
export function sleep_ms(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
"#)]
extern "C" {
    fn idb_put(bytes: &Uint8Array, saved_at: f64) -> Promise;
    fn idb_get() -> Promise;
    fn idb_delete() -> Promise;
    fn sleep_ms(ms: i32) -> Promise;
}

/// Where the experiment on screen came from.
#[derive(Debug, Clone, PartialEq)]
pub enum Origin {
    Demo,
    /// Kept in this browser; saved at (ms since 1970).
    Kept(f64),
    /// An experiment file, by name.
    File(String),
}

impl Origin {
    /// Why a CPU-trained experiment that was not trained here ran on the CPU (the badge's words).
    fn cpu_note(&self) -> String {
        match self {
            Origin::Demo => "trained ahead of time for the demo".into(),
            Origin::Kept(_) => "as recorded with the kept experiment".into(),
            Origin::File(_) => "as recorded in the experiment file".into(),
        }
    }
}

/// Signals of this module, for the share panel (provided through context).
#[derive(Clone, Copy)]
pub struct Keeping {
    /// What the experiment on screen is, in words; `None` before any.
    pub shown: RwSignal<Option<String>>,
}

/// What the kept copy was last saved with: a new run or file (`generation`),
/// another K or other view options call for saving again.
#[derive(Debug, Clone, PartialEq)]
struct SaveKey {
    generation: u64,
    k: Vec<Option<usize>>,
    view: ViewOptions,
}

/// What the store should do next; the latest request wins.
#[derive(Debug, Clone, Copy, PartialEq)]
enum StoreOp {
    Save { settle: bool },
    Forget,
}

thread_local! {
    /// Bumped whenever a run finishes or an experiment is restored.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    static LAST_KEY: RefCell<Option<SaveKey>> = const { RefCell::new(None) };
    /// The generation the visitor asked to forget: not saved again.
    static FORGOTTEN: Cell<Option<u64>> = const { Cell::new(None) };
    static STORE_BUSY: Cell<bool> = const { Cell::new(false) };
    static STORE_NEXT: Cell<Option<StoreOp>> = const { Cell::new(None) };
    static KEEPING: Cell<Option<Keeping>> = const { Cell::new(None) };
    /// A share link's K per layer, applied when a run of its settings finishes.
    static PENDING_K: RefCell<Option<(ExperimentConfig, Vec<Option<usize>>)>> = const { RefCell::new(None) };
}

/// Set up the share link, the autosave and start-up (from the root component).
pub fn install(state: AppState) {
    let keeping = Keeping { shown: RwSignal::new(None) };
    provide_context(keeping);
    KEEPING.with(|k| k.set(Some(keeping)));
    track_share_url(state);
    track_changes(state);
    listen_for_links(state, keeping);
    leptos::task::spawn_local(start_up(state, keeping));
}

// --- share links -----------------------------------------------------------

/// The page's address without its fragment.
fn page_address() -> String {
    let href = web_sys::window().and_then(|w| w.location().href().ok()).unwrap_or_default();
    href.split('#').next().unwrap_or_default().to_string()
}

/// K per layer of `results` as a link stores it: empty when every layer is automatic.
fn link_k(results: &RunResults) -> Vec<Option<usize>> {
    let k: Vec<Option<usize>> = results.layers.iter().map(|l| l.k_override()).collect();
    if k.iter().all(Option::is_none) { Vec::new() } else { k }
}

/// What a link made now would carry.
pub fn share_state(state: AppState) -> ShareState {
    let config = state.config.get();
    // K belongs to the run on screen: only when it is a run of these settings.
    let k = state.results.with(|r| r.as_ref().filter(|r| r.config == config).map(link_k).unwrap_or_default());
    let view = ViewOptions { color: state.color_mode.get(), pair: state.pair.get() };
    let mut share = ShareState { config, k, view };
    if share.validate().is_err() {
        // A pair of classes the settings no longer keep: leave it out rather than make a link that fails.
        share.view.pair = None;
    }
    if share.validate().is_err() {
        share.k.clear();
    }
    share
}

fn track_share_url(state: AppState) {
    Effect::new(move |_| {
        let fragment = link::encode(&share_state(state));
        state.share_url.set(Some(format!("{}#{fragment}", page_address())));
    });
}

/// The fragment of the address, with its `#` (empty when there is none).
fn address_fragment() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Take the fragment out of the address, so a reload restores the kept
/// experiment rather than the link's settings again.
fn clear_fragment() {
    let Some(window) = web_sys::window() else { return };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&page_address()));
    }
}

/// Apply a decoded link: its settings in the form, its view options, and its
/// K for when a run of these settings finishes.
fn apply_link(state: AppState, share: ShareState) {
    state.draft.set(ConfigDraft::from(&share.config));
    state.config.set(share.config.clone());
    state.color_mode.set(share.view.color);
    state.pair.set(share.view.pair);
    PENDING_K.with(|p| *p.borrow_mut() = (!share.k.is_empty()).then(|| (share.config, share.k)));
    state.notice.set(Some("The settings come from the link you opened: press Train to reproduce its run.".into()));
}

fn link_error_message(error: &crate::core::share::ShareError) -> String {
    format!("The link's settings could not be used ({error}); the default settings are shown instead.")
}

/// A link pasted into the address bar of an open page changes only the fragment.
fn listen_for_links(state: AppState, keeping: Keeping) {
    let Some(window) = web_sys::window() else { return };
    let on_change = Closure::<dyn Fn()>::new(move || {
        let fragment = address_fragment();
        if fragment.len() <= 1 {
            return;
        }
        clear_fragment();
        if state.running.get_untracked() {
            state.notice.set(Some("A network is training: open the link again once it has finished.".into()));
            return;
        }
        match link::decode(&fragment) {
            Ok(share) => {
                apply_link(state, share);
                keeping.shown.set(None);
            }
            Err(error) => state.error.set(Some(link_error_message(&error))),
        }
    });
    let _ = window.add_event_listener_with_callback("hashchange", on_change.as_ref().unchecked_ref());
    // Lives as long as the page.
    on_change.forget();
}

// --- start-up -------------------------------------------------------------

/// A `performance.mark`, so the start-up's steps show in the browser's profiler
/// and in `performance.getEntriesByType("mark")`.
fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

async fn sleep(ms: i32) {
    let _ = JsFuture::from(sleep_ms(ms)).await;
}

/// Wait for data set `kind` (loading it in the background if nobody has
/// asked yet); `None` if it could not be loaded.
async fn wait_for_dataset(state: AppState, kind: DatasetKind) -> Option<std::sync::Arc<Dataset>> {
    let present = || state.datasets.with_untracked(|d| d.get(&kind).cloned());
    if present().is_none() && !state.loading.with_untracked(|l| l.contains(&kind)) {
        super::ensure_dataset(state, kind);
    }
    loop {
        if let Some(dataset) = present() {
            return Some(dataset);
        }
        if !state.loading.with_untracked(|l| l.contains(&kind)) {
            return None;
        }
        sleep(16).await;
    }
}

/// Record when the page became interactive: after the views had a chance to render.
async fn mark_interactive(state: AppState) {
    yield_now().await;
    yield_now().await;
    mark("sigpath:interactive");
    state.timings.update(|t| {
        t.interactive_ms.get_or_insert_with(now_ms);
    });
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
}

/// Note that a run is under way (cleared by [`run_ended`]).
pub fn run_started(config: &ExperimentConfig) {
    if let Some(storage) = local_storage() {
        let _ = storage
            .set_item(RUN_MARKER_KEY, &link::encode(&ShareState { config: config.clone(), ..Default::default() }));
    }
}

/// Whether the last page was left while a run was under way (and forget it).
fn take_run_marker() -> bool {
    let Some(storage) = local_storage() else { return false };
    let found = storage.get_item(RUN_MARKER_KEY).ok().flatten().is_some();
    let _ = storage.remove_item(RUN_MARKER_KEY);
    found
}

async fn start_up(state: AppState, keeping: Keeping) {
    let fragment = address_fragment();
    let mut link_error = None;
    if fragment.len() > 1 {
        clear_fragment();
        match link::decode(&fragment) {
            Ok(share) => {
                finish_starting(state);
                let kind = share.config.dataset;
                apply_link(state, share);
                if wait_for_dataset(state, kind).await.is_some() {
                    mark_interactive(state).await;
                }
                return;
            }
            // Fall through to what a visit without a link shows; the message comes last,
            // so finishing loads do not clear it.
            Err(error) => link_error = Some(link_error_message(&error)),
        }
    }

    let lost_run = take_run_marker();
    let mut restored = false;
    match read_kept().await {
        Ok(Some((bytes, saved_at))) => {
            state.autosaved_at.set(Some(saved_at));
            match restore(state, keeping, bytes, Origin::Kept(saved_at)).await {
                Ok(()) => restored = true,
                Err(why) => state.notice.set(Some(format!(
                    "The experiment kept in this browser could not be restored ({why}); the demo is shown instead."
                ))),
            }
        }
        Ok(None) => {}
        Err(why) => state.notice.set(Some(format!("This browser's storage could not be read ({why}).",))),
    }
    if !restored {
        match browser::fetch_bytes(DEMO_PATH).await {
            Ok(bytes) => {
                if let Err(why) = restore(state, keeping, bytes, Origin::Demo).await {
                    state.notice.set(Some(format!("The demo could not be opened ({why}). Train a network to begin.")));
                }
            }
            Err(why) => state.notice.set(Some(format!("The demo ({DEMO_PATH}) {why}. Train a network to begin."))),
        }
    }
    finish_starting(state);
    let kind = state.config.with_untracked(|c| c.dataset);
    if wait_for_dataset(state, kind).await.is_some() {
        mark_interactive(state).await;
    }
    if lost_run {
        let kept = if restored { " The last finished experiment is shown." } else { "" };
        state.notice.set(Some(format!(
            "The page was reloaded while a network was training: that run is lost (a run is kept once it finishes).{kept}"
        )));
    }
    if let Some(message) = link_error {
        state.error.set(Some(message));
    }
}

/// Start-up has shown what it opens, or given up: a page whose data set is
/// here and that shows no run is now "idle" (one still loading becomes so when
/// it arrives).
fn finish_starting(state: AppState) {
    state.starting.set(false);
    let kind = state.config.with_untracked(|c| c.dataset);
    if state.phase.get_untracked() == Phase::Loading && state.datasets.with_untracked(|d| d.contains_key(&kind)) {
        state.phase.set(Phase::Idle);
    }
}

// --- restoring --------------------------------------------------------------

/// Training figures as the page shows them: figures stored as 0 were not measured.
fn shown_training(results: &RunResults) -> crate::core::snapshot::TrainingSnapshot {
    let mut training = results.training.clone();
    if training.samples_per_sec == Some(0.0) {
        training.samples_per_sec = None;
    }
    if training.epoch_secs.iter().all(|&s| s == 0.0) {
        training.epoch_secs.clear();
    }
    training
}

/// The training chart of a restored run: one point per finished epoch.
fn curves_of(results: &RunResults) -> Curves {
    let t = &results.training;
    let loss: Vec<(f64, f64)> = t.loss_per_epoch.iter().enumerate().map(|(e, &l)| ((e + 1) as f64, l)).collect();
    let last = loss.last().map_or(0.0, |p| p.0);
    Curves {
        loss,
        train_accuracy: t.train_accuracy.map(|a| vec![(last, a)]).unwrap_or_default(),
        test_accuracy: t.test_accuracy.map(|a| vec![(last, a)]).unwrap_or_default(),
    }
}

/// The file's evaluation labels must be those of the data set's test images.
fn check_labels(file: &ExperimentFile, dataset: &Dataset) -> Result<(), String> {
    let matches = file
        .evaluation
        .indices
        .iter()
        .zip(&file.evaluation.labels)
        .all(|(&index, &label)| dataset.test.labels.get(index as usize) == Some(&label));
    if matches {
        Ok(())
    } else {
        Err(format!("its test images are not labelled as this page's {} test images", dataset.kind.title()))
    }
}

/// Read, check and show an experiment; on any error nothing on the page changes.
pub async fn restore(state: AppState, keeping: Keeping, bytes: Vec<u8>, origin: Origin) -> Result<(), String> {
    mark("sigpath:restore-start");
    let file = experiment::read(&bytes).map_err(|e| e.to_string())?;
    drop(bytes);
    mark("sigpath:restore-read");
    // Inflating, assembling and showing a run are each tens of milliseconds:
    // separate tasks, so the page keeps painting and taking input between them.
    yield_now().await;
    let kind = file.config.dataset;
    // The views show the test images: the file's data set must be here, and its labels must agree.
    let dataset = wait_for_dataset(state, kind)
        .await
        .ok_or_else(|| format!("the {} it was made with could not be loaded", kind.title()))?;
    check_labels(&file, &dataset)?;
    let mut assembly = FileAssembly::new(file).map_err(|e| e.to_string())?;
    while !assembly.step().map_err(|e| e.to_string())? {
        yield_now().await;
    }
    let (results, weights, view) = assembly.finish().map_err(|e| e.to_string())?;
    yield_now().await;
    let model = Network::from_bytes(&results.config, results.classes.len(), &weights, &Device::flex())
        .map_err(|e| format!("its weights cannot be used: {e}"))?;
    mark("sigpath:restore-checked");
    yield_now().await;
    let startup = matches!(origin, Origin::Demo | Origin::Kept(_));
    if state.running.get_untracked() {
        return Err("a network is training; cancel it or let it finish, then open the file again".into());
    }
    if startup && (state.results.with_untracked(Option::is_some) || state.phase.get_untracked() == Phase::Error) {
        // The visitor got there first (an import), or the data failed: leave the page as it is.
        return Ok(());
    }

    GENERATION.with(|g| g.set(g.get() + 1));
    let generation = GENERATION.with(Cell::get);
    let config = results.config.clone();
    let training = shown_training(&results);
    super::probe::clear(state);
    state.ood.set(None);
    state.offer_cpu.set(false);
    set_if_changed(state.backend, Some(results.backend));
    set_if_changed(state.backend_note, (results.backend == BackendKind::Cpu).then(|| origin.cpu_note()));
    state.curves.set(curves_of(&results));
    state.training.set(Some(training));
    set_if_changed(state.draft, ConfigDraft::from(&config));
    set_if_changed(state.config, config);
    set_if_changed(state.color_mode, view.color);
    set_if_changed(state.pair, view.pair);
    session::with(|s| {
        s.probe_model = Some(model);
        s.weights = Some(weights);
    });
    let k = results.layers.iter().map(|l| l.k_override()).collect();
    if !startup {
        state.error.set(None);
    }
    // The views mount a section per task, then the phase is "ready".
    if !super::reveal::show_results(state, results).await {
        // A newer experiment (an import) took over meanwhile and shows itself.
        return Ok(());
    }
    mark("sigpath:restore-shown");
    keeping.shown.set(Some(match &origin {
        Origin::Demo => {
            "The demo: a network trained ahead of time with the default settings. Train your own any time.".into()
        }
        Origin::Kept(at) => format!("Your last experiment, kept in this browser ({}).", describe_time(*at)),
        Origin::File(name) => format!("The experiment file {name}."),
    }));
    if startup {
        // Already stored (or shipped): nothing to save until something changes.
        // Set before the change tracker sees the views whole (`track_changes`).
        LAST_KEY.with(|l| *l.borrow_mut() = Some(SaveKey { generation, k, view }));
    }
    Ok(())
}

/// Set a signal only when the value differs: an equal value would still wake
/// every view that reads it (and the scatters are costly to redraw).
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.with_untracked(|current| *current != value) {
        signal.set(value);
    }
}

/// "saved 14:03 on 25 Nov 2025" in the visitor's locale.
fn describe_time(ms: f64) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(ms));
    let time = String::from(date.to_locale_time_string("default"));
    let day = String::from(date.to_locale_date_string("default", &JsValue::UNDEFINED));
    format!("saved {time} on {day}")
}

// --- the kept copy (IndexedDB) --------------------------------------------------

async fn read_kept() -> Result<Option<(Vec<u8>, f64)>, String> {
    let value = JsFuture::from(idb_get()).await.map_err(|e| js_error_text(&e))?;
    if value.is_null() || value.is_undefined() {
        return Ok(None);
    }
    let bytes = js_sys::Reflect::get(&value, &"bytes".into()).map_err(|e| js_error_text(&e))?;
    let saved_at = js_sys::Reflect::get(&value, &"savedAt".into()).ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
    let bytes: Uint8Array = bytes.dyn_into().map_err(|_| "the kept experiment is not a file".to_string())?;
    if bytes.length() as usize > MAX_FILE_BYTES {
        return Err(format!("the kept experiment is larger than {MAX_FILE_BYTES} bytes"));
    }
    Ok(Some((bytes.to_vec(), saved_at)))
}

/// The experiment on screen.
fn experiment_file(state: AppState) -> Result<ExperimentFile, String> {
    let weights = session::with(|s| s.weights.clone()).ok_or("there is no trained network yet")?;
    let view = ViewOptions { color: state.color_mode.get_untracked(), pair: state.pair.get_untracked() };
    state
        .results
        .with_untracked(|r| {
            r.as_ref().map(|r| {
                let pair =
                    view.pair.filter(|(a, b)| r.classes.index_of(*a).is_some() && r.classes.index_of(*b).is_some());
                r.to_file(weights, ViewOptions { pair, ..view })
            })
        })
        .ok_or_else(|| "there is no trained network yet".into())
}

/// The experiment on screen as an experiment file, compressed a slice per
/// task: the autosave runs after every change of K, pair or colouring, and
/// must not hold the page (nor must a download).
async fn experiment_bytes(state: AppState) -> Result<Vec<u8>, String> {
    // Gathering the run and encoding it are each tens of milliseconds: two tasks.
    let file = experiment_file(state)?;
    yield_now().await;
    let mut writer = FileWriter::new(&file).map_err(|e| e.to_string())?;
    drop(file);
    while !writer.step(SAVE_SLICE_BYTES).map_err(|e| e.to_string())? {
        yield_now().await;
    }
    writer.finish().map_err(|e| e.to_string())
}

/// Queue a save or a forget; the latest request wins, one at a time.
fn request(state: AppState, op: StoreOp) {
    STORE_NEXT.with(|n| n.set(Some(op)));
    if STORE_BUSY.with(|b| b.replace(true)) {
        return;
    }
    leptos::task::spawn_local(async move {
        while let Some(op) = STORE_NEXT.with(Cell::take) {
            if op == (StoreOp::Save { settle: true }) {
                sleep(SAVE_SETTLE_MS).await;
                if STORE_NEXT.with(|n| n.get().is_some()) {
                    continue;
                }
            }
            // Never in the task that showed the run: encoding it takes tens of milliseconds.
            yield_now().await;
            match op {
                StoreOp::Save { .. } => save_now(state).await,
                StoreOp::Forget => forget_now(state).await,
            }
        }
        STORE_BUSY.with(|b| b.set(false));
    });
}

async fn save_now(state: AppState) {
    if state.results.with_untracked(Option::is_none) {
        return;
    }
    let result = async {
        let bytes = experiment_bytes(state).await?;
        let saved_at = js_sys::Date::now();
        JsFuture::from(idb_put(&Uint8Array::from(bytes.as_slice()), saved_at)).await.map_err(|e| js_error_text(&e))?;
        Ok::<f64, String>(saved_at)
    }
    .await;
    match result {
        Ok(saved_at) => state.autosaved_at.set(Some(saved_at)),
        Err(why) => state.notice.set(Some(format!(
            "The experiment could not be kept in this browser ({why}). Download the experiment file to keep it."
        ))),
    }
}

async fn forget_now(state: AppState) {
    match JsFuture::from(idb_delete()).await {
        Ok(_) => {
            state.autosaved_at.set(None);
            state
                .notice
                .set(Some("Forgotten: this browser keeps no experiment now; the next visit opens the demo.".into()));
        }
        Err(e) => state.notice.set(Some(format!("The kept experiment could not be removed ({}).", js_error_text(&e)))),
    }
}

/// Save again when the visitor changes K or the view of the experiment on screen.
fn track_changes(state: AppState) {
    Effect::new(move |_| {
        // Results still going up on screen are not the visitor's change: who
        // shows them (`restore`, `run_ended`) says whether they need saving,
        // in the task that completes them, before this runs again.
        if !super::reveal::all_shown(state) {
            return;
        }
        let k = state.results.with(|r| r.as_ref().map(|r| r.layers.iter().map(|l| l.k_override()).collect::<Vec<_>>()));
        let view = ViewOptions { color: state.color_mode.get(), pair: state.pair.get() };
        let Some(k) = k else { return };
        let generation = GENERATION.with(Cell::get);
        if FORGOTTEN.with(Cell::get) == Some(generation) {
            return;
        }
        let key = SaveKey { generation, k, view };
        if LAST_KEY.with(|l| l.borrow().as_ref() == Some(&key)) {
            return;
        }
        LAST_KEY.with(|l| *l.borrow_mut() = Some(key));
        request(state, StoreOp::Save { settle: true });
    });
}

/// A run ended (`finished` when it produced results): the marker goes, a
/// share link's K applies, and the new experiment is kept.
pub fn run_ended(state: AppState, finished: bool) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(RUN_MARKER_KEY);
    }
    if !finished {
        return;
    }
    if let Some((config, k)) = PENDING_K.with(|p| p.borrow().clone())
        && state.results.with_untracked(|r| r.as_ref().is_some_and(|r| r.config == config))
    {
        state.results.update(|r| {
            if let Some(r) = r.as_mut() {
                for (layer, &k) in r.layers.iter_mut().zip(&k) {
                    // The link was checked against these settings; a K without a clustering is skipped.
                    let _ = layer.set_k(k);
                }
            }
        });
        PENDING_K.with(|p| p.borrow_mut().take());
    }
    GENERATION.with(|g| g.set(g.get() + 1));
    if let Some(keeping) = KEEPING.with(Cell::get) {
        keeping.shown.set(Some("Your run, trained in this page.".into()));
    }
    let generation = GENERATION.with(Cell::get);
    let k = state.results.with_untracked(|r| r.as_ref().map(|r| r.layers.iter().map(|l| l.k_override()).collect()));
    let view = ViewOptions { color: state.color_mode.get_untracked(), pair: state.pair.get_untracked() };
    LAST_KEY.with(|l| *l.borrow_mut() = k.map(|k| SaveKey { generation, k, view }));
    request(state, StoreOp::Save { settle: false });
}

// --- the controls' actions ----------------------------------------------------

/// File name for an export: "sigpath-mnist-mlp-32x64-seed42.sigpath".
fn export_name(config: &ExperimentConfig) -> String {
    let hidden: Vec<String> = config.hidden.iter().map(usize::to_string).collect();
    format!("sigpath-{}-{}-{}-seed{}.sigpath", config.dataset.id(), config.arch.id(), hidden.join("x"), config.seed)
}

/// Download the experiment on screen.
pub fn export(state: AppState) {
    let name = state.results.with_untracked(|r| r.as_ref().map(|r| export_name(&r.config)));
    leptos::task::spawn_local(async move {
        let outcome = experiment_bytes(state).await.and_then(|bytes| {
            browser::download(name.as_deref().unwrap_or("sigpath.sigpath"), &bytes, "application/octet-stream")
        });
        if let Err(why) = outcome {
            state.error.set(Some(format!("The experiment could not be exported: {why}.")));
        }
    });
}

/// Open an experiment file the visitor chose; a bad file changes nothing but the message.
pub fn import(state: AppState, file: web_sys::File) {
    let Some(keeping) = KEEPING.with(Cell::get) else { return };
    leptos::task::spawn_local(async move {
        let name = file.name();
        let label = format!("Opening {name}");
        let outcome = async {
            if file.size() > MAX_FILE_BYTES as f64 {
                return Err(format!(
                    "it is larger than {} MB, so it cannot be a sigpath experiment",
                    MAX_FILE_BYTES >> 20
                ));
            }
            state.progress.set(Some(Progress { label: label.clone(), fraction: 0.0, detail: "reading".into() }));
            let buffer = JsFuture::from(file.array_buffer()).await.map_err(|e| js_error_text(&e))?;
            let bytes = Uint8Array::new(&buffer).to_vec();
            state.progress.set(Some(Progress { label: label.clone(), fraction: 0.5, detail: "checking".into() }));
            // Let the bar paint before the checks run.
            yield_now().await;
            restore(state, keeping, bytes, Origin::File(name.clone())).await
        }
        .await;
        if state.progress.with_untracked(|p| p.as_ref().is_some_and(|p| p.label == label)) {
            state.progress.set(None);
        }
        match outcome {
            Ok(()) => {
                state.notice.set(Some(format!("Opened {name}: every view shows its experiment.")));
                request(state, StoreOp::Save { settle: false });
            }
            Err(why) => state.error.set(Some(format!("{name} could not be opened: {why}. The page is unchanged."))),
        }
    });
}

/// Drop the copy kept in this browser.
pub fn forget(state: AppState) {
    FORGOTTEN.with(|f| f.set(Some(GENERATION.with(Cell::get))));
    request(state, StoreOp::Forget);
}

/// Copy the share link to the clipboard; `Err` when the browser refused (the
/// link is then shown to copy by hand).
pub async fn copy_link(url: &str) -> Result<(), String> {
    let window = web_sys::window().ok_or("no browser window")?;
    let clipboard = js_sys::Reflect::get(&window.navigator(), &"clipboard".into()).map_err(|e| js_error_text(&e))?;
    if clipboard.is_undefined() || clipboard.is_null() {
        return Err("this page cannot reach the clipboard".into());
    }
    let clipboard: web_sys::Clipboard = clipboard.unchecked_into();
    JsFuture::from(clipboard.write_text(url)).await.map(|_| ()).map_err(|e| js_error_text(&e))
}
