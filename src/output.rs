//! Writing output files so that a crash never leaves a half-written file under the real name.

use std::path::Path;

use anyhow::{Context, Result};

/// Run `write` on a temporary file next to `path`, then rename it into place.
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().with_context(|| format!("{}: not a file path", path.display()))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{}.", name.to_string_lossy()))
        .suffix(&format!(".tmp{}", path.extension().map(|e| format!(".{}", e.to_string_lossy())).unwrap_or_default()))
        .tempfile_in(dir)
        .with_context(|| format!("{}: cannot create a file in {}", path.display(), dir.display()))?;
    write(tmp.path())?;
    tmp.persist(path).with_context(|| format!("{}: cannot move the finished file into place", path.display()))?;
    Ok(())
}
