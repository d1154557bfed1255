//! A genre composition as a pie: the chart genre-space recommender articles show per song.

use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::canvas::{save, svg_text, Chart};
use crate::PlotError;

/// Slices smaller than this share of the pie get no label (they would overlap their neighbours).
const MIN_LABELLED_SHARE: f64 = 0.03;

/// `items` (name, probability) as a pie, PNG or SVG by `path`'s extension. When the items are part
/// of one distribution (`composition`: a softmax model's top genres) what they leave out is an
/// `other` slice; otherwise (a tagger's independent tag probabilities) each slice is its share of
/// the items' sum.
pub fn pie(items: &[(String, f32)], composition: bool, title: &str, path: &Path) -> Result<(), PlotError> {
    save(&chart(items, composition, title, path)?, path)
}

/// [`pie`] as SVG text, for a web page to inline.
pub fn pie_svg(items: &[(String, f32)], composition: bool, title: &str) -> Result<String, PlotError> {
    let name = Path::new("(genre pie)");
    svg_text(&chart(items, composition, title, name)?, "(genre pie)")
}

fn chart<'a>(items: &[(String, f32)], composition: bool, title: &'a str, path: &Path) -> Result<PieChart<'a>, PlotError> {
    let slices = slices(items, composition);
    if slices.is_empty() {
        return Err(PlotError { path: path.to_path_buf(), reason: "nothing to draw: no positive probability".into() });
    }
    Ok(PieChart { slices, title })
}

/// One slice: its label (empty when too small to label), its size and whether it is `other`.
#[derive(Debug, PartialEq)]
struct Slice {
    label: String,
    size: f64,
    other: bool,
}

fn slices(items: &[(String, f32)], composition: bool) -> Vec<Slice> {
    let mut sizes: Vec<(String, f64, bool)> = items.iter().filter(|(_, p)| *p > 0.0).map(|(g, p)| (g.clone(), *p as f64, false)).collect();
    let sum: f64 = sizes.iter().map(|s| s.1).sum();
    if composition && sum > 0.0 && sum < 0.999 {
        sizes.push(("other".into(), 1.0 - sum, true));
    }
    let total: f64 = sizes.iter().map(|s| s.1).sum();
    sizes
        .into_iter()
        .map(|(g, size, other)| {
            let share = size / total;
            let label = if share >= MIN_LABELLED_SHARE { format!("{g} {:.0}%", 100.0 * share) } else { String::new() };
            Slice { label, size, other }
        })
        .collect()
}

struct PieChart<'a> {
    slices: Vec<Slice>,
    title: &'a str,
}

impl Chart for PieChart<'_> {
    fn size(&self) -> (u32, u32) {
        (800, 640)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let area = root.titled(self.title, ("sans-serif", 20)).map_err(|e| e.to_string())?;
        let (w, h) = area.dim_in_pixel();
        let center = (w as i32 / 2, h as i32 / 2);
        let radius = (w.min(h) as f64) * 0.33;
        let sizes: Vec<f64> = self.slices.iter().map(|s| s.size).collect();
        let colours: Vec<RGBColor> = self.slices.iter().enumerate().map(|(i, s)| if s.other { RGBColor(200, 200, 200) } else { category_colour(i) }).collect();
        let labels: Vec<&str> = self.slices.iter().map(|s| s.label.as_str()).collect();
        let mut pie = Pie::new(&center, &radius, &sizes, &colours, &labels);
        pie.start_angle(-90.0);
        pie.label_style(("sans-serif", 16).into_font().color(&BLACK));
        pie.label_offset(12.0);
        area.draw(&pie).map_err(|e| e.to_string())
    }
}

/// The `i`th of a set of clearly distinct colours (plotters' 99-colour palette).
pub(crate) fn category_colour(i: usize) -> RGBColor {
    let (r, g, b) = Palette99::COLORS[i % Palette99::COLORS.len()];
    RGBColor(r, g, b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(values: &[(&str, f32)]) -> Vec<(String, f32)> {
        values.iter().map(|(g, p)| (g.to_string(), *p)).collect()
    }

    #[test]
    fn a_composition_gets_an_other_slice_and_small_slices_no_label() {
        let s = slices(&items(&[("rock", 0.6), ("jazz", 0.25), ("folk", 0.01), ("pop", 0.0)]), true);
        assert_eq!(s.len(), 4, "zero left out, other added");
        assert_eq!(s[0].label, "rock 60%");
        assert_eq!(s[2].label, "", "1% is too small to label");
        assert!(s[3].other && (s[3].size - 0.14).abs() < 1e-6 && s[3].label == "other 14%");
        // Tags: shares of their sum, no other.
        let t = slices(&items(&[("electronic", 0.3), ("ambient", 0.1)]), false);
        assert_eq!(t.iter().map(|s| s.label.as_str()).collect::<Vec<_>>(), ["electronic 75%", "ambient 25%"]);
    }

    #[test]
    fn draws_png_and_svg_of_the_right_size() {
        let dir = tempfile::tempdir().unwrap();
        let v = items(&[("rock", 0.6), ("jazz", 0.3)]);
        pie(&v, true, "a song", &dir.path().join("p.png")).unwrap();
        assert_eq!(crate::charts::tests::image_size(&dir.path().join("p.png")), (800, 640));
        pie(&v, true, "a song", &dir.path().join("p.svg")).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("p.svg")).unwrap();
        let texts: Vec<String> = crate::charts::tests::svg_texts(&svg).into_iter().map(|t| t.1).collect();
        assert!(svg.contains(r#"width="800""#) && texts.contains(&"rock 60%".to_string()) && texts.contains(&"other 10%".to_string()), "{texts:?}");
        assert!(pie(&items(&[("rock", 0.0)]), true, "none", &dir.path().join("n.png")).is_err());
    }
}
