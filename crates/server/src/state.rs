//! What every request shares: the library, the uploads, and a way to run blocking work on one
//! library snapshot off the async threads.

use std::sync::Arc;

use genrespace_recommender::Library;

use crate::error::ServerError;
use crate::libraries::Libraries;
use crate::uploads::Uploads;

pub struct AppState {
    pub libraries: Libraries,
    pub uploads: Uploads,
}

pub type Shared = Arc<AppState>;

/// Run `f` on one snapshot of the library on a blocking thread (SQLite, the neighbour scan,
/// DTW and the model all block). A panic in `f` becomes a 500, not a dead server.
pub async fn read<T: Send + 'static>(state: &Shared, f: impl FnOnce(&AppState, &Library) -> Result<T, ServerError> + Send + 'static) -> Result<T, ServerError> {
    let state = state.clone();
    tokio::task::spawn_blocking(move || state.libraries.read(|lib| f(&state, lib)))
        .await
        .map_err(|e| ServerError::Internal(format!("the request's work failed: {e}")))?
}
