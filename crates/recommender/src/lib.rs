//! Recommendations for genrespace: the last stage of the pipeline.
//!
//! A music library is indexed into SQLite ([`library`], [`index`]): each track's genre vector
//! (the classifier's mean softmax over its slices, a point in genre space) and a compact MFCC
//! sequence ([`sequence`]). A playlist ([`playlist`]) is the query's nearest neighbours in genre
//! space ([`search`], exact Euclidean), reranked by dynamic time warping between MFCC sequences
//! ([`rerank`], [`dtw`]).

pub mod analysis;
pub mod dtw;
pub mod error;
pub mod hash;
pub mod index;
pub mod library;
pub mod playlist;
pub mod rerank;
pub mod search;
pub mod sequence;

pub use analysis::{Analyzer, ModelIdentity};
pub use error::RecommenderError;
pub use index::{index_library, IndexOptions, IndexReport};
pub use library::{Library, LibraryMeta};
pub use playlist::{make_playlist, Playlist, PlaylistOptions, Query, Rerank};
pub use sequence::SequenceConfig;
