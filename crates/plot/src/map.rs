//! A library as a map: every track a dot at its 2-D projection, coloured by its top genre, with
//! a query and its playlist highlighted as a numbered route in rank order.

use std::collections::HashMap;
use std::path::Path;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::canvas::{save, Chart};
use crate::pie::category_colour;
use crate::PlotError;

/// Genres coloured on their own; the rest share grey ("other"), so the legend stays readable
/// with a 50-tag model.
const COLOURED_GROUPS: usize = 12;

/// A track on the map; `group` indexes [`MapView::groups`].
#[derive(Debug, Clone, Copy)]
pub struct MapPoint {
    pub x: f32,
    pub y: f32,
    pub group: usize,
}

/// A labelled place on the route.
#[derive(Debug, Clone)]
pub struct Stop {
    pub x: f32,
    pub y: f32,
    pub label: String,
}

pub struct MapView<'a> {
    pub points: &'a [MapPoint],
    /// Group names (the model's genres/tags).
    pub groups: &'a [String],
    /// The query and its playlist in rank order.
    pub route: Option<(Stop, Vec<Stop>)>,
    pub title: String,
    pub x_label: String,
    pub y_label: String,
}

/// Draw `view` into `path` (PNG, or SVG for `.svg`).
pub fn map(view: &MapView, path: &Path) -> Result<(), PlotError> {
    if view.points.is_empty() {
        return Err(PlotError { path: path.to_path_buf(), reason: "nothing to draw: the library is empty".into() });
    }
    save(view, path)
}

/// The colour slot of each group: the most populous `COLOURED_GROUPS` get one (most populous
/// first), the others `None`. Returns the slots and the coloured groups in legend order.
fn colour_slots(points: &[MapPoint], groups: usize) -> (Vec<Option<usize>>, Vec<usize>) {
    let mut counts: HashMap<usize, usize> = HashMap::new();
    points.iter().for_each(|p| *counts.entry(p.group).or_default() += 1);
    let mut present: Vec<(usize, usize)> = counts.into_iter().collect();
    present.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    let legend: Vec<usize> = present.iter().take(COLOURED_GROUPS).map(|&(g, _)| g).collect();
    let mut slots = vec![None; groups.max(legend.iter().max().map_or(0, |m| m + 1))];
    legend.iter().enumerate().for_each(|(slot, &g)| slots[g] = Some(slot));
    (slots, legend)
}

/// Bounds of every point and stop, with a margin.
fn bounds(view: &MapView) -> ((f32, f32), (f32, f32)) {
    let stops = view.route.iter().flat_map(|(q, s)| std::iter::once(q).chain(s));
    let xy: Vec<(f32, f32)> = view.points.iter().map(|p| (p.x, p.y)).chain(stops.map(|s| (s.x, s.y))).collect();
    let range = |v: Vec<f32>| {
        let (lo, hi) = v.iter().fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &x| (lo.min(x), hi.max(x)));
        let pad = ((hi - lo) * 0.05).max(1e-3);
        (lo - pad, hi + pad)
    };
    (range(xy.iter().map(|p| p.0).collect()), range(xy.iter().map(|p| p.1).collect()))
}

impl Chart for MapView<'_> {
    fn size(&self) -> (u32, u32) {
        (1100, 800)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let err = |e: &dyn std::fmt::Display| e.to_string();
        let ((x0, x1), (y0, y1)) = bounds(self);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(|e| err(&e))?;
        chart
            .configure_mesh()
            .light_line_style(WHITE.mix(0.0))
            .x_desc(self.x_label.as_str())
            .y_desc(self.y_label.as_str())
            .label_style(("sans-serif", 13))
            .draw()
            .map_err(|e| err(&e))?;
        let (slots, legend) = colour_slots(self.points, self.groups.len());
        let colour = |slot: Option<usize>| slot.map_or(RGBColor(190, 190, 190), category_colour);
        // "other" first so the coloured genres are drawn on top of it.
        let others = self.points.iter().filter(|p| slots[p.group].is_none());
        chart.draw_series(others.map(|p| Circle::new((p.x, p.y), 3, colour(None).mix(0.6).filled()))).map_err(|e| err(&e))?;
        for (slot, &g) in legend.iter().enumerate() {
            let fill = colour(Some(slot));
            let members = self.points.iter().filter(move |p| p.group == g);
            chart
                .draw_series(members.map(move |p| Circle::new((p.x, p.y), 3, fill.mix(0.75).filled())))
                .map_err(|e| err(&e))?
                .label(self.groups.get(g).cloned().unwrap_or_default())
                .legend(move |(x, y)| Circle::new((x, y), 5, fill.filled()));
        }
        if let Some((query, stops)) = &self.route {
            let route: Vec<(f32, f32)> = std::iter::once(query).chain(stops).map(|s| (s.x, s.y)).collect();
            chart.draw_series(LineSeries::new(route, BLACK.stroke_width(2))).map_err(|e| err(&e))?;
            let label_style = ("sans-serif", 14).into_font().color(&BLACK);
            chart
                .draw_series(stops.iter().map(|s| {
                    EmptyElement::at((s.x, s.y))
                        + Circle::new((0, 0), 6, WHITE.filled())
                        + Circle::new((0, 0), 6, BLACK.stroke_width(2))
                        + Text::new(s.label.clone(), (8, -7), label_style.clone())
                }))
                .map_err(|e| err(&e))?;
            chart
                .draw_series(std::iter::once(
                    EmptyElement::at((query.x, query.y))
                        + Cross::new((0, 0), 9, RED.stroke_width(3))
                        + Text::new(query.label.clone(), (10, 4), ("sans-serif", 15).into_font().color(&RED)),
                ))
                .map_err(|e| err(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK.mix(0.4))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(|e| err(&e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_groups_get_colours_and_the_rest_grey() {
        let mut points = Vec::new();
        for g in 0..15 {
            for _ in 0..(20 - g) {
                points.push(MapPoint { x: g as f32, y: 0.0, group: g });
            }
        }
        let (slots, legend) = colour_slots(&points, 50);
        assert_eq!(legend, (0..12).collect::<Vec<_>>(), "most populous first");
        assert_eq!(slots[0], Some(0));
        assert_eq!(slots[12], None, "the 13th largest is grey");
        assert_eq!(slots[40], None, "absent groups too");
    }

    #[test]
    fn draws_a_map_with_a_route() {
        let dir = tempfile::tempdir().unwrap();
        let groups: Vec<String> = ["rock", "jazz"].iter().map(|g| g.to_string()).collect();
        let points: Vec<MapPoint> = (0..40).map(|i| MapPoint { x: (i % 7) as f32, y: (i / 7) as f32, group: i % 2 }).collect();
        let stop = |x, label: &str| Stop { x, y: 1.0, label: label.into() };
        let view = MapView {
            points: &points,
            groups: &groups,
            route: Some((stop(0.5, "query"), vec![stop(1.0, "1 first"), stop(2.0, "2 second")])),
            title: "library".into(),
            x_label: "PC1".into(),
            y_label: "PC2".into(),
        };
        map(&view, &dir.path().join("m.png")).unwrap();
        assert_eq!(crate::charts::tests::image_size(&dir.path().join("m.png")), (1100, 800));
        map(&view, &dir.path().join("m.svg")).unwrap();
        let svg = std::fs::read_to_string(dir.path().join("m.svg")).unwrap();
        let texts: Vec<String> = crate::charts::tests::svg_texts(&svg).into_iter().map(|t| t.1).collect();
        for text in ["1 first", "2 second", "query", "rock", "jazz", "PC1"] {
            assert!(texts.iter().any(|t| t == text), "{text} drawn: {texts:?}");
        }
        let empty = MapView { points: &[], route: None, ..view };
        assert!(map(&empty, &dir.path().join("e.png")).is_err());
    }
}
