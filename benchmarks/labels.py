"""Label tables of the public benchmarks: their label names → piiscan entity types.

One table per benchmark, documented in ``docs/evaluation.md``. ``None`` marks a label
that is not scored (the reason is in :data:`NOT_SCORED`).
"""

from __future__ import annotations

# presidio-research (synth_dataset_v2.json) span label -> piiscan entity type
PRESIDIO_RESEARCH: dict[str, str | None] = {
    "PERSON": "PERSON",
    "STREET_ADDRESS": "STREET_ADDRESS",
    "GPE": "LOCATION",
    "PHONE_NUMBER": "PHONE_NUMBER",
    "CREDIT_CARD": "CREDIT_CARD",
    "EMAIL_ADDRESS": "EMAIL_ADDRESS",
    "IBAN_CODE": "IBAN_CODE",
    "US_SSN": "US_SSN",
    "NRP": "NRP",
    "IP_ADDRESS": "IP_ADDRESS",
    "ZIP_CODE": "POSTAL_CODE",
    "AGE": "AGE",
    "US_DRIVER_LICENSE": "US_DRIVER_LICENSE",
    "TITLE": "JOB_TITLE",
    "DOMAIN_NAME": "URL",
    "DATE_TIME": None,
    "ORGANIZATION": None,
}

# datahub-classify column info type -> piiscan entity type
DATAHUB: dict[str, str | None] = {
    "Full_Name": "PERSON",
    "Age": "AGE",
    "Gender": "GENDER",
    "Street_Address": "STREET_ADDRESS",
    "Email_Address": "EMAIL_ADDRESS",
    "Phone_Number": "PHONE_NUMBER",
    "IP_Address_v4": "IP_ADDRESS",
    "IP_Address_v6": "IP_ADDRESS",
    "Credit_Debit_Card_Number": "CREDIT_CARD",
    "IBAN": "IBAN_CODE",
    "US_Social_Security_Number": "US_SSN",
    "US_Driving_License_Number": "US_DRIVER_LICENSE",
    "Vehicle_Identification_Number": "VEHICLE_ID",
    "Swift_Code": None,
}

# piiscan entity type -> the type it counts as in ``benchmarks/corpus.py``'s labels,
# which call a birth date in any format DATE_OF_BIRTH: a year of birth (a bare year, a
# column generalized to 1 January dates) is the same fact, coarser. datahub-classify and
# presidio-research have no birth-date label (BIRTH_YEAR, like DATE_OF_BIRTH, is ignored
# there).
CORPUS_EQUIVALENT: dict[str, str] = {"BIRTH_YEAR": "DATE_OF_BIRTH"}

# Why a label is not scored.
NOT_SCORED: dict[str, str] = {
    "DATE_TIME": "a date alone is not personal data (birth dates are DATE_OF_BIRTH)",
    "ORGANIZATION": "organisations are not persons; not personal data in the taxonomy",
    "Swift_Code": "a SWIFT/BIC code identifies a bank, not a person; its columns are "
    "neither positives nor negatives",
}

# presidio-research's table under the name evaluate_spans.py has always used.
LABELS = PRESIDIO_RESEARCH

# Columns datahub-classify leaves unlabelled whose values are, by the taxonomy
# (shared/policy-taxonomy.md), personal data of a scored type: dataset -> column ->
# datahub info type. Checked by reading the values; the "adjudicated" figures add them
# to the gold labels, the "as published" figures do not. A name part (first, last or
# maiden name) identifies a person as PERSON does; an address's second line is part of
# the street address (datahub labels ADD2 columns Street_Address elsewhere).
ADJUDICATED: dict[str, dict[str, str]] = {
    "2018-seattle-business-districts": {
        "Primary Contact-First Name": "Full_Name",
        "Last Name": "Full_Name",
        "Second Address": "Street_Address",
    },
    "Customer_Segmentation": {"first_name": "Full_Name", "last_name": "Full_Name"},
    "sample-data": {
        "first name": "Full_Name",
        "last name": "Full_Name",
        "maiden name": "Full_Name",
    },
}
