//! The configuration form: data set, classes, images per class, network and
//! training settings, each with its message when the value cannot be used.

use leptos::prelude::*;

use crate::app::state::AppState;
use crate::core::config::{Arch, ConfigDraft, ConfigField, ExperimentConfig, FieldError};
use crate::core::data::DatasetKind;

/// Size of the training subset `config` selects, once its data set's counts
/// are known (before its training images are loaded: see `AppState::train_counts`).
pub fn training_images(state: AppState, config: &ExperimentConfig) -> Option<usize> {
    let counts = state.train_counts.with(|c| c.get(&config.dataset).cloned())?;
    Some(
        config
            .sorted_classes()
            .iter()
            .filter_map(|&c| counts.get(c as usize))
            .map(|&n| config.per_class.map_or(n, |limit| n.min(limit)))
            .sum(),
    )
}

#[component]
fn FieldMessage(errors: Memo<Vec<FieldError>>, field: ConfigField) -> impl IntoView {
    let message = move || errors.with(|e| e.iter().find(|e| e.field == field).map(|e| e.message.clone()));
    view! {
        <p class="field-error" role="status" data-testid=format!("field-error-{}", field.id()) hidden=move || message().is_none()>
            {move || message().unwrap_or_default()}
        </p>
    }
}

/// A text field bound to one string of the draft.
#[component]
fn TextField(
    label: &'static str,
    name: &'static str,
    get: fn(&ConfigDraft) -> String,
    set: fn(&mut ConfigDraft, String),
    #[prop(default = "")] placeholder: &'static str,
    #[prop(default = "text")] input_mode: &'static str,
) -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <label class="field">
            <span>{label}</span>
            <input type="text" name=name inputmode=input_mode placeholder=placeholder data-testid=format!("config-{name}")
                prop:value=move || state.draft.with(get)
                on:input=move |ev| {
                    let value = event_target_value(&ev);
                    state.draft.update(|d| set(d, value));
                }/>
        </label>
    }
}

#[component]
pub fn ConfigForm() -> impl IntoView {
    let state = expect_context::<AppState>();
    let errors = Memo::new(move |_| {
        let draft = state.draft.get();
        draft.parse(|c| training_images(state, c)).err().unwrap_or_default()
    });
    // Apply the draft whenever it is valid.
    Effect::new(move |_| {
        let draft = state.draft.get();
        if let Ok(config) = draft.parse(|c| training_images(state, c))
            && state.config.with_untracked(|c| *c != config)
        {
            state.config.set(config);
        }
    });

    let class_boxes = move || {
        let kind = state.draft.with(|d| d.dataset);
        (0..kind.class_count())
            .map(|class| {
                let checked = move || state.draft.with(|d| d.classes.contains(&class));
                view! {
                    <label class="class-box">
                        <input type="checkbox" data-testid=format!("class-{class}") prop:checked=checked
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                state.draft.update(|d| {
                                    d.classes.retain(|&c| c != class);
                                    if on {
                                        d.classes.push(class);
                                        d.classes.sort_unstable();
                                    }
                                });
                            }/>
                        <span>{kind.class_name(class)}</span>
                    </label>
                }
            })
            .collect_view()
    };

    view! {
        <form class="config-form" on:submit=|ev| ev.prevent_default()>
            <h2>"Experiment"</h2>
            <label class="field">
                <span>"Data set"</span>
                <select data-testid="config-dataset" on:change=move |ev| {
                    if let Some(kind) = DatasetKind::from_id(&event_target_value(&ev)) {
                        state.draft.update(|d| d.dataset = kind);
                    }
                }>
                    {DatasetKind::ALL.into_iter().map(|kind| view! {
                        <option value=kind.id() selected=move || state.draft.with(|d| d.dataset == kind)>{kind.title()}</option>
                    }).collect_view()}
                </select>
            </label>
            <fieldset class="classes">
                <legend>"Classes to keep"</legend>
                <div class="class-grid">{class_boxes}</div>
                <div class="class-actions">
                    <button type="button" on:click=move |_| state.draft.update(|d| d.classes = (0..d.dataset.class_count()).collect())>"All"</button>
                    <button type="button" on:click=move |_| state.draft.update(|d| d.classes.clear())>"None"</button>
                </div>
                <FieldMessage errors field=ConfigField::Classes/>
            </fieldset>
            <TextField label="Training images per class" name="per_class" placeholder="all" input_mode="numeric"
                get=|d| d.per_class.clone() set=|d, v| d.per_class = v/>
            <FieldMessage errors field=ConfigField::PerClass/>
            <h3>"Network"</h3>
            <label class="field">
                <span>"Architecture"</span>
                <select data-testid="config-arch" on:change=move |ev| {
                    if let Some(arch) = Arch::from_id(&event_target_value(&ev)) {
                        state.draft.update(|d| d.arch = arch);
                    }
                }>
                    <option value="mlp" selected=move || state.draft.with(|d| d.arch == Arch::Mlp)>"Dense (MLP)"</option>
                    <option value="cnn" selected=move || state.draft.with(|d| d.arch == Arch::Cnn)>"Convolutional (CNN)"</option>
                </select>
            </label>
            <TextField label="Hidden layer sizes" name="hidden" placeholder="32, 64"
                get=|d| d.hidden.clone() set=|d, v| d.hidden = v/>
            <FieldMessage errors field=ConfigField::Hidden/>
            <h3>"Training"</h3>
            <TextField label="Epochs" name="epochs" input_mode="numeric" get=|d| d.epochs.clone() set=|d, v| d.epochs = v/>
            <FieldMessage errors field=ConfigField::Epochs/>
            <TextField label="Batch size" name="batch_size" input_mode="numeric" get=|d| d.batch_size.clone() set=|d, v| d.batch_size = v/>
            <FieldMessage errors field=ConfigField::BatchSize/>
            <TextField label="Learning rate" name="learning_rate" input_mode="decimal" get=|d| d.learning_rate.clone() set=|d, v| d.learning_rate = v/>
            <FieldMessage errors field=ConfigField::LearningRate/>
            <TextField label="Seed" name="seed" input_mode="numeric" get=|d| d.seed.clone() set=|d, v| d.seed = v/>
            <FieldMessage errors field=ConfigField::Seed/>
        </form>
    }
}
