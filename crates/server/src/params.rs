//! Query strings as a web form sends them: an empty field means "not given" (a form submits
//! every input, filled or not), so empty values are dropped before the typed parameters are
//! read; a value that is not what its field takes is a 400 naming the field.

use serde::de::DeserializeOwned;

use crate::error::ServerError;

/// The parameters `T` from the raw query string `query`.
pub fn parse<T: DeserializeOwned>(query: Option<&str>) -> Result<T, ServerError> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.unwrap_or("")).map_err(|e| ServerError::BadRequest(format!("unreadable query string: {e}")))?;
    let given: Vec<(String, String)> = pairs.into_iter().filter(|(_, v)| !v.trim().is_empty()).collect();
    let encoded = serde_urlencoded::to_string(&given).map_err(|e| ServerError::Internal(e.to_string()))?;
    serde_urlencoded::from_str(&encoded).map_err(|e| ServerError::BadRequest(format!("bad parameter: {e}")))
}

#[cfg(test)]
mod tests {
    use genrespace_recommender::PlaylistRequest;

    use super::*;

    #[test]
    fn empty_fields_take_their_defaults_and_bad_values_are_named() {
        let r: PlaylistRequest = parse(Some("n=5&max_per_artist=&toward=&exclude_genres=rock%2Cjazz&within_genre=true&track=3")).unwrap();
        assert_eq!((r.n, r.max_per_artist, r.toward, r.within_genre), (5, None, None, true));
        assert_eq!(r.exclude_genres, vec!["rock", "jazz"]);
        let e = parse::<PlaylistRequest>(Some("n=many")).unwrap_err();
        assert!(matches!(e, ServerError::BadRequest(_)), "{e}");
        assert!(parse::<PlaylistRequest>(None).is_ok());
    }
}
