#!/usr/bin/env bash
# The one command that sets up and runs the tests (a fresh Debian machine is fine):
#   bash scripts/test.sh [pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# 1. PostgreSQL server binaries for the live-database tests (the tests start their own cluster).
have_postgres() {
    local bindir
    bindir="$(pg_config --bindir 2>/dev/null || true)"
    [ -n "$bindir" ] && [ -x "$bindir/initdb" ] && [ -x "$bindir/pg_ctl" ] && return 0
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}
have_postgres || apt_install postgresql
command -v chromium >/dev/null || apt_install chromium
command -v java >/dev/null || apt_install default-jre-headless  # the Spark engine tests

# 2. The virtual environment with the development extras.
ensure_venv dev
"$VENV/bin/python" -c 'import pyspark, pandas' 2>/dev/null || "$VENV/bin/python" -m pip install -q -e '.[spark]'

# 3. The spaCy model the NER tests use, when the shared copy is there.
default_model PIISCAN_TEST_SPACY_MODEL

# 4. Microsoft's SARIF 2.1.0 schema and validator for the gate output tests (.cache/sarif/).
command -v npm >/dev/null || apt_install npm
bash scripts/fetch_sarif_tools.sh || warn "SARIF tools not fetched: their tests skip (fail when CI=true)"

# 5. Lint, then the tests.
"$VENV/bin/ruff" check .
"$VENV/bin/python" -m pytest -q "$@"
