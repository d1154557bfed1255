//! Keeping large freed buffers in the process instead of giving them back to the OS at once.
//!
//! Here, in the first crate of the pipeline, because every stage allocates such buffers and every
//! binary (the CLI, each benchmark harness) sets the policy once for all of them.
//!
//! The feature pipeline decodes a track into one buffer (a minute of 44.1-kHz audio is 11 MB),
//! resamples it into another and builds spectrograms, file after file. Fresh pages cost a page
//! fault each: without the settings below, faults were 14 % of `bench_features` on a 61-s mp3 in
//! `perf`; with them 8,885 faults instead of 56,286 in 9 repetitions of two clips, and that clip's
//! whole pipeline 45.9–46.0 ms instead of 52.7–53.6 ms (alternating runs).
//!
//! Training and inference allocate and free activations of tens of MB many times a second
//! (block 1 of the CNN at batch 64: 67 MB each). glibc's malloc serves such sizes with `mmap` and
//! returns them with `munmap` (or trims the heap), and on a multi-threaded process every unmap
//! shoots down the other cores' TLBs: `perf` showed half of inference at batch 64 in the kernel
//! (`native_write_msr`, `smp_call_function_many_cond`). With a fixed mmap threshold and a 128-MB
//! trim threshold the buffers are reused (`bench_train --infer-batch 64`: 101–135 → 249–299
//! slices/s, training 72–84 → 80–100 samples/s). The threshold cannot go above 32 MB, and the
//! CRNN's block-1 activations at batch 32 are 67 MB: those still went to `mmap`, and page faults
//! on fresh pages were 15 % of a CRNN training step in `perf`. So `mmap` is also turned off for
//! the main heap (`M_MMAP_MAX` 0; glibc still maps what a thread's own arena cannot hold): CRNN
//! training 63–71 → 72–86 samples/s, inference 242–263 → 288–362 slices/s, default CNN training
//! 58–59 → 59–66 (same binary, alternating runs). The heap may keep up to 128 MB it no longer
//! uses (peak RSS of those runs: CRNN 338 → 400 MB, default CNN 399 → 430 MB). The CLI and the
//! benchmark harnesses call [`reuse_large_buffers`] first thing (`scripts/bench_features.sh`
//! gives librosa's Python the same settings through `GLIBC_TUNABLES`).
//!
//! Training msd-musicnn at batch 32 frees more than the trim threshold at the top of the heap
//! many times a step (its peak is 3.5 GB), so glibc gave it back to the OS and the next step
//! faulted it in again: 2.2 million minor page faults in 3 steps, `clear_page_erms` 10 % of the
//! step in `perf`, even with a 1-GB threshold. [`keep_freed_memory`] turns trimming off; the
//! `train` command and the benchmark harness call it (a training run's memory stays at its peak
//! until it ends, as PyTorch's caching allocator keeps its own). Not for the other commands:
//! a server that analysed one upload would hold that analysis's peak for good.

/// glibc's largest accepted mmap threshold on 64-bit (half its 64-MB heap size); fixing it also
/// turns off the dynamic threshold that otherwise moves with each freed chunk.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 128 << 20;

/// Tunes glibc's malloc as above; returns whether all three settings were accepted. Does nothing
/// (and returns false) where the C library is not glibc.
pub fn reuse_large_buffers() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes malloc's parameters; it is safe to call at any time.
        unsafe {
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1
                && libc::mallopt(libc::M_MMAP_MAX, 0) == 1
        }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

/// Never returns the heap's free memory to the OS (glibc's `M_TRIM_THRESHOLD` -1, see the
/// module); returns whether glibc accepted it. Does nothing (and returns false) where the C
/// library is not glibc.
pub fn keep_freed_memory() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: as in `reuse_large_buffers`.
        unsafe { libc::mallopt(libc::M_TRIM_THRESHOLD, -1) == 1 }
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    {
        false
    }
}

#[cfg(test)]
mod tests {
    #[test]
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn glibc_accepts_the_settings() {
        assert!(super::reuse_large_buffers());
        assert!(super::keep_freed_memory());
    }
}
