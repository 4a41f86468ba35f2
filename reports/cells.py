"""Spreadsheet cells: text a spreadsheet would run as a formula stays text.

Asset, field and source names, evidence and notes come from the scanned data, so a cell
that starts like a formula (``=HYPERLINK(...)``, ``+cmd|...``, ``@SUM(...)``) could run when
a CSV report is opened in Excel or LibreOffice. :func:`spreadsheet_safe` prefixes such a
cell with ``'`` (the spreadsheet convention for "text"); every CSV and workbook writer of
piiscan uses it (the ``csv`` report, the matrix, the record of processing).
"""

from __future__ import annotations

#: The first characters that make a spreadsheet read a cell as a formula (OWASP's list).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def is_formula(value: str) -> bool:
    """Whether a spreadsheet would read ``value`` as a formula."""
    return value.startswith(FORMULA_START)


def spreadsheet_safe(value: str) -> str:
    """``value``, prefixed with ``'`` when a spreadsheet would run it as a formula."""
    return "'" + value if is_formula(value) else value
