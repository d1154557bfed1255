//! Content hashes: how the index tells a touched-but-identical file from a changed one, and how a
//! playlist recognises exact duplicates of the query.

use std::path::Path;

/// BLAKE3 of a file's bytes, hex.
pub fn file_blake3(path: &Path) -> std::io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    hasher.update_reader(std::fs::File::open(path)?)?;
    Ok(hasher.finalize().to_hex().to_string())
}
