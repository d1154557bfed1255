//! How much a playlist holds together, by the semantic-cohesion measures MIR papers use for
//! playlists: the share of its track pairs that share an artist, an album or a genre tag, the
//! entropy of its top genres, the mean genre-space distance between its tracks and the mean DTW
//! between consecutive tracks (how smooth the transitions are).

use std::collections::HashMap;

use serde::Serialize;

use crate::error::RecommenderError;
use crate::library::{tag_key, Library};
use crate::playlist::Entry;
use crate::rerank::per_step_dtw;
use crate::search::euclidean;

/// A playlist's cohesion. Shares are over the pairs whose two tracks both carry the tag (`None`
/// when no pair does); tags are compared case-insensitively.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Cohesion {
    pub same_artist_pairs: Option<f64>,
    pub same_album_pairs: Option<f64>,
    pub same_genre_tag_pairs: Option<f64>,
    /// Entropy in bits of the distribution of the tracks' top genres (0: all one genre).
    pub top_genre_entropy_bits: f64,
    /// Mean Euclidean distance between the genre vectors of every pair of tracks.
    pub mean_pairwise_genre_distance: f64,
    /// Mean per-step DTW between the MFCC sequences of consecutive tracks.
    pub mean_neighbour_dtw: Option<f64>,
}

impl std::fmt::Display for Cohesion {
    /// One line: `same artist 0.20 / album 0.80 / genre tag - of pairs, top-genre entropy ...`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let share = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{v:.2}"));
        write!(
            f,
            "same artist {} / album {} / genre tag {} of pairs, top-genre entropy {:.2} bits, genre distance {:.3}, neighbour DTW {}",
            share(self.same_artist_pairs),
            share(self.same_album_pairs),
            share(self.same_genre_tag_pairs),
            self.top_genre_entropy_bits,
            self.mean_pairwise_genre_distance,
            self.mean_neighbour_dtw.map_or("-".to_string(), |d| format!("{d:.3}"))
        )
    }
}

/// The cohesion of `tracks` (in playlist order), whose genre vectors are `vectors`, with their
/// sequences from the library; `band` is the DTW band the playlist used.
pub fn cohesion(lib: &Library, tracks: &[Entry], vectors: &[Vec<f32>], band: f64) -> Result<Cohesion, RecommenderError> {
    let sequences = lib.sequences(&tracks.iter().map(|e| e.id).collect::<Vec<_>>())?;
    let dtws: Vec<f64> = sequences.windows(2).filter_map(|w| per_step_dtw(&w[0], &w[1], band, None)).collect();
    Ok(cohesion_with(tracks, vectors, dtws))
}

/// The same, with the per-step DTWs between consecutive tracks already known.
pub fn cohesion_with(tracks: &[Entry], vectors: &[Vec<f32>], neighbour_dtws: Vec<f64>) -> Cohesion {
    Cohesion {
        same_artist_pairs: same_pairs(tracks, |e| &e.artist),
        same_album_pairs: same_pairs(tracks, |e| &e.album),
        same_genre_tag_pairs: same_pairs(tracks, |e| &e.genre),
        top_genre_entropy_bits: entropy_bits(tracks.iter().map(|e| e.top_genre.as_str())),
        mean_pairwise_genre_distance: mean(pairs(vectors.len()).map(|(i, j)| euclidean(&vectors[i], &vectors[j]))).unwrap_or(0.0),
        mean_neighbour_dtw: mean(neighbour_dtws.into_iter()),
    }
}

/// Every unordered pair of indices below `n`.
fn pairs(n: usize) -> impl Iterator<Item = (usize, usize)> {
    (0..n).flat_map(move |i| (i + 1..n).map(move |j| (i, j)))
}

/// Share of the pairs whose tracks both carry `tag` that carry the same value.
fn same_pairs(tracks: &[Entry], tag: impl Fn(&Entry) -> &Option<String>) -> Option<f64> {
    let norm: Vec<Option<String>> = tracks.iter().map(|e| tag_key(tag(e).as_deref())).collect();
    mean(pairs(tracks.len()).filter_map(|(i, j)| Some(f64::from(u8::from(norm[i].as_ref()? == norm[j].as_ref()?)))))
}

fn entropy_bits<'a>(labels: impl Iterator<Item = &'a str>) -> f64 {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    labels.for_each(|l| *counts.entry(l).or_default() += 1);
    let total: usize = counts.values().sum();
    counts.values().map(|&c| c as f64 / total as f64).map(|p| -p * p.log2()).sum::<f64>().max(0.0)
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_and_pair_shares_by_hand() {
        assert_eq!(entropy_bits(["jazz", "jazz"].into_iter()), 0.0);
        assert!((entropy_bits(["jazz", "rock", "jazz", "rock"].into_iter()) - 1.0).abs() < 1e-12);
        assert!((entropy_bits(["a", "b", "c", "d"].into_iter()) - 2.0).abs() < 1e-12);
        assert_eq!(pairs(4).count(), 6);
        assert_eq!(mean([1.0, 2.0, 6.0].into_iter()), Some(3.0));
        assert_eq!(mean(std::iter::empty()), None);
    }

    fn entry(artist: Option<&str>, album: Option<&str>) -> Entry {
        Entry {
            rank: 1,
            seed: 0,
            id: 1,
            path: "x.ogg".into(),
            title: None,
            artist: artist.map(str::to_string),
            album: album.map(str::to_string),
            genre: None,
            duration_s: 1.0,
            top_genre: "jazz".into(),
            distance: 0.0,
            dtw_distance: None,
            score: 0.0,
            explanation: None,
        }
    }

    #[test]
    fn pair_shares_count_only_pairs_that_carry_the_tag() {
        let tracks = [entry(Some("A"), Some("X")), entry(Some(" a "), None), entry(Some("B"), Some("x")), entry(None, Some("Y"))];
        // Artists: pairs (0,1) same, (0,2) and (1,2) different; track 3 has none.
        assert!((same_pairs(&tracks, |e| &e.artist).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        // Albums: (0,2) same, (0,3) and (2,3) different.
        assert!((same_pairs(&tracks, |e| &e.album).unwrap() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(same_pairs(&tracks, |e| &e.genre), None);
    }
}
