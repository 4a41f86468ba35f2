"""Check digits of card numbers (Luhn) and IBANs (ISO 7064 MOD 97-10), in one place.

The detectors validate with them (a card or IMEI must pass Luhn, a reserved IBAN must be
mod-97 valid), the anonymizer's surrogates and the demo data compute them. Standard
library only: the demo imports this module without any dev dependency.
"""

from __future__ import annotations


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check (its last digit the check digit)."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_check_digit(partial: str) -> str:
    """The Luhn digit that completes ``partial`` (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def iban_mod97(compact: str) -> int:
    """ISO 7064 MOD 97-10 of an IBAN without separators (1 means checksum-valid)."""
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


def iban_check_digits(country: str, bban: str) -> int:
    """The check digits (2-98) ISO 13616 gives an IBAN of ``country`` and ``bban``."""
    return 98 - iban_mod97(country + "00" + bban)
