//! Analyse audio files with bliss-rs (all cores, its own `analyze_paths`) and print one JSON
//! object: the wall time and each song's 23-feature analysis. For scripts/bench_vs_bliss.py.
//!
//! Usage: bliss-harness FILE...

use std::time::Instant;

use bliss_audio::decoder::symphonia::SymphoniaDecoder;
use bliss_audio::decoder::Decoder;

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let mut songs = Vec::new();
    let mut failed = Vec::new();
    for (path, result) in SymphoniaDecoder::analyze_paths(&paths) {
        match result {
            Ok(song) => songs.push(serde_json::json!({"path": path, "analysis": song.analysis.as_vec()})),
            Err(e) => failed.push(serde_json::json!({"path": path, "error": e.to_string()})),
        }
    }
    let seconds = start.elapsed().as_secs_f64();
    println!("{}", serde_json::json!({"seconds": seconds, "songs": songs, "failed": failed}));
}
