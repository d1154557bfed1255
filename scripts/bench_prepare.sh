#!/usr/bin/env bash
# Feature-cache speed and memory: `genrespace dataset prepare` on the style corpus, on all cores,
# at two dataset sizes, printing tracks/s, real-time factor and peak RSS (which must not grow
# with the dataset: features stream to disk, nothing accumulates in memory).
# Usage: scripts/bench_prepare.sh [CORPUS_DIR]   (default datasets/style-bench, rendered if absent
#        with 10 clips per style x 30 s)
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-datasets/style-bench}"
[ -f "$corpus/corpus.csv" ] || scripts/make_style_corpus.sh --out "$corpus" --clips-per-style 10 --seconds 30 --seed 1
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/genrespace"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# A smaller copy of the corpus (first 3 clips of each family) for the growth comparison.
mkdir -p "$work/small/genres"
for fam in "$corpus"/genres/*/; do
  name=$(basename "$fam"); mkdir -p "$work/small/genres/$name"
  ls "$fam" | head -3 | while read -r f; do ln -s "$(realpath "$fam/$f")" "$work/small/genres/$name/$f"; done
done
for set in small full; do
  root="$corpus"; [ $set = small ] && root="$work/small"
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" dataset prepare --gtzan "$root" --out "$work/cache-$set" --json > "$work/report.json"
  python3 - "$work/report.json" "$work/rss" "$set" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); rss_mb = int(open(sys.argv[2]).read().split()[-1]) / 1024
n = r["computed"]
print(f"{sys.argv[3]:5}: {n:4d} tracks, {r['audio_seconds']/60:6.1f} min of audio in {r['seconds']:6.2f} s -> "
      f"{n / r['seconds']:6.1f} tracks/s, {r['audio_seconds'] / r['seconds']:6.0f}x real time, peak RSS {rss_mb:6.1f} MB")
PY
done
echo "cores: $(nproc)"
