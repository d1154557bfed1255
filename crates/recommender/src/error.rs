//! Errors of the recommender. Every variant names the file (database, model, audio) at fault.

use std::path::PathBuf;

use genrespace_classifier::ModelError;
use genrespace_features::FeatureError;

#[derive(Debug, thiserror::Error)]
pub enum RecommenderError {
    #[error("{path}: no library database here (build one with `genrespace index --library DIR --db {path}`)")]
    MissingDatabase { path: PathBuf },
    #[error("{path}: not a genrespace library database ({reason})")]
    NotALibrary { path: PathBuf, reason: String },
    #[error("{path}: not a genrespace library database (unreadable metadata)")]
    BadMetadata {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    #[error("{path}: database error")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The shared library's server refused, failed or went away; rerunning an index run
    /// carries on where it stopped.
    #[error("{path}: PostgreSQL error")]
    Postgres {
        path: PathBuf,
        #[source]
        source: postgres::Error,
    },
    #[error("{path}: already holds {tracks} tracks; copy into a new or empty library")]
    CopyTarget { path: PathBuf, tracks: usize },
    #[error("{path}: the library was indexed with model {db_model} and cannot be mixed with model {model}; keep using the library's model with --model, or re-index: index into another --db (or delete this one) to rebuild it with the new model")]
    ModelMismatch { path: PathBuf, db_model: String, model: String },
    #[error("{path}: {missing} of {total} tracks have no embedding (indexed before genrespace stored embeddings, or with a model that has none); re-index with `genrespace index --db {path}`, or use --space genres")]
    MissingEmbeddings { path: PathBuf, missing: usize, total: usize },
    #[error("{path}: the library is empty (index some music first: `genrespace index --library DIR --db {path}`)")]
    EmptyLibrary { path: PathBuf },
    #[error("{path}: {reason}")]
    Analysis { path: PathBuf, reason: String },
    #[error("{path}: {reason}")]
    LibraryRoot { path: PathBuf, reason: String },
    #[error("`{genre}` is not a genre/tag of model {model} (it has: {known})")]
    UnknownGenre { genre: String, model: String, known: String },
    #[error("{0}")]
    Request(String),
    #[error(transparent)]
    Model(#[from] ModelError),
    /// Decoding or feature extraction failed; the audio layer's error names the file.
    #[error(transparent)]
    Features(#[from] FeatureError),
    #[error("{path}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
