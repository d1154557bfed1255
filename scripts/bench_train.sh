#!/usr/bin/env bash
# Training/inference speed of genrespace's models against PyTorch CPU (see bench_train.py).
# Usage: scripts/bench_train.sh [--arch cnn|crnn|musicnn] [--channels 32,64,128,128] [--steps N]
# Extra cargo features for the harness via BENCH_FEATURES, e.g. BENCH_FEATURES=x86-v4.
set -euo pipefail
cd "$(dirname "$0")/.."
features=()
[ -n "${BENCH_FEATURES:-}" ] && features=(--features "$BENCH_FEATURES")
cargo build --release --locked -q -p genrespace-classifier --example bench_train "${features[@]}"
PY=$(scripts/python_env.sh torch)
exec "$PY" scripts/bench_train.py --harness "${CARGO_TARGET_DIR:-target}/release/examples/bench_train" "$@"
