//! Analyse many files on every core and write the results on one thread.
//!
//! Both batch jobs of genrespace have this shape: `prepare` (features of a dataset into a cache)
//! and `index` (tracks into a library, on one machine or as one of many workers sharing a
//! PostgreSQL library). Decoding and features are the slow part and run in parallel; the writer
//! (cache files, a database connection, the model) stays on the calling thread, so it needs no
//! locking and sees results one at a time as they finish. When the writer fails, the workers stop
//! taking new items and the error is returned once the ones in flight are done.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::sync_channel;

use rayon::iter::{ParallelBridge, ParallelIterator};

/// The threads a job runs on: as many as asked (at least one), every core for `None`.
pub fn threads(requested: Option<usize>) -> usize {
    requested.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get())).max(1)
}

/// A pool of [`threads`] threads of the job's own: the global pool may be busy with, or be, the
/// model's threads.
pub fn pool(requested: Option<usize>) -> std::io::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new().num_threads(threads(requested)).build().map_err(std::io::Error::other)
}

/// Run `work` on each of `items` on `pool` and hand each result to `write` on the calling
/// thread, in the order they finish. `items` is pulled lazily as threads become free, so it may
/// claim its items as it goes (a shared job queue). Returns the first error of `write`.
pub fn analyse_then_write<T, R, E>(
    pool: &rayon::ThreadPool,
    items: impl Iterator<Item = T> + Send,
    work: impl Fn(T) -> R + Sync,
    mut write: impl FnMut(R) -> Result<(), E>,
) -> Result<(), E>
where
    T: Send,
    R: Send,
{
    let stop = AtomicBool::new(false);
    let (tx, rx) = sync_channel::<R>(pool.current_num_threads() * 2);
    let mut result = Ok(());
    std::thread::scope(|scope| {
        let (stop, work) = (&stop, &work);
        scope.spawn(move || {
            pool.install(|| {
                items.take_while(|_| !stop.load(Ordering::Relaxed)).par_bridge().for_each_with(tx, |tx, item| {
                    if !stop.load(Ordering::Relaxed) {
                        let _ = tx.send(work(item));
                    }
                });
            });
        });
        for outcome in rx {
            if let Err(e) = write(outcome) {
                result = Err(e);
                stop.store(true, Ordering::Relaxed);
                break;
            }
        }
    });
    result
}

#[cfg(test)]
mod tests {
    use super::{analyse_then_write, pool};

    #[test]
    fn every_item_is_written_once() {
        let mut seen = Vec::new();
        analyse_then_write(
            &pool(Some(3)).unwrap(),
            0..200u32,
            |i| i * 2,
            |r| -> Result<(), ()> {
                seen.push(r);
                Ok(())
            },
        )
        .unwrap();
        seen.sort();
        assert_eq!(seen, (0..200).map(|i| i * 2).collect::<Vec<_>>());
    }

    #[test]
    fn a_failing_writer_stops_the_work_and_returns_its_error() {
        let analysed = std::sync::atomic::AtomicUsize::new(0);
        let mut written = 0;
        let result = analyse_then_write(
            &pool(Some(2)).unwrap(),
            0..10_000u32,
            |i| {
                analysed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                i
            },
            |_| {
                written += 1;
                if written == 5 {
                    Err("disk full")
                } else {
                    Ok(())
                }
            },
        );
        assert_eq!(result, Err("disk full"));
        assert_eq!(written, 5);
        // Workers stop taking items: at most those in flight and queued after the failure.
        assert!(analysed.load(std::sync::atomic::Ordering::Relaxed) < 100, "analysed {}", analysed.into_inner());
    }
}
