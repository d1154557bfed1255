//! What a request can fail with, and the HTTP status each failure is answered with. Pages show
//! the message on an error page, the API as `{"error": "..."}`; the message is one line that
//! names what was wrong, never a panic or a server path the client did not give.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use genrespace_recommender::RecommenderError;

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// An unknown track, upload or route; a path the server does not serve.
    #[error("{0}")]
    NotFound(String),
    /// Parameters that make no request (unknown genre, bad number, ...).
    #[error("{0}")]
    BadRequest(String),
    /// An upload larger than `--max-upload`.
    #[error("the upload is larger than the limit of {limit} bytes")]
    TooLarge { limit: u64 },
    /// An upload that is not audio the decoder can read: the decoder's reason.
    #[error("{name}: {reason}")]
    NotAudio { name: String, reason: String },
    /// Every analysis slot and queue place is taken.
    #[error("the server is busy analysing other uploads; try again in {retry_after_s} s")]
    Busy { retry_after_s: u64 },
    /// The library or the server itself failed.
    #[error(transparent)]
    Library(RecommenderError),
    #[error("{context}")]
    Io {
        context: &'static str,
        #[source]
        source: std::io::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServerError {
    pub fn status(&self) -> StatusCode {
        match self {
            ServerError::NotFound(_) => StatusCode::NOT_FOUND,
            ServerError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ServerError::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            ServerError::NotAudio { .. } => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ServerError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            ServerError::Library(_) | ServerError::Io { .. } | ServerError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The message a client sees: this error and its causes on one line.
    pub fn message(&self) -> String {
        genrespace_audio::error_chain(self)
    }

    /// The `Retry-After` header a busy answer carries.
    fn retry_after(&self) -> Option<HeaderValue> {
        match self {
            ServerError::Busy { retry_after_s } => HeaderValue::from_str(&retry_after_s.to_string()).ok(),
            _ => None,
        }
    }

    /// The response with `body` (the page or the JSON) and this error's status and headers.
    pub fn respond(&self, body: impl IntoResponse) -> Response {
        let mut response = (self.status(), body).into_response();
        if let Some(v) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, v);
        }
        response
    }
}

/// Library errors a request caused (a genre the model does not have, a bad setting) are the
/// client's; the others (database, model) the server's.
impl From<RecommenderError> for ServerError {
    fn from(source: RecommenderError) -> Self {
        match source {
            RecommenderError::UnknownGenre { .. } | RecommenderError::Request(_) => ServerError::BadRequest(source.to_string()),
            source => ServerError::Library(source),
        }
    }
}

/// An API error: `{"error": message}` with the error's status.
pub struct ApiError(pub ServerError);

impl From<ServerError> for ApiError {
    fn from(e: ServerError) -> Self {
        ApiError(e)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.0.respond(axum::Json(serde_json::json!({ "error": self.0.message(), "status": self.0.status().as_u16() })))
    }
}
