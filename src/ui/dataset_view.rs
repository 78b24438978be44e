//! The first screen: which data set is loaded, how many images each kept class
//! has, and a grid of sample images of the selection.

use leptos::prelude::*;
use wasm_bindgen::{Clamped, JsCast};

use crate::app::loader::has_training_images;
use crate::app::state::AppState;
use crate::core::data::subset::select_indices;
use crate::core::data::{ClassSet, IMAGE_SIDE};

/// Sample images shown per kept class.
const SAMPLES_PER_CLASS: usize = 10;

/// One row of the counts table.
#[derive(Clone, PartialEq)]
struct ClassCount {
    class: u8,
    name: &'static str,
    train: usize,
    test: usize,
}

/// Paint grey images (white ink on black) into a canvas, `cols` per row.
pub fn paint_images(canvas: &web_sys::HtmlCanvasElement, images: &[&[u8]], cols: usize) {
    let cols = cols.max(1);
    let rows = images.len().div_ceil(cols).max(1);
    let (width, height) = (cols * IMAGE_SIDE, rows * IMAGE_SIDE);
    canvas.set_width(width as u32);
    canvas.set_height(height as u32);
    let mut rgba = vec![0u8; width * height * 4];
    for (n, image) in images.iter().enumerate() {
        let (ox, oy) = ((n % cols) * IMAGE_SIDE, (n / cols) * IMAGE_SIDE);
        for (p, &value) in image.iter().enumerate() {
            let (x, y) = (ox + p % IMAGE_SIDE, oy + p / IMAGE_SIDE);
            let at = (y * width + x) * 4;
            rgba[at..at + 3].fill(value);
            rgba[at + 3] = 255;
        }
    }
    let Ok(Some(context)) = canvas.get_context("2d") else { return };
    let Ok(context) = context.dyn_into::<web_sys::CanvasRenderingContext2d>() else { return };
    if let Ok(data) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(Clamped(&rgba), width as u32, height as u32)
    {
        let _ = context.put_image_data(&data, 0.0, 0.0);
    }
}

#[component]
pub fn DatasetView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let canvas = NodeRef::<leptos::html::Canvas>::new();

    // Whether the training images are here (MNIST's load when the visitor trains).
    let has_train = move || state.current_dataset().is_some_and(|d| has_training_images(&d));

    // Counts and sample indices of the current selection. The training counts
    // come from the labels, so they are exact before the images load; until
    // then the samples are test images of the kept classes.
    let selection = Memo::new(move |_| {
        let config = state.config.get();
        let dataset = state.datasets.with(|d| d.get(&config.dataset).cloned())?;
        let train_counts = state.train_counts.with(|c| c.get(&config.dataset).cloned())?;
        let classes = ClassSet::new(&config.classes, config.dataset.class_count()).ok()?;
        let test_counts = dataset.test.counts_by_label(config.dataset.class_count());
        let (split, picked) = if has_training_images(&dataset) {
            (&dataset.train, select_indices(&dataset.train, &classes, config.per_class, config.seed, "training").ok()?)
        } else {
            (&dataset.test, select_indices(&dataset.test, &classes, None, config.seed, "test").ok()?)
        };
        let mut counts = Vec::new();
        let mut samples = Vec::new();
        for &class in classes.values() {
            samples.extend(
                picked.iter().copied().filter(|&i| split.labels.get(i) == Some(&class)).take(SAMPLES_PER_CLASS),
            );
            let available = train_counts.get(class as usize).copied().unwrap_or(0);
            counts.push(ClassCount {
                class,
                name: config.dataset.class_name(class),
                // What `select_indices` keeps: all of a class, or `per_class` of them.
                train: config.per_class.map_or(available, |n| n.min(available)),
                test: test_counts.get(class as usize).copied().unwrap_or(0),
            });
        }
        Some((counts, samples))
    });

    Effect::new(move |_| {
        let Some(element) = canvas.get() else { return };
        let Some(dataset) = state.current_dataset() else { return };
        let split = if has_training_images(&dataset) { &dataset.train } else { &dataset.test };
        selection.with(|s| {
            let Some((_, samples)) = s else { return };
            let images: Vec<&[u8]> = samples.iter().filter_map(|&i| split.images.image(i)).collect();
            paint_images(&element, &images, SAMPLES_PER_CLASS);
        });
    });

    let title = move || {
        let kind = state.config.with(|c| c.dataset);
        let train = state.train_counts.with(|c| c.get(&kind).map(|c| c.iter().sum::<usize>()));
        match (state.current_dataset(), train) {
            (Some(d), Some(train)) if has_training_images(&d) => {
                format!("{}: {train} training and {} test images", kind.title(), d.test.len())
            }
            (Some(d), Some(train)) => format!(
                "{}: {train} training images (they load when you train) and {} test images",
                kind.title(),
                d.test.len()
            ),
            _ => format!("{}: loading…", kind.title()),
        }
    };
    let total =
        move || selection.with(|s| s.as_ref().map(|(c, _)| c.iter().map(|c| c.train).sum::<usize>()).unwrap_or(0));

    view! {
        <h2 data-testid="dataset-title">{title}</h2>
        <Show when=move || selection.with(Option::is_some)
            fallback=|| view! { <p class="hint">"Choose at least two classes to see the selection."</p> }>
            <div class="table-scroll">
                <table class="counts" data-testid="class-counts">
                    <thead><tr><th scope="col">"Class"</th><th scope="col">"Training images kept"</th><th scope="col">"Test images"</th></tr></thead>
                    <tbody>
                        <For each=move || selection.get().map(|(c, _)| c).unwrap_or_default() key=|c| (c.class, c.train, c.test) let:row>
                            <tr data-testid="count-row" data-class=row.class>
                                <th scope="row">{row.name}</th>
                                <td class="num" data-testid="count-train">{row.train}</td>
                                <td class="num" data-testid="count-test">{row.test}</td>
                            </tr>
                        </For>
                    </tbody>
                    <tfoot><tr><th scope="row">"Total"</th><td class="num" data-testid="count-total">{total}</td><td></td></tr></tfoot>
                </table>
            </div>
            <figure class="samples">
                <canvas node_ref=canvas data-testid="sample-grid" class="pixelated"
                    aria-label="Sample images of the kept classes, one row per class"></canvas>
                <figcaption>{move || if has_train() {
                    "Samples of the selection, one row per kept class."
                } else {
                    "Test images of the kept classes, one row per class; the training images load when you train."
                }}</figcaption>
            </figure>
        </Show>
    }
}
