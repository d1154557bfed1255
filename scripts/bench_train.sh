#!/usr/bin/env bash
# Training/inference speed of genrespace's models against PyTorch on the same device (see bench_train.py).
# Usage: scripts/bench_train.sh [--arch cnn|crnn|musicnn] [--channels 32,64,128,128] [--steps N]
#        [--device cpu|gpu]
# Extra cargo features for the harness via BENCH_FEATURES, e.g. BENCH_FEATURES=x86-v4.
# --device gpu builds the harness with wgpu (~30-40 min the first time) and runs PyTorch on CUDA
# (PyPI's Linux wheel has it), so it needs an NVIDIA GPU with Vulkan and CUDA drivers.
set -euo pipefail
cd "$(dirname "$0")/.."
wanted="${BENCH_FEATURES:-}"
[[ " $* " == *" --device gpu "* ]] && wanted="${wanted:+$wanted,}wgpu"
features=()
[ -n "$wanted" ] && features=(--features "$wanted")
cargo build --release --locked -q -p genrespace-classifier --example bench_train "${features[@]}"
PY=$(scripts/python_env.sh torch)
exec "$PY" scripts/bench_train.py --harness "${CARGO_TARGET_DIR:-target}/release/examples/bench_train" "$@"
