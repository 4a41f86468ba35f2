"""Generalization (coarser values) and date shifting, type-preserving where possible.

Values that cannot be read (a "date" that is no date) become ``None``: nothing of them
is safe to keep.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any, cast

Number = int | float | Decimal

# Formats tried on date strings, in order; the string is written back in the same one.
DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d",
    "%d/%m/%Y",
    "%m/%d/%Y",
    "%d.%m.%Y",
    "%d-%m-%Y",
    "%Y%m%d",
    "%B %d, %Y",
    "%b %d, %Y",
    "%d %B %Y",
    "%d %b %Y",
)
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b")
_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")
_DECIMAL = re.compile(r"-?\d+\.\d+")
_UK_POSTCODE = re.compile(r"([A-Z]{1,2}\d[A-Z\d]?)\s*\d[A-Z]{2}")
_US_ZIP = re.compile(r"\d{5}(?:-\d{4})?")


def parse_date(text: str) -> tuple[dt.datetime, str | None] | None:
    """``(value, format)``; format ``None`` means ISO 8601 (``datetime.fromisoformat``)."""
    text = text.strip()
    for fmt in DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt), fmt
        except ValueError:
            continue
    try:
        return dt.datetime.fromisoformat(text), None
    except ValueError:
        return None


def _format(value: dt.datetime, fmt: str | None, original: str) -> str:
    if fmt is not None:
        return value.strftime(fmt)
    original = original.strip()
    if len(original) == 10:
        return value.date().isoformat()
    sep = original[10] if len(original) > 10 and original[10] in "T t" else "T"
    return value.isoformat(sep=sep)


# -- dates --------------------------------------------------------------------------------


def age_band(born: dt.date, as_of: dt.date, width: int = 10) -> str:
    age = as_of.year - born.year - ((as_of.month, as_of.day) < (born.month, born.day))
    low = max(0, age) // width * width
    return f"{low}-{low + width - 1}"


def generalize_date(value: Any, to: str, as_of: dt.date, width: int = 10) -> Any:
    """``to``: ``year`` (Jan 1 of the year for dates, the year for strings and ints),
    ``month`` (the first of the month), or ``age_band`` (``"30-39"``, a string).

    Ints are years (``1987``) or ``yyyymmdd`` dates (``19870314`` → ``19870101``)."""
    if isinstance(value, dt.date):  # datetime included
        if to == "age_band":
            return age_band(
                value if not isinstance(value, dt.datetime) else value.date(), as_of, width
            )
        day = value.replace(day=1) if to == "month" else value.replace(month=1, day=1)
        if isinstance(day, dt.datetime):
            day = day.replace(hour=0, minute=0, second=0, microsecond=0)
        return day
    if isinstance(value, int) and not isinstance(value, bool):
        if 1000 <= value <= 9999:  # a year
            return age_band(dt.date(value, 1, 1), as_of, width) if to == "age_band" else value
        parsed = parse_date(str(value)) if 10_000_000 <= value <= 99_999_999 else None
        if parsed is None:
            return None
        out = generalize_date(parsed[0].date(), to, as_of, width)  # an int yyyymmdd
        return out if isinstance(out, str) else int(f"{out:%Y%m%d}")
    text = str(value)
    parsed = parse_date(text)
    if parsed is not None:
        born = parsed[0]
        if to == "age_band":
            return age_band(born.date(), as_of, width)
        return f"{born:%Y-%m}" if to == "month" else f"{born:%Y}"
    year = _YEAR.search(text)
    if year is None:
        return None
    if to == "age_band":
        return age_band(dt.date(int(year.group()), 1, 1), as_of, width)
    return year.group()


def shift_date(value: Any, days: int) -> Any:
    """``value`` moved by ``days``; dates and datetimes keep their type, strings their
    format, ``int`` dates (``20240501``) stay ints; anything else is ``None``."""
    if isinstance(value, dt.date):
        return value + dt.timedelta(days=days)
    text = str(value)
    parsed = parse_date(text)
    if parsed is None:
        return None
    moved, fmt = parsed[0] + dt.timedelta(days=days), parsed[1]
    out = _format(moved, fmt, text)
    return int(out) if isinstance(value, int) and out.isdigit() else out  # int yyyymmdd


# -- numbers ------------------------------------------------------------------------------


def _round_to(value: Number, step: Number, floor: bool) -> Number:
    if isinstance(value, Decimal):
        q = value / Decimal(str(step))
        q = q.to_integral_value(rounding="ROUND_FLOOR" if floor else "ROUND_HALF_EVEN")
        return q * Decimal(str(step))
    number, size = cast(float, value), cast(float, step)  # int or float (no Decimal here)
    n = math.floor(number / size) if floor else round(number / size)
    out = n * size
    return int(out) if isinstance(value, int) else float(out)


def band(value: Any, width: int = 10) -> Any:
    """Ages: numbers become the band's lower bound (42 → 40); strings ``"40-49"``."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _round_to(value, width, floor=True)
    match = _NUMBER.search(str(value))
    if match is None:
        return None
    low = int(float(match.group().replace(",", ""))) // width * width
    return f"{low}-{low + width - 1}"


def round_step(value: Any, step: Number) -> Any:
    """Amounts rounded to a multiple of ``step``; in strings the number is replaced and
    the rest (currency signs) kept."""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return _round_to(value, step, floor=False)
    text = str(value)
    match = _NUMBER.search(text)
    if match is None:
        return None
    raw = match.group()
    rounded = _round_to(float(raw.replace(",", "")), step, floor=False)
    number = f"{int(rounded):,}" if "," in raw else f"{int(rounded)}"
    return text[: match.start()] + number + text[match.end() :]


def round_coordinates(value: Any, decimals: int = 2) -> Any:
    """Coordinates rounded to ``decimals`` places; every decimal number in a string too."""
    if isinstance(value, Decimal):
        return value.quantize(Decimal(1).scaleb(-decimals))
    if isinstance(value, float):
        return round(value, decimals)
    if isinstance(value, int):
        return value
    return _DECIMAL.sub(lambda m: f"{round(float(m.group()), decimals):.{decimals}f}", str(value))


def postal_prefix(value: Any, country: str | None = None) -> Any:
    """UK outward code (``SW1A``), US first three digits + ``XX``, DE first two + ``XXX``,
    else the first half. Integers keep their digit count (``94105`` → ``94100``)."""
    country = (country or "").upper()
    if isinstance(value, int) and not isinstance(value, bool):
        digits = str(value)
        keep = 2 if country == "DE" else 3 if len(digits) == 5 else max(1, len(digits) // 2)
        return int(digits[:keep] + "0" * (len(digits) - keep))
    text = str(value).strip()
    upper = text.upper()
    uk = _UK_POSTCODE.fullmatch(upper)
    if uk and country in ("", "GB", "UK"):
        return uk.group(1)
    if re.fullmatch(r"\d{5}", text) and country == "DE":
        return text[:2] + "XXX"
    if _US_ZIP.fullmatch(text) and country in ("", "US"):
        return text[:3] + "XX"
    if country in ("GB", "UK") and " " in text:
        return text.split()[0]
    return text[: max(1, len(text) // 2)] if text else text
