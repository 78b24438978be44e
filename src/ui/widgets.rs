//! Small pieces shared by the page: error banner, progress bar, backend badge,
//! and the gate that mounts a run's views a section at a time.

use leptos::prelude::*;

use crate::app::state::AppState;
use crate::core::snapshot::BackendKind;

/// Where user-facing errors appear (`error-message`).
#[component]
pub fn ErrorBanner() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <div class="error" role="alert" hidden=move || state.error.with(Option::is_none)>
            <span data-testid="error-message">{move || state.error.get().unwrap_or_default()}</span>
            <button class="dismiss" aria-label="Dismiss the message" on:click=move |_| state.error.set(None)>"×"</button>
        </div>
    }
}

/// The running work's progress (`progress`).
#[component]
pub fn ProgressBar() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.progress.with(Option::is_some)>
            <div class="progress-row">
                <label for="work-progress">{move || state.progress.with(|p| p.as_ref().map(|p| p.label.clone()).unwrap_or_default())}</label>
                <progress id="work-progress" data-testid="progress" max="1"
                    prop:value=move || state.progress.with(|p| p.as_ref().map_or(0.0, |p| p.fraction))>
                </progress>
                <span class="progress-detail">{move || state.progress.with(|p| p.as_ref().map(|p| p.detail.clone()).unwrap_or_default())}</span>
            </div>
        </Show>
    }
}

/// Which backend trains (`backend-badge`).
#[component]
pub fn BackendBadge() -> impl IntoView {
    let state = expect_context::<AppState>();
    let text = move || match state.backend.get() {
        Some(BackendKind::Webgpu) => "WebGPU".to_string(),
        Some(BackendKind::Cpu) => match state.backend_note.get() {
            Some(reason) => format!("CPU ({reason})"),
            None => "CPU".to_string(),
        },
        None => "backend: chosen when you train".to_string(),
    };
    view! { <span class="badge" data-testid="backend-badge">{text}</span> }
}

/// Its children once the results on screen have mounted up to `stage`
/// (`app::reveal`): a new run's sections go up a task apart, so the page keeps
/// taking input between them. They stay mounted while K or the view changes.
#[component]
pub fn Staged(stage: u8, children: ChildrenFn) -> impl IntoView {
    let state = expect_context::<AppState>();
    let reached = move || state.view_stage.get() >= stage;
    view! { <Show when=reached>{children()}</Show> }
}
