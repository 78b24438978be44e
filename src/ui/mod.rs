//! Leptos components: small, each reading the shared `AppState` from context.

pub mod canvas;
mod config_form;
mod dataset_view;
mod draw;
mod findings;
mod layers_panel;
mod share;
mod train_panel;
mod views;
mod widgets;

use leptos::prelude::*;

use crate::app::state::AppState;
use config_form::ConfigForm;
use dataset_view::DatasetView;
use draw::DrawPanel;
use layers_panel::LayersPanel;
use train_panel::{TrainControls, TrainingPanel};
use widgets::{BackendBadge, ErrorBanner, ProgressBar, Staged};

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    crate::app::automation::install(state);
    // Share link, autosave, and what the first screen shows (a link, the kept experiment or the demo).
    crate::app::persist::install(state);
    crate::app::probe::install_automation(state);
    // Foreign inputs for the findings panel, scored in the background after each run.
    crate::app::ood::install(state);
    // How alike the layers are (linear CKA), in the background once a run is shown.
    crate::app::cka::install(state);
    // Training on the CPU runs at full speed from the first epoch.
    crate::app::warmup::install(state);

    // Load the data set the configuration names, whenever it changes.
    Effect::new(move |_| {
        let kind = state.config.with(|c| c.dataset);
        crate::app::ensure_dataset(state, kind);
    });

    // On a phone the settings fold behind one button, so the drawing pad comes first.
    let settings_open = RwSignal::new(false);

    view! {
        <header class="top">
            <h1>"sigpath"</h1>
            <p class="tagline">"Open a small neural network in your browser and follow what it does with each image."</p>
            <BackendBadge/>
        </header>
        <ErrorBanner/>
        <ProgressBar/>
        <main class="layout">
            <aside class="panel config" class:open=move || settings_open.get()>
                <button type="button" class="config-toggle" data-testid="config-toggle"
                    aria-expanded=move || settings_open.get().to_string() aria-controls="config-body"
                    on:click=move |_| settings_open.update(|open| *open = !*open)>
                    {move || if settings_open.get() { "Hide the settings" } else { "Settings, training and sharing" }}
                </button>
                <div class="config-body" id="config-body">
                    <ConfigForm/>
                    <TrainControls/>
                    <share::SharePanel/>
                </div>
            </aside>
            <div class="main-column">
                <TrainingPanel/>
                // A finished run's sections mount a task apart, in this order (`app::reveal`).
                <Staged stage=1>
                    <Show when=move || state.results.with(Option::is_some)>
                        <DrawPanel/>
                    </Show>
                    <LayersPanel/>
                </Staged>
                <views::ViewsPanel/>
                <Staged stage=5>
                    <findings::FindingsPanel/>
                </Staged>
                <section class="panel data">
                    <DatasetView/>
                </section>
            </div>
        </main>
    }
}
