"""URL canonicalisation: one spelling per article, so a re-run never stores it twice.

Only normalisations that cannot change which resource a server returns are applied, plus the removal
of tracking parameters, which by convention never do.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from core.errors import InvalidURL

__all__ = ["canonicalize", "is_tracking_param", "registrable_domain", "same_site"]

_TRACKING_EXACT = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "yclid",
        "twclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "ref",
        "ref_src",
        "ref_url",
        "ocid",
        "cmpid",
        "cmp",
        "icid",
        "ncid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "smid",
        "smtyp",
        "sr_share",
        "soc_src",
        "soc_trk",
        "taid",
        "s_cid",
        "xtor",
        "at_medium",
        "at_campaign",
        "wt.mc_id",
        "spm",
        "__twitter_impression",
    }
)
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "oly_", "vero_")

# A deliberately small list: no network means no Public Suffix List download, and news outlets
# overwhelmingly live under these or under a single-label suffix.
_MULTI_PART_SUFFIXES = frozenset(
    {
        "co.uk",
        "org.uk",
        "ac.uk",
        "gov.uk",
        "ltd.uk",
        "plc.uk",
        "me.uk",
        "net.uk",
        "com.au",
        "net.au",
        "org.au",
        "gov.au",
        "edu.au",
        "co.nz",
        "org.nz",
        "govt.nz",
        "co.jp",
        "ne.jp",
        "or.jp",
        "co.in",
        "gov.in",
        "net.in",
        "org.in",
        "co.za",
        "org.za",
        "com.br",
        "com.cn",
        "com.hk",
        "com.sg",
        "com.tr",
        "com.mx",
        "com.ar",
        "co.il",
        "org.il",
        "co.kr",
        "or.kr",
        "com.tw",
        "com.my",
        "com.pk",
        "com.ng",
        "com.eg",
        "com.sa",
        "co.ke",
    }
)

_DEFAULT_PORTS = {"http": 80, "https": 443}
# RFC 3986 unreserved characters never need escaping; everything else keeps its encoding.
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_PCT = re.compile(r"%[0-9a-fA-F]{2}")


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in _TRACKING_EXACT or lowered.startswith(_TRACKING_PREFIXES)


def _idna_host(host: str) -> str:
    host = host.strip(".").lower()
    if not host or host.startswith("["):
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise InvalidURL(f"host {host!r} is not a valid domain name", host=host) from exc


def _normalise_path(path: str) -> str:
    # Decode then re-encode with one fixed rule, so "%7e", "%7E" and "~" all come out as "~",
    # while an encoded "/" (%2F) stays encoded: decoding it would change the path's segments.
    segments = [quote(unquote(seg), safe=_PATH_SAFE.replace("/", "")) for seg in path.split("/")]
    return "/".join(segments) or "/"


# The store's URL columns hold 2,000 characters; every door refuses longer URLs alike.
MAX_URL_LENGTH = 2000


def _uppercase_escapes(text: str) -> str:
    return _PCT.sub(lambda m: m.group(0).upper(), text)


def canonicalize(url: str) -> str:
    """The canonical spelling of an absolute http(s) URL; raises `InvalidURL` otherwise."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidURL(f"URL longer than {MAX_URL_LENGTH} characters", url=url[:200])
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        raise InvalidURL(f"not an absolute http(s) URL: {url!r}", url=url)
    host = _idna_host(parts.hostname)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError as exc:
        raise InvalidURL(f"invalid port in {url!r}", url=url) from exc
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = quote(unquote(parts.username or ""), safe="")
        if parts.password:
            userinfo += ":" + quote(unquote(parts.password), safe="")
        netloc = f"{userinfo}@{netloc}"
    path = _normalise_path(parts.path)
    pairs = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not is_tracking_param(k)
    ]
    # Sorting is stable, so repeated keys keep their relative order (it can matter to the server).
    pairs.sort(key=lambda kv: kv[0])
    query = _uppercase_escapes(urlencode(pairs, doseq=False, quote_via=quote, safe="/:@!$'()*,;~"))
    return urlunsplit((scheme, netloc, path, query, ""))


def registrable_domain(host: str) -> str:
    """The site a host belongs to: its last two labels, or three under a known two-part suffix.

    An approximation of the Public Suffix List that needs no download; IP addresses come back whole.
    """
    host = host.strip(".").lower()
    if host.startswith("[") or host.replace(".", "").isdigit():
        return host
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in _MULTI_PART_SUFFIXES:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def same_site(a: str, b: str) -> bool:
    """True when two absolute URLs share a registrable domain."""
    host_a, host_b = urlsplit(a).hostname, urlsplit(b).hostname
    if not host_a or not host_b:
        return False
    return registrable_domain(_idna_host(host_a)) == registrable_domain(_idna_host(host_b))
