//! The experiment kept in this browser (IndexedDB): saved when a run
//! finishes or a file opens, and again when the visitor changes K or the view
//! (one save at a time, the latest request winning), restored at start-up,
//! forgotten on request. A marker in localStorage tells a reload that a run
//! was lost.

use js_sys::{Promise, Uint8Array};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::config::ExperimentConfig;
use crate::core::share::experiment::MAX_FILE_BYTES;
use crate::core::share::link::{self, ShareState, ViewOptions};

use crate::app::browser::{js_error_text, sleep_ms, yield_now};
use crate::app::experiment::{self, Generation};
use crate::app::state::AppState;

use super::files::experiment_bytes;

/// localStorage key set while a run is in progress, so a reload can say it was lost.
const RUN_MARKER_KEY: &str = "sigpath.run-in-progress";
/// Changes of K or colours are saved once they settle for this long.
const SAVE_SETTLE_MS: i32 = 400;

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
"#)]
extern "C" {
    fn idb_put(bytes: &Uint8Array, saved_at: f64) -> Promise;
    fn idb_get() -> Promise;
    fn idb_delete() -> Promise;
}

/// What the kept copy was last saved with: a new run or file (`generation`),
/// another K or other view options call for saving again.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveKey {
    generation: u64,
    k: Vec<Option<usize>>,
    view: ViewOptions,
}

/// What the store should do next; the latest request wins.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum StoreOp {
    Save { settle: bool },
    Forget,
}

/// The save queue and what the kept copy holds (in `AppState::keeper`).
#[derive(Debug, Default)]
pub struct Keeper {
    /// What the kept copy was last saved with.
    last_key: Option<SaveKey>,
    /// The generation the visitor asked to forget: not saved again.
    forgotten: Option<u64>,
    /// A save or forget is under way.
    busy: bool,
    /// What to do next.
    next: Option<StoreOp>,
}

/// Experiment `generation`, on screen with `k` and `view`, is what the kept
/// copy (or the shipped demo) already holds.
pub(super) fn saved_as(state: AppState, generation: Generation, k: Vec<Option<usize>>, view: ViewOptions) {
    state.keeper.update_value(|keeper| keeper.last_key = Some(SaveKey { generation: generation.get(), k, view }));
}

pub(super) async fn read_kept() -> Result<Option<(Vec<u8>, f64)>, String> {
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

/// Queue a save or a forget; the latest request wins, one at a time.
pub(super) fn request(state: AppState, op: StoreOp) {
    let busy = state.keeper.try_update_value(|k| {
        k.next = Some(op);
        std::mem::replace(&mut k.busy, true)
    });
    if busy != Some(false) {
        return;
    }
    leptos::task::spawn_local(async move {
        while let Some(op) = state.keeper.try_update_value(|k| k.next.take()).flatten() {
            if op == (StoreOp::Save { settle: true }) {
                sleep_ms(SAVE_SETTLE_MS).await;
                if state.keeper.with_value(|k| k.next.is_some()) {
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
        state.keeper.update_value(|k| k.busy = false);
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
pub(super) fn track_changes(state: AppState) {
    Effect::new(move |_| {
        // Results still going up on screen are not the visitor's change: who
        // shows them (`restore::restore`, `run_ended`) says whether they need saving,
        // in the task that completes them, before this runs again.
        if !crate::app::reveal::all_shown(state) {
            return;
        }
        let k = state.results.with(|r| r.as_ref().map(|r| r.layers.iter().map(|l| l.k_override()).collect::<Vec<_>>()));
        let view = ViewOptions { color: state.color_mode.get(), pair: state.pair.get() };
        let Some(k) = k else { return };
        let generation = experiment::generation().get();
        let key = SaveKey { generation, k, view };
        let save = state.keeper.try_update_value(|keeper| {
            if keeper.forgotten == Some(generation) || keeper.last_key.as_ref() == Some(&key) {
                return false;
            }
            keeper.last_key = Some(key);
            true
        });
        if save != Some(true) {
            return;
        }
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
    if let Some((config, k)) = state.pending_k.get_value()
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
        state.pending_k.set_value(None);
    }
    let generation = experiment::generation().get();
    let k = state.results.with_untracked(|r| r.as_ref().map(|r| r.layers.iter().map(|l| l.k_override()).collect()));
    let view = ViewOptions { color: state.color_mode.get_untracked(), pair: state.pair.get_untracked() };
    state.keeper.update_value(|keeper| keeper.last_key = k.map(|k| SaveKey { generation, k, view }));
    request(state, StoreOp::Save { settle: false });
}

/// Drop the copy kept in this browser.
pub fn forget(state: AppState) {
    let generation = experiment::generation().get();
    state.keeper.update_value(|k| k.forgotten = Some(generation));
    request(state, StoreOp::Forget);
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
pub(super) fn take_run_marker() -> bool {
    let Some(storage) = local_storage() else { return false };
    let found = storage.get_item(RUN_MARKER_KEY).ok().flatten().is_some();
    let _ = storage.remove_item(RUN_MARKER_KEY);
    found
}
