#!/usr/bin/env bash
# The main job: a playlist of real music for a song the library has never seen, with the default
# model (musicnn's MSD tagger, compiled into the binary).
#  1. builds genrespace (release) and installs what it needs (scripts/setup.sh);
#  2. assembles a library of real recordings from free game soundtracks that Debian packages ship
#     (scripts/real_albums.sh: 95 tracks, 6 albums) with one Wesnoth track held out as the query;
#  3. indexes the library (tag vectors, embeddings and MFCC sequences in SQLite);
#  4. prints the query's playlist with its top tags, and writes it as M3U8 and JSON.
# Usage: scripts/demo.sh [OUT_DIR] [QUERY_AUDIO]   (default demo-out, the held-out Wesnoth track)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-demo-out}"
t0=${EPOCHREALTIME/./}
lap() { local us=$(( ${EPOCHREALTIME/./} - t0 )); printf '[demo] %s after %d.%d s\n' "$1" $((us / 1000000)) $((us / 100000 % 10)) >&2; }
scripts/setup.sh
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/genrespace"
lap "built"
library="$(scripts/real_albums.sh)"
query="${2:-${library}-query/battle-epic.ogg}"
lap "assembled the library"
mkdir -p "$out"
"$bin" index --library "$library" --db "$out/library.db"
lap "indexed"
"$bin" playlist --db "$out/library.db" "$query" -n 10 | tee "$out/playlist.txt"
"$bin" playlist --db "$out/library.db" "$query" -n 10 --format m3u --out "$out/playlist.m3u8"
"$bin" playlist --db "$out/library.db" "$query" -n 10 --json --out "$out/playlist.json"
lap "playlists written to $out/playlist.{txt,m3u8,json}"
