"""piiscan: personal-data discovery and classification.

Library first: ``piiscan.scan(sources, config)`` returns an :class:`~piiscan.model.Inventory`;
the CLI (:mod:`piiscan.cli`) is a thin layer over it.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["Config", "Inventory", "Scanner", "__version__", "load_config", "load_policy", "scan"]


def __getattr__(name: str) -> Any:  # lazy: keep `import piiscan` and CLI start-up light
    if name in ("scan", "Scanner"):
        from piiscan import pipeline

        return getattr(pipeline, name)
    if name in ("Config", "load_config"):
        from piiscan import config

        return getattr(config, name)
    if name == "load_policy":
        from piiscan.policy import load_policy

        return load_policy
    if name == "Inventory":
        from piiscan.model import Inventory

        return Inventory
    raise AttributeError(name)
