//! Songs named on the command line (seeds, path ends, waypoints, M3U lists), resolved against a
//! library: a library track reuses its stored analysis; the first file outside the library loads
//! the model, once, for all of them.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use genrespace_recommender::{Analyzer, Library, Query, RecommenderError};

use super::device::DeviceArg;

/// How to analyse a song outside the library.
#[derive(clap::Args)]
pub struct QueryModelArgs {
    /// Model for songs outside the library (default: the one the library was built with): a
    /// model folder or `builtin:NAME`.
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
}

pub struct Songs<'a> {
    lib: &'a Library,
    model: PathBuf,
    device: DeviceArg,
    analyzer: OnceCell<Analyzer>,
}

impl<'a> Songs<'a> {
    pub fn new(lib: &'a Library, args: &QueryModelArgs) -> Self {
        Self { lib, model: args.model.clone().unwrap_or_else(|| lib.meta().model.dir.clone()), device: args.device, analyzer: OnceCell::new() }
    }

    /// `path` as a query: a library track, or the file analysed with the model.
    pub fn resolve(&self, path: &Path) -> Result<Query> {
        Ok(Query::resolve(self.lib, path, || self.analyzer())?)
    }

    fn analyzer(&self) -> Result<&Analyzer, RecommenderError> {
        if let Some(a) = self.analyzer.get() {
            return Ok(a);
        }
        let (device, _) = self.device.device().map_err(|e| RecommenderError::Analysis { path: self.model.clone(), reason: e.to_string() })?;
        let loaded = super::model::analyzer(&self.model, &device)?;
        Ok(self.analyzer.get_or_init(|| loaded))
    }
}

/// The files an M3U/M3U8 playlist lists, resolved against its folder (comments, `#EXT` lines and
/// blank lines skipped).
pub fn m3u_entries(m3u: &Path) -> Result<Vec<PathBuf>> {
    let text = std::fs::read_to_string(m3u).with_context(|| format!("{}: cannot read the playlist", m3u.display()))?;
    let base = m3u.parent().unwrap_or(Path::new("."));
    Ok(text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(|l| base.join(l)).collect())
}
