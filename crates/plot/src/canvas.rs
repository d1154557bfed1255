//! One drawing, two file formats: a chart draws on any plotters backend, and [`save`] picks the
//! backend from the file's extension (`.svg` → SVG, anything else → a bitmap, PNG for `.png`).

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::{ensure_font, PlotError};

/// A picture that can be drawn on any backend.
pub(crate) trait Chart {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draw on `root` (already filled white). Errors as text: each backend has its own type.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

/// Draw `chart` into `path`, as SVG when it ends in `.svg`, else as a bitmap image.
pub(crate) fn save(chart: &impl Chart, path: &Path) -> Result<(), PlotError> {
    ensure_font();
    let fail = |reason: String| PlotError { path: path.to_path_buf(), reason };
    let svg = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("svg"));
    if svg {
        render(SVGBackend::new(path, chart.size()).into_drawing_area(), chart).map_err(fail)
    } else {
        render(BitMapBackend::new(path, chart.size()).into_drawing_area(), chart).map_err(fail)
    }
}

/// Draw `chart` as SVG text (for a web page to inline); `name` names it in errors.
pub(crate) fn svg_text(chart: &impl Chart, name: &str) -> Result<String, PlotError> {
    ensure_font();
    let mut text = String::new();
    render(SVGBackend::with_string(&mut text, chart.size()).into_drawing_area(), chart).map_err(|reason| PlotError { path: name.into(), reason })?;
    Ok(text)
}

fn render<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, chart: &impl Chart) -> Result<(), String> {
    root.fill(&WHITE).map_err(|e| e.to_string())?;
    chart.draw(&root)?;
    root.present().map_err(|e| e.to_string())
}
