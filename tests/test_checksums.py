"""Luhn and IBAN mod-97 check digits (piiscan.checksums) on public test vectors."""

from __future__ import annotations

import pytest

from piiscan.checksums import iban_check_digits, iban_mod97, luhn_check_digit, luhn_valid

# Card numbers the networks publish for testing, the Luhn article's example, an IMEI.
LUHN_VALID = [
    "4111111111111111",   # Visa
    "4012888888881881",   # Visa
    "5555555555554444",   # Mastercard
    "5105105105105100",   # Mastercard
    "2223003122003222",   # Mastercard 2-series
    "378282246310005",    # American Express
    "371449635398431",    # American Express
    "30569309025904",     # Diners Club
    "6011111111111117",   # Discover
    "3530111333300000",   # JCB
    "79927398713",        # the worked example of the Luhn algorithm
    "490154203237518",    # an IMEI
    "0",
]
# The same numbers with their last digit changed, and two transpositions Luhn catches.
LUHN_INVALID = [
    "4111111111111112",
    "5555555555554440",
    "378282246310006",
    "6011111111111118",
    "79927398710",
    "79927398711",
    "79927398719",
    "4111111111111121",
    "1234567812345678",
]

# IBANs from the ISO 13616 registry and the national banks' published examples.
IBANS_VALID = [
    "GB82WEST12345698765432",
    "DE89370400440532013000",
    "FR1420041010050500013M02606",
    "NL91ABNA0417164300",
    "BE68539007547034",
    "CH9300762011623852957",
    "ES9121000418450200051332",
    "IT60X0542811101000000123456",
    "NO9386011117947",
    "MT84MALT011000012345MTLCAST001S",
]
IBANS_INVALID = [
    "GB82WEST12345698765431",   # last digit changed
    "GB28WEST12345698765432",   # check digits swapped
    "DE89370400440532013001",
    "NL19ABNA0417164300",
    "FR1420041010050500013M02607",
]


@pytest.mark.parametrize("number", LUHN_VALID)
def test_luhn_valid_numbers(number: str) -> None:
    assert luhn_valid(number)


@pytest.mark.parametrize("number", LUHN_INVALID)
def test_luhn_invalid_numbers(number: str) -> None:
    assert not luhn_valid(number)


@pytest.mark.parametrize("number", LUHN_VALID)
def test_luhn_check_digit_completes_the_number(number: str) -> None:
    assert luhn_check_digit(number[:-1]) == number[-1]


@pytest.mark.parametrize("number", LUHN_INVALID)
def test_luhn_check_digit_differs_from_a_wrong_last_digit(number: str) -> None:
    assert luhn_check_digit(number[:-1]) != number[-1]


@pytest.mark.parametrize("iban", IBANS_VALID)
def test_valid_ibans(iban: str) -> None:
    assert iban_mod97(iban) == 1
    assert iban_check_digits(iban[:2], iban[4:]) == int(iban[2:4])


@pytest.mark.parametrize("iban", IBANS_INVALID)
def test_invalid_ibans(iban: str) -> None:
    assert iban_mod97(iban) != 1
    assert iban_check_digits(iban[:2], iban[4:]) != int(iban[2:4])


@pytest.mark.parametrize(("country", "bban", "digits"), [
    ("GB", "WEST12345698765432", 82),
    ("DE", "370400440532013000", 89),
    ("NL", "ABNA0417164300", 91),
    ("GB", "west12345698765432", 82),   # letters count the same in either case
])
def test_iban_check_digits(country: str, bban: str, digits: int) -> None:
    assert iban_check_digits(country, bban) == digits
    assert 2 <= digits <= 98
