//! The page's script and style sheet, compiled into the program (no build step, works offline).

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::ServerError;
use crate::pages::PageError;

const FILES: &[(&str, &str, &str)] = &[
    ("app.js", "text/javascript; charset=utf-8", include_str!("../static/app.js")),
    ("style.css", "text/css; charset=utf-8", include_str!("../static/style.css")),
];

pub async fn asset(Path(name): Path<String>) -> Result<Response, PageError> {
    let (_, mime, text) = FILES.iter().find(|(n, _, _)| *n == name).ok_or_else(|| ServerError::NotFound(format!("no file {name}")))?;
    Ok(([(header::CONTENT_TYPE, *mime), (header::CACHE_CONTROL, "max-age=300")], *text).into_response())
}
