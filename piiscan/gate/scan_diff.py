"""Added lines → gate findings, with the same detectors and policy as ``piiscan scan``.

Lines of many files are batched into few :meth:`Scanner.analyze` calls. In ``.csv`` and
``.tsv`` files each added row is split into cells analysed with ``field=<header name>``
(the header row of the new version), so column-name context applies; cell offsets map
back to line columns. Other files are analysed line by line (long lines cut at
``Config.max_line_chars``, then windowed like ``scan`` does). Evidence is masked, the
value itself is only kept long enough to fingerprint it and test it for an allowance.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from piiscan.gate.allow import allow_reason
from piiscan.gate.baseline import Fingerprinter, blank_own_hashes
from piiscan.gate.findings import GateFinding, SkippedFile
from piiscan.gate.gitdiff import MAX_ADDED_BYTES, MAX_ADDED_LINES, FileChange
from piiscan.line_blocks import analyze_lines
from piiscan.masking import mask_value
from piiscan.model import Span
from piiscan.scanning.scanner import Scanner
from piiscan.scanning.text import TEXT_WINDOW_CHARS

FLUSH_ITEMS = 4_000
ANALYZE_BATCH = 1_000
DELIMITERS = {".csv": ",", ".tsv": "\t"}

HeaderReader = Callable[[str], "str | None"]


@dataclass(frozen=True)
class _Item:
    """A piece of an added line to analyse: a window of it, or one CSV cell."""

    path: str
    line: int
    offset: int  # where ``text`` starts in the line (0-based)
    text: str
    field: str | None = None
    index: tuple[int, ...] | None = None  # text offset → line offset, for unescaped cells


def delimiter_of(path: str) -> str | None:
    """``,`` for .csv, tab for .tsv, None for other files."""
    dot = path.rfind(".")
    return DELIMITERS.get(path[dot:].lower()) if dot >= 0 else None


def split_cells(line: str, delim: str) -> list[tuple[int, str, tuple[int, ...] | None]] | None:
    """Cells of one CSV row as ``(start in line, value, index)``; None on an open quote.

    ``index`` maps each value character to its line offset when quotes were unescaped
    (None when the value is the line slice from ``start``).
    """
    cells: list[tuple[int, str, tuple[int, ...] | None]] = []
    i, n = 0, len(line)
    while True:
        if i < n and line[i] == '"':
            chars: list[str] = []
            where: list[int] = []
            j = i + 1
            while True:
                if j >= n:
                    return None  # a quoted value running onto the next line
                if line[j] == '"':
                    if j + 1 < n and line[j + 1] == '"':
                        chars.append('"')
                        where.append(j)
                        j += 2
                        continue
                    break
                chars.append(line[j])
                where.append(j)
                j += 1
            value = "".join(chars)
            simple = all(w == i + 1 + k for k, w in enumerate(where))
            cells.append((i + 1, value, None if simple else tuple(where)))
            end = line.find(delim, j + 1)
        else:
            end = line.find(delim, i)
            stop = n if end < 0 else end
            cells.append((i, line[i:stop], None))
        if end < 0:
            return cells
        i = end + 1


def parse_header(line: str | None, delim: str) -> list[str]:
    if not line:
        return []
    cells = split_cells(line.lstrip("\ufeff"), delim) or []
    return [value.strip() for _, value, _ in cells]


class DiffScanner:
    """Feeds added lines to a :class:`Scanner` in batches; collects :class:`GateFinding`."""

    def __init__(
        self,
        scanner: Scanner,
        fingerprint: Fingerprinter,
        *,
        header_of: HeaderReader,
        allow_test_values: bool = True,
    ) -> None:
        self.scanner = scanner
        self.policy = scanner.policy
        self.config = scanner.config
        self.fingerprint = fingerprint
        self.header_of = header_of
        self.allow_test_values = allow_test_values
        self.findings: list[GateFinding] = []
        self.skipped: list[SkippedFile] = []
        self.notes: list[str] = []
        self.files_scanned = 0
        self.lines_scanned = 0
        self._pending: list[_Item] = []
        self._allow_lines: dict[str, dict[int, str]] = {}

    # -- input ------------------------------------------------------------------------
    def add(self, change: FileChange) -> None:
        """Queue the added lines of one changed file (or record why it is skipped)."""
        if change.status == "D":
            self.skipped.append(SkippedFile(change.path, "deleted"))
            return
        if change.status == "U":
            self.skipped.append(SkippedFile(change.path, "unmerged", "resolve the conflict"))
            return
        if change.submodule:
            self.skipped.append(SkippedFile(change.path, "submodule"))
            return
        if change.binary:
            self.skipped.append(SkippedFile(change.path, "binary", "binary content not scanned"))
            return
        self.files_scanned += 1
        if change.truncated:
            self.skipped.append(
                SkippedFile(
                    change.path,
                    "too_large",
                    f"scanned the first {len(change.added)} added lines "
                    f"(cap {MAX_ADDED_LINES} lines / {MAX_ADDED_BYTES // 1_000_000} MB per file)",
                )
            )
        self._allow_lines[change.path] = {
            n: t
            for n, t in (*change.context.items(), *change.added.items())
            if "piiscan" in t.lower()
        }
        delim = delimiter_of(change.path)
        header: list[str] = []
        if delim:  # the new version's first line: added, or read from git
            first = change.added[1] if 1 in change.added else self.header_of(change.path)
            header = parse_header(first, delim)
        cap = self.config.max_line_chars
        cut = 0
        json = change.path.lower().endswith(".json")
        for number, text in change.added.items():
            self.lines_scanned += 1
            if json:  # a baseline's fingerprints are random hex, not personal data
                text = blank_own_hashes(text)
            if len(text) > cap:
                cut += 1
                text = text[:cap]
            if (
                delim
                and header
                and number > 1
                and self._queue_cells(change.path, number, text, delim, header)
            ):
                continue
            self._queue_text(change.path, number, text)
        if cut:
            self.notes.append(
                f"{change.path}: {cut} long line(s) cut at {cap} characters (the head was scanned)"
            )
        if len(self._pending) >= FLUSH_ITEMS:
            self.flush()

    def _queue_text(self, path: str, number: int, text: str) -> None:
        for offset in range(0, max(len(text), 1), TEXT_WINDOW_CHARS):
            piece = text[offset : offset + TEXT_WINDOW_CHARS]
            if piece.strip():
                self._pending.append(_Item(path, number, offset, piece))

    def _queue_cells(
        self, path: str, number: int, text: str, delim: str, header: list[str]
    ) -> bool:
        cells = split_cells(text, delim)
        if cells is None:
            return False
        cap = self.config.max_cell_chars
        for col, (start, value, index) in enumerate(cells):
            if not value.strip():
                continue
            field = header[col] if col < len(header) and header[col] else None
            self._pending.append(
                _Item(path, number, start, value[:cap], field, index[:cap] if index else None)
            )
        return True

    # -- analysis ---------------------------------------------------------------------
    def flush(self) -> None:
        """Analyse every queued piece (grouped by field name) and record findings."""
        groups: dict[str | None, list[_Item]] = {}
        for item in self._pending:
            groups.setdefault(item.field, []).append(item)
        for field, items in groups.items():
            distinct = list(dict.fromkeys(it.text for it in items))  # each text once
            if field is None:  # lines of text: joined into blocks, few detector calls
                spans = analyze_lines(distinct, lambda block: self.scanner.analyze(block, None))
            else:  # cells of one column, each analysed as a value of that field
                spans = [
                    found
                    for i in range(0, len(distinct), ANALYZE_BATCH)
                    for found in self.scanner.analyze(distinct[i : i + ANALYZE_BATCH], field)
                ]
            by_text = dict(zip(distinct, spans, strict=True))
            for item in items:
                self._record(item, by_text[item.text])
        self._pending.clear()

    def _record(self, item: _Item, spans: list[Span]) -> None:
        seen: set[tuple[str, int, int]] = set()
        for s in spans:
            key = (s.entity_type, s.start, s.end)
            if key in seen or s.score < self.config.min_score:
                continue
            if s.reserved or not self.policy.is_personal(s.entity_type):
                continue  # reserved here: pseudonym tokens (ignore_reserved is off)
            seen.add(key)
            value = item.text[s.start : s.end]
            if item.index is not None:
                column, end = item.index[s.start] + 1, item.index[s.end - 1] + 2
            else:
                column, end = item.offset + s.start + 1, item.offset + s.end + 1
            allow = self._allow_lines.get(item.path, {})
            reason = allow_reason(
                s.entity_type,
                value,
                allow.get(item.line, ""),
                allow.get(item.line - 1),
                allow_test_values=self.allow_test_values,
            )
            rule = self.policy.rule(s.entity_type)
            self.findings.append(
                GateFinding(
                    path=item.path,
                    line=item.line,
                    column=column,
                    end_column=end,
                    entity_type=s.entity_type,
                    categories=rule.categories if rule else (),
                    level=rule.level if rule else None,
                    score=round(s.score, 3),
                    evidence=mask_value(value, s.entity_type),
                    fingerprint=self.fingerprint(s.entity_type, value),
                    status="allowed" if reason else "new",
                    allow_reason=reason,
                )
            )

    def finish(self) -> list[GateFinding]:
        """Analyse what is left; the findings sorted by path, line and column."""
        self.flush()
        self.findings.sort(key=lambda f: (f.path, f.line, f.column, f.entity_type))
        return self.findings
