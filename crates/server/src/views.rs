//! What the pages and the JSON API show, computed once for both: a page of tracks, a track
//! with its neighbours, a playlist, a journey, the map. Each function runs on one library
//! snapshot (blocking: the caller runs it on a blocking task).

use std::collections::HashSet;

use genrespace_recommender::browse::{SortKey, TrackPage, TrackQuery};
use genrespace_recommender::journey::Journey;
use genrespace_recommender::library::TrackRow;
use genrespace_recommender::target::genre_index;
use genrespace_recommender::{make_path, make_playlist, Anchor, Library, Playlist, PlaylistRequest, Query, Space};
use serde::{Deserialize, Serialize};

use crate::error::ServerError;
use crate::state::AppState;

/// Tracks per page unless asked, and at most.
pub const PER_PAGE: usize = 50;
pub const MAX_PER_PAGE: usize = 500;

/// `?q=&sort=&order=&page=&per_page=`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct TrackListParams {
    pub q: String,
    pub sort: SortKey,
    pub order: Order,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
}

impl Default for TrackListParams {
    fn default() -> Self {
        Self { q: String::new(), sort: SortKey::Title, order: Order::Asc, page: 1, per_page: PER_PAGE }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    #[default]
    Asc,
    Desc,
}

/// A page of the library.
#[derive(Debug, Serialize)]
pub struct TrackList {
    #[serde(flatten)]
    pub page: TrackPage,
    pub page_number: usize,
    pub pages: usize,
    pub per_page: usize,
}

pub fn track_list(lib: &Library, p: &TrackListParams) -> Result<TrackList, ServerError> {
    let per_page = p.per_page.clamp(1, MAX_PER_PAGE);
    let page_number = p.page.max(1);
    let query = TrackQuery { text: p.q.clone(), sort: p.sort, descending: p.order == Order::Desc, offset: (page_number - 1) * per_page, limit: per_page };
    let page = lib.browse(&query)?;
    let pages = page.total.div_ceil(per_page).max(1);
    Ok(TrackList { page, page_number, pages, per_page })
}

/// A library track with its genre composition and nearest neighbours.
#[derive(Debug, Serialize)]
pub struct TrackDetail {
    pub track: TrackRow,
    /// Genre/tag probabilities, most likely first.
    pub genres: Vec<(String, f32)>,
    pub neighbours: Playlist,
}

pub fn track_detail(state: &AppState, lib: &Library, id: i64) -> Result<TrackDetail, ServerError> {
    let track = library_track(lib, id)?;
    let q = Query::from_track(lib, track.clone())?;
    let genres = q.info.genres.clone();
    let neighbours = playlist_of(state, lib, q, &PlaylistRequest::default(), HashSet::new())?;
    Ok(TrackDetail { track, genres, neighbours })
}

fn library_track(lib: &Library, id: i64) -> Result<TrackRow, ServerError> {
    lib.track(id)?.ok_or_else(|| ServerError::NotFound(format!("no track {id} in the library")))
}

/// A query: a library track or an upload.
#[derive(Debug, Clone, PartialEq)]
pub enum Seed {
    Track(i64),
    Upload(String),
}

/// `?track=ID` or `?upload=HASH`, and `?exclude=ID,ID,...`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SeedParams {
    pub track: Option<i64>,
    pub upload: Option<String>,
    /// Library tracks never to return (e.g. those already played), comma-separated ids.
    pub exclude: String,
}

impl SeedParams {
    pub fn seed(&self) -> Result<Seed, ServerError> {
        match (&self.track, &self.upload) {
            (Some(id), None) => Ok(Seed::Track(*id)),
            (None, Some(hash)) => Ok(Seed::Upload(hash.clone())),
            _ => Err(ServerError::BadRequest("give one query: `track=ID` (a library track) or `upload=HASH` (an uploaded song)".into())),
        }
    }

    pub fn excluded(&self) -> Result<HashSet<i64>, ServerError> {
        self.exclude
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| s.parse().map_err(|_| ServerError::BadRequest(format!("`{s}` in exclude is not a track id"))))
            .collect()
    }
}

/// The query `seed` stands for.
pub fn query(state: &AppState, lib: &Library, seed: &Seed) -> Result<Query, ServerError> {
    match seed {
        Seed::Track(id) => Ok(Query::from_track(lib, library_track(lib, *id)?)?),
        Seed::Upload(hash) => Ok(state.uploads.get(hash)?.query.clone()),
    }
}

/// The playlist of `seed` with the user's settings.
pub fn playlist(state: &AppState, lib: &Library, seed: &Seed, request: &PlaylistRequest, exclude: HashSet<i64>) -> Result<Playlist, ServerError> {
    playlist_of(state, lib, query(state, lib, seed)?, request, exclude)
}

/// The playlist of the resolved query `q`.
fn playlist_of(state: &AppState, lib: &Library, q: Query, request: &PlaylistRequest, exclude: HashSet<i64>) -> Result<Playlist, ServerError> {
    let opts = request.options(lib, exclude)?;
    let load = std::time::Instant::now();
    let points = state.libraries.points(lib, opts.space)?;
    let load_ms = load.elapsed().as_secs_f64() * 1e3;
    let mut p = make_playlist(lib, &points.vectors, std::slice::from_ref(&q), &opts)?;
    p.timings.load_ms = load_ms;
    Ok(p)
}

/// `?from=&to=&via=`: each a track id, `upload:HASH` or a genre/tag; `via` comma-separated.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PathParams {
    pub from: String,
    pub to: String,
    pub via: String,
}

/// The journey the user asked for.
pub fn path(state: &AppState, lib: &Library, p: &PathParams, request: &PlaylistRequest) -> Result<Journey, ServerError> {
    if p.from.trim().is_empty() || p.to.trim().is_empty() {
        return Err(ServerError::BadRequest("a path needs `from` and `to`: a track id, `upload:HASH` or a genre/tag".into()));
    }
    let opts = request.path_options(lib, HashSet::new())?;
    let mut names = vec![p.from.as_str()];
    names.extend(p.via.split(',').map(str::trim).filter(|s| !s.is_empty()));
    names.push(p.to.as_str());
    let anchors = names.into_iter().map(|name| anchor(state, lib, name)).collect::<Result<Vec<_>, _>>()?;
    let points = state.libraries.points(lib, opts.space)?;
    Ok(make_path(lib, &points.vectors, &anchors, &opts)?)
}

/// A path's end or waypoint: a track id, an upload or a genre/tag.
fn anchor(state: &AppState, lib: &Library, name: &str) -> Result<Anchor, ServerError> {
    let name = name.trim();
    let seed = if let Ok(id) = name.parse::<i64>() {
        Seed::Track(id)
    } else if let Some(hash) = name.strip_prefix("upload:") {
        Seed::Upload(hash.to_string())
    } else {
        return Ok(Anchor::Genre(genre_index(lib, name)?.1));
    };
    Ok(Anchor::Song(Box::new(query(state, lib, &seed)?)))
}

/// `?space=&track=|upload=`: the map, with a query and its playlist highlighted.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct MapParams {
    pub space: Space,
    pub track: Option<i64>,
    pub upload: Option<String>,
}

impl Default for MapParams {
    fn default() -> Self {
        Self { space: Space::Embedding, track: None, upload: None }
    }
}

/// The library in 2-D: each point `[id, x, y, group]` (group: index into `groups`).
#[derive(Debug, Serialize)]
pub struct MapData {
    pub space: Space,
    pub explained_variance: (f64, f64),
    pub groups: Vec<String>,
    pub points: Vec<(i64, f32, f32, usize)>,
    /// Where the query sits, when one was given.
    pub query: Option<(f32, f32)>,
    /// The query's playlist, in rank order.
    pub playlist: Vec<i64>,
}

pub fn map(state: &AppState, lib: &Library, p: &MapParams) -> Result<MapData, ServerError> {
    let (points, cached) = state.libraries.map(lib, p.space)?;
    let map = &cached.map;
    let mut data = MapData {
        space: p.space,
        explained_variance: map.projection.explained,
        groups: lib.meta().model.genres.clone(),
        points: map.projection.ids.iter().zip(&map.projection.xy).zip(&map.groups).map(|((&id, &(x, y)), &g)| (id, x, y, g)).collect(),
        query: None,
        playlist: Vec::new(),
    };
    let seed = match (&p.track, &p.upload) {
        (None, None) => return Ok(data),
        _ => SeedParams { track: p.track, upload: p.upload.clone(), exclude: String::new() }.seed()?,
    };
    let q = query(state, lib, &seed)?;
    data.query = Some(map.projection.place(&q.target(p.space, lib, points.vectors.dims)?.point));
    let request = PlaylistRequest { space: p.space, ..PlaylistRequest::default() };
    data.playlist =
        make_playlist(lib, &points.vectors, std::slice::from_ref(&q), &request.options(lib, HashSet::new())?)?.tracks.iter().map(|e| e.id).collect();
    Ok(data)
}
