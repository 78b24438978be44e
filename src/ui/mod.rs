//! Leptos components: small, each reading the shared `AppState` from context.

pub mod canvas;
mod config_form;
mod dataset_view;
mod layers_panel;
mod train_panel;
mod widgets;

use leptos::prelude::*;

use crate::app::state::AppState;
use config_form::ConfigForm;
use dataset_view::DatasetView;
use layers_panel::LayersPanel;
use train_panel::{TrainControls, TrainingPanel};
use widgets::{BackendBadge, ErrorBanner, ProgressBar};

#[component]
pub fn App() -> impl IntoView {
    let state = AppState::new();
    provide_context(state);
    crate::app::automation::install(state);

    // Load the data set the configuration names, whenever it changes.
    Effect::new(move |_| {
        let kind = state.config.with(|c| c.dataset);
        crate::app::ensure_dataset(state, kind);
    });

    view! {
        <header class="top">
            <h1>"sigpath"</h1>
            <p class="tagline">"Open a small neural network in your browser and follow what it does with each image."</p>
            <BackendBadge/>
        </header>
        <ErrorBanner/>
        <ProgressBar/>
        <main class="layout">
            <aside class="panel config">
                <ConfigForm/>
                <TrainControls/>
            </aside>
            <div class="main-column">
                <TrainingPanel/>
                <LayersPanel/>
                <section class="panel data">
                    <DatasetView/>
                </section>
            </div>
        </main>
    }
}
