#!/usr/bin/env bash
# Transfer learning on the style corpus: a CNN trained from scratch (models/style-cnn, its recipe
# in scripts/train_style_model.sh) against musicnn's MSD tagger with a new output layer, trained
# head only (backbone frozen, embeddings cached) and fine-tuned (every layer). Each model is
# evaluated on the held-out test split (the same 35 songs none of them trained on) rendered with
# the training soundfont (FluidR3) and with another one (Debian's TimGM6mb): does it know the
# styles, or the soundfont's timbres? Prints a Markdown table with training wall times.
# Usage: scripts/bench_transfer.sh            FINETUNE_EPOCHS=N (default 2) bounds the fine-tuning
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
[ -e /usr/share/sounds/sf2/TimGM6mb.sf2 ] || { SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo; $SUDO apt-get install -y -q timgm6mb-soundfont >&2; }
fluid=datasets/style-corpus
tim=datasets/style-corpus-timgm6mb
[ -f "$fluid/corpus.csv" ] || python3 scripts/style_corpus.py --out "$fluid" --clips-per-style 10 --seconds 30 --seed 1
[ -f "$tim/corpus.csv" ] || python3 scripts/style_corpus.py --out "$tim" --clips-per-style 10 --seconds 30 --seed 1 --soundfont /usr/share/sounds/sf2/TimGM6mb.sf2
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/genrespace"
out=bench-out/transfer
mkdir -p "$out"
split=(--seed 42)   # the split models/style-cnn was trained with
timed() { # name command...: wall seconds into $out/NAME.seconds
  local name=$1; shift
  local t0=${EPOCHREALTIME/./}
  "$@"
  echo $(( (${EPOCHREALTIME/./} - t0) / 1000 )) > "$out/$name.ms"
}
if [ ! -f "$out/head/model.json" ]; then
  rm -rf "$out/head" "$out/embeddings-note"
  timed head "$bin" train --gtzan "$fluid" "${split[@]}" --from builtin:msd-musicnn --head-only --epochs 60 --patience 15 \
    --batch-size 64 --lr 0.003 --out "$out/head" --json > "$out/head.train.json"
  # The same again: the embeddings are cached in the feature cache now, only the head trains.
  rm -rf "$out/head-again"
  timed head-again "$bin" train --gtzan "$fluid" "${split[@]}" --from builtin:msd-musicnn --head-only --epochs 60 --patience 15 \
    --batch-size 64 --lr 0.003 --out "$out/head-again" --json > /dev/null
fi
if [ ! -f "$out/tuned/model.json" ]; then
  rm -rf "$out/tuned"
  timed tuned "$bin" train --gtzan "$fluid" "${split[@]}" --from builtin:msd-musicnn --epochs "${FINETUNE_EPOCHS:-2}" \
    --batch-size 16 --lr 0.0002 --out "$out/tuned" --json > "$out/tuned.train.json"
fi
for model in models/style-cnn "$out/head" "$out/tuned"; do
  name=$(basename "$model")
  for corpus in "$fluid" "$tim"; do
    "$bin" evaluate --model "$model" --gtzan "$corpus" "${split[@]}" --split test --json > "$out/$name.$(basename "$corpus").json"
  done
done
python3 - "$out" <<'EOF'
import json, pathlib, sys
out = pathlib.Path(sys.argv[1])
def acc(name, corpus):
    return json.loads((out / f"{name}.{corpus}.json").read_text())["accuracy"]
scratch_s = json.loads(pathlib.Path("models/style-cnn/model.json").read_text())["training"]["seconds"]
rows = [("CNN from scratch (models/style-cnn)", "style-cnn", f"{scratch_s / 60:.1f} min (recorded in its model.json)"),
        ("msd-musicnn, head only", "head", f"{int((out / 'head.ms').read_text()) / 60000:.1f} min, {int((out / 'head-again.ms').read_text()) / 1000:.1f} s with cached embeddings"),
        ("msd-musicnn, fine-tuned", "tuned", f"{int((out / 'tuned.ms').read_text()) / 60000:.1f} min ({len(json.loads((out / 'tuned.train.json').read_text())['history'])} epoch(s))")]
print("| model | test accuracy, FluidR3 (training soundfont) | test accuracy, TimGM6mb | training wall time |")
print("|---|---|---|---|")
for label, name, wall in rows:
    print(f"| {label} | {acc(name, 'style-corpus'):.3f} | {acc(name, 'style-corpus-timgm6mb'):.3f} | {wall} |")
EOF
