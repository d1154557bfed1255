//! Browsing a library as a user does: a text search over titles, artists, albums and paths,
//! sorted and cut into pages. SQLite's top-N sort keeps a page of a 100,000-track library within
//! tens of milliseconds without an index per sort column (README, "The web app").

use rusqlite::params;
use serde::{Deserialize, Serialize};

use crate::error::RecommenderError;
use crate::library::{sql, track_row, Library, TrackRow, TRACK_COLUMNS};

/// What a page of tracks is sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortKey {
    /// The title, or the path of an untagged track.
    #[default]
    Title,
    Artist,
    Album,
    Path,
    Duration,
    TopGenre,
}

impl SortKey {
    /// The ORDER BY terms: untagged tracks after tagged ones, text without regard to case.
    fn order_by(self) -> &'static [&'static str] {
        match self {
            SortKey::Title => &["COALESCE(title, path) COLLATE NOCASE"],
            SortKey::Artist => &["artist IS NULL", "artist COLLATE NOCASE"],
            SortKey::Album => &["album IS NULL", "album COLLATE NOCASE"],
            SortKey::Path => &["path"],
            SortKey::Duration => &["duration_s"],
            SortKey::TopGenre => &["top_genre COLLATE NOCASE"],
        }
    }
}

/// One request for a page of tracks.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrackQuery {
    /// Words that must each appear (case-insensitively) in the title, artist, album or path.
    pub text: String,
    pub sort: SortKey,
    pub descending: bool,
    pub offset: usize,
    pub limit: usize,
}

/// A page of tracks and how many match in all.
#[derive(Debug, Clone, Serialize)]
pub struct TrackPage {
    pub total: usize,
    pub offset: usize,
    pub tracks: Vec<TrackRow>,
}

impl Library {
    /// The tracks `query` asks for.
    pub fn browse(&self, query: &TrackQuery) -> Result<TrackPage, RecommenderError> {
        let words: Vec<String> = query.text.split_whitespace().take(8).map(like_pattern).collect();
        let filter = words
            .iter()
            .enumerate()
            .map(|(i, _)| {
                let p = i + 1;
                format!("(title LIKE ?{p} ESCAPE '\\' OR artist LIKE ?{p} ESCAPE '\\' OR album LIKE ?{p} ESCAPE '\\' OR path LIKE ?{p} ESCAPE '\\')")
            })
            .collect::<Vec<_>>()
            .join(" AND ");
        let filter = if filter.is_empty() { String::new() } else { format!("WHERE {filter}") };
        let args = rusqlite::params_from_iter(words.iter());
        let total: i64 = self.conn.query_row(&format!("SELECT COUNT(*) FROM tracks {filter}"), args.clone(), |r| r.get(0)).map_err(sql(self.path()))?;
        let direction = if query.descending { "DESC" } else { "ASC" };
        let order = query
            .sort
            .order_by()
            .iter()
            .map(|term| if term.ends_with("IS NULL") { term.to_string() } else { format!("{term} {direction}") })
            .collect::<Vec<_>>()
            .join(", ");
        let page = format!("SELECT {TRACK_COLUMNS} FROM tracks {filter} ORDER BY {order}, id LIMIT {} OFFSET {}", query.limit, query.offset);
        let mut stmt = self.conn.prepare(&page).map_err(sql(self.path()))?;
        let tracks = stmt.query_map(args, track_row).map_err(sql(self.path()))?.collect::<Result<Vec<_>, _>>().map_err(sql(self.path()))?;
        Ok(TrackPage { total: total as usize, offset: query.offset, tracks })
    }

    /// One track by id, `None` when there is none.
    pub fn track(&self, id: i64) -> Result<Option<TrackRow>, RecommenderError> {
        Ok(self.tracks(&[id])?.into_iter().next())
    }

    /// The file to play for track `id` (the real file behind any symlink).
    pub fn audio_file(&self, id: i64) -> Result<Option<std::path::PathBuf>, RecommenderError> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT real_path FROM tracks WHERE id = ?1", params![id], |r| r.get::<_, String>(0))
            .optional()
            .map(|p| p.map(std::path::PathBuf::from))
            .map_err(sql(self.path()))
    }
}

/// `%word%` with LIKE's wildcards in the word taken literally.
fn like_pattern(word: &str) -> String {
    let escaped = word.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::like_pattern;

    #[test]
    fn wildcards_are_literal() {
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
