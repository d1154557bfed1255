//! `genrespace serve`: the web app over a library (see `crates/server`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Result};
use genrespace_recommender::Location;
use genrespace_server::{ServeOptions, UploadLimits};

use super::device::DeviceArg;

#[derive(clap::Args)]
pub struct Args {
    /// Library built by `genrespace index`, opened read-only: a SQLite file or a PostgreSQL URL.
    #[arg(long, value_name = "FILE|URL", env = "GENRESPACE_DB", default_value = "genrespace.db")]
    db: Location,
    /// Address to listen on. The default serves this machine only; `0.0.0.0:8080` serves the network.
    #[arg(long, default_value = "127.0.0.1:8080")]
    addr: SocketAddr,
    /// Model for uploaded songs (default: the one the library was built with).
    #[arg(long, value_name = "DIR")]
    model: Option<PathBuf>,
    #[arg(long, value_enum, default_value_t = DeviceArg::Cpu)]
    device: DeviceArg,
    /// Largest upload: bytes, or with a K, M or G suffix.
    #[arg(long, value_name = "SIZE", default_value = "64M", value_parser = parse_size)]
    max_upload: u64,
    /// Uploads analysed at once.
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u64).range(1..))]
    jobs: u64,
    /// Uploads that may wait for an analysis; more are answered 503 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = 16)]
    queue: usize,
    /// Patches of an upload analysed, spread over the song (bounds the time a long file takes).
    #[arg(long, value_name = "N", default_value_t = 40)]
    max_patches: usize,
    /// Seconds a request may take before it is answered 503 (audio streams are not cut).
    #[arg(long, value_name = "S", default_value_t = 120)]
    timeout: u64,
}

pub fn run(args: Args) -> Result<()> {
    let (device, _) = args.device.device()?;
    let opts = ServeOptions {
        db: args.db.clone(),
        addr: args.addr,
        limits: UploadLimits { max_bytes: args.max_upload, jobs: args.jobs as usize, queue: args.queue, max_patches: Some(args.max_patches.max(1)) },
        timeout: Duration::from_secs(args.timeout.max(1)),
        model: args.model.clone(),
        load_analyzer: Arc::new(move |model| super::model::analyzer(model, &device)),
    };
    genrespace_server::serve(opts, |addr| println!("genrespace: serving {} on http://{addr}/ (Ctrl-C stops)", args.db))?;
    Ok(())
}

/// `64M`, `500K`, `1G` or a number of bytes.
fn parse_size(text: &str) -> Result<u64> {
    let text = text.trim();
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], c.to_ascii_uppercase()),
        _ => (text, 'B'),
    };
    let n: u64 = digits.trim().parse().map_err(|_| anyhow::anyhow!("`{text}` is not a size (bytes, or a number with K, M or G)"))?;
    let scale = match unit {
        'B' => 1,
        'K' => 1 << 10,
        'M' => 1 << 20,
        'G' => 1 << 30,
        _ => bail!("`{text}`: the unit must be K, M or G"),
    };
    Ok(n * scale)
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_parse() {
        assert_eq!(super::parse_size("64M").unwrap(), 64 << 20);
        assert_eq!(super::parse_size("500k").unwrap(), 500 << 10);
        assert_eq!(super::parse_size("1000").unwrap(), 1000);
        assert!(super::parse_size("12X").is_err());
        assert!(super::parse_size("M").is_err());
    }
}
