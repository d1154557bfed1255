//! Classification pictures: a confusion matrix and a horizontal bar chart of probabilities.

use std::path::Path;

use plotters::prelude::*;
use plotters::style::colors::colormaps::ViridisRGB;

use plotters::coord::Shift;

use crate::canvas::{save, Chart};
use crate::{ensure_font, PlotError};

/// `confusion[true][predicted]` as a labelled grid with the count in every cell.
pub fn confusion_png(confusion: &[Vec<usize>], labels: &[String], title: &str, path: &Path) -> Result<(), PlotError> {
    ensure_font();
    let fail = |reason: String| PlotError { path: path.to_path_buf(), reason };
    let k = labels.len();
    if k == 0 || confusion.len() != k || confusion.iter().any(|r| r.len() != k) {
        return Err(fail(format!("confusion matrix must be {k} x {k}")));
    }
    let size = (160 + 70 * k as u32).max(480);
    let root = BitMapBackend::new(path, (size + 60, size)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(title, ("sans-serif", 20))
        .margin(10)
        .x_label_area_size(110)
        .y_label_area_size(130)
        .build_cartesian_2d(0..k, 0..k)
        .map_err(|e| fail(e.to_string()))?;
    let name = |i: &usize| labels.get(*i).cloned().unwrap_or_default();
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(k)
        .y_labels(k)
        .x_label_formatter(&name)
        .y_label_formatter(&|i| name(&(k - 1 - i.min(&(k - 1)))))
        .x_label_style(("sans-serif", 13).into_font().transform(FontTransform::Rotate90))
        .y_label_style(("sans-serif", 13))
        .x_desc("predicted")
        .y_desc("true")
        .draw()
        .map_err(|e| fail(e.to_string()))?;
    let row_max: Vec<usize> = confusion.iter().map(|r| r.iter().sum::<usize>().max(1)).collect();
    chart
        .draw_series((0..k).flat_map(|t| (0..k).map(move |p| (t, p))).map(|(t, p)| {
            let share = confusion[t][p] as f32 / row_max[t] as f32;
            let y = k - 1 - t;
            Rectangle::new([(p, y), (p + 1, y + 1)], ViridisRGB.get_color_normalized(share, 0.0, 1.0).filled())
        }))
        .map_err(|e| fail(e.to_string()))?;
    chart
        .draw_series((0..k).flat_map(|t| (0..k).map(move |p| (t, p))).map(|(t, p)| {
            let share = confusion[t][p] as f32 / row_max[t] as f32;
            let colour = if share > 0.6 { &BLACK } else { &WHITE };
            Text::new(confusion[t][p].to_string(), (p, k - t), ("sans-serif", 15).into_font().color(colour))
        }))
        .map_err(|e| fail(e.to_string()))?;
    root.present().map_err(|e| fail(e.to_string()))?;
    Ok(())
}

/// Labelled horizontal bars, e.g. a track's genre probabilities (values in 0..=1), the first item
/// at the top, as PNG or SVG (by `path`'s extension). The y axis is segmented, one segment per
/// bar (plotters' segmented ranges are inclusive: `0..n-1` is n segments), so each label sits at
/// the centre of its own bar (an integer axis labels the edges between bars: one label too
/// many, each one off).
pub fn bars(items: &[(String, f32)], title: &str, path: &Path) -> Result<(), PlotError> {
    if items.is_empty() {
        return Err(PlotError { path: path.to_path_buf(), reason: "nothing to draw".into() });
    }
    save(&Bars { items, title }, path)
}

struct Bars<'a> {
    items: &'a [(String, f32)],
    title: &'a str,
}

impl Chart for Bars<'_> {
    fn size(&self) -> (u32, u32) {
        (800, 120 + 36 * self.items.len() as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (items, n) = (self.items, self.items.len());
        let mut chart = ChartBuilder::on(root)
            .caption(self.title, ("sans-serif", 20))
            .margin(12)
            .x_label_area_size(36)
            .y_label_area_size(150)
            .build_cartesian_2d(0f32..1f32, (0..n - 1).into_segmented())
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(n)
            .y_label_formatter(&|v| bar_label(items, v))
            .x_desc("probability")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        chart
            .draw_series(items.iter().enumerate().map(|(i, (_, v))| {
                let row = bar_row(i, n);
                Rectangle::new(
                    [(0.0, SegmentValue::Exact(row)), (v.clamp(0.0, 1.0), SegmentValue::Exact(row + 1))],
                    ViridisRGB.get_color_normalized(*v, 0.0, 1.0).filled(),
                )
            }))
            .map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// The segment (counted from the bottom) that item `i` of `n` is drawn in: the first at the top.
fn bar_row(i: usize, n: usize) -> usize {
    n - 1 - i
}

/// The y-axis label at `v`: the name of the bar whose segment it is the centre of, nothing
/// elsewhere.
fn bar_label(items: &[(String, f32)], v: &SegmentValue<usize>) -> String {
    match v {
        SegmentValue::CenterOf(row) if *row < items.len() => items[bar_row(*row, items.len())].0.clone(),
        _ => String::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn draws_confusion_and_bars() {
        let dir = tempfile::tempdir().unwrap();
        let labels: Vec<String> = ["blues", "jazz", "rock"].iter().map(|s| s.to_string()).collect();
        let m = vec![vec![5, 1, 0], vec![0, 4, 2], vec![1, 0, 6]];
        confusion_png(&m, &labels, "test", &dir.path().join("c.png")).unwrap();
        assert!(confusion_png(&m[..2], &labels, "bad", &dir.path().join("d.png")).is_err());
        let items = vec![("rock".to_string(), 0.7), ("jazz".to_string(), 0.2), ("blues".to_string(), 0.1)];
        bars(&items, "test", &dir.path().join("b.png")).unwrap();
        bars(&items, "test", &dir.path().join("b.svg")).unwrap();
        for f in ["c.png", "b.png"] {
            assert_eq!(&std::fs::read(dir.path().join(f)).unwrap()[1..4], b"PNG");
        }
        let svg = std::fs::read_to_string(dir.path().join("b.svg")).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains(r#"width="800""#), "{svg:.200}");
        // In the drawing itself: each name once, top to bottom in the items' order, each at the
        // middle of a bar whose length is its value.
        let texts = svg_texts(&svg);
        let mut names: Vec<(f32, &str)> = texts.iter().filter(|(_, t)| items.iter().any(|(n, _)| n == t)).map(|(y, t)| (*y, t.as_str())).collect();
        names.sort_by(|a, b| a.0.total_cmp(&b.0));
        assert_eq!(names.iter().map(|n| n.1).collect::<Vec<_>>(), ["rock", "jazz", "blues"], "top to bottom, once each");
        let bars = svg_rects(&svg);
        for ((y, _), (_, value)) in names.iter().zip(&items) {
            let bar = bars.iter().find(|r| r.1 < *y && *y < r.1 + r.3).expect("a bar behind each label");
            let full = bars.iter().map(|r| r.2).fold(0f32, f32::max) / 0.7;
            assert!((bar.2 / full - value).abs() < 0.02, "bar at label {y} is {} long", bar.2 / full);
        }
        let png = image_size(&dir.path().join("b.png"));
        assert_eq!(png, (800, 120 + 36 * 3));
    }

    /// `(y, text)` of every `<text>` element of an SVG written by plotters.
    pub(crate) fn svg_texts(svg: &str) -> Vec<(f32, String)> {
        svg.split("<text ").skip(1).map(|t| (attr(t, "y"), t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()].trim().to_string())).collect()
    }

    /// `(x, y, width, height)` of every filled `<rect>` but the background.
    fn svg_rects(svg: &str) -> Vec<(f32, f32, f32, f32)> {
        svg.split("<rect ").skip(2).map(|r| (attr(r, "x"), attr(r, "y"), attr(r, "width"), attr(r, "height"))).collect()
    }

    fn attr(element: &str, name: &str) -> f32 {
        let start = element.find(&format!(" {name}=\"")).map(|i| i + 1).or_else(|| element.starts_with(&format!("{name}=\"")).then_some(0)).unwrap();
        let rest = &element[start + name.len() + 2..];
        rest[..rest.find('"').unwrap()].parse().unwrap()
    }

    /// Width and height from a PNG's header.
    pub(crate) fn image_size(path: &Path) -> (u32, u32) {
        let bytes = std::fs::read(path).unwrap();
        assert_eq!(&bytes[1..4], b"PNG");
        let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
        (be(16), be(20))
    }

    /// Each bar's label is drawn at the centre of that bar's own segment, once; edges get none.
    #[test]
    fn bar_labels_sit_on_their_own_bars() {
        let items: Vec<(String, f32)> = ["rock", "pop", "jazz", "blues", "metal", "folk", "soul", "punk"].iter().map(|g| (g.to_string(), 0.1)).collect();
        let n = items.len();
        for (i, (name, _)) in items.iter().enumerate() {
            assert_eq!(&bar_label(&items, &SegmentValue::CenterOf(bar_row(i, n))), name);
        }
        assert_eq!(bar_row(0, n), n - 1, "the first item is the top bar");
        let labels: Vec<String> = (0..=n).map(|e| bar_label(&items, &SegmentValue::Exact(e))).collect();
        assert!(labels.iter().all(String::is_empty), "no label on the edges between bars");
        let centred: std::collections::HashSet<String> = (0..n).map(|r| bar_label(&items, &SegmentValue::CenterOf(r))).collect();
        assert_eq!(centred.len(), n, "every name exactly once");
        assert_eq!(bar_label(&items, &SegmentValue::CenterOf(n)), "", "no ninth label for eight bars");
    }
}
