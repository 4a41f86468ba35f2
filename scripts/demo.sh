#!/usr/bin/env bash
# Install piiscan in .venv and run the demo (a sample database and files, scanned and reported):
#   bash scripts/demo.sh [piiscan demo arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

ensure_venv
default_model PIISCAN_SPACY_MODEL
exec "$VENV/bin/piiscan" demo "$@"
