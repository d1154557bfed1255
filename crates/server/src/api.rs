//! The JSON API behind the pages. Playlists and journeys are the CLI's `--json` documents;
//! `format=m3u` gives them as M3U8 whose entries are this server's `/audio/{id}` URLs, so a
//! player on another machine can play them.

use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use genrespace_recommender::playlist::{to_m3u_with, Entry};
use genrespace_recommender::PlaylistRequest;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::error::{ApiError, ServerError};
use crate::params::parse;
use crate::receive::receive;
use crate::state::{read, Shared};
use crate::views::{self, MapParams, PathParams, SeedParams, TrackListParams};

/// `format=json|m3u` and `download=true` (served as an attachment).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Download {
    pub format: Format,
    pub download: bool,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    #[default]
    Json,
    M3u,
}

pub async fn library(State(state): State<Shared>) -> Result<Json<serde_json::Value>, ApiError> {
    let summary = read(&state, |_, lib| {
        let meta = lib.meta();
        Ok(json!({"tracks": lib.len()?, "generation": lib.generation()?, "model": meta.model.name, "genres": meta.model.genres, "path": lib.path()}))
    })
    .await?;
    Ok(Json(summary))
}

pub async fn tracks(State(state): State<Shared>, RawQuery(q): RawQuery) -> Result<Json<views::TrackList>, ApiError> {
    let p: TrackListParams = parse(q.as_deref())?;
    Ok(Json(read(&state, move |_, lib| views::track_list(lib, &p)).await?))
}

pub async fn track(State(state): State<Shared>, Path(id): Path<String>) -> Result<Json<views::TrackDetail>, ApiError> {
    let id = track_id(&id)?;
    Ok(Json(read(&state, move |state, lib| views::track_detail(state, lib, id)).await?))
}

pub async fn playlist(State(state): State<Shared>, headers: HeaderMap, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (seed, request, download): (SeedParams, PlaylistRequest, Download) = (parse(q.as_deref())?, parse(q.as_deref())?, parse(q.as_deref())?);
    let p = read(&state, move |state, lib| views::playlist(state, lib, &seed.seed()?, &request, seed.excluded()?)).await?;
    Ok(deliver(&p, &p.tracks, &download, "playlist", &headers))
}

pub async fn path(State(state): State<Shared>, headers: HeaderMap, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    let (ends, request, download): (PathParams, PlaylistRequest, Download) = (parse(q.as_deref())?, parse(q.as_deref())?, parse(q.as_deref())?);
    let journey = read(&state, move |state, lib| views::path(state, lib, &ends, &request)).await?;
    let entries: Vec<Entry> = journey.steps.iter().map(|s| s.entry.clone()).collect();
    Ok(deliver(&journey, &entries, &download, "path", &headers))
}

pub async fn map(State(state): State<Shared>, RawQuery(q): RawQuery) -> Result<Json<views::MapData>, ApiError> {
    let p: MapParams = parse(q.as_deref())?;
    Ok(Json(read(&state, move |state, lib| views::map(state, lib, &p)).await?))
}

/// What `POST /api/analyze` answers: the upload's name in later requests and its composition.
#[derive(Debug, Serialize)]
pub struct Analyzed {
    pub upload: String,
    pub name: String,
    pub top_genre: String,
    pub genres: serde_json::Value,
    pub analysis_ms: f64,
    /// The page of its playlist.
    pub playlist_url: String,
}

pub async fn analyze(
    State(state): State<Shared>,
    multipart: Result<axum::extract::Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Json<Analyzed>, ApiError> {
    let u = receive(&state, multipart).await?;
    let info = serde_json::to_value(&u.query.info).map_err(|e| ServerError::Internal(e.to_string()))?;
    Ok(Json(Analyzed {
        upload: u.hash.clone(),
        name: u.name.clone(),
        top_genre: u.query.info.top_genre.clone(),
        genres: info["genres"].clone(),
        analysis_ms: u.analysis_ms,
        playlist_url: format!("/playlist?upload={}", u.hash),
    }))
}

/// A track id from the URL; anything else names no track (404).
pub fn track_id(text: &str) -> Result<i64, ServerError> {
    text.parse().map_err(|_| ServerError::NotFound(format!("no track {text} in the library")))
}

/// `value` as JSON, or `entries` as an M3U8 of this server's audio URLs.
fn deliver(value: &impl Serialize, entries: &[Entry], d: &Download, name: &str, headers: &HeaderMap) -> Response {
    let (body, mime, ext) = match d.format {
        Format::Json => (serde_json::to_string_pretty(value).unwrap_or_default(), "application/json", "json"),
        Format::M3u => {
            let origin = origin(headers);
            (to_m3u_with(entries, |e| format!("{origin}/audio/{}", e.id)), "audio/x-mpegurl; charset=utf-8", "m3u8")
        }
    };
    let mut response = ([(header::CONTENT_TYPE, mime)], body).into_response();
    if d.download {
        let disposition = format!("attachment; filename=\"{name}.{ext}\"");
        if let Ok(v) = header::HeaderValue::from_str(&disposition) {
            response.headers_mut().insert(header::CONTENT_DISPOSITION, v);
        }
    }
    response
}

/// `http://host:port` as the client reached the server.
fn origin(headers: &HeaderMap) -> String {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
    format!("http://{host}")
}
