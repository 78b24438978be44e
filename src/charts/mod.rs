//! Charts drawn with plotters, generic over `DrawingBackend`.
//!
//! The page draws on plotters-canvas's `CanvasBackend` at `devicePixelRatio`
//! (the canvas is `css size × ratio` pixels and every function takes that ratio
//! as `scale`); host tests draw to SVG. Each function clears its area, draws,
//! and returns geometry in backend pixels for hover / click hit-testing —
//! multiply a pointer event's CSS offset by the same ratio before a look-up.
//!
//! Inputs are plain slices and small structs defined here, never web or
//! analysis types. Colours come from [`palette`] only.
//!
//! Calling from the page (sketch):
//!
//! ```ignore
//! let ratio = window.device_pixel_ratio();
//! canvas.set_width((css_w * ratio) as u32);
//! canvas.set_height((css_h * ratio) as u32);
//! let area = CanvasBackend::with_canvas_object(canvas).unwrap().into_drawing_area();
//! let geo = draw_scatter(&area, &data, &ScatterOptions { scale: ratio, view, ..Default::default() })?;
//! // pointer move: nearest_point(&index, &geo.frame, ev.offset_x() as f64 * ratio, ev.offset_y() as f64 * ratio, 6.0 * ratio)
//! // wheel: view = Viewport { drawn: geo.frame, full }.zoom(wheel_zoom_factor(dy, mode), Some((px, py)))
//! // drag:  view = Viewport { drawn: geo.frame, full }.drag(view, (dpx, dpy))   (see [`viewport`])
//! ```
//!
//! Text: without plotters' `ttf` feature the SVG and canvas backends draw text
//! themselves (`<text>` / `fillText`). In wasm, plotters measures axis labels
//! through the DOM (`window()`), so draw on the main thread, not in a worker.

pub mod cka;
pub mod contingency;
pub mod errors;
pub mod flow;
pub mod frame;
pub mod heatmap;
mod paint;
pub mod palette;
pub mod probs;
pub mod scatter;
pub mod scores;
pub mod signature;
pub mod silhouette;
pub mod training;
pub mod viewport;

pub use cka::{CkaData, CkaGeometry, CkaHit, CkaOptions, cka_cell_text, draw_cka};
pub use contingency::{ContingencyData, ContingencyGeometry, ContingencyOptions, ContingencyShade, draw_contingency};
pub use errors::ChartError;
pub use flow::{
    FlowBand, FlowColumn, FlowLayout, FlowLayoutParams, FlowNode, FlowNodeKind, FlowOptions, draw_flow, flow_layout,
};
pub use frame::{PlotFrame, PxRect, ViewRect};
pub use heatmap::{
    ClassHeatmapData, ClusterHeatmapData, HeatmapGeometry, HeatmapGroup, HeatmapHit, HeatmapOptions, HeatmapRow,
    cluster_row_order, draw_class_heatmap, draw_cluster_heatmap,
};
pub use paint::LegendEntry;
pub use probs::{BarsGeometry, ProbabilityBars, draw_probabilities};
pub use scatter::{PointIndex, ScatterData, ScatterGeometry, ScatterOptions, draw_scatter, nearest_point};
pub use scores::{
    ScoreDistributions, ScoreGeometry, ScoreHistogram, ScoreOptions, draw_score_distributions, score_histogram,
};
pub use signature::{SignatureStrip, StripGeometry, draw_signature_strip};
pub use silhouette::{
    SilhouetteGeometry, SilhouetteLayer, SilhouetteMarker, SilhouetteOptions, defined_runs, draw_silhouette,
};
pub use training::{TrainingCurves, TrainingGeometry, TrainingOptions, draw_training};
