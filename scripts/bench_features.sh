#!/usr/bin/env bash
# Feature-extraction benchmark against librosa (see scripts/bench_features.py for what is timed).
# Usage: scripts/bench_features.sh [--reps N] [--preset default|musicnn] [AUDIO...]
# Default files: the real clips in ../shared/real-clips (mp3, ogg/vorbis, wav). The preset picks
# the feature config: librosa's defaults (22050 Hz), or musicnn's front end (16 kHz, the default
# model's).
set -euo pipefail
cd "$(dirname "$0")/.."
reps=7
preset=default
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --preset) preset="$2"; shift 2 ;;
    *) break ;;
  esac
done
files=("$@")
if [ ${#files[@]} -eq 0 ]; then
  clips=../shared/real-clips
  [ -d "$clips" ] || { echo "no files given and $clips not found" >&2; exit 2; }
  files=("$clips/lets_go_fishin_30s.mp3" "$clips/vibe_ace.mp3" "$clips/vibe_ace.ogg"
         "$clips/gtzan_country.00000.wav" "$clips/sugar_plum_fairy.ogg")
fi
scripts/setup.sh
cargo build --release --locked -q -p genrespace-features --example bench_features
target_dir="${CARGO_TARGET_DIR:-target}"
PY=$(scripts/python_env.sh)
# librosa's Python gets the malloc settings the genrespace CLI and the harness set for themselves
# (genrespace_audio::allocator::reuse_large_buffers), so both reuse freed buffers alike.
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=134217728:glibc.malloc.mmap_max=0
exec "$PY" scripts/bench_features.py --harness "$target_dir/release/examples/bench_features" --reps "$reps" --preset "$preset" "${files[@]}"
