//! The findings panel: the seed's three questions answered with this run's
//! numbers (`crate::core::findings`): where class structure emerges, how two
//! chosen classes' signatures differ, and what foreign inputs look like to
//! the network, with every detector's AUROC and a chart of the two score
//! distributions.

use std::cell::Cell;
use std::rc::Rc;

use leptos::prelude::*;

use crate::app::browser::{now_ms, yield_now};
use crate::app::state::AppState;
use crate::charts::{ScoreDistributions, ScoreOptions, SignatureStrip, draw_score_distributions, draw_signature_strip};
use crate::core::analysis::OOD_VERDICT_THRESHOLD;
use crate::core::data::DatasetKind;
use crate::core::findings::{
    DetectorKind, DetectorScores, ForeignFinding, PairFinding, PairFindingJob, emergence_finding, foreign_noun,
    resolve_pair, set_noun, similarity_sentence,
};

use super::canvas;

const CHART_CSS_PX: f64 = 220.0;
/// Height of one signature strip in the profile chart.
const STRIP_CSS_PX: f64 = 24.0;
/// Silhouette distances per step of the pair finding: MNIST's 4s and 8s are
/// about 2 million pairs a layer, so 20 steps, each well under a frame.
const PAIR_PAIRS_PER_STEP: u64 = 200_000;

fn fmt2(v: Option<f64>) -> String {
    v.map_or_else(|| "undefined".into(), |v| format!("{v:.2}"))
}

fn fmt3(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.3}"))
}

/// What the run's own evaluation images are called in legends.
fn own_label(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Mnist => "MNIST test digits",
        DatasetKind::Animals => "Animal-Shape test images",
    }
}

/// The detector the chart shows by default: the best layer's nearest-centre distance.
fn default_detector(finding: &ForeignFinding) -> Option<String> {
    finding.best_layer().or_else(|| finding.best()).map(DetectorScores::id)
}

#[component]
pub fn FindingsPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    view! {
        <Show when=move || state.results.with(Option::is_some)>
            <section class="panel findings" data-testid="findings" aria-label="Findings">
                <h2>"What this run shows"</h2>
                <EmergenceFinding/>
                <PairFinding/>
                <ForeignFindingView/>
            </section>
        </Show>
    }
}

#[component]
fn EmergenceFinding() -> impl IntoView {
    let state = expect_context::<AppState>();
    let finding = Memo::new(move |_| state.results.with(|r| r.as_ref().map(emergence_finding)));
    view! {
        <article class="finding-block" data-testid="finding-emergence">
            <h3>"1. From which layer does the network change its behaviour?"</h3>
            <p class="finding">{move || finding.with(|f| f.as_ref().map(|f| f.sentence.clone()).unwrap_or_default())}</p>
            <p class="finding" data-testid="cka-finding">{move || state.cka.with(|m| m.as_ref()
                .and_then(|m| similarity_sentence(m, crate::app::cka::INPUT_NAME, crate::app::cka::OUTPUT_NAME))
                .unwrap_or_else(|| "Comparing the layers…".into()))}</p>
            <div class="table-scroll">
                <table class="finding-table">
                    <thead><tr>
                        <th scope="col">"Layer"</th><th scope="col">"K"</th>
                        <th scope="col">"NMI"</th><th scope="col">"Purity"</th>
                    </tr></thead>
                    <tbody>
                        {move || finding.with(|f| f.as_ref().map(|f| f.layers.iter().map(|l| view! {
                            <tr>
                                <th scope="row">{l.name.clone()}</th>
                                <td class="num">{l.k}</td>
                                <td class="num">{format!("{:.3}", l.nmi)}</td>
                                <td class="num">{format!("{:.3}", l.purity)}</td>
                            </tr>
                        }).collect_view()))}
                    </tbody>
                </table>
            </div>
        </article>
    }
}

#[component]
fn PairFinding() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The kept classes as (value, name), and the pair in use.
    let classes = Memo::new(move |_| {
        state.results.with(|r| {
            r.as_ref()
                .map(|r| {
                    let kind = r.config.dataset;
                    r.classes.values().iter().map(|&v| (v, kind.class_name(v).to_string())).collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    });
    let pair = Memo::new(move |_| {
        let wanted = state.pair.get();
        state.results.with(|r| r.as_ref().and_then(|r| resolve_pair(wanted, r.config.dataset, &r.classes)))
    });
    // A step per task (see `PairFindingJob`): made at once, the finding held
    // the first screen in one long task. A newer pair or run supersedes one
    // still being compared.
    let finding = RwSignal::new(None::<Result<PairFinding, String>>);
    let generation = Rc::new(Cell::new(0u64));
    Effect::new(move |_| {
        let job =
            pair.get().and_then(|(a, b)| state.results.with(|r| r.as_ref().map(|r| PairFindingJob::new(r, a, b))));
        let ticket = generation.get().wrapping_add(1);
        generation.set(ticket);
        finding.set(None);
        let Some(job) = job else { return };
        let latest = Rc::clone(&generation);
        leptos::task::spawn_local(async move {
            let started = now_ms();
            let result = match job {
                Err(e) => Err(e.to_string()),
                Ok(mut job) => loop {
                    yield_now().await;
                    if latest.get() != ticket {
                        return;
                    }
                    if job.step(PAIR_PAIRS_PER_STEP) {
                        break job.finish().map_err(|e| e.to_string());
                    }
                },
            };
            state.timings.update_untracked(|t| t.pair_ms = Some(now_ms() - started));
            finding.try_set(Some(result));
        });
    });
    let choose = move |side: usize, value: String| {
        let Ok(value) = value.parse::<u8>() else { return };
        let Some((a, b)) = pair.get_untracked() else { return };
        // Picking the other side's class swaps the two.
        let next = match side {
            0 if value == b => (b, a),
            0 => (value, b),
            _ if value == a => (b, a),
            _ => (a, value),
        };
        state.pair.set(Some(next));
    };
    let select = move |side: usize| {
        let test_id = if side == 0 { "pair-a" } else { "pair-b" };
        let label = if side == 0 { "First class to compare" } else { "Second class to compare" };
        let current = move || pair.get().map(|(a, b)| if side == 0 { a } else { b });
        view! {
            <select data-testid=test_id aria-label=label on:change=move |ev| choose(side, event_target_value(&ev))>
                {move || classes.get().into_iter().map(|(value, name)| view! {
                    <option value=value.to_string() selected=move || current() == Some(value)>{name}</option>
                }).collect_view()}
            </select>
        }
    };
    let names = move || {
        let (a, b) = pair.get()?;
        let kind = state.results.with(|r| r.as_ref().map(|r| r.config.dataset))?;
        Some((kind.class_name(a), kind.class_name(b)))
    };
    view! {
        <article class="finding-block" data-testid="finding-pair">
            <h3>{move || match names() {
                Some((a, b)) => format!("2. Are the signatures of {a} different from those of {b}?"),
                None => "2. Are the signatures of two classes different?".into(),
            }}</h3>
            <p class="pair-choice">"Compare " {select(0)} " with " {select(1)}</p>
            <p class="finding">{move || finding.with(|f| match f {
                Some(Ok(f)) => f.sentence.clone(),
                Some(Err(e)) => format!("These two classes cannot be compared: {e}."),
                None => names().map(|(a, b)| format!("Comparing the signatures of {a} and {b}…")).unwrap_or_default(),
            })}</p>
            <div class="table-scroll">
                <table class="finding-table">
                    <thead><tr>
                        <th scope="col">"Layer"</th>
                        <th scope="col"><abbr title="Mean silhouette of the two classes' signatures, with the true classes as clusters (−1 to 1)">"Silhouette"</abbr></th>
                        <th scope="col"><abbr title="Distance between the two class centres over their mean RMS spread">"Centres apart"</abbr></th>
                        <th scope="col"><abbr title="Share of cluster membership the two classes have in common">"Clusters shared"</abbr></th>
                        <th scope="col">"Neurons that differ most"</th>
                    </tr></thead>
                    <tbody>
                        {move || {
                            let (na, nb) = names().unwrap_or(("a", "b"));
                            finding.with(|f| match f {
                                Some(Ok(f)) => f.layers.iter().enumerate().map(|(i, l)| {
                                    let s = &l.separability;
                                    let neurons = s.top_neurons.iter()
                                        .map(|n| format!("#{} ({na} {:.2}, {nb} {:.2})", n.neuron, n.mean_a, n.mean_b))
                                        .collect::<Vec<_>>().join(" · ");
                                    view! {
                                        <tr class:best=f.clearest == Some(i)>
                                            <th scope="row">{l.name.clone()}</th>
                                            <td class="num">{fmt2(s.silhouette)}</td>
                                            <td class="num">{fmt2(s.centre_ratio)}</td>
                                            <td class="num">{format!("{:.0}%", s.cluster_overlap * 100.0)}</td>
                                            <td class="neurons">{neurons}</td>
                                        </tr>
                                    }
                                }).collect_view().into_any(),
                                _ => ().into_any(),
                            })
                        }}
                    </tbody>
                </table>
            </div>
        </article>
    }
}

#[component]
fn ForeignFindingView() -> impl IntoView {
    let state = expect_context::<AppState>();
    // The detector charted: the visitor's choice, else the best layer's nearest-centre distance.
    let chosen = RwSignal::new(None::<String>);
    let shown = Memo::new(move |_| {
        let wanted = chosen.get();
        state.foreign.with(|f| {
            let f = f.as_ref()?;
            wanted.filter(|id| f.detector(id).is_some()).or_else(|| default_detector(f))
        })
    });
    let kind = move || state.results.with(|r| r.as_ref().map(|r| r.config.dataset)).unwrap_or_default();
    let heading =
        move || format!("3. What does the signature of a foreign input ({}) look like?", foreign_noun(kind()));

    let chart = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        let Some(element) = chart.get() else { return };
        let Some(id) = shown.get() else { return };
        let probe = state.probe.with(|p| p.as_ref().map(|p| p.result.clone()));
        let kind = kind();
        state.foreign.with(|f| {
            let Some(d) = f.as_ref().and_then(|f| f.detector(&id)) else { return };
            let probe_score = probe.as_ref().and_then(|p| match d.kind {
                DetectorKind::NearestCentre => {
                    p.layers.iter().find(|l| Some(&l.name) == d.layer.as_ref()).map(|l| l.distance)
                }
                DetectorKind::AllLayers => Some(p.ood_score as f32),
                DetectorKind::MaxSoftmax => Some(1.0 - p.probabilities.iter().copied().fold(0.0f32, f32::max)),
                // Only the familiarity distance is measured for a probe.
                DetectorKind::EuclideanCentre | DetectorKind::Mahalanobis | DetectorKind::Ink => None,
            });
            let data = ScoreDistributions {
                in_dist: &d.in_scores,
                foreign: &d.foreign_scores,
                in_label: own_label(kind),
                foreign_label: foreign_noun(kind),
                threshold: (d.kind == DetectorKind::AllLayers).then_some(OOD_VERDICT_THRESHOLD as f32),
                probe: probe_score,
                x_desc: d.score_name(),
            };
            let _ = canvas::draw(&element, CHART_CSS_PX, |area, scale| {
                draw_score_distributions(area, &data, &ScoreOptions { scale, bins: 40 })
            });
        });
    });

    // Mean activation of the run's images and of the foreign ones, layer by layer.
    let profile = NodeRef::<leptos::html::Canvas>::new();
    Effect::new(move |_| {
        let Some(element) = profile.get() else { return };
        let kind = kind();
        state.foreign.with(|f| {
            let Some(f) = f.as_ref() else { return };
            let rows = f.profiles.len() * 2;
            let _ = canvas::draw(&element, STRIP_CSS_PX * rows as f64, |area, scale| {
                let strips = area.split_evenly((rows.max(1), 1));
                for (p, pair) in f.profiles.iter().zip(strips.chunks(2)) {
                    let top = p.in_dist.mean.iter().chain(&p.foreign.mean).copied().fold(0.0f32, f32::max);
                    let range = Some((0.0, top.max(1e-6)));
                    // Labels of equal length, so both strips' cells line up.
                    let (own, foreign) = (set_noun(kind), "foreign");
                    let width = own.chars().count().max(foreign.len());
                    let layer = p.layer.to_uppercase();
                    let own = format!("{layer} {own:<width$}");
                    let foreign = format!("{layer} {foreign:<width$}");
                    if let [a, b] = pair {
                        draw_signature_strip(
                            a,
                            &SignatureStrip { values: &p.in_dist.mean, value_range: range, label: &own },
                            scale,
                        )?;
                        draw_signature_strip(
                            b,
                            &SignatureStrip { values: &p.foreign.mean, value_range: range, label: &foreign },
                            scale,
                        )?;
                    }
                }
                Ok(())
            });
        });
    });

    let detectors = move || {
        state.foreign.with(|f| {
            f.as_ref()
                .map(|f| {
                    let best = f.best().map(DetectorScores::id);
                    f.detectors.iter().map(|d| (d.id(), d.label(), d.auroc, Some(d.id()) == best)).collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    view! {
        <article class="finding-block" data-testid="finding-foreign">
            <h3>{heading}</h3>
            <p class="finding">{move || state.foreign.with(|f| f.as_ref().map(|f| f.sentence.clone()))
                .or_else(|| state.foreign_status.get())
                .unwrap_or_else(|| "Foreign inputs are scored once the run is ready.".into())}</p>
            <Show when=move || state.foreign.with(Option::is_some)>
                <div class="foreign-grid">
                    <div class="table-scroll">
                        <table class="finding-table" data-testid="ood-table">
                            <caption>"AUROC: the chance that a random foreign image scores as more foreign than a random test image (1 = perfect, 0.5 = chance)"</caption>
                            <thead><tr><th scope="col">"Detector"</th><th scope="col">"AUROC"</th></tr></thead>
                            <tbody>
                                {move || detectors().into_iter().map(|(id, label, auroc, best)| view! {
                                    <tr class:best=best data-detector=id>
                                        <th scope="row">{label}</th>
                                        <td class="num">{fmt3(auroc)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                    <div>
                        <label class="inline">"Score distributions of "
                            <select data-testid="ood-detector" aria-label="Detector whose scores are charted"
                                on:change=move |ev| chosen.set(Some(event_target_value(&ev)))>
                                {move || detectors().into_iter().map(|(id, label, _, _)| {
                                    let selected = shown.get().as_deref() == Some(id.as_str());
                                    view! { <option value=id selected=selected>{label}</option> }
                                }).collect_view()}
                            </select>
                        </label>
                        <div class="chart-box">
                            <canvas node_ref=chart data-testid="ood-chart" role="img"
                                aria-label=move || format!("Score distributions of the {} and the {}", own_label(kind()), foreign_noun(kind()))></canvas>
                        </div>
                    </div>
                </div>
                <p class="hint">"Mean activation of every neuron, the run's images above the foreign ones (dark = silent, yellow = strongest in the layer):"</p>
                <div class="chart-box">
                    <canvas node_ref=profile data-testid="foreign-profile" role="img"
                        aria-label="Mean activation profile of each layer for the run's images and for the foreign images"></canvas>
                </div>
            </Show>
        </article>
    }
}
