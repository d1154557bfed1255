//! The library and playlist options `playlist`, `path`, `map` and `evaluate-playlists` share, so
//! a setting measured with one is the setting used with the others.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::ValueEnum;
use genrespace_recommender::library::GenreVectors;
use genrespace_recommender::{Library, Location, PlaylistOptions, PlaylistRequest, Points, RecommenderError, Rerank, Space, Toward};

use super::playlist_output::OutputArgs;
use super::songs::{m3u_entries, QueryModelArgs};

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum SpaceArg {
    /// The model's output probabilities (genres or tags: named axes).
    Genres,
    /// The model's last hidden layer (musicnn: 200 dimensions).
    Embedding,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum RerankArg {
    /// Rerank the space's candidates by DTW over MFCC sequences.
    Dtw,
    /// Distance in the space only.
    None,
}

/// What the options are for: a path reranks fewer candidates per step unless told.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Use {
    Playlist,
    Path,
}

/// A library and the playlist options to search it with.
#[derive(clap::Args)]
pub struct LibraryArgs {
    /// Library built by `genrespace index`: a SQLite file or a PostgreSQL URL (`postgres://...`).
    #[arg(long, value_name = "FILE|URL", env = "GENRESPACE_DB", default_value = "genrespace.db")]
    pub db: Location,
    #[command(flatten)]
    pub playlist: PlaylistArgs,
}

/// An opened library with the request's options and every track's point in their space
/// (`V` = [`GenreVectors`]) or the way to search them ([`Points`]).
pub struct Opened<V = GenreVectors> {
    pub lib: Library,
    pub opts: PlaylistOptions,
    pub vectors: V,
    /// Milliseconds spent reading the points.
    pub load_ms: f64,
}

impl LibraryArgs {
    /// Open the library, check the options against it and read its points.
    pub fn open(&self) -> Result<Opened> {
        self.open_as(Use::Playlist)
    }

    /// [`LibraryArgs::open`] with the options as `use_` takes them.
    fn open_as(&self, use_: Use) -> Result<Opened> {
        self.open_with(use_, |lib, space| lib.vectors(space))
    }

    /// The library and options, and the points as `load` gets them.
    fn open_with<V>(&self, use_: Use, load: impl FnOnce(&Library, Space) -> Result<V, RecommenderError>) -> Result<Opened<V>> {
        let lib = Library::open(&self.db)?;
        let opts = self.playlist.options(&lib, use_)?;
        let start = std::time::Instant::now();
        let vectors = load(&lib, opts.space)?;
        Ok(Opened { lib, opts, vectors, load_ms: start.elapsed().as_secs_f64() * 1e3 })
    }
}

/// What `playlist` and `path` share: the library and options, the output and the model for songs
/// outside the library.
#[derive(clap::Args)]
pub struct QueryArgs {
    #[command(flatten)]
    pub library: LibraryArgs,
    #[command(flatten)]
    pub output: OutputArgs,
    #[command(flatten)]
    pub model: QueryModelArgs,
}

impl QueryArgs {
    /// [`LibraryArgs::open`], refusing an empty library before any song outside it is analysed.
    pub fn open(&self, use_: Use) -> Result<Opened> {
        let opened = self.library.open_as(use_)?;
        self.refuse_empty(opened.vectors.ids.is_empty())?;
        Ok(opened)
    }

    /// For one playlist: the library's points searched by its engine's own index where it has
    /// one for the space (a shared library in a space of up to 100 dimensions), else read.
    pub fn open_points(&self) -> Result<Opened<Points<'static>>> {
        let opened = self.library.open_with(Use::Playlist, Points::of)?;
        // `Points::of` searches in the engine only where it found a point: no library to ask.
        self.refuse_empty(matches!(&opened.vectors, Points::Loaded(vectors) if vectors.ids.is_empty()))?;
        Ok(opened)
    }

    fn refuse_empty(&self, empty: bool) -> Result<()> {
        if empty {
            return Err(RecommenderError::EmptyLibrary { path: self.library.db.name() }.into());
        }
        Ok(())
    }
}

#[derive(clap::Args)]
pub struct PlaylistArgs {
    /// Tracks in the playlist.
    #[arg(short = 'n', long = "count", value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    n: u64,
    /// Space whose nearest neighbours are the candidates. The embedding gives playlists that keep
    /// to the query's album more often on real recordings (README, "Playlist quality").
    #[arg(long, value_enum, default_value_t = SpaceArg::Embedding)]
    space: SpaceArg,
    #[arg(long, value_enum, default_value_t = RerankArg::Dtw)]
    rerank: RerankArg,
    /// Candidates from the space to rerank (default 50; for `path`, 10 per step).
    #[arg(long, value_name = "K")]
    candidates: Option<usize>,
    /// Weight of the DTW distance in the score (0 = distance in the space only, 1 = DTW only).
    #[arg(long, value_name = "W", default_value_t = 0.5)]
    dtw_weight: f64,
    /// DTW Sakoe-Chiba band, as a fraction of the longer sequence.
    #[arg(long, value_name = "F", default_value_t = 0.1)]
    band: f64,
    /// Only tracks whose most likely genre is the query's.
    #[arg(long)]
    within_genre: bool,
    /// At most N tracks by the same artist.
    #[arg(long, value_name = "N")]
    max_per_artist: Option<usize>,
    /// At most N tracks from the same album.
    #[arg(long, value_name = "N")]
    max_per_album: Option<usize>,
    /// Leave out tracks whose top genre/tag is G (repeatable).
    #[arg(long, value_name = "G")]
    exclude_genre: Vec<String>,
    /// Only tracks at least this long (seconds).
    #[arg(long, value_name = "S")]
    min_duration: Option<f64>,
    /// Only tracks at most this long (seconds).
    #[arg(long, value_name = "S")]
    max_duration: Option<f64>,
    /// Leave out the songs listed in this M3U/M3U8 playlist (e.g. those already played).
    #[arg(long, value_name = "FILE.m3u8")]
    exclude: Option<PathBuf>,
    /// Steer by genre/tag, "like this, but more G": the target moves AMOUNT (0..1, default 0.3)
    /// of the way towards where the library's most typical G tracks are.
    #[arg(long, value_name = "GENRE[:AMOUNT]")]
    toward: Option<Toward>,
    /// Variety: pick the playlist at random among the best K tracks (kept in score order).
    #[arg(long, value_name = "K")]
    shuffle: Option<usize>,
    /// Seed of --shuffle: the same seed gives the same playlist.
    #[arg(long, value_name = "N", default_value_t = 0, requires = "shuffle")]
    seed: u64,
}

impl PlaylistArgs {
    /// The options for `lib` as `use_` takes them, checked (`--exclude` names tracks of it).
    fn options(&self, lib: &Library, use_: Use) -> Result<PlaylistOptions> {
        let request = PlaylistRequest {
            n: self.n as usize,
            space: match self.space {
                SpaceArg::Genres => Space::Genres,
                SpaceArg::Embedding => Space::Embedding,
            },
            rerank: match self.rerank {
                RerankArg::Dtw => Rerank::Dtw,
                RerankArg::None => Rerank::None,
            },
            candidates: self.candidates,
            dtw_weight: self.dtw_weight,
            band: self.band,
            within_genre: self.within_genre,
            max_per_artist: self.max_per_artist,
            max_per_album: self.max_per_album,
            exclude_genres: self.exclude_genre.clone(),
            min_duration: self.min_duration,
            max_duration: self.max_duration,
            toward: self.toward.clone(),
            shuffle: self.shuffle,
            seed: self.seed,
        };
        let exclude = match &self.exclude {
            Some(m3u) => m3u_tracks(lib, m3u)?,
            None => HashSet::new(),
        };
        Ok(match use_ {
            Use::Playlist => request.options(lib, exclude)?,
            Use::Path => request.path_options(lib, exclude)?,
        })
    }
}

/// The library tracks an M3U/M3U8 playlist lists (entries that are not in the library cannot be
/// returned anyway and are passed over).
fn m3u_tracks(lib: &Library, m3u: &Path) -> Result<HashSet<i64>> {
    let mut ids = HashSet::new();
    for path in m3u_entries(m3u)? {
        ids.extend(lib.track_named(&path)?.map(|row| row.id));
    }
    Ok(ids)
}
