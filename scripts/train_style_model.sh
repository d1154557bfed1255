#!/usr/bin/env bash
# The recipe of the shipped default model, models/style-cnn: render the style corpus (8 families,
# 35 mma styles, 10 clips per style x 30 s, seed 1), train a CNN on its training split with the
# validation split choosing the best epoch, then evaluate on the held-out test split and store
# those metrics in model.json. About 40 minutes on 2 CPU cores.
# Usage: scripts/train_style_model.sh [OUT_DIR]   (default models/style-cnn)
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-models/style-cnn}"
corpus=datasets/style-corpus
[ -f "$corpus/corpus.csv" ] || scripts/make_style_corpus.sh --out "$corpus" --clips-per-style 10 --seconds 30 --seed 1
cargo build --release --locked -q
bin="${CARGO_TARGET_DIR:-target}/release/genrespace"
resume=(); [ -f "$out/checkpoint/state.json" ] && resume=(--resume)
"$bin" train --gtzan "$corpus" --seed 42 --arch cnn --channels 16,32,64,64 --epochs 20 --patience 6 \
  --batch-size 32 --lr 0.001 --train-seed 1 --out "$out" "${resume[@]}"
"$bin" evaluate --model "$out" --gtzan "$corpus" --seed 42 --split test --save-metrics \
  --confusion-plot "$out/confusion-test.png"
rm -rf "$out/checkpoint"
