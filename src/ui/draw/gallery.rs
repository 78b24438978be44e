//! The probe gallery: test images of the run, and foreign images (Animal-Shape
//! silhouettes for an MNIST run, MNIST digits for an Animal-Shape run), each a
//! button that sends the image through the network as the probe; plus a small
//! form to send any test image by its number.

use leptos::prelude::*;

use crate::app::probe;
use crate::app::state::AppState;
use crate::core::data::DatasetKind;

use super::super::dataset_view::paint_images;

/// Images per row of the gallery.
const SLOTS: usize = 10;
/// Steps through a class's images from one page to the next (a prime, so pages differ).
const STRIDE: usize = 131;

/// The other data set: the source of foreign probes.
fn foreign(kind: DatasetKind) -> DatasetKind {
    match kind {
        DatasetKind::Mnist => DatasetKind::Animals,
        DatasetKind::Animals => DatasetKind::Mnist,
    }
}

/// One gallery entry.
#[derive(Debug, Clone, PartialEq)]
struct Slot {
    /// Evaluation row (test slots) or test-split index (foreign slots).
    index: usize,
    caption: String,
    pixels: Vec<u8>,
}

/// Pick `SLOTS` positions from per-class lists, one class after another.
fn pick(by_class: &[Vec<usize>], page: usize) -> Vec<usize> {
    let classes: Vec<&Vec<usize>> = by_class.iter().filter(|l| !l.is_empty()).collect();
    if classes.is_empty() {
        return Vec::new();
    }
    let rounds = SLOTS.div_ceil(classes.len());
    (0..SLOTS)
        .filter_map(|n| {
            let list = classes.get(n % classes.len())?;
            let j = n / classes.len() + page * rounds;
            list.get((j * STRIDE) % list.len()).copied()
        })
        .collect()
}

#[component]
fn Thumb(pixels: Vec<u8>) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        if let Some(element) = canvas.get() {
            paint_images(&element, &[&pixels[..]], 1);
        }
    });
    view! { <canvas node_ref=canvas class="pixelated thumb" width="28" height="28" aria-hidden="true"></canvas> }
}

#[component]
pub fn ProbeGallery() -> impl IntoView {
    let state = expect_context::<AppState>();
    let page = RwSignal::new(0usize);
    let run_kind = move || state.results.with(|r| r.as_ref().map(|r| r.config.dataset));
    let foreign_kind = move || run_kind().map(foreign);

    // Foreign images come from the other data set: fetch it in the background.
    Effect::new(move |_| {
        if let Some(kind) = foreign_kind() {
            crate::app::ensure_dataset(state, kind);
        }
    });

    let test_slots = Memo::new(move |_| {
        let page = page.get();
        let kind = run_kind()?;
        let dataset = state.datasets.with(|d| d.get(&kind).cloned())?;
        state.results.with(|r| {
            let r = r.as_ref()?;
            let mut by_class = vec![Vec::new(); r.classes.len()];
            for (row, &target) in r.eval.targets.iter().enumerate() {
                if let Some(list) = by_class.get_mut(target) {
                    list.push(row);
                }
            }
            let slots = pick(&by_class, page)
                .into_iter()
                .filter_map(|row| {
                    let index = *r.eval.test_indices.get(row)?;
                    let pixels = dataset.test.images.image(index)?.to_vec();
                    Some(Slot { index: row, caption: probe::eval_caption(state, row), pixels })
                })
                .collect::<Vec<_>>();
            Some(slots)
        })
    });

    let foreign_slots = Memo::new(move |_| {
        let page = page.get();
        let kind = foreign_kind()?;
        let dataset = state.datasets.with(|d| d.get(&kind).cloned())?;
        let mut by_class = vec![Vec::new(); usize::from(kind.class_count())];
        for (index, &label) in dataset.test.labels.iter().enumerate() {
            if let Some(list) = by_class.get_mut(usize::from(label)) {
                list.push(index);
            }
        }
        let slots = pick(&by_class, page)
            .into_iter()
            .filter_map(|index| {
                let name = dataset.test.labels.get(index).map(|&l| kind.class_name(l))?;
                let pixels = dataset.test.images.image(index)?.to_vec();
                let caption = format!("{} {index}: {}", title(kind), probe::article(name));
                Some(Slot { index, caption, pixels })
            })
            .collect::<Vec<_>>();
        Some(slots)
    });

    let send_test = move |row: usize| {
        if let Some(input) = probe::eval_input(state, row) {
            probe::submit(state, input);
        }
    };
    let send_foreign = move |index: usize| {
        let Some(kind) = foreign_kind() else { return };
        let Some(dataset) = state.datasets.with_untracked(|d| d.get(&kind).cloned()) else { return };
        if let Some(input) = probe::dataset_input(state, &dataset, index) {
            probe::submit(state, input);
        }
    };

    // Any test image by number.
    let source = RwSignal::new(String::new());
    let number = RwSignal::new(String::new());
    let send_any = move |_| {
        let kind = DatasetKind::from_id(&source.get_untracked()).or_else(run_kind);
        let Some(kind) = kind else { return };
        let Ok(index) = number.get_untracked().trim().parse::<usize>() else {
            state.notice.set(Some("Type the number of a test image (0, 1, 2, …).".into()));
            return;
        };
        leptos::task::spawn_local(async move {
            let outcome = match probe::dataset_loaded(state, kind).await {
                Ok(dataset) => match probe::dataset_input(state, &dataset, index) {
                    Some(input) => probe::probe_now(state, input).await,
                    None => Err(format!(
                        "The {} have {} test images, numbered 0 to {}.",
                        kind.title(),
                        dataset.test.len(),
                        dataset.test.len().saturating_sub(1)
                    )),
                },
                Err(message) => Err(message),
            };
            if let Err(message) = outcome {
                state.notice.set(Some(message));
            }
        });
    };

    let foreign_title = move || foreign_kind().map(DatasetKind::title).unwrap_or("");
    view! {
        <div class="gallery" role="group" aria-label="Images to send through the network">
            <h3>"Or send an image through the network"</h3>
            <div class="gallery-row">
                <span class="gallery-label">"Test images"</span>
                <div class="thumbs">
                    {move || test_slots.get().unwrap_or_default().into_iter().enumerate().map(|(n, slot)| {
                        let row = slot.index;
                        view! {
                            <button type="button" class="thumb-button" data-testid=format!("gallery-test-{n}")
                                title=slot.caption.clone() aria-label=slot.caption.clone() on:click=move |_| send_test(row)>
                                <Thumb pixels=slot.pixels/>
                            </button>
                        }
                    }).collect_view()}
                </div>
            </div>
            <div class="gallery-row">
                <span class="gallery-label">{foreign_title}</span>
                <div class="thumbs">
                    <Show when=move || foreign_slots.with(Option::is_some)
                        fallback=move || view! { <span class="hint">{move || format!("Loading {}…", foreign_title())}</span> }>
                        {move || foreign_slots.get().unwrap_or_default().into_iter().enumerate().map(|(n, slot)| {
                            let index = slot.index;
                            view! {
                                <button type="button" class="thumb-button" data-testid=format!("gallery-foreign-{n}")
                                    title=slot.caption.clone() aria-label=slot.caption.clone() on:click=move |_| send_foreign(index)>
                                    <Thumb pixels=slot.pixels/>
                                </button>
                            }
                        }).collect_view()}
                    </Show>
                </div>
            </div>
            <div class="gallery-actions">
                <button type="button" data-testid="gallery-more" on:click=move |_| page.update(|p| *p += 1)>"Other examples"</button>
                <label class="gallery-any">
                    <span>"Any test image:"</span>
                    <select data-testid="probe-source" aria-label="Which data set"
                        on:change=move |ev| source.set(event_target_value(&ev))>
                        {move || run_kind().into_iter().chain(foreign_kind()).map(|kind| view! {
                            <option value=kind.id()>{kind.title()}</option>
                        }).collect_view()}
                    </select>
                    <input type="number" min="0" step="1" inputmode="numeric" data-testid="probe-index" aria-label="Image number"
                        placeholder="number" prop:value=move || number.get()
                        on:input=move |ev| number.set(event_target_value(&ev))/>
                </label>
                <button type="button" data-testid="probe-send" on:click=send_any>"Send"</button>
            </div>
        </div>
    }
}

/// Short name of a data set's images in the gallery.
fn title(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Mnist => "MNIST test image",
        DatasetKind::Animals => "Animal-Shape image",
    }
}
