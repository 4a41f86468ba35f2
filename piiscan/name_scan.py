"""Names are values too: personal data in asset names and field names.

A file called ``hr/219-73-4999_Margaret_Thornbury.txt``, an S3 key, an archive member, a
sheet, a table or a column named after a person, a JSON key that is an e-mail address:
the name itself holds personal data, and every output that shows it would leak it. The
scanner therefore runs the detectors over names as over values and shows a name that
holds personal data only masked, span by span (``hr/2***9_Ma***y.txt``: the detected parts
masked as evidence is, the rest kept for orientation), the same way in every output
(inventory, reports, ``--state`` file, anonymize manifest, errors, progress).

* **Asset names** (paths, keys, ``book.xlsx/Sheet``, ``schema.table``) are split at ``/``;
  each component is read as a short text (``_`` between words read as a space, a file
  extension left out, pseudonym tokens set aside), so ``219-73-4999_Margaret_Thornbury``
  gives a social security number and a person.
* **Field names** (columns, JSON paths) are split at ``.`` (not inside an e-mail
  address); each part is read as a table
  cell would be (a name needs the name lexicon, not NER alone). A part that is a known
  column label in some language (``Nachname``, ``Fecha de nacimiento``) is never read as
  a person or place.
* Coarse location alone (a folder called ``London``) is not personal data: it is kept.

What is found becomes the pseudo-field :data:`NAME_FIELD` of the asset (one finding per
span, ``field`` naming the masked field it was in, ``line`` 0) and a note, so a name
holding personal data raises the asset to that data's level, and an anonymized copy whose
names still hold it fails verification.

Masking is deterministic (``--evidence masked``: :func:`~piiscan.masking.mask_value`;
``--evidence hash``: a keyed hash), so the same name masks the same everywhere; two names
may mask alike.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

from piiscan.classification import LINKED_ONLY, NER_CONFUSABLE, TEXT_FIELD, finding_verdicts
from piiscan.masking import MASK, EvidenceEncoder, mask_name_part
from piiscan.model import FieldResult, Hint, Span, TextFinding
from piiscan.policy import Policy

#: The pseudo-field holding what was found in an asset's own name and its field names.
NAME_FIELD = "(name)"
#: Neutral field name under which a name part is analysed as a cell.
_CELL_FIELD = "value"
#: Markers the readers add to field paths (``[]`` lists, ``{}`` map members, ``{key}``
#: map keys): structure, not names.
_MARKER = re.compile(r"\[\]|\{\}|\{key\}")
#: Pseudonym tokens an anonymized copy puts in names (``US_SSN_3fa9c2d1e4b5``).
_TOKEN = re.compile(r"[A-Z][A-Z0-9_]*_[0-9a-f]{8,32}(?![0-9A-Za-z])")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,9}$")
#: Types never reported in a name: a dotted file name reads as a web address.
_NOT_IN_NAMES = frozenset({"URL"})
_CACHE_LIMIT = 100_000
#: The entity of a name part the detectors failed on: masked whole, reported nowhere.
UNCHECKED = ""

log = logging.getLogger(__name__)

Analyze = Callable[[list[str], "str | None"], list[list[Span]]]
Hints = Callable[[str], Sequence[Hint]]


@dataclass(frozen=True)
class NameSpan:
    """A detected span of a name (offsets in the raw name, end exclusive)."""

    entity: str
    start: int
    end: int
    score: float


@dataclass(frozen=True)
class ScannedName:
    """A name, the personal data found in it, and how outputs show it."""

    raw: str = field(repr=False)
    display: str = ""
    spans: tuple[NameSpan, ...] = ()

    @property
    def personal(self) -> bool:
        return bool(self.spans)

    @property
    def secrets(self) -> list[str]:
        """The raw texts of the spans, longest first (for scrubbing messages)."""
        return sorted({self.raw[s.start : s.end] for s in self.spans}, key=len, reverse=True)


def prepared(text: str, *, path: bool) -> str:
    """``text`` as the detectors read it, same length: pseudonym tokens blanked, ``_``
    read as a space (in a path component also ``.`` between words: ``Margaret.Thornbury``),
    never inside e-mail addresses; a path component's extension blanked."""
    chars = list(text)
    for m in _TOKEN.finditer(text):
        chars[m.start() : m.end()] = " " * (m.end() - m.start())
    emails = [m.span() for m in _EMAIL.finditer(text)]
    for i, c in enumerate(chars):
        if any(a <= i < b for a, b in emails):
            continue
        dot = c == "." and path and not (_digit(text, i - 1) and _digit(text, i + 1))
        if c == "_" or dot:
            chars[i] = " "
    if path:
        ext = _EXTENSION.search(text)
        if ext and not any(a <= ext.start() < b for a, b in emails):
            chars[ext.start() :] = " " * (len(text) - ext.start())
    return "".join(chars)


@dataclass(frozen=True)
class MaskedFields:
    """What :meth:`NameScanner.apply` gives: the fields under masked names (the
    :data:`NAME_FIELD` added when names hold personal data), the notes saying so, and what
    :meth:`hide` replaces in other text (raw names first, then raw spans)."""

    fields: list[FieldResult]
    notes: list[str]
    replacements: list[tuple[str, str]]

    def hide(self, text: str) -> str:
        """``text`` (a reader's note) with every raw name and span replaced."""
        for raw, shown in sorted(self.replacements, key=lambda r: -len(r[0])):
            if raw:
                text = text.replace(raw, shown)
        return text


def _trimmed(text: str, span: NameSpan) -> NameSpan:
    """``span`` without the blanks at its ends (a blanked extension or separator)."""
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return replace(span, start=start, end=end)


def _digit(text: str, i: int) -> bool:
    return 0 <= i < len(text) and text[i].isdigit()


def _resolve(spans: list[NameSpan]) -> list[NameSpan]:
    """Non-overlapping spans: the higher score, then the longer span wins."""
    kept: list[NameSpan] = []
    for s in sorted(spans, key=lambda s: (-s.score, -(s.end - s.start), s.start)):
        if all(s.end <= k.start or k.end <= s.start for k in kept):
            kept.append(s)
    return sorted(kept, key=lambda s: s.start)


class NameScanner:
    """Finds and masks personal data in asset and field names (see the module docstring).

    ``analyze(texts, field)`` is the scanner's detector call (``field=None``: text mode);
    ``hints(name)`` the detectors' column-name hints.
    """

    def __init__(
        self,
        analyze: Analyze,
        policy: Policy,
        encoder: EvidenceEncoder,
        min_score: float = 0.5,
        hints: Hints | None = None,
    ) -> None:
        self.analyze = analyze
        self.policy = policy
        self.encoder = encoder
        self.min_score = min_score
        self.hints = hints or (lambda _name: ())
        self._parts: dict[tuple[str, bool], tuple[NameSpan, ...]] = {}
        self._failed = False
        self._names: dict[tuple[str, bool], ScannedName] = {}

    # -- names ---------------------------------------------------------------------------
    def path(self, raw: str) -> ScannedName:
        """An asset name: ``/``-separated components, each read as a short text."""
        return self._name(raw, path=True)

    def field(self, raw: str) -> ScannedName:
        """A field name: ``.``-separated parts (list and map markers aside), each read as
        a cell."""
        return self._name(raw, path=False)

    def part_spans(self, part: str, *, path: bool) -> tuple[NameSpan, ...]:
        """The spans found in one component (``path``) or field-name part."""
        key = (part, path)
        found = self._parts.get(key)
        if found is None:
            found = self._analyze_part(part, path=path)
            if len(self._parts) >= _CACHE_LIMIT:
                self._parts.clear()
            self._parts[key] = found
        return found

    def _name(self, raw: str, *, path: bool) -> ScannedName:
        key = (raw, path)
        known = self._names.get(key)
        if known is not None:
            return known
        spans: list[NameSpan] = []
        for start, part in _parts(raw, path=path):
            spans += [
                replace(s, start=s.start + start, end=s.end + start)
                for s in self.part_spans(part, path=path)
            ]
        display = mask_name(raw, spans, self.encoder)
        result = ScannedName(raw, display, tuple(spans))
        if len(self._names) >= _CACHE_LIMIT:
            self._names.clear()
        self._names[key] = result
        return result

    def _analyze_part(self, part: str, *, path: bool) -> tuple[NameSpan, ...]:
        text = prepared(part, path=path)
        if not text.strip() or not any(c.isalnum() for c in text):
            return ()
        try:
            found = self.analyze([text], None if path else _CELL_FIELD)[0]
            labelled = not path and bool(self.hints(part))
        except Exception as exc:  # a broken detector: the part is masked whole, unchecked
            if not self._failed:
                log.warning(
                    "names could not be checked for personal data (%s): shown masked",
                    type(exc).__name__,
                )
            self._failed = True
            return (NameSpan(UNCHECKED, 0, len(part), 0.0),)
        spans = [
            _trimmed(text, NameSpan(s.entity_type, s.start, s.end, s.score))
            for s in found
            if not s.reserved
            and s.score >= self.min_score
            and self.policy.is_personal(s.entity_type)
            and s.entity_type not in _NOT_IN_NAMES
            and text[s.start : s.end].strip()
            and not (labelled and s.entity_type in NER_CONFUSABLE)
        ]
        if all(s.entity in LINKED_ONLY for s in spans):
            return ()  # a place alone in a name is about no one
        return tuple(_resolve(spans))

    # -- results -------------------------------------------------------------------------
    def apply(self, fields_in: Sequence[FieldResult], name: ScannedName) -> MaskedFields:
        """``fields_in`` with masked names, plus the :data:`NAME_FIELD` field when the
        asset's ``name`` or a field name holds personal data, and the notes that say so."""
        fields: list[FieldResult] = []
        findings = self._findings(name, None)
        replacements = [(name.raw, name.display)] if name.personal else []
        examined = 1
        for f in fields_in:
            scanned = self.field(f.name) if f.name not in (TEXT_FIELD, NAME_FIELD) else None
            if scanned is None:
                fields.append(f)
                continue
            examined += 1
            if scanned.personal:
                findings += self._findings(scanned, scanned.display)
                replacements.append((scanned.raw, scanned.display))
            fields.append(self._masked_field(f, scanned))
        for scanned in (name, *(self.field(f.name) for f in fields_in)):
            replacements += [(secret, MASK) for secret in scanned.secrets]
        notes: list[str] = []
        types = ", ".join(sorted({s.entity for s in name.spans} - {UNCHECKED}))
        if types:
            notes.append(f"personal data in the name: {types} (shown masked)")
        if any(s.entity == UNCHECKED for s in name.spans):
            notes.append("name not checked for personal data (a detector failed): shown masked")
        in_fields = {f.field for f in findings if f.field is not None}
        if in_fields:
            types = ", ".join(sorted({f.entity for f in findings if f.field is not None}))
            notes.append(f"personal data in {len(in_fields)} field name(s): {types} (shown masked)")
        if findings:
            fields.append(self._name_field(findings, examined))
        return MaskedFields(fields, notes, replacements)

    def _masked_field(self, f: FieldResult, scanned: ScannedName) -> FieldResult:
        if not scanned.personal and not any(x.field for x in f.findings):
            return f
        return replace(
            f,
            name=scanned.display,
            findings=tuple(
                replace(x, field=self.field(x.field).display) if x.field else x for x in f.findings
            ),
        )

    def _findings(self, name: ScannedName, field: str | None) -> list[TextFinding]:
        return [
            TextFinding(
                entity=s.entity,
                line=0,
                start=s.start,
                end=s.end,
                score=s.score,
                evidence=mask_name_part(name.raw[s.start : s.end], s.entity, self.encoder),
                field=field,
            )
            for s in name.spans
            if s.entity != UNCHECKED
        ]

    def _name_field(self, findings: list[TextFinding], examined: int) -> FieldResult:
        verdicts = finding_verdicts(findings, examined, lambda f: f.field)
        return FieldResult(
            name=NAME_FIELD,
            data_type="name",
            status="personal",
            sampled=examined,
            nulls=0,
            entities=tuple(verdicts),
            findings=tuple(findings),
            **self.policy.tags(v.type for v in verdicts),
        )


def _parts(raw: str, *, path: bool) -> list[tuple[int, str]]:
    """(offset, part) of a name: path components, or field-name parts without markers."""
    if path:
        out, pos = [], 0
        for piece in raw.split("/"):
            out.append((pos, piece))
            pos += len(piece) + 1
        return out
    emails = [m.span() for m in _EMAIL.finditer(raw)]
    out, start = [], 0
    for i in range(len(raw) + 1):
        if i < len(raw) and (raw[i] != "." or any(a <= i < b for a, b in emails)):
            continue
        at = start
        for m in [*_MARKER.finditer(raw, start, i), None]:
            end = i if m is None else m.start()
            if end > at:
                out.append((at, raw[at:end]))
            at = i if m is None else m.end()
        start = i + 1
    return out


def mask_name(raw: str, spans: Sequence[NameSpan], encoder: EvidenceEncoder) -> str:
    """``raw`` with each span masked (see :func:`~piiscan.masking.mask_name_part`)."""
    if not spans:
        return raw
    out: list[str] = []
    last = 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < last:
            continue
        out.append(raw[last : s.start])
        out.append(mask_name_part(raw[s.start : s.end], s.entity, encoder))
        last = s.end
    out.append(raw[last:])
    return "".join(out)
