#!/usr/bin/env bash
# Playlist quality on real recordings no model here ever trained on: free game soundtracks from
# Debian packages (scripts/real_albums.sh: 95 tracks, 6 albums, album = folder = label). Each
# model indexes the albums; every track is then a query, and precision@10 says how much of its
# playlist comes from its own album, in genre space and in embedding space, with and without the
# DTW rerank, against the random baseline. Prints a Markdown table (README's) and writes JSON.
# Usage: scripts/bench_real_playlists.sh [MODEL_DIR...]   (default: style-cnn and musicnn's four)
#        MAX_SLICES=N to index N patches per track (default 10; the index default is 5)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
lib="$(scripts/real_albums.sh)"
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/genrespace"
out="bench-out/real-playlists"
mkdir -p "$out"
models=("$@")
[ ${#models[@]} -gt 0 ] || models=(models/style-cnn models/msd-musicnn models/msd-vgg models/mtt-musicnn models/mtt-vgg)
slices="${MAX_SLICES:-10}"
for model in "${models[@]}"; do
  name="$(basename "$model")-s$slices"
  db="$out/$name.db"
  rm -f "$db" "$db-wal" "$db-shm"
  /usr/bin/time -f '%M' -o "$out/$name.rss" "$bin" index --model "$model" --library "$lib" --db "$db" --max-slices "$slices" --json > "$out/$name.index.json"
  for space in genres embedding; do
    for rerank in none dtw; do
      "$bin" evaluate-playlists --db "$db" --label folder --space "$space" --rerank "$rerank" -n 10 --json > "$out/$name.$space.$rerank.json"
    done
  done
done
python3 - "$out" "$slices" "${models[@]}" <<'EOF'
import json, pathlib, sys
out, slices, models = pathlib.Path(sys.argv[1]), sys.argv[2], sys.argv[3:]
print(f"| model | patches/track | index tracks/s | x real time | peak RSS MB | genres | genres + DTW | embedding | embedding + DTW | random |")
print("|---|---|---|---|---|---|---|---|---|---|")
for m in models:
    name = f"{pathlib.Path(m).name}-s{slices}"
    idx = json.loads((out / f"{name}.index.json").read_text())
    rss = int((out / f"{name}.rss").read_text().split()[-1]) / 1024
    cells, base = [], None
    for space in ("genres", "embedding"):
        for rerank in ("none", "dtw"):
            q = json.loads((out / f"{name}.{space}.{rerank}.json").read_text())["quality"]
            cells.append(f"{q['precision']:.3f}")
            base = q["random_baseline"]
    speed = idx["added"] / idx["seconds"]
    print(f"| {pathlib.Path(m).name} | {slices} | {speed:.2f} | {idx['audio_seconds'] / idx['seconds']:.0f} | {rss:.0f} | " + " | ".join(cells) + f" | {base:.3f} |")
EOF
