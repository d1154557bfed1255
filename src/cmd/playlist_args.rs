//! The playlist options `playlist` and `evaluate-playlists` share, so a setting measured with
//! one is the setting used with the other.

use anyhow::{bail, Result};
use clap::ValueEnum;
use genrespace_recommender::{PlaylistOptions, Rerank, Space};

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
    /// Candidates from the space to rerank.
    #[arg(long, value_name = "K", default_value_t = 50)]
    candidates: usize,
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
}

impl PlaylistArgs {
    /// The library's playlist options, checked.
    pub fn options(&self) -> Result<PlaylistOptions> {
        if !(0.0..=1.0).contains(&self.dtw_weight) || !(0.0..=1.0).contains(&self.band) {
            bail!("--dtw-weight and --band must be between 0 and 1");
        }
        Ok(PlaylistOptions {
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
        })
    }
}
