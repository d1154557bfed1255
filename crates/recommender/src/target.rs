//! Where a playlist aims. A [`Target`] is a point in the searched space together with the genre
//! vector that goes with it, so that whatever space is searched, results can be explained along
//! the named axes. Seeds are targets; so is a genre/tag ([`genre_target`]); `--toward` and the
//! steps of a path are points between targets ([`Target::lerp`]).

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::RecommenderError;
use crate::library::{GenreVectors, Library, Space};

/// A point in the searched space and the genre vector at the same place.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub point: Vec<f32>,
    pub genres: Vec<f32>,
}

impl Target {
    /// The point a fraction `t` of the way from `self` to `other`, in both spaces.
    pub fn lerp(&self, other: &Target, t: f32) -> Target {
        let mix = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| x + t * (y - x)).collect();
        Target { point: mix(&self.point, &other.point), genres: mix(&self.genres, &other.genres) }
    }
}

/// "Like this, but more G": each seed's target moves `amount` of the way (0..=1) towards the
/// genre/tag's own target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Toward {
    pub genre: String,
    pub amount: f32,
}

impl Toward {
    /// How far `--toward G` moves without an amount.
    pub const DEFAULT_AMOUNT: f32 = 0.3;
}

/// The model's name for `name` (compared case-insensitively) and its index on the genre axes.
pub fn genre_index(lib: &Library, name: &str) -> Result<(usize, String), RecommenderError> {
    let genres = &lib.meta().model.genres;
    genres.iter().position(|g| g.eq_ignore_ascii_case(name.trim())).map(|i| (i, genres[i].clone())).ok_or_else(|| RecommenderError::UnknownGenre {
        genre: name.to_string(),
        model: lib.meta().model.name.clone(),
        known: genres.join(", "),
    })
}

/// How many of the tracks most typical of a genre make its target: a tenth of the library, at
/// least 1 and at most 10. A few tracks keep the point where the genre is strongest; more
/// than one keeps a single odd track from being the genre.
fn typical_count(tracks: usize) -> usize {
    (tracks / 10).clamp(1, 10)
}

/// A genre/tag as a place in the library's space: the mean point (and mean genre vector) of the
/// library tracks with the highest probability of it. A one-hot vector would be a corner of the
/// probability simplex no real track sits near, and it has no embedding; the mean of the most
/// typical tracks works in both spaces. `vectors` are the library's points in `space`.
pub fn genre_target(lib: &Library, vectors: &GenreVectors, space: Space, genre: &str) -> Result<Target, RecommenderError> {
    let (axis, _) = genre_index(lib, genre)?;
    let genre_vectors = genre_vectors(lib, vectors, space)?;
    if genre_vectors.ids.is_empty() {
        return Err(RecommenderError::EmptyLibrary { path: lib.path().to_path_buf() });
    }
    let dims = genre_vectors.dims;
    let mut rows: Vec<usize> = (0..genre_vectors.ids.len()).collect();
    let probability = |r: usize| genre_vectors.data[r * dims + axis];
    rows.sort_by(|&a, &b| probability(b).total_cmp(&probability(a)).then(a.cmp(&b)));
    rows.truncate(typical_count(rows.len()));
    let mut target = Target { point: vec![0.0; vectors.dims], genres: vec![0.0; dims] };
    for &r in &rows {
        let id = genre_vectors.ids[r];
        let point = vectors.row(id).ok_or_else(|| RecommenderError::NotALibrary {
            path: lib.path().to_path_buf(),
            reason: format!("track {id} has a genre vector but no {space:?} point"),
        })?;
        accumulate(&mut target.point, point, rows.len());
        accumulate(&mut target.genres, genre_vectors.row(id).unwrap_or_default(), rows.len());
    }
    Ok(target)
}

/// `targets` each moved `toward.amount` of the way towards the genre's target (unchanged without
/// `toward`); the genre's target is found once for all of them.
pub fn steer(lib: &Library, vectors: &GenreVectors, space: Space, toward: Option<&Toward>, targets: Vec<Target>) -> Result<Vec<Target>, RecommenderError> {
    let Some(toward) = toward else { return Ok(targets) };
    let genre = genre_target(lib, vectors, space, &toward.genre)?;
    Ok(targets.iter().map(|t| t.lerp(&genre, toward.amount)).collect())
}

/// The library's genre vectors: `vectors` themselves when they are the genre space's (`space`),
/// else read from the library.
pub fn genre_vectors<'a>(lib: &Library, vectors: &'a GenreVectors, space: Space) -> Result<Cow<'a, GenreVectors>, RecommenderError> {
    match space {
        Space::Genres => Ok(Cow::Borrowed(vectors)),
        Space::Embedding => Ok(Cow::Owned(lib.vectors(Space::Genres)?)),
    }
}

/// `sum += value / count`, element by element.
fn accumulate(sum: &mut [f32], value: &[f32], count: usize) {
    sum.iter_mut().zip(value).for_each(|(s, v)| *s += v / count as f32);
}

/// Parse `GENRE[:AMOUNT]` (amount in 0..=1, default [`Toward::DEFAULT_AMOUNT`]).
impl std::str::FromStr for Toward {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (genre, amount) = match s.rsplit_once(':') {
            Some((g, a)) => (g, a.parse::<f32>().map_err(|_| format!("`{a}` is not a number (GENRE[:AMOUNT], AMOUNT between 0 and 1)"))?),
            None => (s, Self::DEFAULT_AMOUNT),
        };
        if genre.trim().is_empty() {
            return Err("no genre/tag named (GENRE[:AMOUNT])".into());
        }
        if !(0.0..=1.0).contains(&amount) {
            return Err(format!("amount {amount} is not between 0 and 1"));
        }
        Ok(Toward { genre: genre.trim().to_string(), amount })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lerp_moves_both_spaces_and_toward_parses() {
        let a = Target { point: vec![0.0, 2.0], genres: vec![1.0, 0.0] };
        let b = Target { point: vec![4.0, 2.0], genres: vec![0.0, 1.0] };
        assert_eq!(a.lerp(&b, 0.25), Target { point: vec![1.0, 2.0], genres: vec![0.75, 0.25] });
        assert_eq!(a.lerp(&b, 1.0), b);
        assert_eq!("jazz".parse::<Toward>().unwrap(), Toward { genre: "jazz".into(), amount: Toward::DEFAULT_AMOUNT });
        assert_eq!("hip hop:0.8".parse::<Toward>().unwrap(), Toward { genre: "hip hop".into(), amount: 0.8 });
        assert!("jazz:2".parse::<Toward>().is_err());
        assert!("jazz:lots".parse::<Toward>().is_err());
        assert!(":0.5".parse::<Toward>().is_err());
        assert_eq!((typical_count(3), typical_count(95), typical_count(100_000)), (1, 9, 10));
    }
}
