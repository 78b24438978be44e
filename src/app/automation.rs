//! The automation surface: `window.sigpath.state()`, `window.sigpath.timings()`
//! and `body[data-phase]` (documented in docs/automation.md).

use leptos::prelude::*;
use wasm_bindgen::prelude::*;

use super::state::AppState;

fn to_js<T: serde::Serialize>(value: &T) -> JsValue {
    serde_json::to_string(value).ok().and_then(|json| js_sys::JSON::parse(&json).ok()).unwrap_or(JsValue::NULL)
}

/// Install `window.sigpath` and keep `body[data-phase]` in step with the phase.
pub fn install(state: AppState) {
    let Some(window) = web_sys::window() else { return };
    let api = js_sys::Object::new();
    let snapshot = Closure::<dyn Fn() -> JsValue>::new(move || to_js(&state.snapshot()));
    let timings = Closure::<dyn Fn() -> JsValue>::new(move || to_js(&state.timings.get_untracked()));
    let _ = js_sys::Reflect::set(&api, &"state".into(), snapshot.as_ref());
    let _ = js_sys::Reflect::set(&api, &"timings".into(), timings.as_ref());
    // The page lives as long as the window: these closures are never dropped.
    snapshot.forget();
    timings.forget();
    let _ = js_sys::Reflect::set(&window, &"sigpath".into(), &api);

    Effect::new(move |_| {
        let phase = state.phase.get();
        if let Some(body) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.body()) {
            let _ = body.set_attribute("data-phase", phase.id());
        }
    });
}
