#!/usr/bin/env bash
# Playlist latency on a synthetic library of 100k tracks (crates/recommender/examples/bench_playlist.rs):
#  1. generates bench-out/playlist-100000.db once (genre vectors, 200-d embeddings + MFCC sequences of 2-6 minute
#     songs, labelled with the shipped model so the CLI accepts it; ~3.5 GB);
#  2. times playlists for library tracks as the CLI builds them, without audio analysis, with and
#     without the DTW rerank (first query, median and p95 of 30);
#  3. times 12-step paths between two library tracks in the 200-d embedding space, with and
#     without DTW (median and p95 of 30; reading the vectors reported apart);
#  4. times the whole CLI command for a 30-s audio file outside the library (decode, features,
#     CNN, search, rerank; process start included), median of 5.
# Usage: scripts/bench_playlist.sh [TRACKS]
set -euo pipefail
cd "$(dirname "$0")/.."
tracks="${1:-100000}"
db="bench-out/playlist-${tracks}.db"
cargo build --release --locked -q
cargo build --release --locked -q -p genrespace-recommender --example bench_playlist
target="${CARGO_TARGET_DIR:-target}/release"
mkdir -p bench-out
[ -f "$db" ] || "$target/examples/bench_playlist" generate "$db" models/style-cnn --tracks "$tracks"
"$target/examples/bench_playlist" query "$db" --rerank dtw
"$target/examples/bench_playlist" query "$db" --rerank none
"$target/examples/bench_playlist" path "$db" --rerank dtw
"$target/examples/bench_playlist" path "$db" --rerank none
query=bench-out/query-30s/genres/latin/latin.00000.wav
[ -f "$query" ] || python3 scripts/style_corpus.py --out bench-out/query-30s --families latin --max-styles 1 --clips-per-style 1 --seconds 30 --seed 5 >/dev/null
python3 - "$target/genrespace" "$db" "$query" <<'PY'
import statistics, subprocess, sys, time
bin_, db, query = sys.argv[1:]
times = []
for _ in range(6):
    t = time.perf_counter()
    subprocess.run([bin_, "playlist", "--db", db, query, "-n", "10", "--json"], check=True, stdout=subprocess.DEVNULL)
    times.append(time.perf_counter() - t)
times = times[1:]  # the first run warms the page cache
print(f'{{"command": "genrespace playlist (30-s file outside the library)", "median_ms": {1e3 * statistics.median(times):.1f}, "min_ms": {1e3 * min(times):.1f}}}')
PY
