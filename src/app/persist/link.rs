//! The share link: the settings and view in the URL fragment, kept in step
//! with the page, and links pasted into an open page.

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::core::config::ConfigDraft;
use crate::core::results::RunResults;
use crate::core::share::link::{self, ShareState, ViewOptions};

use crate::app::browser::js_error_text;
use crate::app::experiment;
use crate::app::state::AppState;

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

pub(super) fn track_share_url(state: AppState) {
    Effect::new(move |_| {
        let fragment = link::encode(&share_state(state));
        state.share_url.set(Some(format!("{}#{fragment}", page_address())));
    });
}

/// The fragment of the address, with its `#` (empty when there is none).
pub(super) fn address_fragment() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Take the fragment out of the address, so a reload restores the kept
/// experiment rather than the link's settings again.
pub(super) fn clear_fragment() {
    let Some(window) = web_sys::window() else { return };
    if let Ok(history) = window.history() {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&page_address()));
    }
}

/// Apply a decoded link: its settings in the form, its view options, and its
/// K for when a run of these settings finishes.
pub(super) fn apply_link(state: AppState, share: ShareState) {
    state.draft.set(ConfigDraft::from(&share.config));
    state.config.set(share.config.clone());
    state.color_mode.set(share.view.color);
    state.pair.set(share.view.pair);
    state.pending_k.set_value((!share.k.is_empty()).then_some((share.config, share.k)));
    state.notice.set(Some("The settings come from the link you opened: press Train to reproduce its run.".into()));
}

pub(super) fn link_error_message(error: &crate::core::share::ShareError) -> String {
    format!("The link's settings could not be used ({error}); the default settings are shown instead.")
}

/// A link pasted into the address bar of an open page changes only the fragment.
pub(super) fn listen_for_links(state: AppState) {
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
                if state.results.with_untracked(Option::is_none) {
                    // Nothing shown yet (the demo or the kept run is still
                    // being opened): the link's settings are the experiment
                    // now, and that opening must not land over them.
                    experiment::begin(state);
                }
                apply_link(state, share);
                state.origin.set(None);
            }
            Err(error) => state.error.set(Some(link_error_message(&error))),
        }
    });
    let _ = window.add_event_listener_with_callback("hashchange", on_change.as_ref().unchecked_ref());
    // Lives as long as the page.
    on_change.forget();
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
