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
# Fuzzing: the committed crash inputs replayed, then a short run of each target (issue 14;
# README, "Reliability"). GENRESPACE_FUZZ_SECONDS=0 leaves it out.
if [ "${GENRESPACE_FUZZ_SECONDS:-30}" != 0 ]; then
  scripts/fuzz.sh --seconds "${GENRESPACE_FUZZ_SECONDS:-30}"
fi
