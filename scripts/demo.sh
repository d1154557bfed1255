#!/usr/bin/env bash
# The main job, as far as the pipeline is built: compile genrespace in release and compute the
# log-mel spectrogram and MFCCs of an audio file (default: a bundled clip), with a plot.
# Usage: scripts/demo.sh [AUDIO] [OUT_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
audio="${1:-crates/audio/tests/fixtures/chord.mp3}"
out="${2:-demo-out}"
GENRESPACE_CORPUS_TOOLS=0 scripts/setup.sh
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/genrespace"
mkdir -p "$out"
"$bin" features "$audio" --kind mel --out "$out/logmel.npy" --plot "$out/logmel.png"
"$bin" features "$audio" --kind mfcc --out "$out/mfcc.npy" --plot "$out/mfcc.png" --json
