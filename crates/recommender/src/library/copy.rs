//! `library copy`: move a library from one engine to the other (SQLite ⇄ PostgreSQL), every row
//! and point unchanged: the same ids, paths, stamps, tags, and the same `f32` bits.

use std::time::Instant;

use kdam::BarExt;
use serde::Serialize;

use super::{Library, Location, TrackRecord};
use crate::error::RecommenderError;

/// Tracks written per engine call: large enough that a round trip is nothing per track, small
/// enough to hold (a record is a few kilobytes).
const BATCH: usize = 2000;

#[derive(Debug, Clone, Serialize)]
pub struct CopyReport {
    pub from: String,
    pub to: String,
    pub tracks: usize,
    pub seconds: f64,
}

/// Copy the library at `from` into `to`, which must be new or empty; created there with the
/// source's metadata (model, sequence pooling). The copy is one transaction: it lands whole or
/// not at all.
pub fn copy_library(from: &Location, to: &Location, progress: bool) -> Result<CopyReport, RecommenderError> {
    let start = Instant::now();
    let source = Library::open_read_only(from)?;
    let mut target = Library::open_or_create(to, source.meta().clone())?;
    let held = target.len()?;
    if held > 0 {
        return Err(RecommenderError::CopyTarget { path: target.path().to_path_buf(), tracks: held });
    }
    let total = source.len()?;
    let mut bar = progress.then(|| kdam::tqdm!(total = total, desc = "copying", unit = " tracks"));
    let mut tracks = 0;
    let mut batch = Vec::with_capacity(BATCH);
    let mut flush = |target: &mut Library, batch: &mut Vec<TrackRecord>| {
        if batch.is_empty() {
            return Ok(());
        }
        target.put_copies(batch)?;
        tracks += batch.len();
        if let Some(bar) = bar.as_mut() {
            let _ = bar.update(batch.len());
        }
        batch.clear();
        Ok::<_, RecommenderError>(())
    };
    source.snapshot(|source| {
        target.in_transaction(|target| {
            source.records(&mut |record| {
                batch.push(record);
                if batch.len() == BATCH {
                    flush(target, &mut batch)?;
                }
                Ok(())
            })?;
            flush(target, &mut batch)
        })
    })?;
    if bar.is_some() {
        eprintln!();
    }
    Ok(CopyReport { from: from.to_string(), to: to.to_string(), tracks, seconds: start.elapsed().as_secs_f64() })
}
