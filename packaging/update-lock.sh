#!/usr/bin/env bash
# Regenerates packaging/requirements.lock, the hash-pinned list the installers are built from:
#
#   bash packaging/update-lock.sh        (after changing a dependency or upgrading the venv)
#
# Versions: exactly those of the project venv (PYTHON, default .venv/bin/python), so the build
# and the tests see the same packages; packages only another OS needs (pywin32-ctypes, pefile,
# macholib) resolve to their newest release. Hashes: every file PyPI has for each version, so
# the one lock serves Linux, Windows and macOS. uv is installed for the run in a throwaway venv.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
TOOLS=$(mktemp -d)
trap 'rm -rf "$TOOLS"' EXIT
python3 -m venv "$TOOLS/venv"
"$TOOLS/venv/bin/pip" install -q uv
"$PYTHON" -m pip freeze --all --exclude-editable >"$TOOLS/venv.txt"
# Build tools with published advisories below these (CVE-2024-6345, CVE-2025-47273); a venv
# older than this makes the resolution fail: upgrade it first (pip install -U setuptools).
echo "setuptools>=78.1.1" >"$TOOLS/floors.txt"
"$TOOLS/venv/bin/uv" pip compile pyproject.toml --extra package --universal \
    --python-version 3.11 --generate-hashes --no-annotate --quiet \
    -c "$TOOLS/venv.txt" -c "$TOOLS/floors.txt" \
    --custom-compile-command "bash packaging/update-lock.sh" -o packaging/requirements.lock
