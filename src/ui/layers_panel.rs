//! The clustering of every hidden layer: K (automatic or chosen), silhouette,
//! agreement with the classes, cluster sizes; the emergence sentence; the
//! signatures CSV.

use leptos::prelude::*;

use crate::app::browser::download;
use crate::app::state::AppState;
use crate::core::findings::emergence_finding;

fn fmt_opt(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".into(), |v| format!("{v:.3}"))
}

/// The K selector of one layer (`k-select-<layer>`).
#[component]
fn KSelect(index: usize, name: String) -> impl IntoView {
    let state = expect_context::<AppState>();
    let options = move || {
        state.results.with(|r| {
            let Some(layer) = r.as_ref().and_then(|r| r.layers.get(index)) else { return Vec::new() };
            layer.clusterings.iter().zip(&layer.silhouettes).map(|(c, s)| (c.k, *s)).collect::<Vec<_>>()
        })
    };
    let current =
        move || state.results.with(|r| r.as_ref().and_then(|r| r.layers.get(index)).and_then(|l| l.k_override()));
    let auto_label = move || {
        state.results.with(|r| {
            let k = r.as_ref().and_then(|r| r.layers.get(index)).and_then(|l| l.k_auto());
            k.map_or_else(|| "automatic (undefined)".into(), |k| format!("automatic (K = {k})"))
        })
    };
    let on_change = move |ev| {
        let value = event_target_value(&ev);
        let k = value.parse::<usize>().ok();
        state.results.update(|r| {
            if let Some(layer) = r.as_mut().and_then(|r| r.layers.get_mut(index))
                && let Err(e) = layer.set_k(k)
            {
                state.notice.set(Some(format!("{e}.")));
            }
        });
        // The probe's path and verdict depend on K.
        crate::app::probe::refresh(state);
    };
    view! {
        <select data-testid=format!("k-select-{name}") aria-label=format!("K for layer {name}") on:change=on_change>
            <option value="auto" selected=move || current().is_none()>{auto_label}</option>
            {move || options().into_iter().map(|(k, s)| view! {
                <option value=k.to_string() selected=move || current() == Some(k)>
                    {format!("K = {k} (silhouette {})", fmt_opt(s))}
                </option>
            }).collect_view()}
        </select>
    }
}

#[component]
pub fn LayersPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let names = move || {
        state.results.with(|r| {
            r.as_ref().map(|r| r.layers.iter().map(|l| l.name.clone()).collect::<Vec<_>>()).unwrap_or_default()
        })
    };
    let on_csv = move |_| {
        let csv = state.results.with_untracked(|r| r.as_ref().map(|r| r.signatures_csv()));
        let Some(csv) = csv else { return };
        let name = state.config.with_untracked(|c| format!("sigpath-signatures-{}.csv", c.dataset.id()));
        if let Err(e) = download(&name, csv.as_bytes(), "text/csv") {
            state.error.set(Some(format!("The CSV could not be saved: {e}.")));
        }
    };
    view! {
        <Show when=move || state.results.with(Option::is_some)>
            <section class="panel layers" aria-label="Clusters per layer">
                <h2>"Signatures and their clusters"</h2>
                <p class="finding" data-testid="emergence">
                    {move || state.results.with(|r| r.as_ref().map(|r| emergence_finding(r).sentence).unwrap_or_default())}
                </p>
                <div class="table-scroll">
                    <table class="layer-table" data-testid="layer-table">
                        <thead><tr>
                            <th scope="col">"Layer"</th><th scope="col">"Neurons"</th><th scope="col">"K"</th>
                            <th scope="col">"Silhouette"</th><th scope="col">"Purity"</th><th scope="col">"NMI"</th>
                            <th scope="col">"ARI"</th><th scope="col">"Cluster sizes"</th>
                        </tr></thead>
                        <tbody>
                            {move || names().into_iter().enumerate().map(|(index, name)| {
                                let snap = move || state.results.with(|r| r.as_ref().and_then(|r| r.layers.get(index)).map(|l| l.snapshot()));
                                view! {
                                    <tr data-testid=format!("layer-row-{name}")>
                                        <th scope="row">{name.clone()}</th>
                                        <td class="num">{move || snap().map(|s| s.width)}</td>
                                        <td><KSelect index name=name.clone()/></td>
                                        <td class="num">{move || snap().map(|s| fmt_opt(s.silhouette_by_k.get(&s.k.to_string()).copied().flatten()))}</td>
                                        <td class="num">{move || snap().map(|s| format!("{:.3}", s.purity))}</td>
                                        <td class="num">{move || snap().map(|s| format!("{:.3}", s.nmi))}</td>
                                        <td class="num">{move || snap().map(|s| format!("{:.3}", s.ari))}</td>
                                        <td class="sizes">{move || snap().map(|s| s.cluster_sizes.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(" · "))}</td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
                <div class="actions">
                    <button type="button" data-testid="export-csv" on:click=on_csv>"Download signatures (CSV)"</button>
                </div>
            </section>
        </Show>
    }
}
