"""The library's front door: scan sources, render an inventory (``piiscan.scan``,
``piiscan.render``; docs/python-api.md).

The package's ``__init__`` re-exports these lazily, so ``import piiscan`` loads none of
the scanner, the plugins or their libraries until one is used.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any, TypedDict, Unpack, cast

from piiscan.config import Config
from piiscan.errors import UsageError
from piiscan.model import Inventory
from piiscan.plugins import Reporter
from piiscan.registry import default_registry

#: A source: a path (file or folder, local or ``s3://`` …) or a database URL.
Source = str | os.PathLike[str]
#: Where :func:`render` writes: a path, or a file opened for writing.
Target = str | os.PathLike[str] | IO[str] | IO[bytes]


class ScanSettings(TypedDict, total=False):
    """:class:`~piiscan.config.Config` fields, as keyword arguments of :func:`scan`
    (``tests/test_python_api.py`` keeps the two the same)."""

    sample_rows: int
    full: bool
    max_values_per_field: int
    include: tuple[str, ...]
    exclude: tuple[str, ...]
    spacy_model: str | None
    policy_path: str | None
    evidence: str
    evidence_examples: int
    hash_key: bytes | None
    min_score: float
    language: str
    batch_rows: int
    max_text_bytes: int
    max_line_chars: int
    max_cell_chars: int
    seed: int
    progress: bool
    detectors: tuple[str, ...]
    detector_packs: tuple[str, ...]
    default_allow_list: bool
    endpoint_url: str | None
    sample_bytes: int
    max_archive_bytes: int
    max_archive_ratio: int
    max_archive_depth: int
    max_archive_members: int
    state_path: str | None
    ignore_reserved: bool
    jobs: int
    statement_timeout: float
    lock_timeout: float
    plugin_tables: Mapping[str, Mapping[str, Mapping[str, Any]]]


def scan(
    sources: Source | Iterable[Source],
    config: Config | None = None,
    **settings: Unpack[ScanSettings],
) -> Inventory:
    """Scan ``sources`` (one, or several) into an :class:`~piiscan.model.Inventory`.

    ``config`` defaults to ``Config()`` (built-in defaults; :func:`~piiscan.config.load_config`
    reads ``piiscan.toml`` and ``PIISCAN_*`` too); ``settings`` override its fields
    (``None`` leaves a field as it is). The scanner's worker pool and state file are
    closed when it returns. Raises :class:`~piiscan.errors.UsageError` for a malformed
    source or setting; a source that cannot be opened, or one unreadable asset, is an
    entry of ``inventory.errors`` instead.
    """
    from piiscan.scanning.scanner import Scanner  # the scanner loads pyarrow and the plugins

    chosen = (config or Config()).with_overrides(**settings)
    with Scanner(chosen) as scanner:
        return scanner.scan(_source_list(sources))


def _source_list(sources: Source | Iterable[Source]) -> list[str]:
    """One source or several, as the strings connectors take."""
    if isinstance(sources, str | os.PathLike):
        return [os.fspath(sources)]
    return [os.fspath(s) for s in sources]


def render(
    inventory: Inventory,
    format: str = "table",
    out: Target | None = None,
    config: Config | None = None,
) -> str:
    """Render ``inventory`` with the reporter named ``format`` (``table``, ``json``,
    ``csv``, ``markdown``, ``html``, ``prefixes``, ``parquet`` or a plugin's) and return
    the text, also written to ``out`` when given (a path, or a file opened for writing).

    A binary format (``parquet``) needs ``out``, a path or a file opened in binary mode,
    and returns ``""``. ``config`` gives the reporter its options
    (``[piiscan.reporters.<name>]``). Raises :class:`~piiscan.errors.PluginError` for an
    unknown format and :class:`~piiscan.errors.UsageError` for a binary format without a
    binary target.
    """
    reporter: Reporter = default_registry.get("reporter", format)(config)
    if reporter.binary:
        _write_binary(reporter, inventory, out)
        return ""
    buffer = io.StringIO()
    reporter.write(inventory, buffer)
    text = buffer.getvalue()
    if isinstance(out, str | os.PathLike):
        Path(out).write_text(text, encoding="utf-8", newline="")
    elif _is_binary(out):
        cast(IO[bytes], out).write(text.encode("utf-8"))
    elif out is not None:
        cast(IO[str], out).write(text)
    return text


def _write_binary(reporter: Reporter, inventory: Inventory, out: Target | None) -> None:
    if out is None or not (isinstance(out, str | os.PathLike) or _is_binary(out)):
        raise UsageError(
            f"the {reporter.name} report is binary data: give out= a path "
            "or a file opened in binary mode"
        )
    if not isinstance(out, str | os.PathLike):
        reporter.write(inventory, out)  # type: ignore[arg-type]  # binary reporters take bytes
        return
    with Path(out).open("wb") as fh:
        reporter.write(inventory, fh)  # type: ignore[arg-type]  # binary reporters take bytes


def _is_binary(out: object) -> bool:
    """A stream that takes bytes (a file opened ``"wb"``, ``io.BytesIO``)."""
    if isinstance(out, io.TextIOBase):
        return False
    return isinstance(out, io.RawIOBase | io.BufferedIOBase) or "b" in getattr(out, "mode", "")
