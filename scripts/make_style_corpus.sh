#!/usr/bin/env bash
# Render the style corpus (see scripts/style_corpus.py), installing mma, fluidsynth,
# fluid-soundfont-gm and sox first when they are missing.
# Usage: scripts/make_style_corpus.sh --out DIR [--clips-per-style N] [--seconds S] [--seed N]
#                                     [--families a,b] [--max-styles N] [--jobs N]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/setup.sh"
exec python3 "$here/style_corpus.py" "$@"
