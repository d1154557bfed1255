#!/usr/bin/env bash
# The test suite: system packages, formatting, then every crate's unit, integration and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Formatting (rustfmt.toml) is part of the suite when rustfmt is installed.
if cargo fmt --version >/dev/null 2>&1; then
  cargo fmt --all -- --check
fi
cargo test --workspace --locked "$@"
