"""Install hints that match how this copy of piiscan was installed.

The import package and the command are ``piiscan``; the distribution on PyPI is
:data:`DISTRIBUTION` (the name ``piiscan`` there belongs to an unrelated project, so no
hint may name it). An editable checkout gets
``pip install -e '/path/to/checkout[extra]'``, a copy installed from a local folder or
wheel gets that folder or wheel back, and anything else the PyPI name. Every hint runs
the ``pip`` of the interpreter piiscan runs in (``python -m pip``).
"""

from __future__ import annotations

import functools
import json
import shlex
import sys
import tomllib
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

#: The distribution name on PyPI (``pip install piiscan-inventory``).
DISTRIBUTION = "piiscan-inventory"


@dataclass(frozen=True)
class Installation:
    """Where piiscan was installed from: ``kind`` is ``editable``, ``local`` (a folder or
    wheel file) or ``index`` (PyPI or another index); ``location`` the folder or wheel."""

    kind: str
    location: str | None = None


def _checkout_root() -> Path | None:
    """The source checkout this module runs from: its parent folder holds the
    pyproject.toml of :data:`DISTRIBUTION`."""
    root = Path(__file__).resolve().parent.parent
    try:
        with (root / "pyproject.toml").open("rb") as fh:
            name = tomllib.load(fh).get("project", {}).get("name")
    except (OSError, tomllib.TOMLDecodeError):
        return None
    return root if name == DISTRIBUTION else None


def _from_direct_url(text: str) -> Installation | None:
    """PEP 610 ``direct_url.json``: a local folder (editable or not) or archive."""
    try:
        data = json.loads(text)
        parts = urlsplit(data["url"])
    except (ValueError, KeyError, TypeError):
        return None
    if parts.scheme != "file":
        return None
    location = url2pathname(unquote(parts.path))
    if data.get("dir_info", {}).get("editable"):
        return Installation("editable", location)
    return Installation("local", location)


@functools.lru_cache(maxsize=1)
def installation() -> Installation:
    """How the running piiscan was installed (cached; never raises).

    Code that runs from a checkout (an editable install, or the source tree on the path)
    is ``editable``; otherwise PEP 610's ``direct_url.json`` tells a local folder or wheel
    from an index. Every installed copy of the distribution is asked: a stale
    ``*.egg-info`` in the working directory must not hide the real one.
    """
    root = _checkout_root()
    if root is not None:
        return Installation("editable", str(root))
    for dist in metadata.distributions(name=DISTRIBUTION):
        direct = dist.read_text("direct_url.json")
        found = _from_direct_url(direct) if direct else None
        if found is not None:
            return found
    return Installation("index")


def install_command(extra: str | None = None, how: Installation | None = None) -> str:
    """The command that adds ``extra`` (e.g. ``s3``) to this installation."""
    how = how or installation()
    suffix = f"[{extra}]" if extra else ""
    pip = f"{shlex.quote(sys.executable)} -m pip install"
    if how.kind == "editable" and how.location:
        return f"{pip} -e {shlex.quote(how.location + suffix)}"
    if how.kind == "local" and how.location:
        return f"{pip} {shlex.quote(how.location + suffix)}"
    return f"{pip} {shlex.quote(DISTRIBUTION + suffix)}"
