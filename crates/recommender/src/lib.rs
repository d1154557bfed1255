//! Recommendations for genrespace: the last stage of the pipeline.
//!
//! A music library is indexed into SQLite ([`library`], [`index`]): each track's genre vector
//! (the model's mean output probabilities over its slices, a point in genre space), its
//! embedding (the mean last hidden layer) and a compact MFCC sequence ([`sequence`]). A playlist
//! ([`playlist`]) is the query's nearest neighbours in one of the two spaces ([`search`], exact
//! Euclidean), reranked by dynamic time warping between MFCC sequences ([`rerank`], [`dtw`]);
//! [`cohesion`] says how much one playlist holds together; [`quality`] measures how often
//! playlists keep to the query's album, artist, genre or folder.

pub mod analysis;
pub mod browse;
pub mod cohesion;
pub mod dtw;
pub mod error;
pub mod explain;
pub mod hash;
pub mod index;
pub mod journey;
pub mod library;
pub mod playlist;
pub mod projection;
pub mod quality;
pub mod request;
pub mod rerank;
pub mod search;
pub mod sequence;
pub mod target;

pub use analysis::{Analyzer, ModelIdentity};
pub use error::RecommenderError;
pub use index::{index_library, IndexOptions, IndexReport};
pub use journey::{make_path, Anchor, Journey};
pub use library::{Library, LibraryMeta, Location, Space};
pub use playlist::{make_playlist, Playlist, PlaylistOptions, Query, Rerank, Variety};
pub use quality::{playlist_quality, Label, PlaylistQuality};
pub use request::PlaylistRequest;
pub use search::Points;
pub use sequence::SequenceConfig;
pub use target::Toward;
