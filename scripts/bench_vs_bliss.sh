#!/usr/bin/env bash
# genrespace against bliss-rs (GPL-3, built in a scratch crate under bench-out/, never a
# dependency): songs/s on this machine's cores, peak RSS, same-label precision@10 of playlists, on
# the files both tools decode. The default library is rendered by the style-corpus script with a
# seed the style model never trained on: 8 families x 2 styles x 6 songs of 180 s (12 per family);
# LIBRARY=DIR takes any <label>/<file> folder, e.g. datasets/debian-music (scripts/real_albums.sh).
# genrespace uses its default model unless --model DIR is given.
# Usage: [LIBRARY=DIR] scripts/bench_vs_bliss.sh [--max-slices N] [--model DIR] [--every-slice]
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
lib="${LIBRARY:-bench-out/bliss-library/genres}"
if [ -z "${LIBRARY:-}" ] && [ ! -f bench-out/bliss-library/corpus.csv ]; then
  python3 scripts/style_corpus.py --out bench-out/bliss-library --max-styles 2 --clips-per-style 6 --seconds 180 --seed 31 >/dev/null
fi
cargo build --release --locked -q
CARGO_TARGET_DIR=bench-out/bliss-target cargo build --release -q --manifest-path scripts/bliss_harness/Cargo.toml
exec python3 scripts/bench_vs_bliss.py --library "$lib" --genrespace "${CARGO_TARGET_DIR:-target}/release/genrespace" \
  --bliss bench-out/bliss-target/release/bliss-harness "$@"
