"""Professional and education information: salary, job title, education."""

from __future__ import annotations

import re

from piiscan.detectors.recognizers.base import (
    WORD_END,
    WORD_START,
    Rule,
    RuleRecognizer,
    term_alternation,
    term_regex,
    vocabularies,
)

_CURRENCY = r"(?:[$€£¥₹]|(?-i:USD|EUR|GBP|INR|CHF|CAD|AUD|JPY)|Rs\.?)"
_CURRENCY_WORD = r"(?:dollars?|euros?|pounds?|rupees?|lakhs?|crores?)"
_AMOUNT = r"\d{1,3}(?:[,.' ]\d{3}){0,3}(?:[.,]\d{1,2})?|\d{4,9}(?:[.,]\d{1,2})?"


def _bare_amount_ok(text: str) -> bool:
    whole = re.sub(r"[.,]\d{1,2}$", "", text.strip())
    digits = re.sub(r"\D", "", whole)
    return bool(digits) and 1_000 <= int(digits) <= 10_000_000


def salary() -> RuleRecognizer:
    rules = [
        Rule(
            "currency_before",
            rf"(?<![\w.,]){_CURRENCY}\s?(?:{_AMOUNT})(?:\s?[kKmM](?!\w))?"
            r"(?![\d])",
            0.3,
        ),
        Rule(
            "currency_after",
            rf"(?<![\w.,])(?:{_AMOUNT})(?:\s?[kKmM])?\s?"
            rf"(?:{_CURRENCY}|{_CURRENCY_WORD})(?!\w)",
            0.3,
        ),
        Rule("thousands_k", r"(?<![\w.,])\d{2,3}(?:\.\d)?\s?[kK](?!\w)", 0.1),
        Rule(
            "bare_value",
            r"\d{1,3}(?:[,.' ]\d{3}){1,2}(?:[.,]\d{1,2})?|\d{4,8}(?:[.,]\d{1,2})?",
            0.05,
            whole_value=True,
            validate=_bare_amount_ok,
        ),
    ]
    context = [
        "salary",
        "salaries",
        "wage",
        "wages",
        "pay",
        "payroll",
        "paid",
        "income",
        "compensation",
        "remuneration",
        "earnings",
        "earns",
        "earning",
        "bonus",
        "annual salary",
        "base pay",
        "per annum",
        "ctc",
        "gehalt",
        "lohn",
        "einkommen",
        "verdienst",
        "bruttogehalt",
        "salaire",
        "remuneration",
        "salario",
        "sueldo",
        "ingresos",
        "stipendio",
        "retribuzione",
        "salaris",
    ]
    return RuleRecognizer("SALARY", rules, context)


_DETERMINERS = r"(?-i:The|A|An|Our|Your|My|His|Her|Their|This|That|Its|Every|Each|Any|No)"


def job_title() -> RuleRecognizer:
    vocab = vocabularies()["job_title"]
    modifiers = term_alternation(vocab["modifiers"])
    titles = term_alternation(vocab["titles"] + vocab["heads"])
    heads = term_alternation(vocab["heads"])
    head_of = r"(?:head|director|vp|vice president|manager) of\s{1,3}[A-Za-z&]{2,30}"
    rules = [
        Rule(
            "title",
            rf"{WORD_START}(?:{modifiers}\s{{1,3}}){{0,2}}(?:{head_of}|{titles})"
            rf"{WORD_END}",
            0.4,
        ),
        Rule(
            "compound",
            rf"(?<![\w-])(?!{_DETERMINERS}\s)(?-i:(?:[A-Z][a-z]{{1,20}}\s{{1,3}})"
            rf"{{1,2}}){heads}"
            rf"{WORD_END}",
            0.4,
        ),
        # a title alone on a line under another (signature blocks, CVs, contact cards);
        # a lone value is a title only by its column name
        Rule(
            "title_line",
            rf"(?<=\n)[ \t>*-]{{0,6}}(?P<t>(?:[^\W\d_][\w'\u2019&-]{{0,25}},?[ \t]{{1,3}}"
            rf"(?:and[ \t]{{1,3}})?){{0,5}}(?:{titles}))[ \t]*$",
            0.5,
            group="t",
        ),
    ]
    context = [
        "work",
        "working",
        "job",
        "jobs",
        "job title",
        "jobtitle",
        "title",
        "position",
        "role",
        "occupation",
        "designation",
        "profession",
        "beruf",
        "berufsbezeichnung",
        "stellenbezeichnung",
        "taetigkeit",
        "poste",
        "metier",
        "profession",
        "puesto",
        "cargo",
        "ocupacion",
        "professione",
        "mansione",
        "functie",
        "works",
        "worked",
        "employed",
        "employment",
        "hired",
    ]
    return RuleRecognizer("JOB_TITLE", rules, context)


_CAP = r"[A-ZÄÖÜÉ][\w'&.-]{1,30}"
_INSTITUTION_AFTER = (
    r"(?-i:(?:" + _CAP + r"\s{1,3}){1,4}(?:University|College|High School|"
    r"Secondary School|Grammar School|Institute of Technology|Polytechnic|"
    r"Academy|Community College|Business School|Law School|Medical School))"
)
_INSTITUTION_BEFORE = (
    r"(?-i:(?:Technische Universität|University|Universität|Université|"
    r"Universidad|Università|Universiteit|Hochschule|Fachhochschule|École|"
    r"Escuela|Instituto|Institut|College|Gymnasium|Lycée)"
    r"\s{1,3}(?:(?:of|de|di|des|del|für|zu|de la|d')\s{0,3})?"
    + _CAP
    + r"(?:\s{1,3}"
    + _CAP
    + r"){0,3})"
)
_NAMED_DEGREE = (
    r"(?-i:(?:Bachelor|Master|Doctor|Associate)(?:'s)?\s{1,3}(?:of|in)\s{1,3}"
    r"[A-Z][\w&-]{1,30}(?:\s{1,3}(?:[A-Z][\w&-]{1,30}|and|&)){0,3}"
    r"(?:\s{1,3}in\s{1,3}[A-Z][\w&-]{1,30}(?:\s{1,3}[A-Z][\w&-]{1,30}){0,2})?)"
)


def education() -> RuleRecognizer:
    vocab = vocabularies()["education"]
    rules = [
        Rule("degree", term_regex(vocab["degrees"]), 0.4),
        Rule("named_degree", rf"(?<![\w-]){_NAMED_DEGREE}(?![\w-])", 0.5),
        Rule(
            "institution",
            rf"(?<![\w-])(?:{_INSTITUTION_BEFORE}|{_INSTITUTION_AFTER})"
            r"(?![\w-])",
            0.4,
        ),
        Rule("weak_value", term_regex(vocab["weak"]), 0.1, whole_value=True),
    ]
    context = [
        "education",
        "educational",
        "degree",
        "degrees",
        "school",
        "university",
        "college",
        "qualification",
        "qualifications",
        "diploma",
        "graduated",
        "graduate",
        "alumni",
        "alumnus",
        "studied",
        "studies",
        "major",
        "gpa",
        "academic",
        "highest degree",
        "bildung",
        "abschluss",
        "ausbildung",
        "schulabschluss",
        "studium",
        "hochschulabschluss",
        "diplome",
        "formation",
        "etudes",
        "estudios",
        "titulo",
        "titulacion",
        "istruzione",
        "laurea",
        "opleiding",
    ]
    return RuleRecognizer("EDUCATION", rules, context)


def all_professional_recognizers() -> list[RuleRecognizer]:
    return [salary(), job_title(), education()]
