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
# The example third-party plugin (examples/piiscan-plugin-example, no download): installed,
# so the suite runs next to a plugin it must not see (tests/conftest.py), and tested below.
"$VENV/bin/python" -m pip install -q --no-deps --no-build-isolation -e examples/piiscan-plugin-example

# 3. The spaCy model the NER tests use, when the shared copy is there.
default_model PIISCAN_TEST_SPACY_MODEL

# 4. Microsoft's SARIF 2.1.0 schema and validator for the gate output tests (.cache/sarif/).
command -v npm >/dev/null || apt_install npm
bash scripts/fetch_sarif_tools.sh || warn "SARIF tools not fetched: their tests skip (fail when CI=true)"

# 5. Lint, format, types and layering (mypy and import-linter run over the package laid
#    out as installed: scripts/package_tree.py), then the tests.
"$VENV/bin/ruff" check .
"$VENV/bin/ruff" format --check .
"$VENV/bin/python" scripts/package_tree.py mypy
"$VENV/bin/python" scripts/package_tree.py lint-imports
"$VENV/bin/python" -m pytest -q "$@"
# The example plugin's own tests (piiscan's conformance kit, piiscan.testing).
"$VENV/bin/python" -m pytest -q -c examples/piiscan-plugin-example/pyproject.toml \
    examples/piiscan-plugin-example/tests
