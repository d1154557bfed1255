//! The library as the server reads it: read-only connections (SQLite or PostgreSQL) handed out one per
//! request, each request on one committed snapshot, and the library's points (and their 2-D
//! map) kept in memory until an index run changes the library.
//!
//! The pool is a stack of idle connections rather than a pool crate: a [`Library`] is a
//! connection plus its checked metadata, opening one is cheap, and the only policy needed is
//! "reuse an idle one, else open another".

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use genrespace_recommender::library::GenreVectors;
use genrespace_recommender::projection::LibraryMap;
use genrespace_recommender::{Library, LibraryMeta, Location, RecommenderError, Space};

use crate::error::ServerError;

/// Idle connections kept for reuse; more are opened when requests need them, and closed after.
const MAX_IDLE: usize = 8;

pub struct Libraries {
    location: Location,
    meta: LibraryMeta,
    idle: Mutex<Vec<Library>>,
    points: Mutex<HashMap<Space, Arc<Points>>>,
    maps: Mutex<HashMap<Space, Arc<MapAt>>>,
}

/// Every track's point in one space, as of one library generation.
pub struct Points {
    pub generation: u64,
    pub vectors: GenreVectors,
}

/// The library's 2-D map in one space, as of one library generation.
pub struct MapAt {
    pub generation: u64,
    pub map: LibraryMap,
}

impl Libraries {
    /// Open the library at `location` read-only (it must exist and be a genrespace library).
    pub fn open(location: &Location) -> Result<Self, RecommenderError> {
        let first = Library::open_read_only(location)?;
        Ok(Self { location: location.clone(), meta: first.meta().clone(), idle: Mutex::new(vec![first]), points: Mutex::default(), maps: Mutex::default() })
    }

    pub fn meta(&self) -> &LibraryMeta {
        &self.meta
    }

    /// Run `f` on one snapshot of the library (blocking: call it from a blocking task).
    pub fn read<T>(&self, f: impl FnOnce(&Library) -> Result<T, ServerError>) -> Result<T, ServerError> {
        let lib = match self.idle.lock().map_err(poisoned)?.pop() {
            Some(lib) => lib,
            None => Library::open_read_only(&self.location)?,
        };
        let result = lib.snapshot(f);
        let mut idle = self.idle.lock().map_err(poisoned)?;
        if idle.len() < MAX_IDLE {
            idle.push(lib);
        }
        result
    }

    /// The library's points in `space` as `lib`'s snapshot has them: from memory when the
    /// library has not changed since they were read.
    pub fn points(&self, lib: &Library, space: Space) -> Result<Arc<Points>, ServerError> {
        let generation = lib.generation()?;
        let mut cache = self.points.lock().map_err(poisoned)?;
        if let Some(p) = cache.get(&space).filter(|p| p.generation == generation) {
            return Ok(p.clone());
        }
        let fresh = Arc::new(Points { generation, vectors: lib.vectors(space)? });
        cache.insert(space, fresh.clone());
        Ok(fresh)
    }

    /// The library's map in `space` (PCA of its points), recomputed only when it changed.
    pub fn map(&self, lib: &Library, space: Space) -> Result<(Arc<Points>, Arc<MapAt>), ServerError> {
        let points = self.points(lib, space)?;
        let mut cache = self.maps.lock().map_err(poisoned)?;
        if let Some(m) = cache.get(&space).filter(|m| m.generation == points.generation) {
            return Ok((points, m.clone()));
        }
        let fresh = Arc::new(MapAt { generation: points.generation, map: LibraryMap::of(lib, &points.vectors, space)? });
        cache.insert(space, fresh.clone());
        Ok((points, fresh))
    }
}

pub(crate) fn poisoned<T>(_: std::sync::PoisonError<T>) -> ServerError {
    ServerError::Internal("a lock was poisoned by a failed request".into())
}
