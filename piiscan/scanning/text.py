"""One text asset (a document, a log, a text file): lines → findings → verdict.

Lines are cut at ``max_line_chars`` and read in windows of :data:`TEXT_WINDOW_CHARS`,
analysed in blocks of :data:`TEXT_CHUNK_LINES` lines; at most
:data:`MAX_FINDINGS_PER_ASSET` findings are listed (the rest are counted in a note).
"""

from __future__ import annotations

from collections import Counter

from piiscan.classification import judge_text, reserved_in_text, text_findings
from piiscan.model import AssetResult, FieldResult, TextFinding
from piiscan.plugins import Asset
from piiscan.scanning.context import AssetContext, judged
from piiscan.scanning.events import Event

TEXT_CHUNK_LINES = 256
TEXT_WINDOW_CHARS = 5_000
MAX_FINDINGS_PER_ASSET = 1_000


def scan_text(ctx: AssetContext, asset: Asset, source: str) -> AssetResult:
    """The verdict of a text ``asset`` of the (displayed) ``source``."""
    limit = None if ctx.config.full else ctx.config.sample_rows
    shown = ctx.names.path(asset.name).display
    findings: list[TextFinding] = []
    reserved: Counter[str] = Counter()
    dropped = 0
    examined = 0
    block: list[tuple[int, int, str]] = []  # (line number, offset in line, text)

    def flush() -> None:
        nonlocal dropped
        if not block:
            return
        texts = [t for _, _, t in block]
        spans = ctx.columns.analyze(texts, None)
        for (line_no, offset, text), line_spans in zip(block, spans, strict=True):
            reserved_in_text(line_spans, ctx.policy, ctx.config.min_score, reserved)
            for f in text_findings(
                [text],
                line_no,
                [line_spans],
                ctx.policy,
                ctx.encoder,
                ctx.config.min_score,
                [offset],
            ):
                if len(findings) < MAX_FINDINGS_PER_ASSET:
                    findings.append(f)
                else:
                    dropped += 1
        block.clear()

    for line_no, line in enumerate(asset.lines(), start=1):
        if limit is not None and examined >= limit:
            break
        examined += 1
        line = line[: ctx.config.max_line_chars]
        for offset in range(0, max(len(line), 1), TEXT_WINDOW_CHARS):
            piece = line[offset : offset + TEXT_WINDOW_CHARS]
            if piece.strip():
                block.append((line_no, offset, piece))
        if len(block) >= TEXT_CHUNK_LINES:
            flush()
            ctx.on_event(Event("rows", source, shown, rows=TEXT_CHUNK_LINES))
    flush()
    body: FieldResult = judge_text(findings, examined, ctx.policy, reserved)
    notes = [f"{dropped} further findings not listed"] if dropped else []
    if examined == 0:
        notes.append("empty document")
    notes += list(getattr(asset, "notes", ())) + ctx.columns.take_notes()
    return judged(ctx, source, asset, examined, [body], findings, notes)
