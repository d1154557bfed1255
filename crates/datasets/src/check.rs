//! Find unreadable audio before a long job starts: every file is opened, probed and its first
//! packets decoded, in parallel. Files that are only damaged further in are caught later, when
//! the feature cache decodes them completely, and are reported and skipped there.

use genrespace_audio::{decode_file, DecodeOptions};
use kdam::BarExt;
use rayon::prelude::*;

use crate::dataset::{Dataset, Skipped};

/// Seconds decoded per file: enough to cross the first packets of every codec.
const PROBE_SECONDS: f64 = 0.1;

/// Check every track of `dataset`, move the unreadable ones into `dataset.unreadable` and return
/// how many were found. Shows a progress bar when `progress` is set.
pub fn remove_unreadable(dataset: &mut Dataset, progress: bool) -> usize {
    let bar = progress.then(|| std::sync::Mutex::new(kdam::tqdm!(total = dataset.tracks.len(), desc = "checking audio", unit = " files")));
    let bad: Vec<Skipped> = dataset
        .tracks
        .par_iter()
        .filter_map(|t| {
            let result = decode_file(&t.path, DecodeOptions { offset_s: 0.0, duration_s: Some(PROBE_SECONDS), ..DecodeOptions::default() });
            if let Some(bar) = &bar {
                let _ = bar.lock().map(|mut b| b.update(1));
            }
            result.err().map(|e| Skipped { path: t.path.clone(), error: genrespace_audio::error_chain(&e) })
        })
        .collect();
    if let Some(bar) = bar {
        if bar.into_inner().is_ok() {
            eprintln!();
        }
    }
    let n = bad.len();
    for s in &bad {
        eprintln!("warning: skipping unreadable audio: {}", s.error);
    }
    dataset.remove_unreadable(bad);
    n
}
