#!/usr/bin/env bash
# Creates (once) the Python virtual environment the reference and benchmark scripts use, at
# scripts/.venv, with pinned-major versions of librosa and friends from PyPI. Prints its python.
# Usage: PY=$(scripts/python_env.sh [extra packages...])
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
venv="$here/.venv"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv" >&2
  "$venv/bin/pip" install -q --upgrade pip >&2
fi
want=(numpy "librosa>=0.10,<0.12" python_speech_features soundfile "$@")
missing=()
for pkg in "${want[@]}"; do
  name="${pkg%%[<>=]*}"
  "$venv/bin/pip" show -q "$name" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  "$venv/bin/pip" install -q "${missing[@]}" >&2
fi
echo "$venv/bin/python"
