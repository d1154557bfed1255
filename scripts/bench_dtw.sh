#!/usr/bin/env bash
# DTW benchmark against dtaidistance (C) and fastdtw, see scripts/bench_dtw.py.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked -q -p genrespace-recommender --example bench_dtw
PY=$(scripts/python_env.sh dtaidistance fastdtw scipy)
exec "$PY" scripts/bench_dtw.py --harness "${CARGO_TARGET_DIR:-target}/release/examples/bench_dtw" "$@"
