//! `genrespace`: the command-line front of the pipeline. Each subcommand lives in `cmd/` and only
//! parses arguments, calls the pipeline crates and prints; the work happens in `crates/`.

mod cmd;
mod output;

use clap::{Parser, Subcommand};

/// Content-based music recommender: listens to the audio, places every track in genre space.
#[derive(Parser)]
#[command(name = "genrespace", version, about, propagate_version = true)]
struct Cli {
    /// On an error, show each cause on its own line (by default the error is one line).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Compute a log-mel spectrogram or MFCCs of an audio file (librosa-compatible).
    Features(cmd::features::Args),
    /// Inspect a dataset (FMA, GTZAN, labelled folders) and build its feature cache.
    #[command(subcommand)]
    Dataset(cmd::dataset::Command),
    /// Train a CNN or CRNN genre model on a dataset.
    Train(Box<cmd::train::Args>),
    /// Genre accuracy of a model on held-out tracks: per genre, confusion matrix.
    Evaluate(Box<cmd::evaluate::Args>),
    /// Build a model folder from pretrained weights (SafeTensors + import spec).
    ImportWeights(cmd::import::Args),
    /// Genre composition of audio files according to a model.
    Classify(cmd::classify::Args),
    /// Index a music folder into a library database (genre vectors + MFCC sequences).
    Index(cmd::index::Args),
    /// A playlist from one or more seed songs: neighbours in the space reranked by DTW.
    Playlist(Box<cmd::playlist::Args>),
    /// A journey from one song (or genre/tag) to another in even steps, through waypoints.
    Path(Box<cmd::path::Args>),
    /// The library as a 2-D map (PCA) coloured by genre, a query's playlist drawn as a route.
    Map(Box<cmd::map::Args>),
    /// The web app: browse the library, upload a song, playlists, journeys and the map.
    Serve(cmd::serve::Args),
    /// Work on a library as a whole: copy it between SQLite and PostgreSQL.
    #[command(subcommand)]
    Library(cmd::library::Command),
    /// Playlist quality on a library: precision@n of its albums/artists/genres/folders.
    EvaluatePlaylists(cmd::evaluate_playlists::Args),
}

fn main() -> std::process::ExitCode {
    genrespace_audio::allocator::reuse_large_buffers();
    let cli = Cli::parse();
    let verbose = cli.verbose;
    let result = match cli.command {
        Command::Features(args) => cmd::features::run(args),
        Command::Dataset(c) => cmd::dataset::run(c),
        Command::Train(args) => cmd::train::run(*args),
        Command::Evaluate(args) => cmd::evaluate::run(*args),
        Command::ImportWeights(args) => cmd::import::run(args),
        Command::Classify(args) => cmd::classify::run(args),
        Command::Index(args) => cmd::index::run(args),
        Command::Library(c) => cmd::library::run(c),
        Command::Playlist(args) => cmd::playlist::run(*args),
        Command::Path(args) => cmd::path::run(*args),
        Command::Map(args) => cmd::map::run(*args),
        Command::EvaluatePlaylists(args) => cmd::evaluate_playlists::run(args),
        Command::Serve(args) => cmd::serve::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if verbose => {
            eprintln!("error: {e}");
            e.chain().skip(1).for_each(|cause| eprintln!("  caused by: {cause}"));
            std::process::ExitCode::FAILURE
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// Every subcommand's arguments are consistent (no clashing names or short flags).
    #[test]
    fn cli_definition_is_valid() {
        super::Cli::command().debug_assert();
    }
}
