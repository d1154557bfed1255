#!/usr/bin/env bash
# The web app's speed and memory (README, "The web app"):
#  1. the library page (and search, sort, a late page, the 100k-point map) of the 100,000-track
#     synthetic library (scripts/bench_playlist.sh builds it): time to first byte and full load;
#  2. upload -> playlist latency of two 30-s real clips (../shared/real-clips) against the real
#     albums library indexed with the default model, next to the same playlist from the CLI;
#  3. the server's RSS idle and its peak under 50 concurrent uploads of different 30-s songs.
# Usage: scripts/bench_serve.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/genrespace"
out=bench-out/serve
mkdir -p "$out"
big=bench-out/playlist-100000.db
if [ ! -f "$big" ]; then
  cargo build --release --locked -q -p genrespace-recommender --example bench_playlist
  "${CARGO_TARGET_DIR:-target}/release/examples/bench_playlist" generate "$big" models/style-cnn --tracks 100000
fi
real="$out/real-albums.db"
if [ ! -f "$real" ]; then
  "$bin" index --library "$(scripts/real_albums.sh)" --db "$real" --max-slices 5 > /dev/null
fi
clips=../shared/real-clips
[ -d "$clips" ] || { echo "bench_serve: ../shared/real-clips is absent (the upload clips)" >&2; exit 1; }
# Fifty different 30-s songs: one real clip (GTZAN country) at fifty volumes, each its own content.
mkdir -p "$out/burst"
for i in $(seq 1 50); do
  [ -f "$out/burst/$i.wav" ] || sox "$clips/gtzan_country.00000.wav" "$out/burst/$i.wav" vol "0.$((40 + i))" 2>/dev/null
done
python3 scripts/bench_serve.py "$bin" "$big" "$real" "$clips" "$out"
