"""Reading files users hand to a command: every problem is one clear line, never a traceback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from piiscan.errors import UsageError
from piiscan.safe_yaml import load_yaml


def read_text(path: str | Path, what: str) -> str:
    """The UTF-8 text of ``path``; ``what`` names the file in messages ("inventory")."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{what} file not found: {p}") from None
    except UnicodeDecodeError:
        raise UsageError(f"{p} is not a {what} file (not UTF-8 text)") from None
    except OSError as exc:
        raise UsageError(f"cannot read {what} file {p}: {exc.strerror or exc}") from None


def read_yaml(path: str | Path, what: str) -> Any:
    """The parsed YAML of ``path``; a syntax error names the line and column, not the text."""
    text = read_text(path, what)
    try:
        return load_yaml(text, str(path))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UsageError(f"{path} is not valid YAML{where}") from None
