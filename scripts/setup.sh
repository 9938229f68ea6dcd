#!/usr/bin/env bash
# Fresh-machine install: a virtual environment in .venv with the CPU build of torch, lfhtr, the plugin
# distributions in plugins/, and the default handwriting fonts. `--dev` adds the test and lint tools.
# Set TORCH_REQUIREMENT to install another torch build first (e.g. a CUDA one on a GPU machine).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="plots"
[ "${1:-}" = "--dev" ] && extras="plots,dev"
python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
# torch first and pinned here (not in pyproject): a bare `torch` requirement can pull a multi-GB CUDA build
.venv/bin/python -m pip install -q "${TORCH_REQUIREMENT:-torch==2.13.0}"
.venv/bin/python -m pip install -q -e ".[${extras}]" ./plugins/lfhtr-page-clutter ./plugins/lfhtr-kraken
bash scripts/install-fonts.sh
echo "setup: done; activate with '. .venv/bin/activate'"
