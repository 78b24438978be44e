//! Share, save and open: the share link, the experiment file (download and
//! open), and the copy kept in this browser with a control to forget it.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::app::persist;
use crate::app::state::AppState;

#[component]
pub fn SharePanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The link stays on screen once asked for, so it can be copied by hand too.
    let link_shown = RwSignal::new(false);
    let has_results = move || state.results.with(Option::is_some);

    let on_share = move |_| {
        let Some(url) = state.share_url.get_untracked() else { return };
        link_shown.set(true);
        leptos::task::spawn_local(async move {
            let message = match persist::copy_link(&url).await {
                Ok(()) => "Link copied. Whoever opens it gets these settings and reproduces the run with one click."
                    .to_string(),
                Err(why) => format!("The link could not be copied ({why}): copy it from the box below."),
            };
            state.notice.set(Some(message));
        });
    };
    let on_import = move |ev: leptos::ev::Event| {
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else { return };
        let file = input.files().and_then(|files| files.get(0));
        // Cleared so the same file can be chosen again after a fix.
        input.set_value("");
        if let Some(file) = file {
            persist::import(state, file);
        }
    };
    let kept_text = move || match state.autosaved_at.get() {
        Some(_) => "Your last finished experiment is kept in this browser and comes back after a reload.".to_string(),
        None => "Finished experiments are kept in this browser, so a reload does not lose them.".to_string(),
    };

    view! {
        <section class="panel share" aria-label="Share and save">
            <h2>"Share and save"</h2>
            <p class="hint" data-testid="experiment-origin" hidden=move || state.origin.with(Option::is_none)>
                {move || state.origin.get().unwrap_or_default()}
            </p>
            <div class="share-actions">
                <button type="button" data-testid="share-button" on:click=on_share
                    title="Copy a link holding these settings and view">"Copy share link"</button>
                <button type="button" data-testid="export-button" disabled=move || !has_results() || state.running.get()
                    on:click=move |_| persist::export(state)>"Download experiment"</button>
                <label class="file-button">
                    <span>"Open experiment…"</span>
                    <input type="file" accept=".sigpath,application/octet-stream" data-testid="import-input"
                        disabled=move || state.running.get() on:change=on_import/>
                </label>
            </div>
            <Show when=move || link_shown.get()>
                <label class="field share-link">
                    <span>"Share link"</span>
                    <input type="text" readonly data-testid="share-link"
                        prop:value=move || state.share_url.get().unwrap_or_default()
                        on:focus=move |ev| {
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        }/>
                </label>
            </Show>
            <p class="hint" data-testid="autosave-status" data-kept=move || state.autosaved_at.get().is_some().to_string()>
                {kept_text}
            </p>
            <Show when=move || state.autosaved_at.with(Option::is_some)>
                <button type="button" data-testid="forget-button" on:click=move |_| persist::forget(state)>
                    "Forget the kept experiment"
                </button>
            </Show>
        </section>
    }
}
