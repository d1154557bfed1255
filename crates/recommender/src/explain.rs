//! Why a track is in a playlist, in genre space's named axes: the genres/tags the query and the
//! track share most, and the one where they differ most (e.g. "jazz 0.62 vs 0.70 · electronic
//! +0.12"). Whatever space the playlist searched, the explanation reads the genre vectors, the
//! only axes with names.

use serde::Serialize;

/// A genre/tag both carry: the track's and the query's probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Shared {
    pub genre: String,
    pub track: f32,
    pub query: f32,
}

/// The genre/tag where the track differs most from the query (positive: the track has more).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Difference {
    pub genre: String,
    pub delta: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The two genres/tags with the highest probability in both (the smaller of the two).
    pub shared: Vec<Shared>,
    pub differs: Option<Difference>,
}

/// Explain `track` against `query` (genre vectors in the order of `genres`).
pub fn explain(genres: &[String], query: &[f32], track: &[f32]) -> Explanation {
    let mut by_both: Vec<usize> = (0..genres.len().min(query.len()).min(track.len())).collect();
    by_both.sort_by(|&a, &b| query[b].min(track[b]).total_cmp(&query[a].min(track[a])).then(a.cmp(&b)));
    let shared = by_both.iter().take(2).map(|&g| Shared { genre: genres[g].clone(), track: track[g], query: query[g] }).collect();
    let differs = by_both
        .iter()
        .copied()
        .max_by(|&a, &b| (track[a] - query[a]).abs().total_cmp(&(track[b] - query[b]).abs()).then(b.cmp(&a)))
        .map(|g| Difference { genre: genres[g].clone(), delta: track[g] - query[g] });
    Explanation { shared, differs }
}

impl std::fmt::Display for Explanation {
    /// `jazz 0.62 vs 0.70, electronic 0.20 vs 0.15 · rock +0.12`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shared: Vec<String> = self.shared.iter().map(|s| format!("{} {:.2} vs {:.2}", s.genre, s.track, s.query)).collect();
        write!(f, "{}", shared.join(", "))?;
        if let Some(d) = &self.differs {
            write!(f, " · {} {:+.2}", d.genre, d.delta)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_the_common_tags_and_names_the_largest_difference() {
        let genres: Vec<String> = ["jazz", "rock", "electronic", "folk"].iter().map(|g| g.to_string()).collect();
        let query = [0.70, 0.05, 0.15, 0.40];
        let track = [0.62, 0.30, 0.20, 0.35];
        let e = explain(&genres, &query, &track);
        assert_eq!(e.shared.iter().map(|s| s.genre.as_str()).collect::<Vec<_>>(), ["jazz", "folk"]);
        assert_eq!(e.differs.as_ref().unwrap().genre, "rock");
        assert!((e.differs.as_ref().unwrap().delta - 0.25).abs() < 1e-6);
        assert_eq!(e.to_string(), "jazz 0.62 vs 0.70, folk 0.35 vs 0.40 · rock +0.25");
    }
}
