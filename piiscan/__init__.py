"""piiscan: personal-data discovery and classification.

Library first (docs/python-api.md): ``piiscan.scan(sources, config)`` returns an
:class:`~piiscan.model.Inventory`, ``piiscan.render(inventory, "json")`` its report; the
CLI (:mod:`piiscan.cli`) is a thin layer over the same code. The names below are loaded
on first use, so ``import piiscan`` stays light (no pyarrow, Presidio or spaCy).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

from piiscan.version import __version__

if TYPE_CHECKING:
    from piiscan.api import render, scan
    from piiscan.config import Config, load_config
    from piiscan.model import Inventory
    from piiscan.policy import load_policy
    from piiscan.reports.loading import load_inventory
    from piiscan.scanning.scanner import Scanner

__all__ = [
    "Config",
    "Inventory",
    "Scanner",
    "__version__",
    "load_config",
    "load_inventory",
    "load_policy",
    "render",
    "scan",
]

#: Public name → the module that defines it.
_HOMES = {
    "Config": "piiscan.config",
    "Inventory": "piiscan.model",
    "Scanner": "piiscan.scanning.scanner",
    "load_config": "piiscan.config",
    "load_inventory": "piiscan.reports.loading",
    "load_policy": "piiscan.policy",
    "render": "piiscan.api",
    "scan": "piiscan.api",
}


def __getattr__(name: str) -> object:
    """A public name, imported from its home the first time it is asked for."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'piiscan' has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
