//! The probe's path (`signature-path`): one step per hidden layer, the
//! nearest cluster there, coloured by the class most of that cluster's test
//! images belong to, then the prediction in its class colour.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::charts::{ChartError, palette};

/// One step of the path.
#[derive(Debug, Clone, PartialEq)]
pub struct PathStep {
    /// Column header ("h1", "predicted").
    pub header: String,
    /// Inside the box ("cluster 3", "7").
    pub title: String,
    /// Under the box ("mostly 7 · 92 %").
    pub note: String,
    /// Class index whose colour fills the box; `None` draws it neutral.
    pub class: Option<usize>,
}

fn text<'a>(size: f64, color: RGBColor, h: HPos) -> TextStyle<'a> {
    TextStyle {
        font: ("sans-serif", size).into_font(),
        color: color.to_backend_color(),
        pos: Pos::new(h, VPos::Center),
    }
}

fn err(e: impl std::fmt::Display) -> ChartError {
    ChartError::Backend(e.to_string())
}

/// Draw the steps left to right with arrows between them.
pub fn draw_path<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    steps: &[PathStep],
    scale: f64,
) -> Result<(), ChartError> {
    let area = area.use_screen_coord();
    area.fill(&palette::BACKGROUND).map_err(err)?;
    let (xr, yr) = area.get_pixel_range();
    let (width, height) = (f64::from(xr.end - xr.start), f64::from(yr.end - yr.start));
    let n = steps.len();
    if n == 0 {
        return Ok(());
    }
    let px = |css: f64| css * scale;
    let arrow = px(26.0);
    let box_w = ((width - arrow * (n as f64 - 1.0)) / n as f64).max(px(10.0));
    let font = px(12.0);
    let (header_y, box_y0, box_y1) = (px(10.0), px(22.0), height - px(24.0));
    let note_y = height - px(10.0);
    for (i, step) in steps.iter().enumerate() {
        let x0 = f64::from(xr.start) + i as f64 * (box_w + arrow);
        let x1 = x0 + box_w;
        let mid = (x0 + x1) / 2.0;
        let fill = step.class.map_or(palette::NEUTRAL, palette::categorical);
        let corner = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
        area.draw(&Rectangle::new([corner(x0, box_y0), corner(x1, box_y1)], fill.filled())).map_err(err)?;
        area.draw(&Rectangle::new(
            [corner(x0, box_y0), corner(x1, box_y1)],
            palette::INK.stroke_width(px(1.0).max(1.0) as u32),
        ))
        .map_err(err)?;
        area.draw_text(&step.header, &text(font, palette::INK, HPos::Center), corner(mid, header_y)).map_err(err)?;
        area.draw_text(
            &step.title,
            &text(font * 1.25, palette::text_on(fill), HPos::Center),
            corner(mid, (box_y0 + box_y1) / 2.0),
        )
        .map_err(err)?;
        area.draw_text(&step.note, &text(font * 0.95, palette::MUTED_INK, HPos::Center), corner(mid, note_y))
            .map_err(err)?;
        if i + 1 < n {
            // An arrow to the next step.
            let y = (box_y0 + box_y1) / 2.0;
            let (a0, a1) = (x1 + px(4.0), x1 + arrow - px(4.0));
            let head = px(6.0);
            area.draw(&PathElement::new(vec![corner(a0, y), corner(a1, y)], palette::INK.stroke_width(px(2.0) as u32)))
                .map_err(err)?;
            area.draw(&Polygon::new(
                vec![corner(a1, y), corner(a1 - head, y - head * 0.7), corner(a1 - head, y + head * 0.7)],
                palette::INK.filled(),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}
