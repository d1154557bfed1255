//! Receiving an upload (the page's form and `POST /api/analyze` alike): admitted before any of
//! the body is read, streamed into the upload folder with the size limit enforced as it
//! arrives, analysed in a slot, and the stored file deleted as soon as the analysis is done.

use std::sync::Arc;

use axum::extract::multipart::{Multipart, MultipartError, MultipartRejection};
use axum::http::StatusCode;
use tokio::io::AsyncWriteExt;

use crate::error::ServerError;
use crate::state::Shared;
use crate::uploads::Uploaded;

/// The form field that carries the song.
pub const FIELD: &str = "file";

pub async fn receive(state: &Shared, multipart: Result<Multipart, MultipartRejection>) -> Result<Arc<Uploaded>, ServerError> {
    let mut multipart = multipart.map_err(|e| ServerError::BadRequest(format!("not an upload form: {e}")))?;
    let _ticket = match state.uploads.admit() {
        Ok(ticket) => ticket,
        Err(busy) => {
            drain(&mut multipart).await;
            return Err(busy);
        }
    };
    let limit = state.uploads.limits.max_bytes;
    while let Some(mut field) = multipart.next_field().await.map_err(|e| form_error(e, limit))? {
        if field.name() != Some(FIELD) {
            continue;
        }
        let name = field.file_name().filter(|n| !n.is_empty()).unwrap_or("upload").to_string();
        let stored = state.uploads.new_file(&name)?;
        let copy = stored.as_file().try_clone().map_err(|source| ServerError::Io { context: "cannot store the upload", source })?;
        let mut out = tokio::fs::File::from_std(copy);
        let mut size = 0u64;
        while let Some(chunk) = field.chunk().await.map_err(|e| form_error(e, limit))? {
            size += chunk.len() as u64;
            if size > limit {
                return Err(ServerError::TooLarge { limit });
            }
            out.write_all(&chunk).await.map_err(|source| ServerError::Io { context: "cannot store the upload", source })?;
        }
        out.flush().await.map_err(|source| ServerError::Io { context: "cannot store the upload", source })?;
        let _slot = state.uploads.slot().await?;
        // `stored` moves into the task and is deleted when the analysis ends, whatever its result.
        return crate::state::read(state, move |state, lib| state.uploads.analyse(lib, stored.path(), &name)).await;
    }
    Err(ServerError::BadRequest(format!("the upload form has no `{FIELD}` field")))
}

/// Read a turned-away upload's body to its end without keeping any of it: a client that sends
/// the whole body before it reads the answer (most do) then gets the 503 instead of a broken
/// connection. The body limit still bounds what is read.
async fn drain(multipart: &mut Multipart) {
    while let Ok(Some(mut field)) = multipart.next_field().await {
        while let Ok(Some(_)) = field.chunk().await {}
    }
}

/// Whether the body limit cut the stream (axum reports a chunked body that passed it as a read
/// failure; the limit's own error is further down the chain).
fn over_limit(e: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(e);
    while let Some(c) = cause {
        if c.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = c.source();
    }
    false
}

/// A body that broke off or passed the size limit while it was read.
fn form_error(e: MultipartError, limit: u64) -> ServerError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE || over_limit(&e) {
        ServerError::TooLarge { limit }
    } else {
        ServerError::BadRequest(format!("unreadable upload: {}", e.body_text()))
    }
}
