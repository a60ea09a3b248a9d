#!/usr/bin/env bash
# Run the test suite against the lowest versions of the dependencies pyproject.toml allows.
#
#   bash tests/lower-bounds.sh [PYTHON] [PYTEST ARGS...]
#
# PYTHON defaults to python3 (e.g. python3.10); a fresh venv is made under a temporary folder
# and removed afterwards. The pinned versions are in tests/lower-bounds.txt.
set -euo pipefail
python=${1:-python3}
shift || true
repo=$(cd "$(dirname "$0")/.." && pwd)
venv=$(mktemp -d)/venv
trap 'rm -rf "$(dirname "$venv")"' EXIT
"$python" -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# --constraint pins the dependencies (and only them) to their floors; the test extras float
"$venv/bin/python" -m pip install -q --constraint "$repo/tests/lower-bounds.txt" -e "$repo[test]"
"$venv/bin/python" -m pip list --format=freeze | grep -iE '^(pyyaml|jsonschema|referencing|libcst|click|tomli)=='
cd "$repo"
"$venv/bin/python" -m pytest -q -p no:cacheprovider "$@"
