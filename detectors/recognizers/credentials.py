"""Secrets: passwords (labelled or hashed), credentials (API keys, tokens) and card CVVs."""

from __future__ import annotations

import regex

from piiscan.detectors.recognizers.base import Rule, RuleRecognizer

_KV = r"[\"']?\s{0,3}(?:(?:is|ist|est|es|é)\s{1,3}|[:=]\s{0,3})[\"']?"
_PASSWORD_WORDS = (
    r"(?:password|passwd|passwort|kennwort|pwd|pass|passcode|passphrase|"
    r"mot de passe|contraseña|contrasena|senha)"
)


def password() -> RuleRecognizer:
    rules = [
        Rule("labelled", rf"\b{_PASSWORD_WORDS}{_KV}(?P<p>[^\s\"',;]{{4,64}})", 0.7, group="p"),
        Rule(
            "url_userinfo",
            r"\b[a-z][a-z0-9+.-]{1,20}://[^\s:/@]{1,64}:(?P<p>[^\s/@]{1,64})@",
            0.8,
            group="p",
        ),
        Rule(
            "crypt_hash",
            r"(?<![\w$])(?:\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}"
            r"|\$argon2(?:id|i|d)\$v=\d{1,3}\$m=\d{1,9},t=\d{1,4},p=\d{1,4}"
            r"\$[A-Za-z0-9+/]{8,128}\$[A-Za-z0-9+/]{16,256}"
            r"|\$[156]\$(?:rounds=\d{1,7}\$)?[./A-Za-z0-9]{1,16}\$[./A-Za-z0-9]{22,86}"
            r"|\$(?:scrypt|7)\$[./A-Za-z0-9$=+,-]{20,300}"
            r"|pbkdf2_sha(?:1|256|512)\$\d{1,7}\$[A-Za-z0-9+/=]{1,64}"
            r"\$[A-Za-z0-9+/=]{20,128}"
            r"|\{(?:SSHA|SHA|SSHA256|SSHA512|CRYPT)\}[A-Za-z0-9+/=.$]{8,200})",
            0.4,
        ),
        Rule(
            "hex_digest",
            r"(?<![\w$])(?:[a-f0-9]{32}|[a-f0-9]{40}|[a-f0-9]{64}|[a-f0-9]{128})"
            r"(?![\w$])",
            0.1,
        ),
    ]
    context = [
        "password",
        "passwords",
        "passwd",
        "pwd",
        "pass",
        "passcode",
        "passphrase",
        "passwort",
        "kennwort",
        "password hash",
        "passwordhash",
        "pwhash",
        "hashed password",
        "mot de passe",
        "contrasena",
        "senha",
    ]
    return RuleRecognizer("PASSWORD", rules, context)


def _mixed(text: str) -> bool:
    return any(c.isdigit() for c in text) and any(c.isalpha() for c in text)


def credential() -> RuleRecognizer:
    rules = [
        Rule(
            "aws_access_key",
            r"(?<![A-Z0-9])(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)"
            r"[0-9A-Z]{16}(?![A-Z0-9])",
            0.85,
        ),
        Rule(
            "aws_secret",
            r"(?i:aws_?secret_?access_?key|aws_?secret)[\"']?\s{0,3}[:=]\s{0,3}"
            r"[\"']?(?P<s>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
            0.9,
            group="s",
        ),
        Rule(
            "github_token",
            r"(?<!\w)(?:gh[pousr]_[A-Za-z0-9]{36,255}|"
            r"github_pat_[A-Za-z0-9_]{22,255})(?!\w)",
            0.9,
        ),
        Rule("slack_token", r"(?<!\w)xox[baprs]-[A-Za-z0-9-]{10,250}(?![\w-])", 0.85),
        Rule(
            "slack_webhook",
            r"https://hooks\.slack\.com/services/T[A-Z0-9]{6,12}/"
            r"B[A-Z0-9]{6,12}/[A-Za-z0-9]{20,40}",
            0.85,
        ),
        Rule(
            "jwt",
            r"(?<![\w-])eyJ[A-Za-z0-9_-]{5,4000}\.eyJ[A-Za-z0-9_-]{5,8000}"
            r"\.[A-Za-z0-9_-]{0,4000}(?![\w-])",
            0.8,
        ),
        Rule(
            "private_key",
            r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY"
            r"(?: BLOCK)?-----",
            0.9,
        ),
        Rule("stripe_live", r"(?<!\w)(?:sk|rk)_live_[A-Za-z0-9]{16,99}(?!\w)", 0.9),
        Rule("stripe_test", r"(?<!\w)(?:sk|rk)_test_[A-Za-z0-9]{16,99}(?!\w)", 0.6),
        Rule("google_api_key", r"(?<![\w-])AIza[0-9A-Za-z_-]{35}(?![\w-])", 0.8),
        Rule("sendgrid", r"(?<![\w.])SG\.[\w-]{22}\.[\w-]{43}(?![\w-])", 0.9),
        Rule("openai_key", r"(?<![\w-])sk-(?:proj-|svcacct-)?[A-Za-z0-9_-]{32,200}(?![\w-])", 0.7),
        Rule(
            "bearer",
            r"\b(?i:bearer)\s{1,3}(?P<t>[A-Za-z0-9_~+/.-]{20,500}={0,3})(?![\w=])",
            0.7,
            group="t",
        ),
        Rule(
            "opaque_value", r"[A-Za-z0-9_\-./+=]{20,200}", 0.05, whole_value=True, validate=_mixed
        ),
        Rule(
            "assignment",
            r"(?i:\b(?:api[_-]?key|apikey|api[_-]?secret|secret[_-]?key|"
            r"access[_-]?token|auth[_-]?token|client[_-]?secret|private[_-]?key|"
            r"refresh[_-]?token|secret|token))[\"']?\s{0,3}[:=]\s{0,3}[\"']?"
            r"(?P<k>[A-Za-z0-9_\-./+=]{16,200})",
            0.6,
            group="k",
        ),
    ]
    context = [
        "api key",
        "apikey",
        "api",
        "key",
        "secret",
        "token",
        "credential",
        "credentials",
        "access key",
        "secret key",
        "auth",
        "bearer",
        "private key",
    ]
    return RuleRecognizer("CREDENTIAL", rules, context, flags=regex.MULTILINE)


def card_number() -> RuleRecognizer:
    """A card-number-shaped cell (13-19 digits, grouped or not) in a card column.

    Presidio's recognizer wants a known issuer prefix and a valid Luhn digit; exports,
    test fixtures and masked or truncated data often have neither, yet a column named
    ``card_number`` full of 16-digit groups is card data to a DPO. Only the column name
    lifts this weak rule.
    """
    rules = [
        Rule(
            "grouped_value",
            r"\d{4}(?: \d{4}){2} \d{1,7}|\d{4}(?:-\d{4}){2}-\d{1,7}",
            0.05,
            whole_value=True,
        ),
        Rule("digits_value", r"\d{13,19}", 0.05, whole_value=True),
        Rule(
            "masked_value", r"(?:[*xX#]{4}[ -]?){2,3}[*xX#]{0,4}[ -]?\d{4}", 0.05, whole_value=True
        ),
    ]
    context = [
        "card",
        "credit card",
        "debit card",
        "card number",
        "cc",
        "pan",
        "cardnumber",
        "kreditkarte",
        "karte",
        "tarjeta",
        "carte",
    ]
    return RuleRecognizer("CREDIT_CARD", rules, context)


def cvv() -> RuleRecognizer:
    rules = [
        Rule("digits_value", r"\d{3,4}", 0.05, whole_value=True),
        Rule(
            "labelled",
            r"\b(?:cvv2?|cvc2?|csc|cid|security code)[\"']?\s{0,3}[:=#]?\s{0,3}"
            r"(?P<c>\d{3,4})(?![\w.,]\d|\w)",
            0.7,
            group="c",
        ),
    ]
    context = [
        "cvv",
        "cvv2",
        "cvc",
        "cvc2",
        "csc",
        "security code",
        "card security code",
        "card verification",
        "card verification code",
        "card verification value",
    ]
    return RuleRecognizer("CVV", rules, context)


def all_credential_recognizers() -> list[RuleRecognizer]:
    return [password(), credential(), cvv(), card_number()]
