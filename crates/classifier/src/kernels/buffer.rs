//! New output buffers that a kernel writes in full, without zeroing them first.
//!
//! `vec![0.0; n]` asks the allocator for zeroed memory, and memory the allocator reuses (see
//! `allocator`) must be cleared with `memset`: 7 % of a training step of the shipped CNN was that
//! `memset`, on outputs the kernels overwrite anyway.

use std::mem::MaybeUninit;

/// A vector of `len` values, all set by `write`, which gets the `len` uninitialised slots.
///
/// # Safety
/// `write` must initialise every slot (each kernel writes each output once, whatever the
/// values; the tests compare every output with burn's).
pub unsafe fn written(len: usize, write: impl FnOnce(&mut [MaybeUninit<f32>])) -> Vec<f32> {
    let mut values = Vec::with_capacity(len);
    write(&mut values.spare_capacity_mut()[..len]);
    // SAFETY: the caller's contract: `write` initialised all `len` slots.
    unsafe { values.set_len(len) };
    values
}
