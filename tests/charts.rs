//! Charts render known data to SVG (host) and the geometry they return maps
//! pixels back to the data; pure layout and hit-testing functions are checked
//! against brute force.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_backend::{BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind};
use plotters_svg::SVGBackend;
use rand::{Rng, SeedableRng};
use rand_xoshiro::Xoshiro256PlusPlus;
use sigpath::charts::palette;
use sigpath::charts::*;

// ---------------------------------------------------------------- helpers

/// Render with the SVG backend into a string.
fn render<R>(w: u32, h: u32, f: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> R) -> (String, R) {
    let mut buf = String::new();
    let r = {
        let area = SVGBackend::with_string(&mut buf, (w, h)).into_drawing_area();
        let r = f(&area);
        area.present().unwrap();
        r
    };
    (buf, r)
}

fn hex(c: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", c.0, c.1, c.2)
}

/// Lines of the SVG that open a `tag` element.
fn elements<'a>(svg: &'a str, tag: &str) -> Vec<&'a str> {
    let open = format!("<{tag} ");
    svg.lines().filter(|l| l.starts_with(&open)).collect()
}

fn attr<'a>(el: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = el.find(&key)? + key.len();
    let len = el[start..].find('"')?;
    Some(&el[start..start + len])
}

fn num(el: &str, name: &str) -> f64 {
    attr(el, name).unwrap().parse().unwrap()
}

/// Text contents, in drawing order.
fn texts(svg: &str) -> Vec<String> {
    let lines: Vec<&str> = svg.lines().collect();
    lines.windows(2).filter(|w| w[0].starts_with("<text ")).map(|w| w[1].trim().to_string()).collect()
}

fn filled_rects(svg: &str, color: RGBColor) -> Vec<&str> {
    let c = hex(color);
    elements(svg, "rect").into_iter().filter(|r| attr(r, "fill") == Some(c.as_str())).collect()
}

fn labels(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// A backend that only counts primitive calls: what a canvas would be asked
/// to do, without a canvas.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    pixels: usize,
    lines: usize,
    rects: usize,
    paths: usize,
    polygons: usize,
    circles: usize,
    texts: usize,
}

impl Counts {
    fn total(&self) -> usize {
        self.pixels + self.lines + self.rects + self.paths + self.polygons + self.circles + self.texts
    }
}

struct CountingBackend {
    size: (u32, u32),
    counts: Rc<RefCell<Counts>>,
}

impl DrawingBackend for CountingBackend {
    type ErrorType = std::convert::Infallible;
    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        Ok(())
    }
    fn draw_pixel(&mut self, _: BackendCoord, _: BackendColor) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.counts.borrow_mut().pixels += 1;
        Ok(())
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.counts.borrow_mut().lines += 1;
        Ok(())
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
        _: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.counts.borrow_mut().rects += 1;
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        _: I,
        _: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.counts.borrow_mut().paths += 1;
        Ok(())
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        _: I,
        _: &S,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.counts.borrow_mut().polygons += 1;
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: u32,
        _: &S,
        _: bool,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.counts.borrow_mut().circles += 1;
        Ok(())
    }
    fn draw_text<S: BackendTextStyle>(
        &mut self,
        _: &str,
        _: &S,
        _: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Self::ErrorType>> {
        self.counts.borrow_mut().texts += 1;
        Ok(())
    }
}

fn counting<R>(w: u32, h: u32, f: impl FnOnce(&DrawingArea<CountingBackend, Shift>) -> R) -> (Counts, R) {
    let counts = Rc::new(RefCell::new(Counts::default()));
    let area = CountingBackend { size: (w, h), counts: counts.clone() }.into_drawing_area();
    let r = f(&area);
    drop(area);
    let c = *counts.borrow();
    (c, r)
}

fn random_points(n: usize, seed: u64) -> (Vec<[f32; 2]>, Vec<usize>) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let mut pts = Vec::with_capacity(n);
    let mut cats = Vec::with_capacity(n);
    for _ in 0..n {
        let c = rng.gen_range(0..10usize);
        let (cx, cy) = ((c as f32 * 0.7).cos() * 5.0, (c as f32 * 0.7).sin() * 5.0);
        pts.push([cx + rng.gen_range(-2.0..2.0f32), cy + rng.gen_range(-2.0..2.0f32)]);
        cats.push(c);
    }
    (pts, cats)
}

// ---------------------------------------------------------------- palette

#[test]
fn palette_has_ten_distinct_categories_and_a_monotone_sequential_map() {
    let set: BTreeSet<String> = (0..10).map(|i| hex(palette::categorical(i))).collect();
    assert_eq!(set.len(), 10);
    assert_eq!(palette::categorical(13), palette::categorical(3));
    // Viridis gets lighter from low to high.
    let luma = |c: RGBColor| 0.2126 * c.0 as f64 + 0.7152 * c.1 as f64 + 0.0722 * c.2 as f64;
    let l: Vec<f64> = (0..=20).map(|i| luma(palette::sequential(i as f64 / 20.0))).collect();
    assert!(l.windows(2).all(|w| w[1] > w[0]), "{l:?}");
    assert_eq!(palette::sequential(-3.0), palette::sequential(0.0));
    assert_eq!(palette::sequential(f64::NAN), palette::sequential(0.0));
    assert_eq!(palette::text_on(palette::sequential(0.0)), RGBColor(255, 255, 255));
    assert_eq!(palette::text_on(palette::sequential(1.0)), RGBColor(0, 0, 0));
}

// ---------------------------------------------------------------- scatter

#[test]
fn scatter_draws_one_square_per_point_in_its_category_colour_and_a_legend() {
    let points: Vec<[f32; 2]> = (0..12).map(|i| [i as f32, (i * i) as f32 * 0.1]).collect();
    let cats: Vec<usize> = (0..12).map(|i| i % 3).collect();
    let legend = labels(&["zero", "one", "two"]);
    let data = ScatterData { points: &points, categories: &cats, legend: &legend };
    let (svg, geo) = render(500, 400, |a| draw_scatter(a, &data, &ScatterOptions::default()));
    let geo = geo.unwrap();
    assert_eq!(geo.drawn_points, 12);
    for c in 0..3 {
        let squares: Vec<&str> = filled_rects(&svg, palette::categorical(c))
            .into_iter()
            .filter(|r| num(r, "width") == geo.point_px as f64)
            .collect();
        assert_eq!(squares.len(), 4, "category {c}");
    }
    let t = texts(&svg);
    for l in &legend {
        assert!(t.contains(l), "legend {l} missing in {t:?}");
    }
    assert!(t.contains(&"PC 1".to_string()) && t.contains(&"PC 2".to_string()));
    assert_eq!(geo.legend.len(), 3);
    // Legend rows stack downwards and sit right of the plot.
    assert!(geo.legend.windows(2).all(|w| w[1].rect.y0 >= w[0].rect.y1));
    assert!(geo.legend.iter().all(|e| e.rect.x0 >= geo.frame.plot.x1));
    // Squares are centred on the frame's mapping of their point.
    let half = geo.point_px / 2;
    for (p, &c) in points.iter().zip(&cats) {
        let (px, py) = geo.frame.to_pixel(p[0] as f64, p[1] as f64);
        let (x, y) = (px.round() as i32 - half, py.round() as i32 - half);
        let needle = format!("<rect x=\"{x}\" y=\"{y}\" width=\"{}\"", geo.point_px);
        assert!(
            svg.lines().any(|l| l.starts_with(&needle) && l.contains(&hex(palette::categorical(c)))),
            "point {p:?} not at ({x}, {y})"
        );
    }
}

#[test]
fn scatter_scales_points_with_the_device_pixel_ratio() {
    let points = vec![[0.0f32, 0.0], [1.0, 1.0]];
    let cats = vec![0, 0];
    let legend = labels(&["a"]);
    let data = ScatterData { points: &points, categories: &cats, legend: &legend };
    let (_, g1) = render(400, 300, |a| draw_scatter(a, &data, &ScatterOptions::default()));
    let (_, g2) = render(800, 600, |a| draw_scatter(a, &data, &ScatterOptions { scale: 2.0, ..Default::default() }));
    assert_eq!(g2.unwrap().point_px, 2 * g1.unwrap().point_px);
}

#[test]
fn scatter_dims_everything_outside_the_highlight() {
    let points: Vec<[f32; 2]> = (0..10).map(|i| [i as f32, i as f32]).collect();
    let cats = vec![0; 10];
    let legend = labels(&["only"]);
    let data = ScatterData { points: &points, categories: &cats, legend: &legend };
    let hl = [2usize, 7];
    let opts = ScatterOptions { highlight: Some(&hl), ..Default::default() };
    let (svg, geo) = render(400, 300, |a| draw_scatter(a, &data, &opts));
    let w = geo.unwrap().point_px as f64;
    let bright = filled_rects(&svg, palette::categorical(0)).into_iter().filter(|r| num(r, "width") == w).count();
    let dim = filled_rects(&svg, palette::dimmed(palette::categorical(0)))
        .into_iter()
        .filter(|r| num(r, "width") == w)
        .count();
    assert_eq!((bright, dim), (2, 8));
    // Highlighted points are drawn after (on top of) the dimmed ones.
    let last_dim = svg.rfind(&hex(palette::dimmed(palette::categorical(0)))).unwrap();
    let first_bright = svg.find(&format!("fill=\"{}\"", hex(palette::categorical(0)))).unwrap();
    assert!(first_bright > last_dim);
}

#[test]
fn scatter_view_clips_points_and_probe_gets_its_own_marker() {
    let points: Vec<[f32; 2]> = (0..10).map(|i| [i as f32, 0.0]).collect();
    let cats = vec![1; 10];
    let legend = labels(&["a", "b"]);
    let data = ScatterData { points: &points, categories: &cats, legend: &legend };
    let view = ViewRect::new(2.5, 6.5, -1.0, 1.0);
    let opts = ScatterOptions { view: Some(view), probe: Some([4.0, 0.5]), ..Default::default() };
    let (svg, geo) = render(400, 300, |a| draw_scatter(a, &data, &opts));
    let geo = geo.unwrap();
    assert_eq!(geo.drawn_points, 4); // x = 3, 4, 5, 6
    assert_eq!(geo.frame.view, view);
    let circles = elements(&svg, "circle");
    assert!(circles.iter().any(|c| attr(c, "fill") == Some("#FFFFFF")));
    assert!(circles.iter().any(|c| attr(c, "stroke") == Some("#000000") && attr(c, "fill") == Some("none")));
    let (px, py) = geo.frame.to_pixel(4.0, 0.5);
    assert!(circles.iter().any(|c| num(c, "cx") == px.round() && num(c, "cy") == py.round()));

    let opts = ScatterOptions { view: Some(view), ..Default::default() };
    let (svg, _) = render(400, 300, |a| draw_scatter(a, &data, &opts));
    assert!(elements(&svg, "circle").is_empty());
}

#[test]
fn scatter_rejects_inconsistent_input() {
    let points = vec![[0.0f32, 0.0], [1.0, 1.0]];
    let legend = labels(&["a", "b"]);
    let bad_cat = vec![0, 2];
    let r = render(300, 200, |a| {
        draw_scatter(
            a,
            &ScatterData { points: &points, categories: &bad_cat, legend: &legend },
            &ScatterOptions::default(),
        )
    })
    .1;
    assert!(matches!(r, Err(ChartError::IndexOutOfRange { index: 2, len: 2, .. })));
    let short = vec![0];
    let r = render(300, 200, |a| {
        draw_scatter(
            a,
            &ScatterData { points: &points, categories: &short, legend: &legend },
            &ScatterOptions::default(),
        )
    })
    .1;
    assert!(matches!(r, Err(ChartError::LengthMismatch { expected: 2, got: 1, .. })));
    let cats = vec![0, 1];
    let hl = [5usize];
    let r = render(300, 200, |a| {
        draw_scatter(
            a,
            &ScatterData { points: &points, categories: &cats, legend: &legend },
            &ScatterOptions { highlight: Some(&hl), ..Default::default() },
        )
    })
    .1;
    assert!(matches!(r, Err(ChartError::IndexOutOfRange { index: 5, .. })));
    // Too small to hold axes: an error, not a panic.
    let r = render(30, 20, |a| {
        draw_scatter(
            a,
            &ScatterData { points: &points, categories: &cats, legend: &legend },
            &ScatterOptions::default(),
        )
    })
    .1;
    assert!(matches!(r, Err(ChartError::AreaTooSmall { .. })));
}

#[test]
fn frame_maps_data_to_pixels_and_back() {
    let frame = PlotFrame { plot: PxRect::new(50, 10, 450, 310), view: ViewRect::new(-3.0, 5.0, 10.0, 20.0) };
    // Corners land on plotters' pixel range: min at x0 / y1-1, max at x1-1 / y0.
    assert_eq!(frame.to_pixel(-3.0, 10.0), (50.0, 309.0));
    assert_eq!(frame.to_pixel(5.0, 20.0), (449.0, 10.0));
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(7);
    for _ in 0..100 {
        let (x, y) = (rng.gen_range(-3.0..5.0), rng.gen_range(10.0..20.0));
        let (px, py) = frame.to_pixel(x, y);
        let (bx, by) = frame.to_data(px, py);
        assert!((bx - x).abs() < 1e-9 && (by - y).abs() < 1e-9);
        assert!(frame.contains_px(px, py));
    }
    // Dragging right by 10 px moves the view left by 10 px worth of data.
    let (dx, dy) = frame.px_delta_to_data(10.0, -5.0);
    let moved = PlotFrame { view: frame.view.pan(dx, dy), ..frame };
    let (px, py) = frame.to_pixel(1.0, 15.0);
    let (qx, qy) = moved.to_pixel(1.0, 15.0);
    assert!((qx - (px + 10.0)).abs() < 1e-9 && (qy - (py - 5.0)).abs() < 1e-9);
}

#[test]
fn view_zoom_keeps_the_anchor_and_clamps_to_the_data() {
    let outer = ViewRect::new(0.0, 100.0, -50.0, 50.0);
    // Zoom in about an anchor: the anchor keeps its relative position.
    let z = outer.zoom(4.0, 20.0, 10.0).clamp_to(&outer, 1e-3);
    assert!((z.width() - 25.0).abs() < 1e-9 && (z.height() - 25.0).abs() < 1e-9);
    assert!(((20.0 - z.x_min) / z.width() - 0.2).abs() < 1e-9);
    assert!(((10.0 - z.y_min) / z.height() - 0.6).abs() < 1e-9);
    // Zooming in without end stops at the minimum span.
    let mut v = outer;
    for _ in 0..100 {
        v = v.zoom(10.0, 33.0, 0.0).clamp_to(&outer, 1e-3);
    }
    assert!((v.width() - 0.1).abs() < 1e-9 && (v.height() - 0.1).abs() < 1e-9);
    assert!(v.contains(33.0, 0.0));
    // Zooming out past everything gives the full view back.
    let v = z.zoom(0.001, 50.0, 0.0).clamp_to(&outer, 1e-3);
    assert_eq!(v, outer);
    // Panning past the edge stops at the edge, size unchanged.
    let p = z.pan(1000.0, -1000.0).clamp_to(&outer, 1e-3);
    assert!((p.x_max - 100.0).abs() < 1e-9 && (p.y_min + 50.0).abs() < 1e-9);
    assert!((p.width() - z.width()).abs() < 1e-9);
    // Junk in, the outer view out.
    let j = ViewRect::new(f64::NAN, 1.0, 5.0, 5.0).clamp_to(&outer, 1e-3);
    assert_eq!(j, ViewRect::new(0.0, 100.0, -50.0, 50.0));
    assert_eq!(outer.zoom(f64::NAN, 1.0, 1.0), outer);
    // A single point still gets a non-empty view.
    let f = ViewRect::fit(&[[3.0, 3.0]], 0.05).unwrap();
    assert!(f.width() > 0.0 && f.height() > 0.0 && f.contains(3.0, 3.0));
    assert!(ViewRect::fit(&[[f32::NAN, 0.0]], 0.05).is_none());
}

// ---------------------------------------------------------------- viewport

/// A scatter's viewport: a 401 × 301 px plot showing `view` of the data (0..100, -50..50).
fn viewport(view: ViewRect) -> viewport::Viewport {
    viewport::Viewport {
        drawn: PlotFrame { plot: PxRect::new(40, 20, 441, 321), view },
        full: ViewRect::new(0.0, 100.0, -50.0, 50.0),
    }
}

fn close(a: ViewRect, b: ViewRect) -> bool {
    [(a.x_min, b.x_min), (a.x_max, b.x_max), (a.y_min, b.y_min), (a.y_max, b.y_max)]
        .iter()
        .all(|(p, q)| (p - q).abs() < 1e-9)
}

#[test]
fn viewport_zoom_keeps_the_point_under_the_pointer_and_stays_inside_the_data() {
    let vp = viewport(ViewRect::new(0.0, 100.0, -50.0, 50.0));
    // The wheel: the data under the pointer is under it after the zoom too.
    let pointer_px = (120.0, 250.0);
    let before = vp.drawn.to_data(pointer_px.0, pointer_px.1);
    let zoomed = vp.zoom(2.0, Some(pointer_px));
    assert!((zoomed.width() - 50.0).abs() < 1e-9 && (zoomed.height() - 50.0).abs() < 1e-9);
    let after = PlotFrame { view: zoomed, ..vp.drawn }.to_data(pointer_px.0, pointer_px.1);
    assert!((after.0 - before.0).abs() < 1e-9 && (after.1 - before.1).abs() < 1e-9, "{before:?} {after:?}");
    // Keys and buttons zoom about the centre: in a step, out a step, back where it was.
    let inner = viewport(ViewRect::new(20.0, 60.0, -10.0, 30.0));
    let zoomed_in = inner.zoom(viewport::ZOOM_STEP, None);
    assert!(close(
        zoomed_in,
        ViewRect::new(40.0 - 40.0 / 3.0, 40.0 + 40.0 / 3.0, 10.0 - 40.0 / 3.0, 10.0 + 40.0 / 3.0)
    ));
    let back = viewport(zoomed_in).zoom(1.0 / viewport::ZOOM_STEP, None);
    assert!(close(back, inner.drawn.view), "{back:?}");
    // Zoom steps start from the view last drawn (two presses before a redraw are one).
    assert_eq!(inner.zoom(viewport::ZOOM_STEP, None), zoomed_in);
    // Out past everything: the full view, which is then no zoom to keep.
    let out = inner.zoom(1.0 / 100.0, Some((400.0, 30.0)));
    assert_eq!(out, vp.full);
    assert_eq!(viewport::zoom_to_keep(Some(out), Some(vp.full)), None);
    assert_eq!(viewport::zoom_to_keep(Some(zoomed_in), Some(vp.full)), Some(zoomed_in));
    assert_eq!(viewport::zoom_to_keep(Some(zoomed_in), None), Some(zoomed_in));
    assert_eq!(viewport::zoom_to_keep(None, Some(vp.full)), None);
    // In without end: down to a thousandth of the full span, around the pointer.
    let mut v = vp;
    for _ in 0..50 {
        v = viewport(v.zoom(10.0, Some(pointer_px)));
    }
    assert!((v.drawn.view.width() - 0.1).abs() < 1e-9 && (v.drawn.view.height() - 0.1).abs() < 1e-9);
    let (view, full) = (v.drawn.view, vp.full);
    assert!(
        view.x_min >= full.x_min && view.x_max <= full.x_max && view.y_min >= full.y_min && view.y_max <= full.y_max
    );
}

#[test]
fn viewport_keys_pan_by_a_tenth_zoom_by_a_step_and_reset() {
    use viewport::ViewKey;
    let pan = |key: &str| match ViewKey::from_key(key) {
        Some(ViewKey::Pan { x_frac, y_frac }) => (x_frac, y_frac),
        other => panic!("{key}: {other:?}"),
    };
    assert_eq!(pan("ArrowLeft"), (-0.1, 0.0));
    assert_eq!(pan("ArrowRight"), (0.1, 0.0));
    // Data y points up: the up arrow shows what is above.
    assert_eq!(pan("ArrowUp"), (0.0, 0.1));
    assert_eq!(pan("ArrowDown"), (0.0, -0.1));
    for key in ["+", "="] {
        assert_eq!(ViewKey::from_key(key), Some(ViewKey::Zoom(1.5)));
    }
    for key in ["-", "_"] {
        assert_eq!(ViewKey::from_key(key), Some(ViewKey::Zoom(1.0 / 1.5)));
    }
    assert_eq!(ViewKey::from_key("0"), Some(ViewKey::Reset));
    assert_eq!(ViewKey::from_key("Enter"), Some(ViewKey::Follow));
    assert_eq!(ViewKey::from_key(" "), Some(ViewKey::Follow));
    assert_eq!(ViewKey::from_key("Escape"), Some(ViewKey::Dismiss));
    for key in ["a", "Tab", "PageUp", "1", "Home"] {
        assert_eq!(ViewKey::from_key(key), None, "{key}");
    }

    // A tenth of the visible span per press, the size unchanged.
    let vp = viewport(ViewRect::new(20.0, 60.0, -10.0, 30.0));
    let (x_frac, y_frac) = pan("ArrowRight");
    assert!(close(vp.pan_by_frac(x_frac, y_frac), ViewRect::new(24.0, 64.0, -10.0, 30.0)));
    let (x_frac, y_frac) = pan("ArrowDown");
    assert!(close(vp.pan_by_frac(x_frac, y_frac), ViewRect::new(20.0, 60.0, -14.0, 26.0)));
    // Held down, it stops at the edge of the data.
    let mut v = vp;
    for _ in 0..30 {
        v = viewport(v.pan_by_frac(-0.1, 0.1));
    }
    assert!(close(v.drawn.view, ViewRect::new(0.0, 40.0, 10.0, 50.0)), "{:?}", v.drawn.view);
    // The full view does not pan at all.
    let full = viewport(vp.full);
    assert_eq!(full.pan_by_frac(0.1, 0.0), vp.full);
}

#[test]
fn viewport_drag_waits_for_four_css_pixels_then_follows_the_pointer() {
    use viewport::{Drag, DragStep};
    let mut drag = Drag::new((100.0, 100.0));
    // Within 4 CSS px of the press it is still a click.
    assert_eq!(drag.step((102.0, 103.0)), None);
    assert_eq!(drag.step((103.9, 100.0)), None);
    assert!(!drag.moved());
    // Then every move pans, measured from the last step (the first from the press).
    assert_eq!(drag.step((104.0, 100.0)), Some(DragStep { delta_css: (4.0, 0.0), started: true }));
    assert!(drag.moved());
    assert_eq!(drag.step((105.0, 101.0)), Some(DragStep { delta_css: (1.0, 1.0), started: false }));
    // Back near the press, it stays a drag.
    assert_eq!(drag.step((100.0, 100.0)), Some(DragStep { delta_css: (-5.0, -1.0), started: false }));

    // The content follows the pointer: a quarter of the plot's width (401 px)
    // right and half its height (301 px) up shows what lies a quarter span
    // left and half a span below.
    let vp = viewport(ViewRect::new(40.0, 60.0, 0.0, 10.0));
    let moved = vp.drag(vp.drawn.view, (401.0 / 4.0, -301.0 / 2.0));
    assert!(close(moved, ViewRect::new(35.0, 55.0, -5.0, 5.0)), "{moved:?}");
    // Steps add up from the newest view, not the one drawn.
    let twice = vp.drag(moved, (401.0 / 4.0, -301.0 / 2.0));
    assert!(close(twice, ViewRect::new(30.0, 50.0, -10.0, 0.0)), "{twice:?}");
    // And stop at the edge of the data.
    let far = vp.drag(vp.drawn.view, (1e6, 1e6));
    assert!(close(far, ViewRect::new(0.0, 20.0, 40.0, 50.0)), "{far:?}");
}

#[test]
fn viewport_wheel_notch_zooms_by_about_a_sixth() {
    use viewport::wheel_zoom_factor;
    // Pixel mode: a notch of 100 px down zooms out, up zooms in, by the same step.
    let out = wheel_zoom_factor(100.0, 0);
    assert!((out - (-0.15f64).exp()).abs() < 1e-12);
    assert!((1.0 / out - 1.16).abs() < 0.01);
    assert!((wheel_zoom_factor(-100.0, 0) * out - 1.0).abs() < 1e-12);
    // Lines are 33 px, pages 400 px.
    assert!((wheel_zoom_factor(3.0, 1) - wheel_zoom_factor(99.0, 0)).abs() < 1e-12);
    assert!((wheel_zoom_factor(1.0, 2) - wheel_zoom_factor(400.0, 0)).abs() < 1e-12);
    assert_eq!(wheel_zoom_factor(0.0, 0), 1.0);
}

#[test]
fn nearest_point_matches_brute_force_and_respects_the_distance() {
    let (points, _) = random_points(3000, 11);
    let index = PointIndex::build(&points);
    assert_eq!(index.len(), 3000);
    let full = ViewRect::fit(&points, 0.04).unwrap();
    let frames = [
        PlotFrame { plot: PxRect::new(60, 10, 760, 560), view: full },
        // Zoomed in, anisotropic: hit radius is in pixels, not data units.
        PlotFrame { plot: PxRect::new(60, 10, 760, 560), view: full.zoom(4.0, 5.0, 0.0).clamp_to(&full, 1e-3) },
    ];
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(5);
    for (frame, max_px) in frames.iter().zip([6.0, 20.0]) {
        let mut hits = 0;
        for _ in 0..400 {
            let (px, py) = (rng.gen_range(60.0..760.0), rng.gen_range(10.0..560.0));
            let brute = points
                .iter()
                .enumerate()
                .filter(|(_, p)| frame.view.contains(p[0] as f64, p[1] as f64))
                .map(|(i, p)| {
                    let (qx, qy) = frame.to_pixel(p[0] as f64, p[1] as f64);
                    (i, (qx - px).powi(2) + (qy - py).powi(2))
                })
                .filter(|(_, d2)| *d2 <= max_px * max_px)
                .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
                .map(|(i, _)| i);
            assert_eq!(nearest_point(&index, frame, px, py, max_px), brute, "at ({px}, {py})");
            hits += brute.is_some() as usize;
        }
        assert!(hits > 20, "the test should exercise hits too ({hits} at {max_px} px)");
    }
    // Exactly on a point, and nothing when every point is too far.
    let f = frames[0];
    let (px, py) = f.to_pixel(points[123][0] as f64, points[123][1] as f64);
    assert_eq!(nearest_point(&index, &f, px, py, 0.5), Some(123));
    let lonely = vec![[0.0f32, 0.0], [10.0, 10.0]];
    let li = PointIndex::build(&lonely);
    let lf = PlotFrame { plot: PxRect::new(0, 0, 101, 101), view: ViewRect::new(0.0, 10.0, 0.0, 10.0) };
    assert_eq!(nearest_point(&li, &lf, 50.0, 50.0, 30.0), None);
    assert_eq!(nearest_point(&li, &lf, 4.0, 97.0, 5.0), Some(0));
    assert_eq!(nearest_point(&li, &lf, 4.0, 97.0, 2.0), None);
    assert_eq!(nearest_point(&li, &lf, -500.0, 97.0, 5.0), None);
}

#[test]
fn scatter_of_ten_thousand_points_is_one_rect_per_point() {
    let (points, cats) = random_points(10_000, 3);
    let legend: Vec<String> = (0..10).map(|i| format!("digit {i}")).collect();
    let data = ScatterData { points: &points, categories: &cats, legend: &legend };
    let (counts, geo) =
        counting(1600, 1200, |a| draw_scatter(a, &data, &ScatterOptions { scale: 2.0, ..Default::default() }));
    let geo = geo.unwrap();
    assert_eq!(geo.drawn_points, 10_000);
    // No per-point circles or paths; everything beyond the points is axes and legend.
    assert_eq!(counts.circles, 0);
    assert_eq!(counts.pixels, 0);
    assert!(counts.rects >= 10_000 && counts.total() < 10_000 + 200, "{counts:?}");
}

// ---------------------------------------------------------------- heatmaps

fn cells_inside(svg: &str, grid: PxRect) -> usize {
    elements(svg, "rect")
        .into_iter()
        .filter(|r| {
            let (x, y) = (num(r, "x") as i32, num(r, "y") as i32);
            x >= grid.x0 && x < grid.x1 && y >= grid.y0 && y < grid.y1
        })
        .count()
}

#[test]
fn cluster_heatmap_groups_rows_by_cluster_and_maps_pixels_to_cells() {
    let clusters = vec![1, 0, 1, 0, 2, 1];
    let n_neurons = 4;
    let acts: Vec<f32> = (0..24).map(|i| (i as f32 * 7.0) % 24.0).collect(); // all distinct
    let key = vec![0.3, 0.9, 0.1, 0.2, 0.0, 0.2];
    let cl = labels(&["C0", "C1", "C2"]);
    let data = ClusterHeatmapData {
        activations: &acts,
        n_neurons,
        clusters: &clusters,
        cluster_labels: &cl,
        sort_key: Some(&key),
    };
    let (svg, geo) = render(500, 300, |a| draw_cluster_heatmap(a, &data, &HeatmapOptions::default()));
    let geo = geo.unwrap();
    // Order: cluster 0 (images 3, 1 by key), cluster 1 (2, 5, 0), cluster 2 (4).
    assert_eq!(geo.order, vec![3, 1, 2, 5, 0, 4]);
    assert_eq!(geo.order, cluster_row_order(&clusters, Some(&key)));
    assert_eq!(geo.rows.len(), 6);
    assert_eq!(geo.cell_rects, 24);
    assert_eq!(cells_inside(&svg, geo.grid), 24);
    assert_eq!(geo.groups.iter().map(|g| g.rows.len()).collect::<Vec<_>>(), vec![2, 3, 1]);
    // Thin separators: a gap between consecutive clusters, none inside one.
    assert!(geo.groups.windows(2).all(|w| w[1].y0 > w[0].y1));
    assert!(geo.rows.windows(2).all(|w| w[0].group != w[1].group || w[1].y0 == w[0].y1));
    let t = texts(&svg);
    for l in ["C0", "C1", "C2", "neuron"] {
        assert!(t.contains(&l.to_string()), "{l} missing");
    }
    // Every cell centre maps back to (image, neuron, value).
    for (r, row) in geo.rows.iter().enumerate() {
        for c in 0..n_neurons {
            let px = (geo.col_edges[c] + geo.col_edges[c + 1]) as f64 / 2.0;
            let py = (row.y0 + row.y1) as f64 / 2.0;
            let hit = geo.hit(px, py).unwrap();
            let img = geo.order[r];
            assert_eq!((hit.row, hit.neuron, hit.items.clone()), (r, c, vec![img]));
            assert_eq!(hit.value, acts[img * n_neurons + c]);
            assert_eq!(hit.group_id, clusters[img]);
        }
    }
    // The separator gap and the outside hit nothing.
    let gap_y = (geo.groups[0].y1 + geo.groups[1].y0) as f64 / 2.0;
    let mid_x = (geo.grid.x0 + geo.grid.x1) as f64 / 2.0;
    assert!(geo.groups[1].y0 - geo.groups[0].y1 < 2 || geo.hit(mid_x, gap_y).is_none());
    assert!(geo.hit(geo.grid.x0 as f64 - 1.0, geo.grid.y0 as f64 + 1.0).is_none());
}

#[test]
fn cluster_heatmap_bins_images_when_rows_outnumber_pixels() {
    let n = 1000;
    let nn = 8;
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let clusters: Vec<usize> = (0..n).map(|_| rng.gen_range(0..4)).collect();
    let acts: Vec<f32> = (0..n * nn).map(|_| rng.gen_range(0.0..3.0)).collect();
    let cl = labels(&["a", "b", "c", "d"]);
    let data = ClusterHeatmapData {
        activations: &acts,
        n_neurons: nn,
        clusters: &clusters,
        cluster_labels: &cl,
        sort_key: None,
    };
    let (svg, geo) = render(400, 200, |a| draw_cluster_heatmap(a, &data, &HeatmapOptions::default()));
    let geo = geo.unwrap();
    assert!(geo.rows.len() <= geo.grid.height() as usize);
    assert!(geo.rows.iter().all(|r| r.y1 - r.y0 == 1));
    // Every image is in exactly one row, rows never mix clusters.
    let mut seen = vec![0; n];
    for r in &geo.rows {
        let ids: BTreeSet<usize> = geo.order[r.items.clone()].iter().map(|&i| clusters[i]).collect();
        assert_eq!(ids.len(), 1);
        for &i in &geo.order[r.items.clone()] {
            seen[i] += 1;
        }
    }
    assert!(seen.iter().all(|&s| s == 1));
    // A row shows the mean of its images.
    let r = &geo.rows[17];
    let hit = geo.hit(geo.col_edges[3] as f64 + 0.5, r.y0 as f64 + 0.5).unwrap();
    let mean = hit.items.iter().map(|&i| acts[i * nn + 3] as f64).sum::<f64>() / hit.items.len() as f64;
    assert!((hit.value as f64 - mean).abs() < 1e-5);
    assert_eq!(cells_inside(&svg, geo.grid), geo.cell_rects);
    // At 2x, rows stay at least one CSS pixel (2 device pixels) tall.
    let (_, geo2) =
        render(800, 400, |a| draw_cluster_heatmap(a, &data, &HeatmapOptions { scale: 2.0, ..Default::default() }));
    let geo2 = geo2.unwrap();
    assert!(geo2.rows.iter().all(|r| r.y1 - r.y0 >= 2));
    assert!(geo2.rows.len() <= geo2.grid.height() as usize / 2);
}

#[test]
fn heatmap_merges_equal_neighbours_and_class_map_has_a_cell_per_class_and_neuron() {
    // Constant rows merge into one rect each.
    let acts = vec![0.0, 0.0, 0.0, 2.0, 2.0, 2.0];
    let cl = labels(&["x"]);
    let clusters = vec![0, 0];
    let data = ClusterHeatmapData {
        activations: &acts,
        n_neurons: 3,
        clusters: &clusters,
        cluster_labels: &cl,
        sort_key: None,
    };
    let (_, geo) = render(300, 200, |a| draw_cluster_heatmap(a, &data, &HeatmapOptions::default()));
    assert_eq!(geo.unwrap().cell_rects, 2);

    let means: Vec<f32> = (0..15).map(|i| i as f32 / 14.0).collect();
    let classes = labels(&["zero", "one", "two"]);
    let data = ClassHeatmapData { means: &means, n_neurons: 5, class_labels: &classes };
    let (svg, geo) = render(400, 200, |a| draw_class_heatmap(a, &data, &HeatmapOptions::default()));
    let geo = geo.unwrap();
    assert_eq!(geo.cell_rects, 15);
    assert_eq!(cells_inside(&svg, geo.grid), 15);
    let t = texts(&svg);
    assert!(classes.iter().all(|c| t.contains(c)));
    let hit = geo.hit(geo.col_edges[4] as f64 + 1.0, (geo.rows[2].y0 + geo.rows[2].y1) as f64 / 2.0).unwrap();
    assert_eq!((hit.items, hit.neuron, hit.value), (vec![2], 4, means[14]));
    // Lowest and highest values get the ends of the sequential map.
    assert!(!filled_rects(&svg, palette::sequential(0.0)).is_empty());
    assert!(!filled_rects(&svg, palette::sequential(1.0)).is_empty());

    let bad = ClassHeatmapData { means: &means[..14], n_neurons: 5, class_labels: &classes };
    let r = render(400, 200, |a| draw_class_heatmap(a, &bad, &HeatmapOptions::default())).1;
    assert!(matches!(r, Err(ChartError::LengthMismatch { expected: 15, got: 14, .. })));
}

// ---------------------------------------------------------------- silhouette

#[test]
fn silhouette_leaves_gaps_for_undefined_scores_and_rings_the_chosen_k() {
    let a: Vec<(usize, Option<f64>)> =
        (2..=10).map(|k| (k, if k == 5 { None } else { Some(0.1 + k as f64 * 0.01) })).collect();
    let b: Vec<(usize, Option<f64>)> = (2..=10).rev().map(|k| (k, Some(0.3 - k as f64 * 0.02))).collect();
    let layers = vec![
        SilhouetteLayer { label: "H1".into(), scores: a, chosen_k: Some(3) },
        SilhouetteLayer { label: "H2".into(), scores: b, chosen_k: Some(4) },
    ];
    let (svg, geo) = render(600, 400, |ar| draw_silhouette(ar, &layers, &SilhouetteOptions::default()));
    let geo = geo.unwrap();
    let lines = |c: RGBColor| {
        elements(&svg, "polyline").into_iter().filter(|l| attr(l, "stroke") == Some(hex(c).as_str())).count()
    };
    assert_eq!(lines(palette::categorical(0)), 2); // 2..4 and 6..10
    assert_eq!(lines(palette::categorical(1)), 1);
    assert_eq!(geo.segments, 3);
    let dots =
        |c: RGBColor| elements(&svg, "circle").into_iter().filter(|e| attr(e, "fill") == Some(hex(c).as_str())).count();
    assert_eq!(dots(palette::categorical(0)), 8);
    assert_eq!(dots(palette::categorical(1)), 9);
    let rings: Vec<&str> = elements(&svg, "circle").into_iter().filter(|e| attr(e, "fill") == Some("none")).collect();
    assert_eq!(rings.len(), 2);
    let chosen: Vec<(usize, usize)> = geo.markers.iter().filter(|m| m.chosen).map(|m| (m.layer, m.k)).collect();
    assert_eq!(chosen, vec![(0, 3), (1, 4)]);
    for (m, ring) in geo.markers.iter().filter(|m| m.chosen).zip(&rings) {
        assert_eq!((num(ring, "cx"), num(ring, "cy")), (m.px.round(), m.py.round()));
    }
    // No marker at the undefined K of layer 0.
    assert!(!geo.markers.iter().any(|m| m.layer == 0 && m.k == 5));
    let t = texts(&svg);
    assert!(t.contains(&"H1".to_string()) && t.contains(&"H2".to_string()));
    for k in 2..=10 {
        assert!(t.contains(&k.to_string()), "K label {k}");
    }
    // Hover on a marker gives (layer, K); a click above a K gives that K.
    let m = geo.markers.iter().find(|m| m.layer == 1 && m.k == 7).unwrap();
    assert_eq!(geo.hit(m.px + 1.0, m.py - 1.0, 5.0), Some((1, 7)));
    assert_eq!(geo.hit(m.px + 30.0, m.py + 30.0, 5.0), None);
    let (x6, _) = geo.frame.to_pixel(6.2, 0.0);
    assert_eq!(geo.k_at(x6, (geo.frame.plot.y0 + 5) as f64), Some(6));
    assert_eq!(geo.legend.len(), 2);
}

#[test]
fn defined_runs_split_at_gaps_and_missing_k() {
    let s = vec![(2, Some(0.1)), (3, None), (4, Some(0.2)), (5, Some(0.3)), (7, Some(0.1)), (8, Some(f64::NAN))];
    let runs = defined_runs(&s);
    let ks: Vec<Vec<usize>> = runs.iter().map(|r| r.iter().map(|p| p.0).collect()).collect();
    assert_eq!(ks, vec![vec![2], vec![4, 5], vec![7]]);
    let dup = vec![SilhouetteLayer { label: "x".into(), scores: vec![(2, Some(0.1)), (2, Some(0.2))], chosen_k: None }];
    let r = render(400, 300, |a| draw_silhouette(a, &dup, &SilhouetteOptions::default())).1;
    assert!(matches!(r, Err(ChartError::InvalidInput(_))));
}

// ---------------------------------------------------------------- flow

fn flow_columns(k: usize) -> Vec<FlowColumn> {
    vec![
        FlowColumn { label: "true".into(), kind: FlowNodeKind::Class, node_labels: labels(&["0", "1", "2"]) },
        FlowColumn {
            label: "H1".into(),
            kind: FlowNodeKind::Cluster,
            node_labels: (0..k).map(|i| format!("C{i}")).collect(),
        },
        FlowColumn {
            label: "H2".into(),
            kind: FlowNodeKind::Cluster,
            node_labels: (0..k).map(|i| format!("D{i}")).collect(),
        },
        FlowColumn { label: "predicted".into(), kind: FlowNodeKind::Class, node_labels: labels(&["0", "1", "2"]) },
    ]
}

fn random_paths(n: usize, k: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let c = rng.gen_range(0..3);
            let c1 = if rng.gen_bool(0.8) { (c * 7 + 1) % k } else { rng.gen_range(0..k) };
            let c2 = if rng.gen_bool(0.8) { (c1 + 2) % k } else { rng.gen_range(0..k) };
            let p = if rng.gen_bool(0.9) { c } else { rng.gen_range(0..3) };
            vec![c, c1, c2, p]
        })
        .collect()
}

const EPS: f64 = 1e-6;

/// Crossings between bands of one column pair (by the centres of their ends).
fn crossings(layout: &FlowLayout, column: usize) -> usize {
    let b: Vec<&FlowBand> = layout.bands.iter().filter(|b| b.column == column).collect();
    let mut n = 0;
    for i in 0..b.len() {
        for j in i + 1..b.len() {
            let s = (b[i].from_y0 + b[i].from_y1) - (b[j].from_y0 + b[j].from_y1);
            let t = (b[i].to_y0 + b[i].to_y1) - (b[j].to_y0 + b[j].to_y1);
            if s * t < 0.0 {
                n += 1;
            }
        }
    }
    n
}

#[test]
fn flow_layout_conserves_images_and_stacks_bands_without_needless_crossings() {
    let (n, k) = (500, 5);
    let paths = random_paths(n, k, 1);
    let cols = flow_columns(k);
    let rect = PxRect::new(0, 0, 800, 500);
    let layout = flow_layout(&paths, &cols, rect, &FlowLayoutParams { node_width: 10.0, node_gap: 8.0 }).unwrap();
    let u = layout.px_per_image;
    assert!(u > 0.0);
    for c in 0..cols.len() {
        let nodes: Vec<&FlowNode> = layout.nodes.iter().filter(|x| x.column == c).collect();
        assert_eq!(nodes.len(), cols[c].node_labels.len());
        assert_eq!(nodes.iter().map(|x| x.count).sum::<usize>(), n);
        for x in &nodes {
            let expect = paths.iter().filter(|p| p[c] == x.node).count();
            assert_eq!(x.count, expect);
            assert!((x.y1 - x.y0 - x.count as f64 * u).abs() < EPS);
            assert!(x.y0 >= rect.y0 as f64 - EPS && x.y1 <= rect.y1 as f64 + EPS);
        }
        // Nodes follow `order` top to bottom without overlapping.
        let ys: Vec<(f64, f64)> =
            layout.order[c].iter().map(|&i| (layout.node(c, i).unwrap().y0, layout.node(c, i).unwrap().y1)).collect();
        assert!(ys.windows(2).all(|w| w[1].0 >= w[0].1 - EPS));
    }
    for c in 0..cols.len() - 1 {
        let bands: Vec<&FlowBand> = layout.bands.iter().filter(|b| b.column == c).collect();
        assert_eq!(bands.iter().map(|b| b.count).sum::<usize>(), n);
        // Each image in exactly one band of the pair, and in the right one.
        let mut seen = vec![0; n];
        for b in &bands {
            assert_eq!(b.images.len(), b.count);
            for &i in &b.images {
                seen[i] += 1;
                assert_eq!((paths[i][c], paths[i][c + 1], paths[i][0]), (b.from, b.to, b.class));
            }
            assert!((b.from_y1 - b.from_y0 - b.count as f64 * u).abs() < EPS);
            assert!((b.to_y1 - b.to_y0 - b.count as f64 * u).abs() < EPS);
        }
        assert!(seen.iter().all(|&s| s == 1));
        // Bands tile each node exactly, on both sides, ordered by the other end.
        for node in layout.nodes.iter().filter(|x| x.column == c && x.count > 0) {
            let mut out: Vec<&&FlowBand> = bands.iter().filter(|b| b.from == node.node).collect();
            out.sort_by(|a, b| a.from_y0.total_cmp(&b.from_y0));
            assert!((out[0].from_y0 - node.y0).abs() < EPS);
            assert!((out.last().unwrap().from_y1 - node.y1).abs() < EPS);
            assert!(out.windows(2).all(|w| (w[1].from_y0 - w[0].from_y1).abs() < EPS));
            assert!(out.windows(2).all(|w| (w[0].to_y0, w[0].class) <= (w[1].to_y0, w[1].class) || w[0].to == w[1].to));
            let tgt: Vec<f64> = out.iter().map(|b| layout.node(c + 1, b.to).unwrap().y0).collect();
            assert!(tgt.windows(2).all(|w| w[0] <= w[1]), "outgoing bands out of target order");
        }
        for node in layout.nodes.iter().filter(|x| x.column == c + 1 && x.count > 0) {
            let mut inc: Vec<&&FlowBand> = bands.iter().filter(|b| b.to == node.node).collect();
            inc.sort_by(|a, b| a.to_y0.total_cmp(&b.to_y0));
            assert!((inc[0].to_y0 - node.y0).abs() < EPS);
            assert!((inc.last().unwrap().to_y1 - node.y1).abs() < EPS);
            let src: Vec<f64> = inc.iter().map(|b| layout.node(c, b.from).unwrap().y0).collect();
            assert!(src.windows(2).all(|w| w[0] <= w[1]), "incoming bands out of source order");
        }
    }
}

#[test]
fn flow_layout_reorders_clusters_to_untangle_a_permutation() {
    // class c -> cluster 2-c -> cluster c -> predicted c: a pure permutation.
    let paths: Vec<Vec<usize>> = (0..90)
        .map(|i| {
            let c = i % 3;
            vec![c, 2 - c, c, c]
        })
        .collect();
    let cols = flow_columns(3);
    let layout =
        flow_layout(&paths, &cols, PxRect::new(0, 0, 600, 400), &FlowLayoutParams { node_width: 10.0, node_gap: 10.0 })
            .unwrap();
    assert_eq!(layout.order[0], vec![0, 1, 2]); // classes keep their order
    assert_eq!(layout.order[1], vec![2, 1, 0]);
    assert_eq!(layout.order[3], vec![0, 1, 2]);
    for c in 0..3 {
        assert_eq!(crossings(&layout, c), 0, "column pair {c}");
    }
    assert_eq!(layout.bands.len(), 9);
    // Every band's centre hovers that band; band -> images -> paths agree.
    for (id, b) in layout.bands.iter().enumerate() {
        let x = (b.x0 + b.x1) / 2.0;
        let (top, bottom) = b.edges_at_x(x).unwrap();
        assert_eq!(layout.band_at(x, (top + bottom) / 2.0), Some(id));
        assert!(b.images.iter().all(|&i| paths[i][b.column] == b.from && paths[i][b.column + 1] == b.to));
    }
    let n0 = layout.node(1, 2).unwrap();
    let hit = layout.node_at((n0.x0 + n0.x1) / 2.0, (n0.y0 + n0.y1) / 2.0).unwrap();
    assert_eq!((layout.nodes[hit].column, layout.nodes[hit].node), (1, 2));
    assert_eq!(layout.band_at(-10.0, 100.0), None);

    // Without the reordering (all class columns) the same data would cross.
    let mut fixed = flow_columns(3);
    fixed[1].kind = FlowNodeKind::Class;
    let l2 = flow_layout(
        &paths,
        &fixed,
        PxRect::new(0, 0, 600, 400),
        &FlowLayoutParams { node_width: 10.0, node_gap: 10.0 },
    )
    .unwrap();
    assert!(crossings(&l2, 0) > 0);
}

#[test]
fn flow_draws_a_polygon_per_band_a_rect_per_node_and_the_probe_path() {
    let (n, k) = (300, 4);
    let paths = random_paths(n, k, 2);
    let cols = flow_columns(k);
    let probe = [1usize, 0, 3, 2];
    let opts = FlowOptions { probe_path: Some(&probe), ..Default::default() };
    let (svg, layout) = render(900, 500, |a| draw_flow(a, &paths, &cols, &opts));
    let layout = layout.unwrap();
    let polys = elements(&svg, "polygon");
    assert_eq!(polys.len(), layout.bands.len());
    for (p, b) in polys.iter().zip(&layout.bands) {
        assert_eq!(attr(p, "fill"), Some(hex(palette::categorical(b.class)).as_str()));
    }
    // Nodes: class colours in class columns, neutral in cluster columns.
    let non_empty_clusters = layout.nodes.iter().filter(|x| x.count > 0 && (x.column == 1 || x.column == 2)).count();
    assert_eq!(filled_rects(&svg, palette::NEUTRAL).len(), non_empty_clusters);
    for c in 0..3 {
        // One node in each of the two class columns (plus nothing else of that colour).
        assert_eq!(filled_rects(&svg, palette::categorical(c)).len(), 2, "class {c}");
    }
    let t = texts(&svg);
    for l in ["true", "H1", "H2", "predicted"] {
        assert!(t.contains(&l.to_string()), "{l}");
    }
    // The probe: a black casing under a white core.
    let lines = elements(&svg, "polyline");
    let casing = lines.iter().position(|l| attr(l, "stroke") == Some("#000000")).unwrap();
    let core = lines.iter().position(|l| attr(l, "stroke") == Some("#FFFFFF")).unwrap();
    assert!(casing < core && num(lines[casing], "stroke-width") > num(lines[core], "stroke-width"));
    // It passes through its nodes' centres.
    let pts = attr(lines[core], "points").unwrap();
    for (c, &node) in probe.iter().enumerate() {
        let x = layout.node(c, node).unwrap();
        let needle = format!("{},{} ", x.x1.round(), ((x.y0 + x.y1) / 2.0).round());
        assert!(pts.contains(&needle), "probe misses column {c}");
    }

    // Hovering a band fades the others.
    let opts = FlowOptions { highlight_band: Some(3), ..Default::default() };
    let (svg, _) = render(900, 500, |a| draw_flow(a, &paths, &cols, &opts));
    let op: Vec<f64> = elements(&svg, "polygon").iter().map(|p| num(p, "opacity")).collect();
    assert_eq!(op.iter().filter(|&&o| o > 0.8).count(), 1);
    assert_eq!(*op.last().unwrap(), 0.9);
}

#[test]
fn flow_rejects_bad_paths() {
    let cols = flow_columns(2);
    let area = PxRect::new(0, 0, 400, 300);
    let params = FlowLayoutParams { node_width: 10.0, node_gap: 5.0 };
    let short = vec![vec![0, 1, 1]];
    assert!(matches!(
        flow_layout(&short, &cols, area, &params),
        Err(ChartError::LengthMismatch { expected: 4, got: 3, .. })
    ));
    let out = vec![vec![0, 5, 1, 1]];
    assert!(matches!(
        flow_layout(&out, &cols, area, &params),
        Err(ChartError::IndexOutOfRange { index: 5, len: 2, .. })
    ));
    let ok = vec![vec![0, 1, 1, 0]];
    let bad_probe = [0usize, 1];
    let r = render(400, 300, |a| {
        draw_flow(a, &ok, &cols, &FlowOptions { probe_path: Some(&bad_probe), ..Default::default() })
    })
    .1;
    assert!(matches!(r, Err(ChartError::LengthMismatch { .. })));
    // No images: an empty but valid drawing.
    let none: Vec<Vec<usize>> = Vec::new();
    let (_, l) = render(400, 300, |a| draw_flow(a, &none, &cols, &FlowOptions::default()));
    assert!(l.unwrap().bands.is_empty());
}

// ---------------------------------------------------------------- training

#[test]
fn training_curves_redraw_as_data_grows() {
    let mut loss = Vec::new();
    let mut train = Vec::new();
    let mut test = Vec::new();
    let opts = TrainingOptions { x_max: Some(5.0), ..Default::default() };
    // Empty first call: axes only.
    let (svg, g) = render(600, 400, |a| draw_training(a, &TrainingCurves::default(), &opts));
    let g = g.unwrap();
    assert_eq!(g.loss_frame.view.x_max, 5.0);
    assert!(
        elements(&svg, "polyline").iter().all(|l| attr(l, "stroke") != Some(hex(palette::categorical(0)).as_str()))
    );
    for epoch in 1..=8 {
        for s in 0..10 {
            let x = (epoch - 1) as f64 + s as f64 / 10.0;
            loss.push((x, 2.3 * (-x).exp() + 0.05));
        }
        train.push((epoch as f64, 1.0 - 0.5 / epoch as f64));
        test.push((epoch as f64, 0.97 - 0.5 / epoch as f64));
        let curves = TrainingCurves { loss: &loss, train_accuracy: &train, test_accuracy: &test };
        let (svg, g) = render(600, 400, |a| draw_training(a, &curves, &opts));
        let g = g.unwrap();
        // The axis grows with the data once it passes the planned end.
        assert_eq!(g.loss_frame.view.x_max, (epoch as f64).max(5.0));
        assert_eq!(g.accuracy_frame.view.x_max, g.loss_frame.view.x_max);
        assert!(g.accuracy_frame.plot.y0 >= g.loss_frame.plot.y1);
        let lines = elements(&svg, "polyline");
        let loss_line = lines
            .iter()
            .find(|l| attr(l, "stroke") == Some(hex(palette::categorical(training::LOSS_COLOR)).as_str()))
            .unwrap();
        assert_eq!(attr(loss_line, "points").unwrap().split_whitespace().count(), loss.len());
        let train_dots = elements(&svg, "circle")
            .into_iter()
            .filter(|c| attr(c, "fill") == Some(hex(palette::categorical(training::TRAIN_COLOR)).as_str()))
            .count();
        assert_eq!(train_dots, epoch);
        // Loss readings are dotted while there are few of them (up to 60).
        let loss_dots = elements(&svg, "circle")
            .into_iter()
            .filter(|c| attr(c, "fill") == Some(hex(palette::categorical(training::LOSS_COLOR)).as_str()))
            .count();
        assert_eq!(loss_dots, if loss.len() <= 60 { loss.len() } else { 0 }, "{} loss points", loss.len());
        let t = texts(&svg);
        assert!(["loss", "accuracy", "epoch", "train", "test"].iter().all(|w| t.contains(&w.to_string())));
        // The first loss point is the top of its panel's data.
        let (_, py) = g.loss_frame.to_pixel(loss[0].0, loss[0].1);
        assert!(py >= g.loss_frame.plot.y0 as f64);
    }
}

/// A restored one-epoch run (the demo) has one point per series: each shows,
/// where its value is, though there is no line to draw.
#[test]
fn training_curves_of_one_epoch_show_each_lone_point() {
    let loss = [(1.0, 0.387)];
    let train = [(1.0, 0.89)];
    let test = [(1.0, 0.94)];
    let curves = TrainingCurves { loss: &loss, train_accuracy: &train, test_accuracy: &test };
    let (svg, g) = render(600, 400, |a| draw_training(a, &curves, &TrainingOptions::default()));
    let g = g.unwrap();
    let circles = elements(&svg, "circle");
    for (frame, (x, y), color) in [
        (&g.loss_frame, loss[0], training::LOSS_COLOR),
        (&g.accuracy_frame, train[0], training::TRAIN_COLOR),
        (&g.accuracy_frame, test[0], training::TEST_COLOR),
    ] {
        let fill = hex(palette::categorical(color));
        let dots: Vec<&&str> = circles.iter().filter(|c| attr(c, "fill") == Some(fill.as_str())).collect();
        assert_eq!(dots.len(), 1, "one dot of colour {fill}");
        let (px, py) = frame.to_pixel(x, y);
        let cx: f64 = attr(dots[0], "cx").unwrap().parse().unwrap();
        let cy: f64 = attr(dots[0], "cy").unwrap().parse().unwrap();
        assert!((cx - px).abs() <= 1.0 && (cy - py).abs() <= 1.0, "dot at ({cx}, {cy}), value at ({px}, {py})");
        // Inside its panel, not on the frame's edge.
        assert!(cy > frame.plot.y0 as f64 && cy < frame.plot.y1 as f64, "{cy} within {:?}", frame.plot);
    }
}

// ---------------------------------------------------------------- contingency

#[test]
fn contingency_writes_every_count_and_the_totals() {
    let counts = vec![12, 0, 3, 1, 40, 7];
    let rows = labels(&["C0", "C1"]);
    let cols = labels(&["cat", "dog", "cow"]);
    let data = ContingencyData { counts: &counts, row_labels: &rows, col_labels: &cols };
    let (svg, geo) = render(500, 300, |a| draw_contingency(a, &data, &ContingencyOptions::default()));
    let geo = geo.unwrap();
    let t = texts(&svg);
    for v in ["12", "0", "3", "1", "40", "7", "15", "48", "13", "63", "C0", "C1", "cat", "dog", "cow", "total"] {
        assert!(t.contains(&v.to_string()), "{v} missing from {t:?}");
    }
    assert_eq!(cells_inside(&svg, geo.grid), 6);
    for r in 0..2 {
        for c in 0..3 {
            let px = (geo.col_edges[c] + geo.col_edges[c + 1]) as f64 / 2.0;
            let py = (geo.row_edges[r] + geo.row_edges[r + 1]) as f64 / 2.0;
            assert_eq!(geo.hit(px, py), Some((r, c)));
        }
    }
    // Row share: the purest cell of each row gets the top of the map.
    let top = hex(palette::shade(40.0 / 48.0));
    assert!(elements(&svg, "rect").iter().any(|r| attr(r, "fill") == Some(top.as_str())));
    let bad = ContingencyData { counts: &counts[..5], row_labels: &rows, col_labels: &cols };
    assert!(render(500, 300, |a| draw_contingency(a, &bad, &ContingencyOptions::default())).1.is_err());
}

// ---------------------------------------------------------------- small ones

#[test]
fn probability_bars_are_proportional_and_labelled() {
    let probs = vec![0.1f32, 0.7, 0.2];
    let l = labels(&["zero", "one", "two"]);
    let data = ProbabilityBars { probs: &probs, labels: &l, predicted: Some(1) };
    let (svg, geo) = render(300, 150, |a| draw_probabilities(a, &data, 1.0));
    let geo = geo.unwrap();
    let w: Vec<f64> = geo.bars.iter().map(|b| b.width() as f64).collect();
    assert!((w[1] / w[0] - 7.0).abs() < 0.5 && (w[2] / w[0] - 2.0).abs() < 0.3);
    let t = texts(&svg);
    for s in ["10%", "70%", "20%", "zero", "one", "two"] {
        assert!(t.contains(&s.to_string()), "{s}");
    }
    for (i, &wi) in w.iter().enumerate() {
        assert!(filled_rects(&svg, palette::categorical(i)).iter().any(|r| num(r, "width") == wi));
        let r = geo.rows[i];
        assert_eq!(geo.hit((r.x0 + r.x1) as f64 / 2.0, (r.y0 + r.y1) as f64 / 2.0), Some(i));
    }
    // The predicted class is outlined.
    assert_eq!(elements(&svg, "rect").iter().filter(|r| attr(r, "fill") == Some("none")).count(), 1);
}

#[test]
fn signature_strip_has_a_cell_per_neuron() {
    let values: Vec<f32> = (0..32).map(|i| i as f32).collect();
    let s = SignatureStrip { values: &values, value_range: None, label: "H1" };
    let (svg, geo) = render(400, 30, |a| draw_signature_strip(a, &s, 1.0));
    let geo = geo.unwrap();
    assert_eq!(cells_inside(&svg, geo.cells), 32);
    assert_eq!(geo.value_range, (0.0, 31.0));
    assert!(texts(&svg).contains(&"H1".to_string()));
    for j in [0usize, 13, 31] {
        let x = (geo.col_edges[j] + geo.col_edges[j + 1]) as f64 / 2.0;
        assert_eq!(geo.hit(x, 15.0), Some(j));
    }
    assert_eq!(filled_rects(&svg, palette::sequential(0.0)).len(), 1);
    assert_eq!(filled_rects(&svg, palette::sequential(1.0)).len(), 1);
}

#[test]
fn score_histograms_count_both_sets_and_mark_threshold_and_probe() {
    let inside: Vec<f32> = (0..200).map(|i| (i % 50) as f32 / 50.0).collect();
    let foreign: Vec<f32> = (0..80).map(|i| 1.0 + (i % 40) as f32 / 20.0).chain([f32::NAN]).collect();
    let h = score_histogram(&inside, &foreign, &[3.5], 20);
    assert_eq!(h.edges.len(), 21);
    assert_eq!(h.in_counts.iter().sum::<usize>(), 200);
    assert_eq!(h.foreign_counts.iter().sum::<usize>(), 80);
    assert!(h.edges[0] <= 0.0 && *h.edges.last().unwrap() >= 3.5);
    // Brute-force bin of every sample.
    for v in inside.iter() {
        let b = h.edges.partition_point(|&e| e <= *v as f64).saturating_sub(1).min(19);
        assert!(h.in_counts[b] > 0);
    }
    let (a, b) = h.shares();
    assert!((a.iter().sum::<f64>() - 1.0).abs() < 1e-9 && (b.iter().sum::<f64>() - 1.0).abs() < 1e-9);

    let data = ScoreDistributions {
        in_dist: &inside,
        foreign: &foreign,
        in_label: "MNIST",
        foreign_label: "Animal-Shape",
        threshold: Some(0.9),
        probe: Some(2.2),
        x_desc: "unfamiliarity",
    };
    let (svg, geo) = render(600, 300, |a| draw_score_distributions(a, &data, &ScoreOptions::default()));
    let geo = geo.unwrap();
    let t = texts(&svg);
    for s in ["MNIST", "Animal-Shape", "threshold", "unfamiliarity"] {
        assert!(t.contains(&s.to_string()), "{s}");
    }
    let bars = |c: RGBColor| filled_rects(&svg, c).into_iter().filter(|r| num(r, "opacity") < 1.0).count();
    assert_eq!(
        bars(palette::categorical(scores::IN_COLOR)),
        geo.histogram.in_counts.iter().filter(|&&c| c > 0).count()
    );
    assert_eq!(
        bars(palette::categorical(scores::FOREIGN_COLOR)),
        geo.histogram.foreign_counts.iter().filter(|&&c| c > 0).count()
    );
    // Probe: a black marker at its score.
    let (px, _) = geo.frame.to_pixel(2.2, 0.0);
    let probe = elements(&svg, "polygon").into_iter().find(|p| attr(p, "fill") == Some("#000000")).unwrap();
    assert!(attr(probe, "points").unwrap().contains(&format!("{},", px.round())));
    let b = geo.bin_at(px, (geo.frame.plot.y0 + 10) as f64).unwrap();
    assert!(geo.histogram.edges[b] <= 2.2 && 2.2 < geo.histogram.edges[b + 1]);
}

// ---------------------------------------------------------------- figures

/// Primitive counts and host-side time of each chart at page sizes.
/// `cargo test --release --test charts -- --ignored --nocapture draw_call_figures`
#[test]
#[ignore]
fn draw_call_figures() {
    use std::time::Instant;
    let time = |name: &str, reps: u32, f: &mut dyn FnMut() -> Counts| {
        let mut c = f();
        let t = Instant::now();
        for _ in 0..reps {
            c = f();
        }
        let ms = t.elapsed().as_secs_f64() * 1000.0 / reps as f64;
        println!(
            "{name:<40} {:>7} calls  rects {:>6} paths {:>4} polys {:>4} circles {:>4} texts {:>4} lines {:>4}  {ms:>7.2} ms/draw (host, counting backend)",
            c.total(),
            c.rects,
            c.paths,
            c.polygons,
            c.circles,
            c.texts,
            c.lines
        );
    };
    let (points, cats) = random_points(10_000, 3);
    let legend: Vec<String> = (0..10).map(|i| format!("digit {i}")).collect();
    let data = ScatterData { points: &points, categories: &cats, legend: &legend };
    time("scatter 10k points, 1600x1200 @2x", 20, &mut || {
        counting(1600, 1200, |a| {
            draw_scatter(a, &data, &ScatterOptions { scale: 2.0, ..Default::default() }).unwrap();
        })
        .0
    });
    let hl: Vec<usize> = (0..10_000).filter(|i| cats[*i] == 3).collect();
    time("scatter 10k points + highlight + probe", 20, &mut || {
        counting(1600, 1200, |a| {
            draw_scatter(
                a,
                &data,
                &ScatterOptions { scale: 2.0, highlight: Some(&hl), probe: Some([0.0, 0.0]), ..Default::default() },
            )
            .unwrap();
        })
        .0
    });
    let index = PointIndex::build(&points);
    let frame = PlotFrame { plot: PxRect::new(100, 20, 1400, 1100), view: ViewRect::fit(&points, 0.04).unwrap() };
    let t = Instant::now();
    let mut found = 0;
    for i in 0..10_000 {
        let (x, y) = (100.0 + (i % 1300) as f64, 20.0 + (i / 13) as f64 % 1080.0);
        found += nearest_point(&index, &frame, x, y, 12.0).is_some() as usize;
    }
    println!(
        "nearest_point: {:.2} µs/query ({found} hits of 10000); index build {:.2} ms",
        t.elapsed().as_secs_f64() * 1e6 / 10_000.0,
        {
            let t = Instant::now();
            let _ = PointIndex::build(&points);
            t.elapsed().as_secs_f64() * 1000.0
        }
    );

    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let clusters: Vec<usize> = (0..10_000).map(|_| rng.gen_range(0..8)).collect();
    let acts: Vec<f32> =
        (0..10_000 * 64).map(|_| if rng.gen_bool(0.4) { 0.0 } else { rng.gen_range(0.0..4.0) }).collect();
    let cl: Vec<String> = (0..8).map(|i| format!("C{i}")).collect();
    let hd = ClusterHeatmapData {
        activations: &acts,
        n_neurons: 64,
        clusters: &clusters,
        cluster_labels: &cl,
        sort_key: None,
    };
    time("cluster heatmap 10k x 64, 1200x1000 @2x", 5, &mut || {
        counting(1200, 1000, |a| {
            draw_cluster_heatmap(a, &hd, &HeatmapOptions { scale: 2.0, ..Default::default() }).unwrap();
        })
        .0
    });
    let paths = random_paths(10_000, 8, 4);
    let cols = flow_columns(8);
    let probe = [0usize, 1, 3, 0];
    time("flow 10k images, 4 columns, 1600x1000 @2x", 10, &mut || {
        counting(1600, 1000, |a| {
            draw_flow(a, &paths, &cols, &FlowOptions { scale: 2.0, probe_path: Some(&probe), ..Default::default() })
                .unwrap();
        })
        .0
    });
    let loss: Vec<(f64, f64)> = (0..2000).map(|i| (i as f64 / 200.0, 1.0 / (1.0 + i as f64))).collect();
    let acc: Vec<(f64, f64)> = (1..=10).map(|e| (e as f64, 0.9)).collect();
    time("training curves 2000 steps, 1200x800 @2x", 20, &mut || {
        counting(1200, 800, |a| {
            draw_training(
                a,
                &TrainingCurves { loss: &loss, train_accuracy: &acc, test_accuracy: &acc },
                &TrainingOptions { scale: 2.0, ..Default::default() },
            )
            .unwrap();
        })
        .0
    });
}

/// Writes every chart as SVG for a look by eye:
/// `cargo test --test charts -- --ignored write_previews` (files under target/tmp/charts).
#[test]
#[ignore]
fn write_previews() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    let save = |name: &str, svg: String| std::fs::write(dir.join(format!("{name}.svg")), svg).unwrap();
    let (points, cats) = random_points(3000, 3);
    let legend: Vec<String> = (0..10).map(|i| format!("digit {i}")).collect();
    let data = ScatterData { points: &points, categories: &cats, legend: &legend };
    let hl: Vec<usize> = (0..3000).filter(|i| cats[*i] == 3).collect();
    save(
        "scatter",
        render(1200, 900, |a| {
            draw_scatter(a, &data, &ScatterOptions { scale: 1.5, probe: Some([1.0, 2.0]), ..Default::default() })
                .unwrap()
        })
        .0,
    );
    save(
        "scatter_highlight",
        render(800, 600, |a| {
            draw_scatter(a, &data, &ScatterOptions { highlight: Some(&hl), ..Default::default() }).unwrap()
        })
        .0,
    );
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(1);
    let clusters: Vec<usize> = (0..2000).map(|_| rng.gen_range(0..6)).collect();
    let acts: Vec<f32> = clusters
        .iter()
        .flat_map(|&c| (0..32).map(move |j| if (j + c * 5) % 7 < 3 { 0.0 } else { ((j * c) % 5) as f32 }))
        .map(|v| v + rng.gen_range(0.0..1.0))
        .collect();
    let cl: Vec<String> = (0..6).map(|i| format!("C{i}")).collect();
    let hd = ClusterHeatmapData {
        activations: &acts,
        n_neurons: 32,
        clusters: &clusters,
        cluster_labels: &cl,
        sort_key: None,
    };
    save("heatmap_clusters", render(800, 600, |a| draw_cluster_heatmap(a, &hd, &HeatmapOptions::default()).unwrap()).0);
    let means: Vec<f32> = (0..10 * 32).map(|i| ((i * 37) % 17) as f32 / 4.0).collect();
    let d: Vec<String> = (0..10).map(|i| i.to_string()).collect();
    save(
        "heatmap_classes",
        render(800, 300, |a| {
            draw_class_heatmap(
                a,
                &ClassHeatmapData { means: &means, n_neurons: 32, class_labels: &d },
                &HeatmapOptions::default(),
            )
            .unwrap()
        })
        .0,
    );
    let layers = vec![
        SilhouetteLayer {
            label: "H1".into(),
            scores: (2..=10)
                .map(|k| (k, if k == 8 { None } else { Some(0.12 + 0.02 * (k as f64 - 4.0).abs().recip().min(2.0)) }))
                .collect(),
            chosen_k: Some(4),
        },
        SilhouetteLayer {
            label: "H2".into(),
            scores: (2..=10).map(|k| (k, Some(0.2 - 0.01 * k as f64))).collect(),
            chosen_k: Some(2),
        },
    ];
    save("silhouette", render(700, 400, |a| draw_silhouette(a, &layers, &SilhouetteOptions::default()).unwrap()).0);
    let paths = random_paths(3000, 5, 4);
    let cols = flow_columns(5);
    let probe = [1usize, 3, 0, 1];
    save(
        "flow",
        render(1000, 600, |a| {
            draw_flow(a, &paths, &cols, &FlowOptions { probe_path: Some(&probe), ..Default::default() }).unwrap()
        })
        .0,
    );
    save(
        "flow_hover",
        render(1000, 600, |a| {
            draw_flow(a, &paths, &cols, &FlowOptions { highlight_band: Some(5), ..Default::default() }).unwrap()
        })
        .0,
    );
    let loss: Vec<(f64, f64)> = (0..400)
        .map(|i| (i as f64 / 100.0, 2.3 * (-(i as f64) / 60.0).exp() + 0.1 + 0.05 * ((i * 7) % 5) as f64 / 5.0))
        .collect();
    let tr: Vec<(f64, f64)> = (1..=4).map(|e| (e as f64, 1.0 - 0.2 / e as f64)).collect();
    let te: Vec<(f64, f64)> = (1..=4).map(|e| (e as f64, 0.97 - 0.2 / e as f64)).collect();
    save(
        "training",
        render(700, 450, |a| {
            draw_training(
                a,
                &TrainingCurves { loss: &loss, train_accuracy: &tr, test_accuracy: &te },
                &TrainingOptions { x_max: Some(6.0), ..Default::default() },
            )
            .unwrap()
        })
        .0,
    );
    let counts: Vec<usize> = (0..5 * 10).map(|i| if i % 11 == 0 { 300 + i } else { (i * 13) % 29 }).collect();
    let rows: Vec<String> = (0..5).map(|i| format!("C{i}")).collect();
    save(
        "contingency",
        render(800, 300, |a| {
            draw_contingency(
                a,
                &ContingencyData { counts: &counts, row_labels: &rows, col_labels: &d },
                &ContingencyOptions::default(),
            )
            .unwrap()
        })
        .0,
    );
    let probs: Vec<f32> = vec![0.01, 0.02, 0.05, 0.7, 0.01, 0.1, 0.02, 0.04, 0.03, 0.02];
    save(
        "probs",
        render(300, 260, |a| {
            draw_probabilities(a, &ProbabilityBars { probs: &probs, labels: &d, predicted: Some(3) }, 1.0).unwrap()
        })
        .0,
    );
    let v: Vec<f32> = (0..64).map(|i| ((i * 29) % 13) as f32).collect();
    save(
        "strip",
        render(500, 28, |a| {
            draw_signature_strip(a, &SignatureStrip { values: &v, value_range: None, label: "H2" }, 1.0).unwrap()
        })
        .0,
    );
    let inside: Vec<f32> = (0..2000).map(|_| rng.gen_range(0.0..1.0f32) * rng.gen_range(0.0..1.0f32)).collect();
    let foreign: Vec<f32> = (0..500).map(|_| 0.4 + rng.gen_range(0.0..1.0f32) * 0.6).collect();
    save(
        "scores",
        render(600, 300, |a| {
            draw_score_distributions(
                a,
                &ScoreDistributions {
                    in_dist: &inside,
                    foreign: &foreign,
                    in_label: "MNIST",
                    foreign_label: "Animal-Shape",
                    threshold: Some(0.45),
                    probe: Some(0.7),
                    x_desc: "unfamiliarity",
                },
                &ScoreOptions::default(),
            )
            .unwrap()
        })
        .0,
    );
    println!("previews in {}", dir.display());
}
