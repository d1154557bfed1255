//! Browsing a library as a user does: a text search over titles, artists, albums and paths,
//! sorted and cut into pages ([`crate::Library::browse`]; each engine writes the query in its SQL).

use serde::{Deserialize, Serialize};

use crate::library::TrackRow;

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

impl TrackQuery {
    /// The words to look for (at most 8).
    pub(crate) fn words(&self) -> impl Iterator<Item = String> + '_ {
        self.text.split_whitespace().take(8).map(str::to_owned)
    }

    /// The ORDER BY clause for this query, given each engine's terms for a sort key: untagged
    /// tracks after tagged ones, text without regard to case.
    pub(crate) fn order_by(&self, terms: fn(SortKey) -> &'static [&'static str]) -> String {
        let direction = if self.descending { "DESC" } else { "ASC" };
        terms(self.sort)
            .iter()
            .map(|term| if term.ends_with("IS NULL") { term.to_string() } else { format!("{term} {direction}") })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// `%word%` with LIKE's wildcards in the word taken literally.
pub(crate) fn like_pattern(word: &str) -> String {
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
