//! Layer similarity (`cka-matrix`): linear CKA between every two layers of the
//! run, the input pixels and the output probabilities included, with the
//! value in each cell; hovering a cell names both layers.

use leptos::prelude::*;

use crate::app::state::AppState;
use crate::charts::cka::{CkaData, CkaGeometry, CkaOptions, cka_cell_text, draw_cka};

use super::super::canvas;
use super::{Tip, ViewCtx, layer_title};

/// Height of a cell row, in CSS pixels, plus room for the labels and scale.
const ROW_CSS: f64 = 40.0;
const FRAME_CSS: f64 = 90.0;

/// "H1", "input", "output": layer names as the other views write them.
fn shown_name(name: &str) -> String {
    match name {
        crate::app::cka::INPUT_NAME | crate::app::cka::OUTPUT_NAME => name.to_string(),
        _ => layer_title(name),
    }
}

#[component]
pub fn CkaView() -> impl IntoView {
    let state = expect_context::<AppState>();
    let ctx = expect_context::<ViewCtx>();
    let chart = NodeRef::<leptos::html::Canvas>::new();
    let geometry = StoredValue::new(None::<CkaGeometry>);

    Effect::new(move |_| {
        ctx.resized.track();
        let Some(element) = chart.get() else { return };
        state.cka.with(|m| {
            let Some(m) = m.as_ref() else { return };
            let rows: Vec<String> = m.layers.iter().map(|n| shown_name(n)).collect();
            let cols: Vec<String> = m.column_names().iter().map(|n| shown_name(n)).collect();
            let values: Vec<Option<f64>> = m.matrix.iter().flatten().copied().collect();
            let height = FRAME_CSS + ROW_CSS * rows.len() as f64;
            let data = CkaData { values: &values, row_labels: &rows, col_labels: &cols };
            match canvas::draw(&element, height, |area, scale| draw_cka(area, &data, &CkaOptions { scale })) {
                Ok(g) => geometry.set_value(Some(g)),
                Err(e) => {
                    leptos::logging::warn!("CKA chart: {e}");
                    geometry.set_value(None);
                }
            }
        });
    });

    let on_move = move |ev: web_sys::PointerEvent| {
        let (px, py) = canvas::pointer_px(&ev);
        let hit = geometry.with_value(|g| g.as_ref().and_then(|g| g.hit(px, py)));
        let tip = hit.and_then(|hit| {
            state.cka.with_untracked(|m| {
                let m = m.as_ref()?;
                let row = shown_name(m.layers.get(hit.row)?);
                let col = shown_name(m.column_names().get(hit.col)?);
                Some(Tip::at_pointer(
                    &ev,
                    format!("{row} × {col}"),
                    vec![format!("linear CKA {}", cka_cell_text(hit.value))],
                ))
            })
        });
        ctx.tip.set(tip);
    };
    let on_leave = move |_| ctx.tip.set(None);

    view! {
        <figure class="view cka">
            <Show when=move || state.cka.with(Option::is_some)
                fallback=|| view! { <p class="hint" data-testid="cka-status">"Comparing the layers…"</p> }>
                <div class="chart-box">
                    <canvas node_ref=chart data-testid="cka-matrix" class="interactive-click"
                        aria-label="How alike every two layers are (linear CKA, 0 to 1)"
                        on:pointermove=on_move on:pointerleave=on_leave></canvas>
                </div>
            </Show>
        </figure>
    }
}
