//! Tags (title, artist, ...) from whatever metadata the container carries: ID3v2/ID3v1 on mp3,
//! Vorbis comments on ogg/flac/opus, MP4 atoms on m4a, RIFF INFO on wav.

use serde::{Deserialize, Serialize};
use symphonia::core::meta::{Metadata, MetadataContainer, MetadataRevision, StandardTag};

/// The tags genrespace shows in playlists and stores in its library index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tags {
    pub title: Option<String>,
    pub artist: Option<String>,
    pub album: Option<String>,
    pub genre: Option<String>,
    pub year: Option<i32>,
    pub track_number: Option<u32>,
}

impl Tags {
    /// Fold in every metadata revision read so far. Later revisions fill fields still empty, so
    /// the first tag block found (usually the leading ID3v2 or the stream header) wins.
    pub(crate) fn absorb_log(&mut self, log: &mut Metadata<'_>) {
        // `pop` hands out all but the newest revision, which stays as `current`.
        while let Some(rev) = log.pop() {
            self.absorb_revision(&rev);
        }
        if let Some(rev) = log.current() {
            self.absorb_revision(rev);
        }
    }

    fn absorb_revision(&mut self, rev: &MetadataRevision) {
        self.absorb(&rev.media);
        for track in &rev.per_track {
            self.absorb(&track.metadata);
        }
    }

    fn absorb(&mut self, container: &MetadataContainer) {
        for tag in &container.tags {
            let Some(std) = &tag.std else { continue };
            match std {
                StandardTag::TrackTitle(s) => fill(&mut self.title, s),
                StandardTag::Artist(s) => fill(&mut self.artist, s),
                StandardTag::AlbumArtist(s) if self.artist.is_none() => fill(&mut self.artist, s),
                StandardTag::Album(s) => fill(&mut self.album, s),
                StandardTag::Genre(s) => fill(&mut self.genre, s),
                StandardTag::TrackNumber(n) if self.track_number.is_none() => self.track_number = u32::try_from(*n).ok(),
                StandardTag::RecordingYear(y) | StandardTag::ReleaseYear(y) | StandardTag::OriginalReleaseYear(y) | StandardTag::OriginalRecordingYear(y)
                    if self.year.is_none() =>
                {
                    self.year = Some(i32::from(*y))
                }
                StandardTag::RecordingDate(s) | StandardTag::ReleaseDate(s) | StandardTag::OriginalReleaseDate(s) | StandardTag::OriginalRecordingDate(s)
                    if self.year.is_none() =>
                {
                    self.year = parse_year(s)
                }
                _ => {}
            }
        }
    }
}

fn fill(slot: &mut Option<String>, value: &str) {
    if slot.is_none() {
        *slot = tidy(value);
    }
}

/// A tag value as genrespace stores and shows it: the first of NUL-separated values (ID3v2.4
/// lists several that way; damaged tags carry NUL padding and bytes after it), control
/// characters as spaces (a line break in a title would split its M3U8 entry), trimmed; `None`
/// when nothing is left. The `tags` fuzz target found a FLAC comment "Genrespace \0\0\0\x06s".
fn tidy(value: &str) -> Option<String> {
    let first = value.split('\0').map(str::trim).find(|v| !v.is_empty())?;
    let clean: String = first.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    Some(clean.trim().to_string()).filter(|v| !v.is_empty())
}

/// The year of a date tag such as "1999", "1999-04-01" or "1999/04".
fn parse_year(date: &str) -> Option<i32> {
    let digits: String = date.trim().chars().take_while(|c| c.is_ascii_digit()).collect();
    (digits.len() == 4).then(|| digits.parse().ok()).flatten()
}

#[cfg(test)]
mod tests {
    use super::{parse_year, tidy};

    #[test]
    fn tags_are_tidied() {
        assert_eq!(tidy("Genrespace \0\0\0\u{6}s").as_deref(), Some("Genrespace"));
        assert_eq!(tidy("\0\0Title\0Other").as_deref(), Some("Title"));
        assert_eq!(tidy("Line one\r\nline two\t").as_deref(), Some("Line one  line two"));
        assert_eq!(tidy("\u{7}"), None);
        assert_eq!(tidy(" \0 "), None);
    }

    #[test]
    fn years_from_dates() {
        assert_eq!(parse_year("1999"), Some(1999));
        assert_eq!(parse_year("2004-05-06"), Some(2004));
        assert_eq!(parse_year(" 1987/01"), Some(1987));
        assert_eq!(parse_year("87"), None);
        assert_eq!(parse_year(""), None);
    }
}
