//! Writing output files so that a crash never leaves a half-written file under the real name.

use std::path::Path;

use anyhow::{Context, Result};

/// [`genrespace_audio::write_atomically`] for the CLI's writers, which fail with any error.
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    genrespace_audio::write_atomically(path, |tmp| write(tmp).map_err(|e| std::io::Error::other(Box::<dyn std::error::Error + Send + Sync>::from(e))))
        .with_context(|| format!("{}: cannot write", path.display()))
}
