//! Draw a digit (or pick an image) and watch how the network sees it: the
//! 28×28 input it receives, the class probabilities, each layer's signature,
//! the path through the clusters and a verdict on how familiar it looks.
//! The probe itself lives in `state.probe`; the scatters and the layer flow
//! (`ui::views`) mark it too.

mod gallery;
mod pad;
mod path;

use leptos::prelude::*;

use crate::app::browser::now_ms;
use crate::app::probe::{article, class_labels};
use crate::app::state::{AppState, Probe};
use crate::charts::{ProbabilityBars, SignatureStrip, draw_probabilities, draw_signature_strip};
use crate::core::analysis::OOD_VERDICT_THRESHOLD;
use crate::core::data::DatasetKind;
use crate::core::results::RunResults;

use super::canvas::draw_sized;
use super::dataset_view::paint_images;
use gallery::ProbeGallery;
use pad::DrawPad;
use path::{PathStep, draw_path};

/// Heights of the panel's charts, CSS pixels.
const STRIP_ROW_CSS: f64 = 26.0;
const PATH_CSS: f64 = 96.0;
const BAR_ROW_CSS: f64 = 22.0;

/// Per layer and cluster (under the K in use): the class most of its test
/// images belong to, and their share.
fn dominant_classes(results: &RunResults) -> Vec<Vec<Option<(usize, f64)>>> {
    let classes = results.classes.len();
    results
        .layers
        .iter()
        .map(|layer| {
            let clustering = layer.clustering();
            let mut counts = vec![vec![0usize; classes]; clustering.k];
            for (&cluster, &target) in clustering.labels.iter().zip(&results.eval.targets) {
                if let Some(count) = counts.get_mut(cluster).and_then(|row| row.get_mut(target)) {
                    *count += 1;
                }
            }
            counts
                .iter()
                .map(|row| {
                    let total: usize = row.iter().sum();
                    let (class, &most) = row.iter().enumerate().max_by_key(|(_, c)| **c)?;
                    (total > 0).then(|| (class, most as f64 / total as f64))
                })
                .collect()
        })
        .collect()
}

/// Each layer's activation range over the evaluation set, so strips of
/// different inputs share one colour scale.
fn value_ranges(results: &RunResults) -> Vec<(f32, f32)> {
    results
        .layers
        .iter()
        .map(|layer| {
            layer
                .signatures
                .iter()
                .filter(|v| v.is_finite())
                .fold((0.0f32, 0.0f32), |(lo, hi), &v| (lo.min(v), hi.max(v)))
        })
        .collect()
}

/// What the training images were, for the verdict ("digits").
fn things(kind: DatasetKind) -> &'static str {
    match kind {
        DatasetKind::Mnist => "digits",
        DatasetKind::Animals => "animal shapes",
    }
}

fn percent(v: f64) -> String {
    format!("{:.0} %", v * 100.0)
}

/// The steps of the path view for `probe`.
fn path_steps(probe: &Probe, results: &RunResults, dominant: &[Vec<Option<(usize, f64)>>]) -> Vec<PathStep> {
    let labels = class_labels(results);
    let name = |class: usize| labels.get(class).cloned().unwrap_or_else(|| "?".into());
    let mut steps: Vec<PathStep> = probe
        .result
        .layers
        .iter()
        .enumerate()
        .map(|(i, layer)| {
            let mostly = dominant.get(i).and_then(|l| l.get(layer.cluster)).copied().flatten();
            PathStep {
                header: layer.name.clone(),
                title: format!("cluster {}", layer.cluster),
                note: mostly
                    .map_or_else(String::new, |(class, share)| format!("mostly {} · {}", name(class), percent(share))),
                class: mostly.map(|(class, _)| class),
            }
        })
        .collect();
    let predicted = probe.result.prediction;
    let confidence = probe.result.probabilities.get(predicted).copied().unwrap_or(0.0);
    steps.push(PathStep {
        header: "predicted".into(),
        title: name(predicted),
        note: percent(f64::from(confidence)),
        class: Some(predicted),
    });
    steps
}

/// The path in words, for screen readers.
fn path_words(steps: &[PathStep]) -> String {
    let parts: Vec<String> = steps.iter().map(|s| format!("{}: {} ({})", s.header, s.title, s.note)).collect();
    format!("Path through the network. {}", parts.join("; "))
}

#[component]
pub fn DrawPanel() -> impl IntoView {
    let state = expect_context::<AppState>();
    let preview = NodeRef::<leptos::html::Canvas>::new();
    let bars = NodeRef::<leptos::html::Canvas>::new();
    let strips = NodeRef::<leptos::html::Canvas>::new();
    let path_canvas = NodeRef::<leptos::html::Canvas>::new();
    let column = NodeRef::<leptos::html::Div>::new();

    let dominant = Memo::new(move |_| state.results.with(|r| r.as_ref().map(dominant_classes).unwrap_or_default()));
    let ranges = Memo::new(move |_| state.results.with(|r| r.as_ref().map(value_ranges).unwrap_or_default()));
    let path_label = RwSignal::new(String::new());

    // Redraw the panel's canvases whenever the probe changes; time the stroke's end to here.
    Effect::new(move |_| {
        let probe = state.probe.get();
        let (Some(preview), Some(bars), Some(strips), Some(path_canvas), Some(column)) =
            (preview.get(), bars.get(), strips.get(), path_canvas.get(), column.get())
        else {
            return;
        };
        let Some(probe) = probe else {
            paint_images(&preview, &[&[0u8; 784][..]], 1);
            path_label.set(String::new());
            return;
        };
        let width = f64::from(column.client_width()).max(200.0);
        dominant.with(|dominant| {
            ranges.with(|ranges| {
                state.results.with_untracked(|results| {
                    let Some(results) = results.as_ref() else { return };
                    let grey: Vec<u8> =
                        probe.pixels.iter().map(|v| (v.clamp(0.0, 1.0) * 255.0).round() as u8).collect();
                    paint_images(&preview, &[&grey[..]], 1);

                    let labels = class_labels(results);
                    let height = BAR_ROW_CSS * labels.len() as f64;
                    let _ = draw_sized(&bars, width, height, |area, scale| {
                        let data = ProbabilityBars {
                            probs: &probe.result.probabilities,
                            labels: &labels,
                            predicted: Some(probe.result.prediction),
                        };
                        draw_probabilities(area, &data, scale)
                    });

                    let layers = &probe.result.layers;
                    let _ = draw_sized(&strips, width, STRIP_ROW_CSS * layers.len() as f64, |area, scale| {
                        let rows = area.split_evenly((layers.len().max(1), 1));
                        for (i, (layer, row)) in layers.iter().zip(&rows).enumerate() {
                            let strip = SignatureStrip {
                                values: &layer.activations,
                                value_range: ranges.get(i).copied(),
                                label: &layer.name,
                            };
                            draw_signature_strip(row, &strip, scale)?;
                        }
                        Ok(())
                    });

                    let steps = path_steps(&probe, results, dominant);
                    path_label.set(path_words(&steps));
                    let _ = draw_sized(&path_canvas, width, PATH_CSS, |area, scale| draw_path(area, &steps, scale));
                });
            });
        });
        if let Some(t0) = pad::take_stroke_end(state) {
            let ms = now_ms() - t0;
            state.timings.update(|t| {
                t.probe_ms = Some(ms);
                t.probe_count += 1;
            });
        }
    });

    let has_probe = move || state.probe.with(Option::is_some);
    let kind = move || state.results.with(|r| r.as_ref().map_or(DatasetKind::Mnist, |r| r.config.dataset));
    let prediction = move || {
        state.probe.with(|p| match p {
            None => match kind() {
                DatasetKind::Mnist => "Draw a digit".to_string(),
                DatasetKind::Animals => "Draw a digit or an animal's outline".to_string(),
            },
            Some(p) => state.results.with(|r| {
                let Some(r) = r.as_ref() else { return String::new() };
                let name = class_labels(r).get(p.result.prediction).cloned().unwrap_or_else(|| "?".into());
                let confidence = p.result.probabilities.get(p.result.prediction).copied().unwrap_or(0.0);
                format!("The network sees {} ({})", article(&name), percent(f64::from(confidence)))
            }),
        })
    };
    let verdict = move || {
        state.probe.with(|p| {
            p.as_ref().map(|p| {
                if p.result.unfamiliar {
                    "Unlike anything it was trained on".to_string()
                } else {
                    format!("Looks like the {} it was trained on", things(kind()))
                }
            })
        })
    };
    let verdict_id = move || state.probe.with(|p| p.as_ref().map(|p| p.result.verdict_id()).unwrap_or(""));
    let score = move || {
        state.probe.with(|p| {
            p.as_ref()
                .map(|p| {
                    format!(
                        "Familiarity score {:.2}: at each layer, the share of test images lying closer to their own cluster centre than this input lies to its nearest one, averaged over the layers. {:.2} or more counts as unfamiliar.",
                        p.result.ood_score, OOD_VERDICT_THRESHOLD
                    )
                })
                .unwrap_or_default()
        })
    };
    let layer_rows = move || {
        state.probe.with(|p| {
            let Some(p) = p.as_ref() else { return Vec::new() };
            let labels = state.results.with(|r| r.as_ref().map(class_labels).unwrap_or_default());
            dominant.with(|dominant| {
                p.result
                    .layers
                    .iter()
                    .enumerate()
                    .map(|(i, l)| {
                        let mostly = dominant
                            .get(i)
                            .and_then(|d| d.get(l.cluster))
                            .copied()
                            .flatten()
                            .and_then(|(c, _)| labels.get(c).cloned())
                            .map(|name| format!(" (mostly {name})"))
                            .unwrap_or_default();
                        let text = format!(
                            "{}: nearest centre is cluster {}{mostly}, at distance {:.2}; farther from its centre than {} of test images.",
                            l.name,
                            l.cluster,
                            l.distance,
                            percent(l.percentile)
                        );
                        (l.name.clone(), text)
                    })
                    .collect::<Vec<_>>()
            })
        })
    };

    view! {
        <section class="panel draw" aria-label="Draw and probe">
            <h2>"Draw a digit and follow its path"</h2>
            <div class="draw-layout">
                <div class="draw-input">
                    <DrawPad/>
                    <figure class="probe-input">
                        <canvas node_ref=preview data-testid="probe-input" class="pixelated" width="28" height="28"
                            aria-label="The 28 by 28 image the network receives"></canvas>
                        <figcaption>"What the network receives (28×28)"</figcaption>
                    </figure>
                </div>
                <div class="probe-readout" node_ref=column>
                    <p class="probe-caption" data-testid="probe-caption">
                        {move || state.probe_caption.get().unwrap_or_default()}
                    </p>
                    <p class="probe-prediction" data-testid="probe-prediction" aria-live="polite">{prediction}</p>
                    <div class="probe-charts" class:hidden=move || !has_probe()>
                        <canvas node_ref=bars data-testid="probe-probabilities" aria-label="Probability of each class"></canvas>
                        <p class=move || format!("verdict {}", verdict_id()) data-testid="probe-verdict" data-verdict=verdict_id>
                            {verdict}
                        </p>
                        <p class="hint">{score}</p>
                        <h3>"Path through the layers"</h3>
                        <canvas node_ref=path_canvas data-testid="signature-path" role="img" aria-label=move || path_label.get()></canvas>
                        <ul class="probe-layers">
                            {move || layer_rows().into_iter().map(|(name, text)| view! {
                                <li data-testid=format!("probe-layer-{name}")>{text}</li>
                            }).collect_view()}
                        </ul>
                        <h3>"Signature of each layer"</h3>
                        <canvas node_ref=strips data-testid="signature-strips"
                            aria-label="Activation of every neuron of each hidden layer, on the colour scale of the test images"></canvas>
                    </div>
                </div>
            </div>
            <ProbeGallery/>
        </section>
    }
}
