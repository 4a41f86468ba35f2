"""Vehicle identification numbers (ISO 3779 VIN): a vehicle traceable to its keeper.

A VIN is 17 characters from digits and capital letters without I, O and Q. North
American VINs (and many others) carry a check digit in position 9; a valid one lifts the
score, since a random 17-character code passes by chance once in eleven. Without it a
VIN-shaped code needs a context word (``vin``, ``vehicle``, ``chassis``…) in the column
name or near the match.
"""

from __future__ import annotations

from piiscan.detectors.recognizers.base import Rule, RuleRecognizer

ENTITY = "VEHICLE_ID"
_TRANSLIT = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# 17 VIN characters, at least one letter, the serial's last three characters digits.
_VIN = r"(?=[A-HJ-NPR-Z0-9]{0,13}[A-HJ-NPR-Z])[A-HJ-NPR-Z0-9]{14}[0-9]{3}"
_EDGE_START = r"(?<![\w-])"
_EDGE_END = r"(?![\w-])"
CONTEXT = [
    "vin",
    "vins",
    "vehicle",
    "vehicle identification number",
    "chassis",
    "chassis number",
    "fahrgestellnummer",
    "fahrzeugidentifikationsnummer",
    "bastidor",
    "telaio",
    "chassis",
    "voertuigidentificatienummer",
]


def vin_shaped(text: str) -> bool:
    """17 VIN characters (no I, O, Q), a letter among them, ending in three digits."""
    value = text.strip().upper()
    return (
        len(value) == 17
        and all(c in _TRANSLIT for c in value)
        and not value.isdigit()
        and value[-3:].isdigit()
    )


def vin_check_digit_valid(text: str) -> bool:
    """ISO 3779 / 49 CFR 565 check digit (position 9) of a VIN-shaped value."""
    value = text.strip().upper()
    if not vin_shaped(value):
        return False
    total = sum(_TRANSLIT[c] * w for c, w in zip(value, _WEIGHTS, strict=True))
    expected = total % 11
    return value[8] == ("X" if expected == 10 else str(expected))


def vehicle_id() -> RuleRecognizer:
    """VINs: 0.65 with a valid check digit, 0.3 for the shape alone (lifted by context)."""
    pattern = f"{_EDGE_START}{_VIN}{_EDGE_END}"
    rules = [
        Rule("vin_checked", pattern, 0.65, validate=vin_check_digit_valid),
        Rule("vin_shape", pattern, 0.3, validate=vin_shaped),
    ]
    return RuleRecognizer(ENTITY, rules, list(dict.fromkeys(CONTEXT)), context_floor=0.6)
