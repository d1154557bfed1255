//! The genrespace web app (`genrespace serve`): browse and search a library, upload a song or
//! pick a track and get its genre composition and playlist, listen in the page, walk a journey
//! from one song or genre to another, and see the library as a map of its genre space.
//!
//! One binary, no front-end build: axum on tokio serves minijinja templates and a small
//! hand-written script compiled into the program. The JSON API under `/api/` serves the same
//! data as the pages (and the CLI's `--json`).
//!
//! Safe by default: it binds to 127.0.0.1, opens the library read-only (an index run may write
//! it meanwhile; every request reads one committed snapshot), streams only library tracks by
//! id, limits uploads in size and in number analysed at once, deletes them after analysis,
//! times requests out and turns a panic into a 500.

mod api;
mod assets;
mod audio;
pub mod error;
mod libraries;
mod pages;
mod params;
mod receive;
mod state;
pub mod uploads;
mod views;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::Router;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::timeout::TimeoutLayer;

pub use error::ServerError;
pub use uploads::{LoadAnalyzer, UploadLimits};

use genrespace_recommender::Location;
use libraries::Libraries;
use state::AppState;
use uploads::Uploads;

/// Room for a multipart form's own headers around the file it carries.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// How to serve.
pub struct ServeOptions {
    /// The library database (opened read-only).
    pub db: Location,
    pub addr: SocketAddr,
    pub limits: UploadLimits,
    /// Longest a request may take to answer (streams, once started, are not cut).
    pub timeout: Duration,
    /// The model uploads are analysed with (default: the one the library was indexed with).
    pub model: Option<PathBuf>,
    /// Loads that model.
    pub load_analyzer: LoadAnalyzer,
}

/// A server bound to its address, ready to run.
pub struct Server {
    listener: tokio::net::TcpListener,
    app: Router,
    state: Arc<AppState>,
}

impl Server {
    /// Open the library, load the model once (so that a wrong `--model` fails here, not at the
    /// first upload) and bind. Call inside a tokio runtime.
    pub async fn bind(opts: ServeOptions) -> Result<Self, ServerError> {
        let ServeOptions { db, limits, load_analyzer, model, .. } = opts;
        // On a blocking thread: the database clients block (PostgreSQL's runs a runtime of its own,
        // which cannot start on a thread that drives this one).
        let state = blocking(move || {
            let libraries = Libraries::open(&db)?;
            let model = model.unwrap_or_else(|| libraries.meta().model.dir.clone());
            let uploads = Uploads::new(limits, load_analyzer, model)?;
            uploads.preload(&libraries)?;
            Ok(AppState { libraries, uploads })
        })
        .await?;
        let state = Arc::new(state);
        let listener = tokio::net::TcpListener::bind(opts.addr).await.map_err(|source| ServerError::Io { context: "cannot listen on the address", source })?;
        Ok(Self { listener, app: router(state.clone(), opts.timeout), state })
    }

    pub fn local_addr(&self) -> Result<SocketAddr, ServerError> {
        self.listener.local_addr().map_err(|source| ServerError::Io { context: "no local address", source })
    }

    /// The folder uploads are stored in while they are analysed (empty between analyses).
    pub fn upload_dir(&self) -> PathBuf {
        self.state.uploads.dir().to_path_buf()
    }

    /// Serve until `shutdown` completes; requests under way are finished first.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServerError> {
        let served = axum::serve(self.listener, self.app).with_graceful_shutdown(shutdown).await;
        // The last reference to the library's connections goes on a blocking thread, where a
        // PostgreSQL client may block to say goodbye.
        let state = self.state;
        blocking(move || {
            drop(state);
            Ok(())
        })
        .await?;
        served.map_err(|source| ServerError::Io { context: "the server stopped", source })
    }
}

/// Run `f` on tokio's blocking threads; a panic in it goes on unwinding here.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T, ServerError> + Send + 'static) -> Result<T, ServerError> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}

/// Serve `opts` until Ctrl-C, on a runtime of its own; `ready` is told the address once bound.
pub fn serve(opts: ServeOptions, ready: impl FnOnce(SocketAddr)) -> Result<(), ServerError> {
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|source| ServerError::Io { context: "cannot start the runtime", source })?;
    runtime.block_on(async {
        let server = Server::bind(opts).await?;
        ready(server.local_addr()?);
        server
            .run(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    })
}

fn router(state: Arc<AppState>, timeout: Duration) -> Router {
    let body_limit = (state.uploads.limits.max_bytes + FORM_OVERHEAD) as usize;
    let answered = Router::new()
        .route("/", get(pages::library))
        .route("/tracks/{id}", get(pages::track))
        .route("/playlist", get(pages::playlist))
        .route("/path", get(pages::path))
        .route("/map", get(pages::map))
        .route("/upload", post(pages::upload))
        .route("/api/library", get(api::library))
        .route("/api/tracks", get(api::tracks))
        .route("/api/tracks/{id}", get(api::track))
        .route("/api/playlist", get(api::playlist))
        .route("/api/path", get(api::path))
        .route("/api/map", get(api::map))
        .route("/api/analyze", post(api::analyze))
        .route("/static/{file}", get(assets::asset))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, timeout));
    // Audio is neither compressed (it would break byte ranges) nor cut by the timeout.
    let streamed = Router::new().route("/audio/{id}", get(audio::stream));
    answered
        .merge(streamed)
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(CatchPanicLayer::new())
        .with_state(state)
}
