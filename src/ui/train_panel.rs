//! Train and cancel, the backend choice, the live training chart and the
//! run's figures.

use leptos::prelude::*;

use crate::app::runner;
use crate::app::state::AppState;
use crate::charts::{TrainingCurves, TrainingOptions, draw_training};
use crate::core::snapshot::Phase;

use super::canvas;
use super::config_form::training_images;

fn percent(v: f64) -> String {
    format!("{:.1} %", v * 100.0)
}

#[component]
pub fn TrainControls() -> impl IntoView {
    let state = expect_context::<AppState>();
    let loaded = move || state.current_dataset().is_some();
    let on_train = move |_| {
        let draft = state.draft.get_untracked();
        if let Err(errors) = draft.parse(|c| training_images(state, c)) {
            let first = errors.first().map(|e| e.message.clone()).unwrap_or_default();
            state.notice.set(Some(format!("Fix the settings marked in red first ({first}).")));
            return;
        }
        runner::start(state);
    };
    view! {
        <div class="train-actions">
            <button type="button" class="primary" data-testid="train-button"
                disabled=move || state.running.get() || !loaded()
                on:click=on_train>
                {move || if state.running.get() { "Training…" } else { "Train" }}
            </button>
            <button type="button" data-testid="cancel-button" disabled=move || !state.running.get()
                on:click=move |_| runner::cancel(state)>"Cancel"</button>
        </div>
        <label class="check">
            <input type="checkbox" data-testid="force-cpu" prop:checked=move || state.force_cpu.get()
                on:change=move |ev| state.force_cpu.set(event_target_checked(&ev))/>
            <span>"Train on the CPU even if WebGPU is available"</span>
        </label>
        <Show when=move || state.offer_cpu.get()>
            <button type="button" data-testid="use-cpu-button" on:click=move |_| {
                state.force_cpu.set(true);
                runner::start(state);
            }>"Continue on the CPU"</button>
        </Show>
        <p class="notice" role="status" data-testid="notice" hidden=move || state.notice.with(Option::is_none)>
            {move || state.notice.get().unwrap_or_default()}
        </p>
    }
}

#[component]
pub fn TrainingPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let chart = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        let Some(element) = chart.get() else { return };
        let epochs = state.training.with(|t| t.as_ref().map(|t| t.epochs as f64));
        state.curves.with(|c| {
            let curves =
                TrainingCurves { loss: &c.loss, train_accuracy: &c.train_accuracy, test_accuracy: &c.test_accuracy };
            let _ = canvas::draw(&element, 220.0, |area, scale| {
                draw_training(area, &curves, &TrainingOptions { scale, x_desc: "epoch", x_max: epochs })
            });
        });
    });
    let figure = move |f: fn(&crate::core::snapshot::TrainingSnapshot) -> Option<String>| {
        move || state.training.with(|t| t.as_ref().and_then(f)).unwrap_or_else(|| "–".into())
    };
    view! {
        <Show when=move || state.training.with(Option::is_some)>
            <section class="panel training" aria-label="Training">
                <h2>"Training"</h2>
                <div class="chart-box"><canvas node_ref=chart data-testid="training-chart"
                    data-loss-points=move || state.curves.with(|c| c.loss.len())
                    aria-label="Training loss and accuracy by epoch"></canvas></div>
                <dl class="figures">
                    <dt>"Test accuracy"</dt><dd data-testid="test-accuracy">{figure(|t| t.test_accuracy.map(percent))}</dd>
                    <dt>"Training accuracy"</dt><dd>{figure(|t| t.train_accuracy.map(percent))}</dd>
                    <dt>"Loss per epoch"</dt><dd>{figure(|t| (!t.loss_per_epoch.is_empty()).then(|| t.loss_per_epoch.iter().map(|l| format!("{l:.3}")).collect::<Vec<_>>().join(", ")))}</dd>
                    <dt>"Speed"</dt><dd data-testid="samples-per-sec">{figure(|t| t.samples_per_sec.map(|s| format!("{s:.0} images/s")))}</dd>
                    <dt>"Epoch time"</dt><dd>{figure(|t| (!t.epoch_secs.is_empty()).then(|| t.epoch_secs.iter().map(|s| format!("{s:.2} s")).collect::<Vec<_>>().join(", ")))}</dd>
                </dl>
                <Show when=move || state.phase.get() == Phase::Ready>
                    <p class="hint">{move || state.backend_note.get().map(|r| format!("Trained on the CPU: {r}.")).unwrap_or_else(|| "Trained on the GPU (WebGPU).".into())}</p>
                </Show>
            </section>
        </Show>
    }
}
