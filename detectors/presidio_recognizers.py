"""Which recognizers the Presidio analyzer runs: Presidio's generic and country ones (some
swapped for stricter or offline variants), before piiscan's own and the packs'."""

from __future__ import annotations

import tldextract
from presidio_analyzer import EntityRecognizer
from presidio_analyzer import predefined_recognizers as pr

from piiscan.detectors.phone_guard import DigitGuardedPhoneRecognizer
from piiscan.detectors.recognizers import national_ids as nid
from piiscan.detectors.recognizers.safe_builtins import SafeInPanRecognizer, SafeUrlRecognizer

# Country recognizers enabled on top of the generic ones (US, UK, India, EU).
_COUNTRY_RECOGNIZERS = (
    nid.ContextUsBankRecognizer,
    pr.UsLicenseRecognizer,
    pr.UsItinRecognizer,
    nid.ContextUsPassportRecognizer,
    nid.StrictUsSsnRecognizer,
    pr.MedicalLicenseRecognizer,
    nid.StrictNhsRecognizer,
    pr.UkNinoRecognizer,
    nid.ContextUkPassportRecognizer,
    pr.UkDrivingLicenceRecognizer,
    pr.UkPostcodeRecognizer,
    nid.ContextInAadhaarRecognizer,
    SafeInPanRecognizer,
    nid.ContextInPassportRecognizer,
    pr.InVoterRecognizer,
    nid.StrictDeTaxIdRecognizer,
    pr.DeIdCardRecognizer,
    pr.DePassportRecognizer,
    pr.EsNifRecognizer,
    pr.EsNieRecognizer,
    nid.StrictItFiscalCodeRecognizer,
    pr.ItIdentityCardRecognizer,
    pr.ItPassportRecognizer,
    nid.StrictPlPeselRecognizer,
    pr.FiPersonalIdentityCodeRecognizer,
)

_OFFLINE_TLD = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


class OfflineEmailRecognizer(pr.EmailRecognizer):
    """Presidio's email recognizer, validating domains against the bundled suffix list only."""

    def validate_result(self, pattern_text: str) -> bool:
        return _OFFLINE_TLD(pattern_text).fqdn != ""


def generic_recognizers(language: str, has_ner: bool) -> list[EntityRecognizer]:
    """Presidio's recognizers piiscan runs (NER's only with a model that has NER)."""
    recognizers: list[EntityRecognizer] = [
        pr.CreditCardRecognizer(supported_language=language),
        pr.CryptoRecognizer(supported_language=language),
        pr.DateRecognizer(supported_language=language),
        OfflineEmailRecognizer(supported_language=language),
        pr.IbanRecognizer(supported_language=language),
        pr.IpRecognizer(supported_language=language),
        pr.MacAddressRecognizer(supported_language=language),
        DigitGuardedPhoneRecognizer(
            supported_language=language,
            supported_regions=("US", "GB", "DE", "FR", "IN", "ES", "IT", "CA"),
        ),
        SafeUrlRecognizer(supported_language=language),
    ]
    if has_ner:
        recognizers.append(pr.SpacyRecognizer(supported_language=language))
    recognizers += [cls(supported_language=language) for cls in _COUNTRY_RECOGNIZERS]
    return recognizers
