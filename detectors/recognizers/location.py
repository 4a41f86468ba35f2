"""Geolocation: coordinates, postal codes (US, UK, India, Germany, Canada) and street addresses."""

from __future__ import annotations

import regex

from piiscan.detectors.recognizers.base import Rule, RuleRecognizer

# ---------------------------------------------------------------------------- coordinates
_LAT = r"[-+]?(?:90(?:\.0{1,10})?|[1-8]?\d(?:\.\d{1,10})?)"
_LON = r"[-+]?(?:180(?:\.0{1,10})?|(?:1[0-7]\d|\d{1,2})(?:\.\d{1,10})?)"
_LAT4 = r"[-+]?(?:90\.0{4,10}|[1-8]?\d\.\d{4,10})"
_LON4 = r"[-+]?(?:180\.0{4,10}|(?:1[0-7]\d|\d{1,2})\.\d{4,10})"
_LAT_KEY = r"(?:lat|latitude|breite|breitengrad)"
_LON_KEY = r"(?:lon|lng|long|longitude|länge|laengengrad|längengrad)"
_KV = r"[\"']?\s{0,3}[:=]\s{0,3}[\"']?"


def _lone_coordinate(text: str) -> bool:
    return abs(float(text)) <= 180


def geo_coordinate() -> RuleRecognizer:
    rules = [
        Rule("pair", rf"(?<![\w.,-]){_LAT4}\s{{0,3}}[,;/ ]\s{{0,3}}{_LON4}(?![\w.]|,\d)", 0.7),
        Rule(
            "labelled",
            rf"\b{_LAT_KEY}{_KV}{_LAT}[\"']?\s{{0,3}}[,;&\s]\s{{0,3}}[\"']?"
            rf"{_LON_KEY}{_KV}{_LON}(?![\w.])",
            0.85,
        ),
        Rule("wkt_point", rf"\bPOINT\s{{0,3}}\(\s{{0,3}}{_LON}\s{{1,3}}{_LAT}\s{{0,3}}\)", 0.8),
        Rule(
            "dms",
            r"(?<![\w.])\d{1,3}°\s{0,2}\d{1,2}['\u2032]\s{0,2}\d{1,2}(?:\.\d{1,4})?"
            r"(?:\"|\u2033|'')?\s{0,2}[NSEW]\b",
            0.6,
        ),
        Rule(
            "lone_decimal",
            r"[-+]?\d{1,3}\.\d{4,12}",
            0.1,
            whole_value=True,
            validate=_lone_coordinate,
        ),
    ]
    context = [
        "latitude",
        "longitude",
        "lat",
        "lon",
        "lng",
        "long",
        "coord",
        "coords",
        "coordinate",
        "coordinates",
        "geo",
        "geolocation",
        "gps",
        "location",
        "position",
        "breitengrad",
        "laengengrad",
        "koordinaten",
    ]
    return RuleRecognizer("GEO_COORDINATE", rules, context)


# ----------------------------------------------------------------------------- postcodes
UK_POSTCODE = (
    r"(?:GIR ?0AA|[A-PR-UWYZ](?:[0-9][0-9A-HJKPSTUW]?|[A-HK-Y][0-9][0-9ABEHMNPRV-Y]?)"
    r" ?[0-9][ABD-HJLNP-UW-Z]{2})"
)
_EDGE_L = r"(?<![\w-])"
_EDGE_R = r"(?![\w-]|\.\d)"


def postal_code() -> RuleRecognizer:
    rules = [
        Rule("uk_postcode", rf"{_EDGE_L}(?-i:{UK_POSTCODE}){_EDGE_R}", 0.4),
        Rule("uk_postcode_value", UK_POSTCODE, 0.3, whole_value=True),
        Rule("us_zip_plus4", rf"{_EDGE_L}\d{{5}}-\d{{4}}{_EDGE_R}", 0.3),
        Rule("five_digits", rf"{_EDGE_L}\d{{5}}{_EDGE_R}", 0.1),
        # Austria, Switzerland, Denmark, Australia…, or a US ZIP stored as a number
        Rule("four_digits_value", r"\d{4}", 0.05, whole_value=True),
        Rule("india_pin", rf"{_EDGE_L}[1-9]\d{{2}} ?\d{{3}}{_EDGE_R}", 0.1),
        Rule(
            "canada",
            rf"{_EDGE_L}(?-i:[ABCEGHJ-NPRSTVXY]\d[ABCEGHJ-NPRSTV-Z] ?\d"
            rf"[ABCEGHJ-NPRSTV-Z]\d){_EDGE_R}",
            0.3,
        ),
        Rule("prefixed", rf"{_EDGE_L}(?:D|F|E|I|A|CH|NL)-\d{{4,5}}{_EDGE_R}", 0.3),
        # Other countries' shapes in text, reported only next to a postcode word:
        # 3910, 840 24, 3610-114, 90010-170, 7412 SL
        Rule(
            "other_shapes",
            rf"{_EDGE_L}(?:(?-i:\d{{4}} ?[A-Z]{{2}})|\d{{4,5}}-\d{{3}}|\d{{3}} \d{{2}}"
            rf"|\d{{3,4}}){_EDGE_R}",
            0.1,
        ),
    ]
    context = [
        "zip",
        "zipcode",
        "zip code",
        "postcode",
        "post code",
        "postal",
        "postal code",
        "postalcode",
        "plz",
        "pin",
        "pincode",
        "pin code",
        "postleitzahl",
        "code postal",
        "codepostal",
        "cp",
        "codigo postal",
        "cap",
        "postcodes",
        "zip4",
    ]
    return RuleRecognizer("POSTAL_CODE", rules, context)


# ------------------------------------------------------------------------------ addresses
_USPS_WORDS = (
    "Alley Annex Arcade Bayou Beach Bend Bluff Bottom Branch Bridge Brook Burg Bypass Camp "
    "Canyon Cape Causeway Center Cliff Club Common Corner Course Cove Creek Crest Crossing "
    "Crossroad Curve Dale Dam Divide Estate Extension Fall Ferry Field Flat Ford Forest "
    "Forge Fork Fort Garden Gateway Glen Harbor Haven Heights Hollow Inlet Island Isle "
    "Junction Key Knoll Lake Land Landing Light Loaf Lock Lodge Mall Manor Meadow Mill "
    "Mission Motorway Mount Mountain Neck Orchard Oval Overpass Pass Passage Pine Plain "
    "Point Port Prairie Radial Ramp Ranch Rapid Rest Ridge River Route Run Shoal Shore "
    "Skyway Spring Spur Station Stravenue Stream Summit Throughway Trace Track Trafficway "
    "Tunnel Turnpike Underpass Union Valley Viaduct View Village Ville Vista Wall Well"
)
# Each word, and its plural (``Lakes``); the usual suffixes below take a plural too.
_USPS_WORD_SUFFIXES = "|".join(f"{w}s?" for w in _USPS_WORDS.split())
# A unit then the street, no house number (en_GB: "Flat 3, Smith Road", "Studio 9,
# Williams Lakes").
UNIT_STREET = (
    r"(?<![\w-])(?i:flat|apt|apartment|unit|suite|studio)\.?\s{1,3}\d{1,5}[A-Za-z]?,\s{1,3}"
    r"(?:[A-Z][\w'\u2019.-]{0,30}\s{1,3}){1,4}"
)
_EN_SUFFIX = (
    r"(?:(?i:street|st|str|avenue|ave|road|rd|boulevard|blvd|lane|ln|drive|dr|court|ct|way|"
    r"place|pl|terrace|terr|ter|close|crescent|cres|square|sq|parkway|pkwy|highway|"
    r"hwy|circle|cir|trail|trl|row|gardens|grove|mews|hill|walk|alley|expressway|"
    r"freeway|pike|plaza|loop|path|marg|nagar|broadway|quay|wharf|rise|green|park)s?"
    # USPS Publication 28 street suffixes that are also everyday words: capitalised only
    # ("761 Liam Hollow", "3 Tracy Harbor"; not "visited 3 great lakes").
    rf"|{_USPS_WORD_SUFFIXES})"
)
_UNIT = (
    r"(?:(?i:flat|apt|apartment|unit|suite|ste|room|floor|studio)\.?\s{0,3}#?\d{1,5}"
    r"[A-Za-z]?,?\s{1,3})"
)
_NAME_WORD = r"[A-Z0-9ÄÖÜÉ][\w'\u2019.-]{0,30}"
_TAIL = rf"(?:,\s{{0,3}}{_NAME_WORD}(?:\s{{1,3}}{_NAME_WORD}){{0,3}}){{0,4}}"
EN_ADDRESS = (
    rf"(?<![\w.,/-]){_UNIT}?\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?,?\s{{1,3}}"
    rf"(?:{_NAME_WORD}\s{{1,3}}){{1,4}}{_EN_SUFFIX}\b\.?"
)
_DE_SUFFIX = r"(?i:straße|strasse|str\.|weg|platz|allee|gasse|damm|ufer|chaussee|steig|pfad)"
DE_ADDRESS = (
    rf"(?<![\w-])(?:[A-ZÄÖÜ][\wäöüß.-]{{1,40}}?{_DE_SUFFIX}|[A-ZÄÖÜ][\wäöüß.-]{{1,30}}"
    rf"\s{{1,3}}(?:Straße|Strasse|Str\.|Weg|Platz|Allee|Gasse|Damm|Ufer))"
    r"\s{0,3}\d{1,4}\s?[a-z]?(?![\w.,]\d|\w)"
)
_FR_WAY = r"(?i:rue|avenue|av\.|boulevard|bd|place|impasse|allée|allee|chemin|quai|cours|route)"
FR_ADDRESS = (
    rf"(?<![\w.,/-])\d{{1,4}}(?:\s?(?i:bis|ter))?,?\s{{1,3}}{_FR_WAY}"
    r"(?:\s{1,3}(?:de|du|des|la|le|les|l'|d'|[A-ZÉÈÀ][\w'\u2019-]{0,30})){1,5}"
)
_ES_WAY = (
    r"(?i:calle|c/|avenida|avda\.|paseo|plaza|carrera|camino|ronda|via|viale|piazza|"
    r"corso|rua)"
)
ES_ADDRESS = (
    rf"(?<![\w-]){_ES_WAY}\s{{1,3}}(?:(?i:de|del|la|las|los|el|di|della)\s{{1,3}}){{0,2}}"
    r"[A-ZÁÉÍÓÚÑ][\w'\u2019-]{1,30}(?:\s{1,3}[A-ZÁÉÍÓÚÑ][\w'\u2019-]{1,30}){0,3},?\s{1,3}"
    r"(?:(?i:n[º°o])\.?\s{0,2})?\d{1,4}(?!\w)"
)
PO_BOX = r"(?<!\w)(?i:p\.?\s?o\.?\s?box|postfach|apartado(?: de correos)?)\s{1,3}\d{1,8}(?!\w)"
# Street names that end in a street word (Nordic, Dutch, Finnish, Central/Eastern European,
# Baltic), then the house number: "Nybyvägen 65", "Rooseveltlaan 110", "Puruntie 82".
_SUFFIXED_WAY = (
    r"(?i:v[äa]gen|gatan|gata|veien|vegen|vei|gate|gaten|gade|vej|vejen|straat|laan|plein|"
    r"gracht|kade|singel|dreef|katu|tie|kuja|polku|utca|körút|tér|út|ulica|ulice|cesta|"
    r"tänav|põik|puiestee|iela|gatvė|sokak|sokag\u0131|caddesi|stræde|straede|vænget|torv)"
)
SUFFIXED_ADDRESS = (
    rf"(?<![\w-])[A-ZÀ-ÞØÆÅ][\w'\u2019-]{{1,40}}?{_SUFFIXED_WAY}\.?\s{{1,3}}\d{{1,4}}"
    r"[A-Za-z]?\.?(?![\w]|[.,]\d)"
)
# A street word first, then the name and the house number: "ul. Narewska 94",
# "Rue Dielhère 130", "Via Roma 131", "Rua do Arenque 1634", "Strada Lunga 5".
_PREFIX_WAY = (
    r"(?i:ul\.|ulica|al\.|aleja|rue|via|viale|vicolo|piazza|rua|travessa|largo|praça|"
    r"strada|str\.|calle|carrer|avinguda|avenida|av\.|rambla|plaza|odos|bulevardul|"
    r"trg|náměstí|namesti|nábřeží)"
)
PREFIXED_ADDRESS = (
    rf"(?<![\w.-]){_PREFIX_WAY}\s{{1,3}}(?:(?i:de|do|da|dos|das|del|della|dei|degli|delle|di|la|le|des|du|"
    r"von|van|der|den)\s{1,3}){0,2}[A-ZÀ-Þ][\w'\u2019.-]{1,30}(?:\s{1,3}(?:[A-ZÀ-Þ][\w'\u2019.-]{0,30}|"
    r"(?i:de|do|da|e|y|del|di|la|des|du)))"
    r"{0,5},?\s{1,3}\d{1,4}[A-Za-z]?\.?(?![\w]|[.,]\d)"
)
# Building number, street name, house number: "20789 Allika 46" (lifted by context).
NUMBER_NAME_NUMBER = (
    r"(?<![\w.,/-])\d{1,5}\s{1,3}(?:[^\W\d_][\w'\u2019.-]{0,30}\s{1,3}){1,4}\d{1,4}[A-Za-z]?\.?"
    r"(?![\w]|[.,:/-]\d)"
)
UNIT = r"(?<![\w-])(?i:apt|apartment|suite|ste|unit|flat)\.?\s{1,3}#?\d{1,5}[A-Za-z]?(?![\w])"
# US military and diplomatic mail: "PSC 4574, Box 8393 / APO AA 81998", "USS Lorenzen / FPO AE".
MILITARY = (
    r"(?<![\w-])(?:(?i:psc|cmr|unit)\s{1,3}\d{1,5},?\s{1,3}(?i:box)\s{1,3}\d{1,5}"
    r"|(?i:uss|usns|uscgc)\s{1,3}[A-Za-z][\w-]{1,30})\s{0,3}[,\n]?\s{0,3}"
    r"(?i:apo|fpo|dpo)\s{1,3}(?i:aa|ae|ap)\s{1,3}\d{5}(?!\w)"
)


def street_address() -> RuleRecognizer:
    rules = [
        Rule("en", EN_ADDRESS + _TAIL, 0.6),
        Rule(
            "en_value",
            rf"(?i:{_UNIT}?\d{{1,5}}[a-z]?,?\s{{1,3}}(?:[\w'.-]{{1,30}}\s{{1,3}})"
            rf"{{1,4}}{_EN_SUFFIX}\b\.?)[^\n]{{0,150}}",
            0.4,
            whole_value=True,
        ),
        Rule("de", DE_ADDRESS + _TAIL, 0.6),
        Rule("fr", FR_ADDRESS + _TAIL, 0.6),
        Rule("es", ES_ADDRESS + _TAIL, 0.6),
        Rule("po_box", PO_BOX, 0.5),
        Rule("suffixed", SUFFIXED_ADDRESS + _TAIL, 0.5),
        Rule("prefixed", PREFIXED_ADDRESS + _TAIL, 0.5),
        Rule("number_name_number", NUMBER_NAME_NUMBER + _TAIL, 0.3),
        Rule("unit", UNIT, 0.5),
        Rule("unit_street", UNIT_STREET + _EN_SUFFIX + r"\b\.?" + _TAIL, 0.6),
        Rule("military", MILITARY, 0.8),
        # Shapes a cell of an address column takes; only the column name lifts them.
        Rule(
            "numbered_value",
            rf"{_UNIT}?\d{{1,5}}[A-Za-z]?(?:-\d{{1,5}})?,?\s{{1,3}}"
            r"[^\W\d_][\w'.-]{0,30}(?:,?\s{1,3}[\w'.#-]{1,30}){0,7}",
            0.05,
            whole_value=True,
        ),
        Rule(
            "unit_value",
            r"(?i:flat|apt|apartment|unit|suite|studio|room)\.?\s{0,3}#?"
            r"\d{1,5}[A-Za-z]?",
            0.05,
            whole_value=True,
        ),
    ]
    context = [
        "address",
        "addresses",
        "street",
        "addr",
        "anschrift",
        "strasse",
        "adresse",
        "direccion",
        "domicilio",
        "indirizzo",
        "endereco",
        "residence",
        "lives",
        "living",
        "located",
        "home",
        "shipping",
        "billing",
        "mailing",
        "delivery",
        "wohnort",
        "wohnhaft",
        "address line",
        "street address",
    ]
    return RuleRecognizer("STREET_ADDRESS", rules, context, flags=regex.MULTILINE)


def coarse_location() -> RuleRecognizer:
    """A cell of a city/region/country column: place-name shapes and region codes.

    NER finds places in text; in a table a bare ``Springfield`` or ``KY`` is a place only
    because the column says so, so these rules score 0.05 until the name lifts them.
    """
    rules = [
        Rule(
            "place_name",
            r"[^\W\d_][\w'\u2019.-]{1,30}(?:[ -][^\W\d_][\w'\u2019.-]{0,30}){0,3}",
            0.05,
            whole_value=True,
        ),
        Rule("region_code", r"(?-i:[A-Z]{2,3})", 0.05, whole_value=True),
    ]
    context = [
        "city",
        "town",
        "village",
        "state",
        "country",
        "region",
        "county",
        "province",
        "district",
        "municipality",
        "locality",
        "residence",
        "hometown",
        "birthplace",
        "stadt",
        "ort",
        "wohnort",
        "land",
        "bundesland",
        "ville",
        "pays",
        "ciudad",
        "pais",
        "provincia",
        "citta",
        "paese",
        "cidade",
    ]
    return RuleRecognizer("LOCATION", rules, context)


def all_location_recognizers() -> list[RuleRecognizer]:
    return [geo_coordinate(), postal_code(), street_address(), coarse_location()]
