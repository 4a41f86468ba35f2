"""CSV, XLSX and Markdown renderings of the record of processing activities.

CSV and the XLSX sheet "Record of processing" share fixed columns (:data:`COLUMNS`), one
row per activity; a missing required field is an empty cell and is named in the
``missing`` column. The XLSX sheet "Missing information" and the Markdown section of the
same name list activity + field. Cells a spreadsheet would run as formulas are kept text.
"""

from __future__ import annotations

import csv
import html
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from piiscan.detection import header_line
from piiscan.errors import UsageError
from piiscan.reports.cells import is_formula, spreadsheet_safe
from piiscan.reports.ropa import Record, RecordEntry, Transfer

FORMATS = ("markdown", "csv", "xlsx")
RECORD_SHEET = "Record of processing"
MISSING_SHEET = "Missing information"
NOTHING_MISSING = "No required information is missing."
COLUMNS = (
    "activity",
    "purpose",
    "legal_basis",
    "data_subjects",
    "categories_of_personal_data",
    "special_categories",
    "recipients",
    "transfers",
    "retention",
    "security_measures",
    "sources",
    "systems",
    "sensitivity",
    "notes",
    "missing",
    "controller",
    "controller_contact",
    "dpo",
    "representative",
)
MISSING_COLUMNS = ("activity", "field", "note")
LIST_SEP = "; "


def transfers_text(transfers: tuple[Transfer, ...] | None) -> str:
    """``none`` for an explicit none, empty when not declared."""
    if transfers is None:
        return ""
    if not transfers:
        return "none"
    return LIST_SEP.join(
        f"{t.country or 'country missing'} ({t.safeguard or 'safeguard missing'})"
        for t in transfers
    )


def _missing_fields(record: Record, entry: RecordEntry) -> list[str]:
    return [m.field for m in record.missing if m.activity == entry.activity.label]


def table_rows(record: Record) -> list[list[str]]:
    """The record as rows of text under :data:`COLUMNS`."""
    c = record.controller
    rows = []
    for entry in record.entries:
        a = entry.activity
        rows.append(
            [
                a.name or "",
                a.purpose or "",
                a.legal_basis or "",
                LIST_SEP.join(a.data_subjects),
                LIST_SEP.join(entry.categories),
                LIST_SEP.join(entry.special_categories),
                LIST_SEP.join(a.recipients),
                transfers_text(a.transfers),
                a.retention or "",
                LIST_SEP.join(a.security_measures),
                LIST_SEP.join(a.sources),
                LIST_SEP.join(entry.systems),
                entry.sensitivity or "",
                LIST_SEP.join(entry.notes),
                LIST_SEP.join(_missing_fields(record, entry)),
                c.name or "",
                c.contact or "",
                c.dpo or "",
                c.representative or "",
            ]
        )
    return rows


def missing_rows(record: Record) -> list[list[str]]:
    return [[m.activity, m.field, m.note] for m in record.missing]


def render_csv(record: Record) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in table_rows(record):
        writer.writerow(spreadsheet_safe(v) for v in row)
    return buf.getvalue()


def _sheet(ws: Any, header: Sequence[str], rows: list[list[str]], widest: int = 60) -> None:
    from openpyxl.styles import Alignment, Font

    ws.append(list(header))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append(row)
    for line in ws.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and is_formula(cell.value):
                cell.data_type = "s"  # text, never a formula
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A2"
    for column in ws.columns:
        longest = max(len(str(c.value or "")) for c in column)
        ws.column_dimensions[column[0].column_letter].width = min(widest, max(12, longest + 2))


def write_xlsx(record: Record, path: str | Path) -> None:
    """Write the workbook to ``path`` (sheets :data:`RECORD_SHEET`, :data:`MISSING_SHEET`)."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None  # a new workbook has one sheet
    ws.title = RECORD_SHEET
    _sheet(ws, COLUMNS, table_rows(record))
    missing = missing_rows(record) or [["", "", NOTHING_MISSING]]
    _sheet(wb.create_sheet(MISSING_SHEET), MISSING_COLUMNS, missing)
    p = Path(path)
    tmp = p.with_name(p.name + ".partial")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        wb.save(tmp)
        tmp.replace(p)
    except OSError as exc:
        raise UsageError(f"cannot write {p}: {exc.strerror or exc}") from None


def _md(text: str) -> str:
    return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")


def _value(text: str, missing: bool) -> str:
    return "**missing**" if missing and not text else _md(text) or "-"


def render_markdown(record: Record) -> str:
    c = record.controller
    out = [
        "# Record of processing activities (GDPR Art. 30(1))",
        "",
        "Categories of personal data, special categories, systems and sensitivity are "
        f"filled from the inventory generated {record.inventory_generated_at or 'unknown'}; "
        "everything else is as declared in the activities file.",
        "",
        _md(record.detection or header_line({}, "Detection")),
        "",
        "## Controller",
        "",
    ]
    controller_missing = {m.field for m in record.missing if m.activity == "(controller)"}
    for label, key, value in (
        ("Name", "name", c.name),
        ("Contact", "contact", c.contact),
        ("Data protection officer", "dpo", c.dpo),
        ("Representative", "representative", c.representative),
    ):
        out.append(f"- {label}: {_value(value or '', key in controller_missing)}")
    labels = dict.fromkeys(COLUMNS, "")
    labels.update(
        purpose="Purpose",
        legal_basis="Legal basis (Art. 6(1))",
        data_subjects="Categories of data subjects",
        categories_of_personal_data="Categories of personal data (from the scan)",
        special_categories="Special categories, Art. 9 (from the scan)",
        recipients="Categories of recipients",
        transfers="Transfers to third countries",
        retention="Retention",
        security_measures="Security measures",
        sources="Sources (declared patterns)",
        systems="Systems (from the scan)",
        sensitivity="Highest sensitivity (from the scan)",
        notes="Notes",
    )
    declared = {
        "purpose": "purpose",
        "legal_basis": "legal_basis",
        "data_subjects": "data_subjects",
        "recipients": "recipients",
        "transfers": "transfers",
        "retention": "retention",
        "security_measures": "security_measures",
        "sources": "sources",
        "categories_of_personal_data": "categories of personal data",
    }
    for i, (entry, row) in enumerate(zip(record.entries, table_rows(record), strict=True), 1):
        missing = set(_missing_fields(record, entry))
        out += ["", f"## {i}. {_md(entry.activity.label)}", "", "| Field | Value |", "|---|---|"]
        for key, text in zip(COLUMNS, row, strict=True):
            if not labels[key] or (key == "notes" and not text):
                continue
            out.append(f"| {labels[key]} | {_value(text, declared.get(key) in missing)} |")
    out += ["", "## Missing information", ""]
    if not record.missing:
        out.append(NOTHING_MISSING)
    else:
        out += ["| Activity | Field | Note |", "|---|---|---|"]
        out += [f"| {_md(a)} | {_md(f)} | {_md(n)} |" for a, f, n in missing_rows(record)]
    return "\n".join(out) + "\n"
