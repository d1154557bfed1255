//! Keeping large freed buffers in the process instead of giving them back to the OS at once.
//!
//! Training and inference allocate and free activations of tens of MB many times a second
//! (block 1 of the CNN at batch 64: 67 MB each). glibc's malloc serves such sizes with `mmap` and
//! returns them with `munmap` (or trims the heap), and on a multi-threaded process every unmap
//! shoots down the other cores' TLBs: `perf` showed half of inference at batch 64 in the kernel
//! (`native_write_msr`, `smp_call_function_many_cond`). With a fixed mmap threshold and a 128-MB
//! trim threshold the buffers are reused (`bench_train --infer-batch 64`: 101–135 → 249–299
//! slices/s, training 72–84 → 80–100 samples/s). The heap may keep up to 128 MB it no longer
//! uses; indexing with msd-musicnn peaked at 445 MB without the setting and 455–461 MB with it. The
//! CLI and the benchmark harnesses call [`reuse_large_buffers`] first thing.

/// glibc's largest accepted mmap threshold on 64-bit (half its 64-MB heap size); fixing it also
/// turns off the dynamic threshold that otherwise moves with each freed chunk.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_THRESHOLD: libc::c_int = 32 << 20;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const TRIM_THRESHOLD: libc::c_int = 128 << 20;

/// Tunes glibc's malloc as above; returns whether both settings were accepted. Does nothing
/// (and returns false) where the C library is not glibc.
pub fn reuse_large_buffers() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes malloc's parameters; it is safe to call at any time.
        unsafe { libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_THRESHOLD) == 1 && libc::mallopt(libc::M_TRIM_THRESHOLD, TRIM_THRESHOLD) == 1 }
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
    fn glibc_accepts_both_settings() {
        assert!(super::reuse_large_buffers());
    }
}
