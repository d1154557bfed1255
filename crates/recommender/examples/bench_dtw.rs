//! Timing harness for scripts/bench_dtw.sh: DTW over every pair listed by the script, one
//! thread, with the cost the script asks for. Input: a raw little-endian f32 file of all
//! sequences back to back, and a JSON description; prints the distances and the time taken.
//!
//! Usage: bench_dtw SEQUENCES.f32 DESCRIPTION.json

use std::time::Instant;

use genrespace_recommender::dtw::{dtw, Cost, DtwOptions};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let raw = std::fs::read(&args[1]).expect("sequence file");
    let values: Vec<f32> = raw.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let desc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&args[2]).expect("description")).expect("json");
    let dims = desc["dims"].as_u64().unwrap() as usize;
    let lengths: Vec<usize> = desc["lengths"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
    let pairs: Vec<(usize, usize)> =
        desc["pairs"].as_array().unwrap().iter().map(|p| (p[0].as_u64().unwrap() as usize, p[1].as_u64().unwrap() as usize)).collect();
    let cost = if desc["cost"] == "squared" { Cost::SquaredEuclidean } else { Cost::Euclidean };
    let window = desc["window"].as_u64().map(|w| w as usize);
    let mut offsets = vec![0usize];
    for l in &lengths {
        offsets.push(offsets.last().unwrap() + l * dims);
    }
    let seq = |i: usize| &values[offsets[i]..offsets[i + 1]];
    let opts = DtwOptions { cost, window, abandon_above: None };
    // Warm-up pass, then the timed one.
    let _ = dtw(seq(pairs[0].0), seq(pairs[0].1), dims, &opts);
    let t = Instant::now();
    let distances: Vec<f64> = pairs.iter().map(|&(a, b)| dtw(seq(a), seq(b), dims, &opts).expect("no abandoning")).collect();
    let seconds = t.elapsed().as_secs_f64();
    println!("{}", serde_json::json!({"seconds": seconds, "distances": distances}));
}
