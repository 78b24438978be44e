//! The CKA heatmap drawn to SVG: every value is written in its cell, the
//! fill follows the value, undefined cells show a dash, and the geometry maps
//! a pointer back to the cell under it.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters_svg::SVGBackend;
use sigpath::charts::palette;
use sigpath::charts::{ChartError, CkaData, CkaGeometry, CkaHit, CkaOptions, cka_cell_text, draw_cka};

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

fn attr<'a>(el: &'a str, name: &str) -> Option<&'a str> {
    let key = format!(" {name}=\"");
    let start = el.find(&key)? + key.len();
    let len = el[start..].find('"')?;
    Some(&el[start..start + len])
}

/// Text contents, in drawing order.
fn texts(svg: &str) -> Vec<String> {
    let lines: Vec<&str> = svg.lines().collect();
    lines.windows(2).filter(|w| w[0].starts_with("<text ")).map(|w| w[1].trim().to_string()).collect()
}

/// Fill of the rectangle drawn exactly over cell (row, col).
fn cell_fill(svg: &str, geo: &CkaGeometry, row: usize, col: usize) -> String {
    let (x, y) = (geo.col_edges[col].to_string(), geo.row_edges[row].to_string());
    let w = (geo.col_edges[col + 1] - geo.col_edges[col]).to_string();
    svg.lines()
        .filter(|l| l.starts_with("<rect "))
        .find(|r| attr(r, "x") == Some(&x) && attr(r, "y") == Some(&y) && attr(r, "width") == Some(&w))
        .and_then(|r| attr(r, "fill"))
        .unwrap_or_else(|| panic!("no rectangle over cell {row},{col}"))
        .to_string()
}

fn labels(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn centre(geo: &CkaGeometry, row: usize, col: usize) -> (f64, f64) {
    (
        f64::from(geo.col_edges[col] + geo.col_edges[col + 1]) / 2.0,
        f64::from(geo.row_edges[row] + geo.row_edges[row + 1]) / 2.0,
    )
}

#[test]
fn values_are_written_and_coloured_and_cells_can_be_found() {
    let names = labels(&["input", "h1", "h2"]);
    let values = vec![
        Some(1.0),
        Some(0.1),
        None,
        Some(0.1),
        Some(1.0),
        Some(0.9),
        None,
        Some(0.9),
        Some(f64::NAN), // undefined too, whatever the caller passed
    ];
    let data = CkaData { values: &values, row_labels: &names, col_labels: &names };
    let (svg, geo) = render(480, 320, |a| draw_cka(a, &data, &CkaOptions::default()));
    let geo = geo.unwrap();
    let t = texts(&svg);
    for s in ["1.00", "0.10", "0.90", "–", "input", "h1", "h2", "0", "0.5", "1"] {
        assert!(t.contains(&s.to_string()), "{s} missing from {t:?}");
    }
    assert_eq!(t.iter().filter(|s| *s == "–").count(), 3);
    assert_eq!(t.iter().filter(|s| *s == "0.90").count(), 2);

    // The fill follows the value: 0.1 and 0.9 differ, equal values agree,
    // undefined cells are blank.
    let (low, high) = (cell_fill(&svg, &geo, 0, 1), cell_fill(&svg, &geo, 1, 2));
    assert_ne!(low, high);
    assert_eq!(low, hex(palette::sequential(0.1)));
    assert_eq!(high, hex(palette::sequential(0.9)));
    assert_eq!(cell_fill(&svg, &geo, 1, 0), low);
    assert_eq!(cell_fill(&svg, &geo, 0, 2), hex(palette::BACKGROUND));
    assert_eq!(cell_fill(&svg, &geo, 2, 2), hex(palette::BACKGROUND));

    // Hover: every cell's centre and corners find it; outside finds nothing.
    for r in 0..3 {
        for c in 0..3 {
            let (x, y) = centre(&geo, r, c);
            let hit = geo.hit(x, y).unwrap();
            assert_eq!((hit.row, hit.col), (r, c));
            let want = values[r * 3 + c].filter(|v| v.is_finite());
            assert_eq!(hit.value, want);
            let corner = (f64::from(geo.col_edges[c]), f64::from(geo.row_edges[r]));
            assert_eq!(geo.hit(corner.0, corner.1).map(|h| (h.row, h.col)), Some((r, c)));
        }
    }
    assert_eq!(geo.hit(f64::from(geo.grid.x0) - 1.0, centre(&geo, 0, 0).1), None);
    assert_eq!(geo.hit(f64::from(geo.grid.x1), centre(&geo, 0, 0).1), None);
    assert_eq!(geo.hit(centre(&geo, 0, 0).0, f64::from(geo.grid.y1)), None);
    let bar = geo.bar;
    assert!(bar.x0 >= geo.grid.x1);
    assert_eq!(geo.hit(f64::from(bar.x0 + 1), f64::from(bar.y0 + 1)), None);
    assert_eq!(geo.hit(centre(&geo, 2, 1).0, centre(&geo, 2, 1).1), Some(CkaHit { row: 2, col: 1, value: Some(0.9) }));
}

#[test]
fn a_cross_matrix_has_its_own_column_names_and_scales_with_the_pixel_ratio() {
    let rows = labels(&["conv1", "conv2", "fc", "output"]);
    let cols = labels(&["h1", "h2"]);
    let values: Vec<Option<f64>> = (0..8).map(|i| Some(f64::from(i) / 7.0)).collect();
    let data = CkaData { values: &values, row_labels: &rows, col_labels: &cols };
    let (svg, geo) = render(600, 400, |a| draw_cka(a, &data, &CkaOptions { scale: 2.0 }));
    let geo = geo.unwrap();
    assert_eq!((geo.row_edges.len(), geo.col_edges.len()), (5, 3));
    let t = texts(&svg);
    for s in ["conv1", "output", "h1", "h2", "0.00", "0.14", "1.00"] {
        assert!(t.contains(&s.to_string()), "{s} missing from {t:?}");
    }
    let (x, y) = centre(&geo, 3, 1);
    assert_eq!(geo.hit(x, y).map(|h| (h.row, h.col)), Some((3, 1)));
    assert!(geo.hit(x, y).unwrap().value.is_some_and(|v| (v - 1.0).abs() < 1e-12));
}

#[test]
fn bad_inputs_are_errors() {
    let names = labels(&["a", "b"]);
    let short = vec![Some(1.0); 3];
    let data = CkaData { values: &short, row_labels: &names, col_labels: &names };
    let err = render(300, 200, |a| draw_cka(a, &data, &CkaOptions::default())).1.unwrap_err();
    assert!(matches!(err, ChartError::LengthMismatch { expected: 4, got: 3, .. }), "{err:?}");
    let none: Vec<String> = Vec::new();
    let data = CkaData { values: &[], row_labels: &none, col_labels: &none };
    assert!(render(300, 200, |a| draw_cka(a, &data, &CkaOptions::default())).1.is_err());
    let four = vec![Some(0.5); 4];
    let data = CkaData { values: &four, row_labels: &names, col_labels: &names };
    let err = render(30, 20, |a| draw_cka(a, &data, &CkaOptions::default())).1.unwrap_err();
    assert!(matches!(err, ChartError::AreaTooSmall { .. }), "{err:?}");
    assert_eq!(cka_cell_text(Some(0.456)), "0.46");
    assert_eq!(cka_cell_text(None), "–");
    assert_eq!(cka_cell_text(Some(f64::INFINITY)), "–");
}

/// Writes the chart as SVG for a look by eye:
/// `cargo test --test cka_chart -- --ignored write_preview` (files under target/tmp/charts).
#[test]
#[ignore]
fn write_preview() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("charts");
    std::fs::create_dir_all(&dir).unwrap();
    let names = labels(&["input", "conv1", "conv2", "fc", "output"]);
    let values: Vec<Option<f64>> = (0..25)
        .map(|i| {
            let (r, c) = (i / 5, i % 5);
            (r != 3 && c != 3).then(|| 1.0 / (1.0 + (r as f64 - c as f64).abs() * 0.6))
        })
        .collect();
    let data = CkaData { values: &values, row_labels: &names, col_labels: &names };
    let svg = render(520, 400, |a| draw_cka(a, &data, &CkaOptions::default()).unwrap()).0;
    std::fs::write(dir.join("cka.svg"), svg).unwrap();
}
