//! Writing a file so that a crash never leaves it half-written: every file genrespace writes
//! (models, checkpoints, caches, playlists, plots) goes through [`write_atomically`]. It lives in
//! this first crate of the pipeline because every later stage writes files.

use std::fs::File;
use std::io;
use std::path::Path;

/// Run `write` on a new temporary file in `path`'s folder (created if missing), flush it to disk,
/// rename it over `path` and flush the folder, so that after a crash `path` holds either the old
/// content or the whole new one. The temporary file is removed when `write` fails.
pub fn write_atomically(path: &Path, write: impl FnOnce(&Path) -> io::Result<()>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path.file_name().ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "not a file path"))?;
    std::fs::create_dir_all(dir)?;
    // The final extension is kept (after `.tmp`): writers that pick a format by it (plots) see it.
    let suffix = path.extension().map(|e| format!(".tmp.{}", e.to_string_lossy())).unwrap_or_else(|| ".tmp".into());
    let tmp = tempfile::Builder::new().prefix(&format!(".{}.", name.to_string_lossy())).suffix(&suffix).tempfile_in(dir)?;
    write(tmp.path())?;
    File::open(tmp.path())?.sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp") || n.contains(".tmp."))
            .collect()
    }

    #[test]
    fn writes_whole_files_and_leaves_the_old_one_when_the_writer_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/out.json");
        write_atomically(&path, |tmp| {
            assert!(tmp.to_string_lossy().ends_with(".json"), "the extension is kept: {}", tmp.display());
            std::fs::write(tmp, b"first")
        })
        .unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        let e = write_atomically(&path, |tmp| {
            std::fs::write(tmp, b"half")?;
            Err(io::Error::other("the writer failed"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "the writer failed");
        assert_eq!(std::fs::read(&path).unwrap(), b"first", "the old content stays");
        assert!(leftovers(&dir.path().join("sub")).is_empty());
        assert!(write_atomically(Path::new("/"), |_| Ok(())).is_err(), "a folder is not a file path");
    }
}
