//! A user's own labelled music: `<root>/<label>/**/<audio file>`; the label is the top folder.

use std::path::Path;

use crate::dataset::DatasetError;
use crate::source::LabelledFile;

pub(crate) fn list(root: &Path) -> Result<Vec<LabelledFile>, DatasetError> {
    if !root.is_dir() {
        return Err(DatasetError::NotFound { path: root.to_path_buf() });
    }
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root).min_depth(2).follow_links(true).sort_by_file_name() {
        let entry = entry.map_err(|e| DatasetError::Walk { path: e.path().unwrap_or(root).to_path_buf(), source: e })?;
        let path = entry.path();
        if !entry.file_type().is_file() || !genrespace_audio::is_audio_path(path) {
            continue;
        }
        let rel = path.strip_prefix(root).unwrap_or(path);
        let Some(label) = rel.components().next().map(|c| c.as_os_str().to_string_lossy().into_owned()) else { continue };
        out.push(LabelledFile { id: rel.to_string_lossy().replace('\\', "/"), path: path.to_path_buf(), label });
    }
    Ok(out)
}
