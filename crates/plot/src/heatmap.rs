//! A matrix (rows = frequency bands or coefficients, columns = time frames) as a colour image
//! with a time axis in seconds and a labelled vertical axis.

use std::path::Path;

use ndarray::Array2;
use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use crate::{ensure_font, PlotError};

/// What to draw and how to label it.
pub struct Heatmap<'a> {
    /// `(n_rows, n_frames)`; row 0 is drawn at the bottom.
    pub data: &'a Array2<f32>,
    pub title: String,
    /// Seconds per column.
    pub seconds_per_frame: f64,
    pub y_label: String,
    /// Turns a row index into a tick label (e.g. a mel band into its centre frequency in Hz).
    pub row_label: Box<dyn Fn(usize) -> String + 'a>,
    /// Colour-bar unit, e.g. "dB".
    pub unit: String,
}

const WIDTH: u32 = 1200;
const HEIGHT: u32 = 560;

/// Draw `map` into a PNG file at `path`.
pub fn heatmap_png(map: &Heatmap<'_>, path: &Path) -> Result<(), PlotError> {
    ensure_font();
    let fail = |reason: String| PlotError { path: path.to_path_buf(), reason };
    let (n_rows, n_cols) = map.data.dim();
    if n_rows == 0 || n_cols == 0 {
        return Err(fail("nothing to draw: the matrix is empty".into()));
    }
    let (lo, hi) = finite_range(map.data).ok_or_else(|| fail("the matrix has no finite values".into()))?;
    let duration = n_cols as f64 * map.seconds_per_frame;

    let root = BitMapBackend::new(path, (WIDTH, HEIGHT)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let (main, bar) = root.split_horizontally(WIDTH - 110);
    let mut chart = ChartBuilder::on(&main)
        .caption(&map.title, ("sans-serif", 22))
        .margin(12)
        .x_label_area_size(44)
        .y_label_area_size(78)
        .build_cartesian_2d(0.0..duration, 0.0..n_rows as f64)
        .map_err(|e| fail(e.to_string()))?;
    let row_label = &map.row_label;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("time (s)")
        .y_desc(map.y_label.as_str())
        .y_label_formatter(&|y| row_label((*y as usize).min(n_rows - 1)))
        .label_style(("sans-serif", 14))
        .draw()
        .map_err(|e| fail(e.to_string()))?;

    // One rectangle per (row, pixel column): long spectrograms are max-pooled to the plot width
    // so a 5-minute song draws as fast as a 3-second slice and keeps its peaks visible.
    let plot_width = chart.plotting_area().dim_in_pixel().0.max(1) as usize;
    let cols = n_cols.min(plot_width);
    let cells = (0..n_rows).flat_map(|r| (0..cols).map(move |c| (r, c)));
    chart
        .draw_series(cells.map(|(r, c)| {
            let (c0, c1) = (c * n_cols / cols, ((c + 1) * n_cols / cols).max(c * n_cols / cols + 1));
            let v = (c0..c1).map(|t| map.data[[r, t]]).fold(f32::NEG_INFINITY, f32::max);
            let color = ViridisRGB.get_color_normalized(v, lo, hi);
            let x0 = c0 as f64 * map.seconds_per_frame;
            let x1 = c1 as f64 * map.seconds_per_frame;
            Rectangle::new([(x0, r as f64), (x1, r as f64 + 1.0)], color.filled())
        }))
        .map_err(|e| fail(e.to_string()))?;

    draw_colour_bar(&bar, lo, hi, &map.unit).map_err(|e| fail(e.to_string()))?;
    root.present().map_err(|e| fail(e.to_string()))?;
    Ok(())
}

fn draw_colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    lo: f32,
    hi: f32,
    unit: &str,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let mut bar = ChartBuilder::on(area)
        .margin_top(46)
        .margin_bottom(56)
        .margin_right(8)
        .y_label_area_size(56)
        .caption(unit, ("sans-serif", 14))
        .build_cartesian_2d(0.0..1.0, lo as f64..hi as f64)?;
    bar.configure_mesh().disable_mesh().disable_x_axis().label_style(("sans-serif", 12)).draw()?;
    let steps = 100;
    bar.draw_series((0..steps).map(|i| {
        let a = lo as f64 + (hi - lo) as f64 * i as f64 / steps as f64;
        let b = lo as f64 + (hi - lo) as f64 * (i + 1) as f64 / steps as f64;
        let color = ViridisRGB.get_color_normalized(a as f32, lo, hi);
        Rectangle::new([(0.0, a), (1.0, b)], color.filled())
    }))?;
    Ok(())
}

fn finite_range(data: &Array2<f32>) -> Option<(f32, f32)> {
    let (lo, hi) = data.iter().filter(|v| v.is_finite()).fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    if !lo.is_finite() {
        return None;
    }
    Some(if hi > lo { (lo, hi) } else { (lo - 1.0, lo + 1.0) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_a_png_and_rejects_empty_input() {
        let dir = tempfile::tempdir().unwrap();
        let data = Array2::from_shape_fn((16, 3000), |(r, c)| (r as f32 - (c % 50) as f32).sin());
        let map = Heatmap {
            data: &data,
            title: "test".into(),
            seconds_per_frame: 0.01,
            y_label: "band".into(),
            row_label: Box::new(|r| format!("{r}")),
            unit: "dB".into(),
        };
        let path = dir.path().join("x.png");
        heatmap_png(&map, &path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let empty = Array2::<f32>::zeros((0, 0));
        let map = Heatmap { data: &empty, ..map };
        assert!(heatmap_png(&map, &dir.path().join("y.png")).is_err());
    }
}
