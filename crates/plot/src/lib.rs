//! Pictures for genrespace, drawn with plotters: spectrogram heatmaps and confusion matrices
//! (PNG); probability bars, genre pies and library maps (PNG or SVG, by the file's extension).
//!
//! The font (DejaVu Sans) is compiled in, so plots look the same on every machine and need no
//! system font library.

mod canvas;
mod charts;
mod heatmap;
mod map;
mod pie;

pub use charts::{bars, confusion_png};
pub use heatmap::{heatmap_png, Heatmap};
pub use map::{map, MapPoint, MapView, Stop};
pub use pie::{pie, pie_svg};

use std::path::PathBuf;
use std::sync::Once;

/// A plot that could not be drawn or saved.
#[derive(Debug, thiserror::Error)]
#[error("cannot draw {path}: {reason}")]
pub struct PlotError {
    pub path: PathBuf,
    pub reason: String,
}

/// Register the embedded font with plotters once per process.
pub(crate) fn ensure_font() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        use plotters::style::FontStyle;
        plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
            .unwrap_or_else(|_| unreachable!("the embedded DejaVu font is valid"));
        plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold())
            .unwrap_or_else(|_| unreachable!("the embedded DejaVu font is valid"));
    });
}
