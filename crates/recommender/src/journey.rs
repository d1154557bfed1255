//! A journey from one song (or genre/tag) to another: `n` library tracks that start next to the
//! first anchor, arrive next to the last and move through the space in even steps, passing any
//! waypoints in order.
//!
//! The rule:
//! - The anchors' targets ([`Target`]) are joined by straight segments. Each waypoint gets the
//!   step whose share of the path is nearest its share of the total length (so long legs get
//!   more steps), and the steps of a leg are evenly spaced targets between its two ends. The
//!   first step's target is the start itself, the last step's the end.
//! - A waypoint that is a library track *is* its step; endpoints are not in the path (they are
//!   the songs before and after it), nor are their exact copies.
//! - Every other step is the best unused track among the `candidates` nearest its target,
//!   scored like a playlist (distance to the target mixed with DTW, see [`crate::rerank`]), the
//!   DTW measured from the track before it so consecutive tracks sound alike. The first and
//!   last steps are chosen before the middle ones (the first against the start's sound, the
//!   last against the end's), so the tracks nearest the endpoints are not used up on the way.
//! - [`crate::playlist::Variety`]'s limits and exclusions apply as in playlists; a shuffle does not (a path has
//!   one best track per step).

use std::collections::HashSet;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use crate::cohesion::{cohesion_with, Cohesion};
use crate::error::RecommenderError;
use crate::explain::explain;
use crate::library::{GenreVectors, Library, Space, TrackRow};
use crate::playlist::{Entry, PlaylistOptions, Query, QueryInfo, Rerank, TagLimits, Timings};
use crate::rerank::{per_step_dtw, rerank, RerankParams};
use crate::search::{euclidean, nearest_by, Filter};
use crate::sequence::MfccSequence;
use crate::target::{genre_target, steer, Target};

/// Candidates reranked per step when the caller has no preference: a path reranks once per
/// step, so fewer than a playlist's 50 keep a 12-step path within ~100 ms on 100k tracks.
pub const DEFAULT_CANDIDATES: usize = 10;

/// Where a journey starts, passes or ends.
pub enum Anchor {
    Song(Box<Query>),
    /// A genre/tag of the model, as [`genre_target`] places it.
    Genre(String),
}

/// An anchor as the journey reports it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum AnchorInfo {
    Song(QueryInfo),
    Genre { genre: String },
}

/// What a step aimed at.
#[derive(Debug, Clone, Serialize)]
pub struct StepTarget {
    /// The leg it is on: between anchors `leg` and `leg + 1`.
    pub leg: usize,
    /// How far along that leg, 0..=1.
    pub fraction: f64,
    /// The target point in the searched space.
    pub point: Vec<f32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// The track; its `distance` is to this step's target, its `dtw_distance` from the track
    /// before it (from the start song for the first step), its explanation against the
    /// target's genre vector.
    #[serde(flatten)]
    pub entry: Entry,
    pub target: StepTarget,
    /// Euclidean distance from the track to the last anchor.
    pub distance_to_end: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Journey {
    pub anchors: Vec<AnchorInfo>,
    pub steps: Vec<Step>,
    pub cohesion: Cohesion,
    pub space: Space,
    pub rerank: Rerank,
    pub timings: Timings,
}

/// A track chosen for a step.
struct Chosen {
    row: TrackRow,
    distance: f64,
    score: f64,
    /// Its MFCC sequence and per-step DTW from the sound it was chosen against, when the DTW
    /// rerank chose it (the reported DTWs reuse them instead of loading and computing again).
    sequence: Option<MfccSequence>,
    dtw: Option<f64>,
}

/// The journey through `anchors` (at least two), `opts.n` steps long, searching `vectors` (the
/// library's points in `opts.space`).
pub fn make_path(lib: &Library, vectors: &GenreVectors, anchors: &[Anchor], opts: &PlaylistOptions) -> Result<Journey, RecommenderError> {
    check(anchors, opts)?;
    if vectors.ids.is_empty() {
        return Err(RecommenderError::EmptyLibrary { path: lib.path().to_path_buf() });
    }
    let analysis_seconds: f64 = anchors.iter().map(|a| if let Anchor::Song(q) = a { q.analysis_seconds } else { 0.0 }).sum();
    let mut timings = Timings { query_analysis_ms: analysis_seconds * 1e3, ..Default::default() };
    let anchor_targets = anchors.iter().map(|a| anchor_target(lib, vectors, a, opts.space)).collect::<Result<Vec<_>, _>>()?;
    let anchor_targets = steer(lib, vectors, opts.space, opts.toward.as_ref(), anchor_targets)?;
    let n = opts.n;
    let positions = anchor_steps(&anchor_targets, n);
    let targets = step_targets(&anchor_targets, &positions, n);

    let t = Instant::now();
    let legs = LegDistances::new(vectors, &anchor_targets);
    timings.search_ms += t.elapsed().as_secs_f64() * 1e3;
    let mut picker = Picker::new(lib, vectors, &legs, anchors, opts);
    let mut chosen: Vec<Option<Chosen>> = (0..n).map(|_| None).collect();
    for (a, &step) in anchors.iter().zip(&positions).skip(1).take(anchors.len() - 2) {
        if let Anchor::Song(q) = a {
            if let Some(id) = q.id {
                chosen[step] = Some(picker.pin(id)?);
            }
        }
    }
    let last = n - 1;
    let mut order = vec![0, last];
    order.extend(1..last);
    for step in order {
        if chosen[step].is_some() {
            continue;
        }
        // The sound to move on from: the track before, or the endpoint for the first and last.
        let previous = match step {
            0 => anchor_sequence(&anchors[0]).cloned(),
            s if s == last => anchor_sequence(&anchors[anchors.len() - 1]).cloned(),
            s => Some(sequence_of(lib, chosen[s - 1].as_ref().expect("steps before are chosen first"))?),
        };
        let ((leg, fraction), target) = &targets[step];
        chosen[step] = Some(picker.best(*leg, *fraction, &target.point, previous.as_ref(), &mut timings)?);
    }

    let chosen: Vec<Chosen> = chosen.into_iter().map(|c| c.expect("every step is chosen")).collect();
    let t = Instant::now();
    let end = &anchor_targets[anchor_targets.len() - 1].point;
    let mut steps = Vec::with_capacity(n);
    let mut genre_vectors = Vec::with_capacity(n);
    let mut before = anchor_sequence(&anchors[0]).cloned();
    for (i, (c, ((leg, fraction), target))) in chosen.iter().zip(targets).enumerate() {
        let sequence = sequence_of(lib, c)?;
        // The DTW the selection measured is from this same track before, except for the last
        // step (chosen against the end song) and waypoints (not chosen by DTW).
        let dtw = match (c.dtw, &before) {
            (Some(d), _) if i != last => Some(d),
            (_, Some(b)) => per_step_dtw(b, &sequence, opts.band, None),
            _ => None,
        };
        let genre_vector = lib.vector(c.row.id)?;
        let mut entry = Entry::from_row(&c.row, 0, c.distance, dtw, c.score);
        entry.rank = i + 1;
        entry.explanation = Some(explain(&lib.meta().model.genres, &target.genres, &genre_vector));
        let distance_to_end = euclidean(vectors.row(c.row.id).unwrap_or_default(), end);
        steps.push(Step { entry, target: StepTarget { leg, fraction, point: target.point }, distance_to_end });
        genre_vectors.push(genre_vector);
        before = Some(sequence);
    }
    timings.rerank_ms += t.elapsed().as_secs_f64() * 1e3;
    let entries: Vec<Entry> = steps.iter().map(|s| s.entry.clone()).collect();
    let neighbour_dtws = entries.iter().skip(1).filter_map(|e| e.dtw_distance).collect();
    Ok(Journey {
        anchors: anchors.iter().map(info).collect(),
        cohesion: cohesion_with(&entries, &genre_vectors, neighbour_dtws),
        steps,
        space: opts.space,
        rerank: opts.rerank,
        timings,
    })
}

/// A song anchor's MFCC sequence (a genre has none).
fn anchor_sequence(anchor: &Anchor) -> Option<&MfccSequence> {
    match anchor {
        Anchor::Song(q) => Some(&q.sequence),
        Anchor::Genre(_) => None,
    }
}

/// A chosen track's sequence: kept from its selection, or read from the library.
fn sequence_of(lib: &Library, c: &Chosen) -> Result<MfccSequence, RecommenderError> {
    match &c.sequence {
        Some(s) => Ok(s.clone()),
        None => lib.sequence(c.row.id),
    }
}

/// The options a path cannot honour, and too few steps for the anchors.
fn check(anchors: &[Anchor], opts: &PlaylistOptions) -> Result<(), RecommenderError> {
    let refuse = |what: &str| Err(RecommenderError::Request(format!("{what} does not apply to a path (one best track per step)")));
    if anchors.len() < 2 {
        return Err(RecommenderError::Request("a path needs a start and an end".into()));
    }
    if opts.within_genre {
        return refuse("--within-genre");
    }
    if opts.variety.shuffle_among.is_some() {
        return refuse("--shuffle");
    }
    if opts.n < anchors.len() {
        return Err(RecommenderError::Request(format!("a path through {} anchors needs at least {} steps, not {}", anchors.len(), anchors.len(), opts.n)));
    }
    Ok(())
}

/// An anchor's target in `space`.
fn anchor_target(lib: &Library, vectors: &GenreVectors, anchor: &Anchor, space: Space) -> Result<Target, RecommenderError> {
    match anchor {
        Anchor::Song(q) => q.target(space, lib, vectors.dims),
        Anchor::Genre(g) => genre_target(lib, vectors, space, g),
    }
}

fn info(anchor: &Anchor) -> AnchorInfo {
    match anchor {
        Anchor::Song(q) => AnchorInfo::Song(q.info.clone()),
        Anchor::Genre(g) => AnchorInfo::Genre { genre: g.clone() },
    }
}

/// The step each anchor falls on: the first on 0, the last on `n - 1`, each waypoint at its
/// share of the path's length, strictly increasing (the ends of a leg of length zero, or of
/// many short legs, are pushed one step apart).
fn anchor_steps(anchors: &[Target], n: usize) -> Vec<usize> {
    let legs: Vec<f64> = anchors.windows(2).map(|w| euclidean(&w[0].point, &w[1].point)).collect();
    let total: f64 = legs.iter().sum();
    let m = anchors.len() - 1;
    let mut positions = vec![0];
    let mut travelled = 0.0;
    for (j, leg) in legs.iter().enumerate().take(m - 1) {
        travelled += leg;
        let share = if total > 0.0 { travelled / total } else { (j + 1) as f64 / m as f64 };
        let earliest = positions[j] + 1;
        let latest = n - 1 - (m - j - 1);
        positions.push(((share * (n - 1) as f64).round() as usize).clamp(earliest, latest));
    }
    positions.push(n - 1);
    positions
}

/// Every step's target and where it lies (leg, fraction of the leg).
fn step_targets(anchors: &[Target], positions: &[usize], n: usize) -> Vec<((usize, f64), Target)> {
    (0..n)
        .map(|step| {
            let leg = positions.windows(2).position(|w| step <= w[1]).unwrap_or(0);
            let (from, to) = (positions[leg], positions[leg + 1]);
            let fraction = if to > from { (step - from) as f64 / (to - from) as f64 } else { 0.0 };
            ((leg, fraction), anchors[leg].lerp(&anchors[leg + 1], fraction as f32))
        })
        .collect()
}

/// Chooses tracks step by step, never one twice (nor a copy of one), within the limits.
struct Picker<'a> {
    lib: &'a Library,
    vectors: &'a GenreVectors,
    legs: &'a LegDistances,
    opts: &'a PlaylistOptions,
    /// Endpoints, their copies, waypoint songs, `opts.exclude` and the tracks already chosen.
    filter: Filter,
    used_content: HashSet<String>,
    limits: TagLimits,
}

impl<'a> Picker<'a> {
    fn new(lib: &'a Library, vectors: &'a GenreVectors, legs: &'a LegDistances, anchors: &[Anchor], opts: &'a PlaylistOptions) -> Self {
        let mut exclude: HashSet<i64> = opts.exclude.clone();
        for a in anchors {
            if let Anchor::Song(q) = a {
                exclude.extend(&q.exclude);
            }
        }
        Self { lib, vectors, legs, opts, filter: Filter { exclude, only: None }, used_content: HashSet::new(), limits: TagLimits::default() }
    }

    /// A waypoint song: its own step, counted against the limits like any other.
    fn pin(&mut self, id: i64) -> Result<Chosen, RecommenderError> {
        let row = self.lib.track(id)?.ok_or_else(|| RecommenderError::Request(format!("track {id} is no longer in the library")))?;
        self.take(&row);
        Ok(Chosen { row, distance: 0.0, score: 0.0, sequence: None, dtw: None })
    }

    /// The best eligible track near `target` (`fraction` of the way along leg `leg`), by
    /// distance and DTW from `previous`.
    fn best(&mut self, leg: usize, fraction: f64, target: &[f32], previous: Option<&MfccSequence>, timings: &mut Timings) -> Result<Chosen, RecommenderError> {
        let mut k = match (self.opts.rerank, previous) {
            (Rerank::Dtw, Some(_)) => self.opts.candidates.max(1),
            _ => 1,
        };
        let target_norm = dot(target, target);
        loop {
            let t = Instant::now();
            let mut neighbours = nearest_by(&self.vectors.ids, k, &self.filter, |row| self.legs.squared(row, leg, fraction as f32, target_norm));
            // Exact distances for the few kept (the expansion above loses a little precision).
            for c in &mut neighbours {
                c.distance = self.vectors.row(c.id).map_or(c.distance, |p| euclidean(p, target) as f32);
            }
            let rows: Vec<TrackRow> = self.lib.tracks(&neighbours.iter().map(|c| c.id).collect::<Vec<_>>())?;
            let eligible: Vec<(f32, TrackRow)> = neighbours.iter().zip(rows).filter(|(_, r)| self.admits(r)).map(|(c, r)| (c.distance, r)).collect();
            timings.search_ms += t.elapsed().as_secs_f64() * 1e3;
            if !eligible.is_empty() {
                let t = Instant::now();
                let chosen = self.score(eligible, previous)?;
                timings.rerank_ms += t.elapsed().as_secs_f64() * 1e3;
                self.take(&chosen.row);
                return Ok(chosen);
            }
            if neighbours.len() < k {
                return Err(RecommenderError::Request(format!(
                    "the library has too few tracks left for a path of {} steps under these limits and exclusions",
                    self.opts.n
                )));
            }
            k *= 4;
        }
    }

    /// The first of `eligible` (nearest first) by distance alone, or by the rerank score.
    fn score(&self, mut eligible: Vec<(f32, TrackRow)>, previous: Option<&MfccSequence>) -> Result<Chosen, RecommenderError> {
        let Some(previous) = previous.filter(|_| self.opts.rerank == Rerank::Dtw && eligible.len() > 1) else {
            let (distance, row) = eligible.swap_remove(0);
            return Ok(Chosen { row, distance: distance as f64, score: distance as f64, sequence: None, dtw: None });
        };
        let mut sequences = self.lib.sequences(&eligible.iter().map(|(_, r)| r.id).collect::<Vec<_>>())?;
        let candidates: Vec<(f32, &MfccSequence)> = eligible.iter().map(|(d, _)| *d).zip(&sequences).collect();
        let params = RerankParams { dtw_weight: self.opts.dtw_weight, band: self.opts.band, keep: Some(1) };
        let best = rerank(previous, &candidates, &params)[0];
        let (distance, row) = eligible.swap_remove(best.index);
        let sequence = sequences.swap_remove(best.index);
        Ok(Chosen { row, distance: distance as f64, score: best.score, sequence: Some(sequence), dtw: Some(best.dtw) })
    }

    /// Not used yet (nor its content), and within the genre, duration and per-artist/album
    /// limits counting the tracks chosen so far.
    fn admits(&self, row: &TrackRow) -> bool {
        let v = &self.opts.variety;
        !self.used_content.contains(&row.hash) && v.admits_row(row) && self.limits.admits(v, row.info.artist.as_deref(), row.info.album.as_deref())
    }

    fn take(&mut self, row: &TrackRow) {
        self.filter.exclude.insert(row.id);
        self.used_content.insert(row.hash.clone());
        self.limits.count(row.info.artist.as_deref(), row.info.album.as_deref());
    }
}

/// Squared distances from every track to any point on the legs without scanning every point per
/// step: a step's target is `t = (1-f)·a + f·b` for the anchors `a`, `b` of its leg, so
/// `|x - t|² = |x|² - 2((1-f)<x,a> + f<x,b>) + |t|²`. The norms and the dot products with each
/// anchor are computed once, in parallel; a step then costs a few operations per track instead
/// of one pass over all of its dimensions (200 for musicnn's embedding).
struct LegDistances {
    norms: Vec<f32>,
    /// `dots[anchor][row]`.
    dots: Vec<Vec<f32>>,
}

impl LegDistances {
    fn new(vectors: &GenreVectors, anchors: &[Target]) -> Self {
        let dims = vectors.dims;
        let rows = || vectors.data.par_chunks_exact(dims.max(1));
        Self { norms: rows().map(|x| dot(x, x)).collect(), dots: anchors.iter().map(|a| rows().map(|x| dot(x, &a.point)).collect()).collect() }
    }

    fn squared(&self, row: usize, leg: usize, fraction: f32, target_norm: f32) -> f32 {
        let cross = (1.0 - fraction) * self.dots[leg][row] + fraction * self.dots[leg + 1][row];
        self.norms[row] - 2.0 * cross + target_norm
    }
}

/// A dot product in eight independent lanes, which the compiler turns into SIMD (a single running
/// sum would be one long chain of dependent additions).
fn dot(a: &[f32], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    let (ca, cb) = (a.chunks_exact(8), b.chunks_exact(8));
    let tail: f32 = ca.remainder().iter().zip(cb.remainder()).map(|(x, y)| x * y).sum();
    for (x, y) in ca.zip(cb) {
        for i in 0..8 {
            lanes[i] += x[i] * y[i];
        }
    }
    lanes.iter().sum::<f32>() + tail
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(x: f32) -> Target {
        Target { point: vec![x, 0.0], genres: vec![0.5, 0.5] }
    }

    #[test]
    fn waypoints_fall_on_steps_by_length_and_targets_are_even() {
        // Legs of length 1 and 3: the waypoint at a quarter of 9 steps -> step 2 (of 0..=8).
        let anchors = [at(0.0), at(1.0), at(4.0)];
        let positions = anchor_steps(&anchors, 9);
        assert_eq!(positions, vec![0, 2, 8]);
        let targets = step_targets(&anchors, &positions, 9);
        let xs: Vec<f32> = targets.iter().map(|(_, t)| t.point[0]).collect();
        assert_eq!(xs, vec![0.0, 0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0]);
        assert_eq!(targets[2].0, (0, 1.0));
        assert_eq!(targets[3].0, (1, 1.0 / 6.0));
        // Anchors on top of each other still get distinct steps, in order.
        assert_eq!(anchor_steps(&[at(0.0), at(0.0), at(0.0), at(0.0)], 4), vec![0, 1, 2, 3]);
        assert_eq!(anchor_steps(&[at(0.0), at(10.0), at(10.0), at(10.0)], 5), vec![0, 2, 3, 4]);
        assert_eq!(anchor_steps(&[at(0.0), at(5.0)], 12), vec![0, 11]);
    }
}
