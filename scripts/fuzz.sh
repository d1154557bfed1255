#!/usr/bin/env bash
# Fuzz genrespace's input paths with cargo-fuzz (libFuzzer + AddressSanitizer), targets in fuzz/.
#
#   scripts/fuzz.sh [--seconds N] [TARGET...]      (default: 30 s for each of the six targets)
#
# Seeds each target's corpus (fuzz/corpus/TARGET, git-ignored) from the test fixtures,
# ../shared/real-clips (the first 100 KB of each), the shipped models, the committed seeds in
# fuzz/seeds/ and a library indexed from the fixtures; replays every committed crash in
# fuzz/regressions/TARGET (each a fixed bug); then fuzzes each target for N seconds and prints
# one line per target: seconds, executions, corpus size. A crash fails the script and leaves its
# input in fuzz/artifacts/TARGET/.
#
# cargo-fuzz needs nightly compiler flags. With a nightly toolchain it uses `cargo +nightly`;
# without one it runs the stable toolchain with RUSTC_BOOTSTRAP=1, which unlocks the same flags
# (same compiler code, no nightly download; what CI does on a machine without nightly).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

SECONDS_EACH=30
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_EACH="$2"; shift 2 ;;
    -h|--help) sed -n 2,16p "$0"; exit 0 ;;
    *) TARGETS+=("$1"); shift ;;
  esac
done
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(decode tags fma_tracks_csv model_json feature_config library_db)

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  echo "fuzz: installing cargo-fuzz from crates.io"
  cargo install cargo-fuzz --locked --quiet
fi
if cargo +nightly --version >/dev/null 2>&1; then
  CARGO=(cargo +nightly)
else
  echo "fuzz: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1"
  export RUSTC_BOOTSTRAP=1
  CARGO=(cargo)
fi
# Instrumented builds differ from the workspace's: keep them in a folder of their own (the
# workspace's own, for the seed library, stays where the caller set it).
WORKSPACE_TARGET_DIR="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-${HOME:-/root}/.cache/genrespace/fuzz-target}"
SHARED="${GENRESPACE_SHARED:-$ROOT/../shared}"
# Inputs are written to files for every execution: keep them in memory, removed afterwards.
SCRATCH=$(mktemp -d "${FUZZ_SCRATCH:-/dev/shm}/genrespace-fuzz.XXXXXX" 2>/dev/null || mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT
export TMPDIR=$SCRATCH

corpus() { mkdir -p "fuzz/corpus/$1"; echo "fuzz/corpus/$1"; }

# An audio seed: the extension's index in fuzz/src/lib.rs's EXTENSIONS, then the file's head.
EXTENSIONS=(mp3 wav flac ogg opus m4a aiff caf mkv au)
audio_seed() {
  local file=$1 dir=$2 ext=${1##*.} i
  for i in "${!EXTENSIONS[@]}"; do
    if [ "${EXTENSIONS[$i]}" = "$ext" ]; then
      { printf "\\x$(printf %02x "$i")"; head -c 100000 "$file"; } >"$dir/$(basename "$file")"
    fi
  done
}

seed() {
  local target=$1 dir f
  dir=$(corpus "$target")
  case "$target" in
    decode|tags)
      for f in crates/audio/tests/fixtures/* "$SHARED"/real-clips/*.{mp3,ogg,wav}; do
        [ -f "$f" ] && audio_seed "$f" "$dir"
      done ;;
    fma_tracks_csv) cp fuzz/seeds/fma_tracks_csv/* "$dir/" ;;
    feature_config) cp fuzz/seeds/feature_config/* "$dir/" ;;
    model_json)
      cp fuzz/seeds/model_json/* "$dir/"
      for f in models/*/model.json; do cp "$f" "$dir/$(basename "$(dirname "$f")").json"; done ;;
    library_db)
      if [ ! -f "$dir/fixtures.db" ]; then
        # A real library: the fixtures indexed by the program itself with its default model.
        # The debug binary the tests built serves (`cargo run` alone unifies features differently
        # and would rebuild burn); built when absent.
        local bin="$WORKSPACE_TARGET_DIR/debug/genrespace"
        [ -x "$bin" ] || (export CARGO_TARGET_DIR="$WORKSPACE_TARGET_DIR"; cargo build --quiet --locked --bin genrespace)
        (unset TMPDIR; "$bin" index --db "$SCRATCH/seed.db" --library crates/audio/tests/fixtures --json >/dev/null)
        cp "$SCRATCH/seed.db" "$dir/fixtures.db"
      fi ;;
  esac
}

printf '%-16s %8s %12s %8s\n' target seconds executions corpus
for target in "${TARGETS[@]}"; do
  seed "$target"
  if compgen -G "fuzz/regressions/$target/*" >/dev/null; then
    # Given files instead of folders, libFuzzer runs each once: a fixed crash must stay fixed.
    (cd fuzz && "${CARGO[@]}" fuzz run -O "$target" "$ROOT"/fuzz/regressions/"$target"/* >"$SCRATCH/replay.log" 2>&1) \
      || { cat "$SCRATCH/replay.log"; echo "fuzz: a regression input of $target fails again"; exit 1; }
  fi
  log="$SCRATCH/$target.log"
  dict=()
  case "$target" in model_json|feature_config) dict=(-dict="$ROOT/fuzz/json.dict") ;; esac
  if ! (cd fuzz && "${CARGO[@]}" fuzz run -O "$target" "corpus/$target" -- "${dict[@]}" \
      -max_total_time="$SECONDS_EACH" -timeout=30 -rss_limit_mb=4096 -max_len=262144 -print_final_stats=1 >"$log" 2>&1); then
    # The panic or sanitizer report, not libFuzzer's dump of the whole input.
    grep -a -m3 -A8 "panicked at\|ERROR: AddressSanitizer\|ERROR: libFuzzer\|out-of-memory" "$log" | cut -c1-300
    echo "fuzz: $target crashed; the input is in fuzz/artifacts/$target/"
    exit 1
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  printf '%-16s %8s %12s %8s\n' "$target" "$SECONDS_EACH" "${execs:-?}" "$(ls "fuzz/corpus/$target" | wc -l)"
done
