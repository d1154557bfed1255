//! Playlist settings as a user gives them — command-line flags, a web form, a JSON API query —
//! checked in one place, so the same words mean the same playlist everywhere.

use std::collections::HashSet;

use serde::{Deserialize, Deserializer};

use crate::error::RecommenderError;
use crate::journey::DEFAULT_CANDIDATES;
use crate::library::{Library, Space};
use crate::playlist::{PlaylistOptions, Rerank, Variety};
use crate::target::{genre_index, Toward};

/// The settings of `playlist`/`path` before they are checked against a library. Field names are
/// the command line's flags with `_` for `-` (the web app's query parameters).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default)]
pub struct PlaylistRequest {
    /// Tracks in the playlist (steps of a path).
    pub n: usize,
    pub space: Space,
    pub rerank: Rerank,
    /// Candidates from the space to rerank (`None`: the playlist's or the path's default).
    pub candidates: Option<usize>,
    pub dtw_weight: f64,
    pub band: f64,
    pub within_genre: bool,
    pub max_per_artist: Option<usize>,
    pub max_per_album: Option<usize>,
    /// Top genres/tags to leave out (a web form gives them comma-separated).
    #[serde(deserialize_with = "comma_separated")]
    pub exclude_genres: Vec<String>,
    pub min_duration: Option<f64>,
    pub max_duration: Option<f64>,
    /// Given as `GENRE[:AMOUNT]`.
    #[serde(deserialize_with = "genre_amount")]
    pub toward: Option<Toward>,
    pub shuffle: Option<usize>,
    pub seed: u64,
}

impl Default for PlaylistRequest {
    fn default() -> Self {
        let d = PlaylistOptions::default();
        Self {
            n: d.n,
            space: d.space,
            rerank: d.rerank,
            candidates: None,
            dtw_weight: d.dtw_weight,
            band: d.band,
            within_genre: false,
            max_per_artist: None,
            max_per_album: None,
            exclude_genres: Vec::new(),
            min_duration: None,
            max_duration: None,
            toward: None,
            shuffle: None,
            seed: 0,
        }
    }
}

/// Most tracks one request may ask for: more is a listing, not a playlist.
pub const MAX_TRACKS: usize = 1000;

impl PlaylistRequest {
    /// The options of a path: a playlist's, with [`DEFAULT_CANDIDATES`] per step unless
    /// `candidates` is given.
    pub fn path_options(&self, lib: &Library, exclude: HashSet<i64>) -> Result<PlaylistOptions, RecommenderError> {
        let mut opts = self.options(lib, exclude)?;
        if self.candidates.is_none() {
            opts.candidates = DEFAULT_CANDIDATES;
        }
        Ok(opts)
    }

    /// The options for `lib`, checked; `exclude` are library tracks never to return.
    pub fn options(&self, lib: &Library, exclude: HashSet<i64>) -> Result<PlaylistOptions, RecommenderError> {
        let bad = |msg: String| Err(RecommenderError::Request(msg));
        if self.n == 0 || self.n > MAX_TRACKS {
            return bad(format!("the number of tracks must be between 1 and {MAX_TRACKS}, not {}", self.n));
        }
        if !(0.0..=1.0).contains(&self.dtw_weight) || !(0.0..=1.0).contains(&self.band) {
            return bad("the DTW weight and band must be between 0 and 1".into());
        }
        if let (Some(lo), Some(hi)) = (self.min_duration, self.max_duration) {
            if lo > hi {
                return bad(format!("the minimum duration {lo} is above the maximum {hi}"));
            }
        }
        let toward = match &self.toward {
            Some(t) => Some(Toward { genre: genre_index(lib, &t.genre)?.1, amount: t.amount }),
            None => None,
        };
        Ok(PlaylistOptions {
            n: self.n,
            space: self.space,
            rerank: self.rerank,
            candidates: self.candidates.unwrap_or(PlaylistOptions::default().candidates),
            dtw_weight: self.dtw_weight,
            band: self.band,
            within_genre: self.within_genre,
            variety: Variety {
                max_per_artist: self.max_per_artist,
                max_per_album: self.max_per_album,
                exclude_genres: self.exclude_genres.clone(),
                min_duration_s: self.min_duration,
                max_duration_s: self.max_duration,
                shuffle_among: self.shuffle,
                seed: self.seed,
            },
            exclude,
            toward,
        })
    }
}

/// `GENRE[:AMOUNT]` as a [`Toward`].
fn genre_amount<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Toward>, D::Error> {
    let text = Option::<String>::deserialize(d)?;
    text.filter(|t| !t.trim().is_empty()).map(|t| t.parse().map_err(serde::de::Error::custom)).transpose()
}

/// A list given as one comma-separated string (a form field) or as a list (JSON).
fn comma_separated<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Items {
        One(String),
        Many(Vec<String>),
    }
    let items = match Items::deserialize(d)? {
        Items::One(s) => s.split(',').map(str::to_string).collect(),
        Items::Many(v) => v,
    };
    Ok(items.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_fields_deserialize_with_defaults() {
        let r: PlaylistRequest = serde_json::from_str(r#"{"n": 5, "exclude_genres": "rock, jazz,", "space": "genres"}"#).unwrap();
        assert_eq!(r.n, 5);
        assert_eq!(r.exclude_genres, vec!["rock", "jazz"]);
        assert_eq!(r.space, Space::Genres);
        assert_eq!(r.rerank, Rerank::Dtw);
        let r: PlaylistRequest = serde_json::from_str(r#"{"exclude_genres": ["a b"], "toward": "jazz:0.5"}"#).unwrap();
        assert_eq!(r.exclude_genres, vec!["a b"]);
        assert_eq!(r.toward, Some(Toward { genre: "jazz".into(), amount: 0.5 }));
        assert!(serde_json::from_str::<PlaylistRequest>(r#"{"toward": "jazz:2"}"#).is_err());
    }
}
