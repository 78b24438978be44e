//! Leptos components: small, each reading the shared `AppState` from context.

mod config_form;
mod dataset_view;
mod widgets;

use leptos::prelude::*;

use crate::app::state::AppState;
use config_form::ConfigForm;
use dataset_view::DatasetView;
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
            </aside>
            <section class="panel data">
                <DatasetView/>
            </section>
        </main>
    }
}
