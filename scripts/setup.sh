# Shared set-up for scripts/test.sh and scripts/demo.sh; source it, do not run it.
# Idempotent: the virtual environment is created once and the project reinstalled only
# when pyproject.toml changes.

VENV="${VENV:-.venv}"
SHARED_MODEL="$(pwd)/../shared/models/en_ner_distilled_sm-0.1.1"

warn() { printf 'warning: %s\n' "$*" >&2; }

# apt_install PACKAGE...: install Debian packages when we are root, else warn and go on.
apt_install() {
    if [ "$(id -u)" -ne 0 ]; then
        warn "not root: install $* yourself (apt-get install $*)"
        return 0
    fi
    if [ -z "${APT_UPDATED:-}" ]; then
        apt-get update -qq
        APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# ensure_venv EXTRAS: create $VENV and install the project editable, e.g. ensure_venv dev.
ensure_venv() {
    local target="." stamp
    [ -n "${1:-}" ] && target=".[$1]"
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -c 'import ensurepip' 2>/dev/null || apt_install python3-venv
        python3 -m venv "$VENV"
    fi
    stamp="$VENV/.piiscan-install-${1:-base}"
    # Up to date when installed from this pyproject.toml (the dev extras include the base).
    cmp -s pyproject.toml "$stamp" 2>/dev/null && return 0
    cmp -s pyproject.toml "$VENV/.piiscan-install-dev" 2>/dev/null && return 0
    "$VENV/bin/python" -m pip install -q -e "$target"
    cp pyproject.toml "$stamp"
}

# default_model VAR: point VAR at the shared spaCy model when it is there and VAR is unset.
default_model() {
    if [ -z "${!1:-}" ] && [ -d "$SHARED_MODEL" ]; then
        export "$1=$SHARED_MODEL"
    fi
}
