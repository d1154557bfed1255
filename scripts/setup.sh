#!/usr/bin/env bash
# Installs the system packages genrespace needs to build and test, when they are missing:
#   cmake            builds the bundled libopus (Ogg/Opus decoding)
#   sox              `soxi` cross-checks decoded lengths of real clips in the tests
#   mma, fluidsynth, fluid-soundfont-gm, python3   render the style corpus (scripts/make_style_corpus.sh)
#   chromium, chromium-driver   the web app's browser test (crates/server/tests/browser.rs)
#   postgresql (server with contrib's `cube`)   shared libraries' tests (scripts/pg_cluster.sh)
# Safe to run repeatedly; does nothing when everything is present.
set -euo pipefail
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v soxi >/dev/null || need+=(sox)
if [ "${GENRESPACE_CORPUS_TOOLS:-1}" = 1 ]; then
  command -v python3 >/dev/null || need+=(python3)
  command -v mma >/dev/null || need+=(mma)
  command -v fluidsynth >/dev/null || need+=(fluidsynth)
  [ -e /usr/share/sounds/sf2/FluidR3_GM.sf2 ] || need+=(fluid-soundfont-gm)
fi
if [ "${GENRESPACE_BROWSER_TOOLS:-1}" = 1 ]; then
  command -v chromium >/dev/null || need+=(chromium)
  command -v chromedriver >/dev/null || need+=(chromium-driver)
fi
if [ "${GENRESPACE_POSTGRES_TOOLS:-1}" = 1 ]; then
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || need+=(postgresql)
fi
if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing ${need[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q >&2
  $SUDO apt-get install -y -q --no-install-recommends "${need[@]}" >&2
fi
