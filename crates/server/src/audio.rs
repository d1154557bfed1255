//! `GET /audio/{id}`: a library track's file, by id only — the client never names a path, so
//! nothing outside the library can be reached. tower-http's `ServeFile` answers Range requests
//! (206 with `Content-Range`, 416 past the end), conditional requests and the `Content-Type`
//! of the file's extension, which is what lets the browser's `<audio>` seek.

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::api::track_id;
use crate::error::ServerError;
use crate::pages::PageError;
use crate::state::{read, Shared};

pub async fn stream(State(state): State<Shared>, Path(id): Path<String>, request: Request<Body>) -> Result<Response, PageError> {
    let track = track_id(&id)?;
    let file =
        read(&state, move |_, lib| Ok(lib.audio_file(track)?)).await?.ok_or_else(|| ServerError::NotFound(format!("no track {track} in the library")))?;
    if !file.is_file() {
        return Err(ServerError::NotFound(format!("track {track}'s file is gone from the library folder (re-index it)")).into());
    }
    let response = ServeFile::new(&file).oneshot(request).await.unwrap_or_else(|never| match never {});
    Ok(response.into_response())
}
