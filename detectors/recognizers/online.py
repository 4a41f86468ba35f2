"""Online identifiers: usernames, device and cookie ids, MAC addresses, user agents."""

from __future__ import annotations

import re

from piiscan.checksums import luhn_valid
from piiscan.detectors.recognizers.base import Rule, RuleRecognizer

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_HEX_EDGE_L = r"(?<![\w-])"
_HEX_EDGE_R = r"(?![\w-])"


def luhn_ok(text: str) -> bool:
    """The digits of ``text`` pass Luhn and are not all the same digit."""
    digits = re.sub(r"\D", "", text)
    return len(set(digits)) > 1 and luhn_valid(digits)


def _not_nil_uuid(text: str) -> bool:
    return len(set(text.replace("-", ""))) > 1


# Decorators, annotations and at-rules that look like @handles in code and CSS.
_NOT_HANDLES = (
    r"(?:override|deprecated|test|param|returns?|throws|property|staticmethod|"
    r"classmethod|dataclass|pytest|autowired|component|service|bean|inject|entity|"
    r"table|column|id|media|import|keyframes|font-face|apply|tailwind|types|"
    r"suppresswarnings|functionalinterface|nullable|nonnull|author|since|see|link|"
    r"todo|interface|implementation|end|synthesize|objc|available|main)"
)


def username() -> RuleRecognizer:
    rules = [
        Rule(
            "at_handle",
            rf"(?<![\w@.+-])@(?!{_NOT_HANDLES}\b)[A-Za-z0-9_]"
            r"(?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"
            r"(?![\w@]|\.\w)",
            0.5,
        ),
        Rule("handle_value", r"[a-z][a-z0-9._-]{2,30}", 0.05, whole_value=True),
        Rule(
            "labelled",
            r"\b(?:username|user name|user|login|handle|nickname|benutzername|"
            r"benutzer|screen name|user id)[\"']?\s{0,3}[:=]\s{0,3}[\"']?"
            r"(?P<u>[A-Za-z][A-Za-z0-9._-]{2,30})(?![\w@])",
            0.6,
            group="u",
        ),
    ]
    context = [
        "username",
        "usernames",
        "user name",
        "login",
        "handle",
        "screen name",
        "screenname",
        "nick",
        "nickname",
        "benutzername",
        "benutzer",
        "userid",
        "account name",
        "gamertag",
        "alias",
        "nom d'utilisateur",
        "usuario",
        "twitter",
        "instagram",
        "github",
    ]
    return RuleRecognizer("USERNAME", rules, context)


def device_id() -> RuleRecognizer:
    rules = [
        Rule("uuid", rf"{_HEX_EDGE_L}{UUID}{_HEX_EDGE_R}", 0.05, validate=_not_nil_uuid),
        Rule("imei", r"(?<![\w-])\d{15}(?![\w-])", 0.3, validate=luhn_ok),
        Rule("imei_formatted", r"(?<![\w-])\d{2}-\d{6}-\d{6}-\d(?![\w-])", 0.5, validate=luhn_ok),
        Rule("android_id_value", r"[0-9a-f]{16}", 0.05, whole_value=True),
        Rule(
            "labelled",
            r"\b(?:idfa|gaid|aaid|adid|idfv|imei|device[ _-]?id|advertising[ _-]?id)"
            rf"[\"']?\s{{0,3}}[:=]\s{{0,3}}[\"']?(?P<d>{UUID}|\d{{15}}|[0-9a-f]{{16}})"
            r"(?![\w-])",
            0.8,
            group="d",
        ),
    ]
    context = [
        "device",
        "devices",
        "device id",
        "deviceid",
        "idfa",
        "idfv",
        "gaid",
        "aaid",
        "adid",
        "advertising",
        "advertising id",
        "ad id",
        "imei",
        "udid",
        "android id",
        "hardware id",
        "handset",
        "geraet",
        "geraetekennung",
    ]
    return RuleRecognizer("DEVICE_ID", rules, context)


def cookie_id() -> RuleRecognizer:
    rules = [
        Rule("ga_cookie", r"(?<![\w.])GA1\.\d{1,2}\.\d{5,12}\.\d{9,11}(?![\w.])", 0.85),
        Rule("fbp_cookie", r"(?<![\w.])fb\.\d\.\d{13}\.\d{5,20}(?![\w.])", 0.8),
        Rule("uuid", rf"{_HEX_EDGE_L}{UUID}{_HEX_EDGE_R}", 0.05, validate=_not_nil_uuid),
        Rule("token_value", r"[A-Za-z0-9_-]{16,128}", 0.05, whole_value=True),
        Rule(
            "labelled",
            r"\b(?:_ga|_gid|_fbp|sessionid|session_id|sid|phpsessid|jsessionid|"
            r"visitor_id|client_id|cookie_id|anonymous_id)\s{0,3}[:=]\s{0,3}"
            r"[\"']?(?P<c>[A-Za-z0-9._-]{8,128})",
            0.7,
            group="c",
        ),
    ]
    context = [
        "cookie",
        "cookies",
        "cookie id",
        "session",
        "session id",
        "sessionid",
        "sid",
        "visitor",
        "visitor id",
        "client id",
        "clientid",
        "anonymous id",
        "tracking id",
        "ga",
        "gid",
        "fbp",
        "phpsessid",
        "jsessionid",
    ]
    return RuleRecognizer("COOKIE_ID", rules, context)


def _mac_ok(text: str) -> bool:
    hexdigits = re.sub(r"[^0-9a-fA-F]", "", text).lower()
    return len(set(hexdigits)) > 1


def mac_address() -> RuleRecognizer:
    rules = [
        Rule(
            "colon_or_dash",
            r"(?<![\w:.-])[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}"
            r"(?![\w:-]|\.\w)",
            0.6,
            validate=_mac_ok,
        ),
        Rule(
            "cisco",
            r"(?<![\w:.-])[0-9a-f]{4}\.[0-9a-f]{4}\.[0-9a-f]{4}(?![\w:.-])",
            0.6,
            validate=_mac_ok,
        ),
        Rule("bare_value", r"[0-9a-f]{12}", 0.05, whole_value=True, validate=_mac_ok),
    ]
    context = [
        "mac",
        "mac address",
        "macaddress",
        "hardware address",
        "physical address",
        "ethernet",
        "wifi",
        "bssid",
        "hwaddr",
    ]
    return RuleRecognizer("MAC_ADDRESS", rules, context)


_PRODUCT = r"(?:[A-Za-z]{1,20}\s{1,3})?[A-Za-z][\w.+-]{0,40}/[\w.+-]{1,40}"
_COMMENT = r"\([^()\n]{1,300}\)"
_BOTS = (
    r"curl|wget|okhttp|python-requests|python-urllib|python-httpx|aiohttp|"
    r"go-http-client|java|apache-httpclient|postmanruntime|axios|node-fetch|undici|"
    r"dalvik|googlebot|bingbot|slackbot|twitterbot|facebookexternalhit|yandexbot|"
    r"duckduckbot|baiduspider|applebot|libwww-perl|httpie|insomnia|guzzlehttp|"
    r"ruby|cfnetwork|restsharp|reqwest|dart"
)


def user_agent() -> RuleRecognizer:
    rules = [
        Rule(
            "mozilla",
            rf"\b(?:Mozilla|Opera)/\d{{1,2}}\.\d{{1,2}}\.?\s{{0,3}}{_COMMENT}"
            rf"(?:\s{{1,3}}(?:{_PRODUCT}|{_COMMENT})){{0,12}}",
            0.7,
        ),
        Rule(
            "client",
            rf"(?<![\w/.-])(?:{_BOTS})/\d{{1,4}}(?:\.[\w-]{{1,12}}){{0,4}}"
            rf"(?:\s{{1,3}}(?:{_COMMENT}|{_PRODUCT})){{0,6}}",
            0.6,
        ),
        Rule(
            "product_value",
            rf"{_PRODUCT}(?:\s{{1,3}}(?:{_PRODUCT}|{_COMMENT})){{0,12}}",
            0.1,
            whole_value=True,
        ),
        # Any cell that opens like a user agent ("Opera/9.20.(Windows…"), for UA columns.
        Rule("agent_value", r"[A-Za-z][\w.+-]{0,40}/\d[^\n]{0,500}", 0.05, whole_value=True),
    ]
    context = ["user agent", "useragent", "user-agent", "ua", "browser", "agent", "http agent"]
    return RuleRecognizer("USER_AGENT", rules, context)


def all_online_recognizers() -> list[RuleRecognizer]:
    return [username(), device_id(), cookie_id(), mac_address(), user_agent()]
