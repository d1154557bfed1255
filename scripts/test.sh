#!/usr/bin/env bash
# The test suite: system packages, then every crate's unit, integration and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --locked "$@"
