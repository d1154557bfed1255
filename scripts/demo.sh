#!/usr/bin/env bash
# The main job: a playlist for a song the library has never seen, with the shipped model.
#  1. builds genrespace (release) and installs what it needs (scripts/setup.sh);
#  2. renders a small demo library with the style-corpus script (8 style families x 4 songs of
#     30 s, seed 2024) and a query song from another seed (not in the library);
#  3. indexes the library with models/style-cnn (genre vectors + MFCC sequences, SQLite);
#  4. prints the query's playlist (genre-space neighbours reranked by DTW) and writes it as M3U8
#     and JSON.
# Usage: scripts/demo.sh [OUT_DIR] [QUERY_AUDIO]   (default demo-out, a rendered jazz song)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-demo-out}"
t0=${EPOCHREALTIME/./}
lap() { local us=$(( ${EPOCHREALTIME/./} - t0 )); printf '[demo] %s after %d.%d s\n' "$1" $((us / 1000000)) $((us / 100000 % 10)) >&2; }
scripts/setup.sh
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/genrespace"
lap "built"
mkdir -p "$out"
[ -f "$out/library/corpus.csv" ] || python3 scripts/style_corpus.py --out "$out/library" --max-styles 2 --clips-per-style 2 --seconds 30 --seed 2024 >/dev/null
query="${2:-}"
if [ -z "$query" ]; then
  [ -f "$out/query/corpus.csv" ] || python3 scripts/style_corpus.py --out "$out/query" --families jazz --max-styles 1 --clips-per-style 1 --seconds 30 --seed 7 >/dev/null
  query="$out/query/genres/jazz/jazz.00000.wav"
fi
lap "rendered the library"
"$bin" index --library "$out/library/genres" --db "$out/library.db"
lap "indexed"
"$bin" playlist --db "$out/library.db" "$query" -n 10 | tee "$out/playlist.txt"
"$bin" playlist --db "$out/library.db" "$query" -n 10 --format m3u --out "$out/playlist.m3u8"
"$bin" playlist --db "$out/library.db" "$query" -n 10 --json --out "$out/playlist.json"
lap "playlists written to $out/playlist.{txt,m3u8,json}"
