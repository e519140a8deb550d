"""Feed and sitemap parsing: RSS 2.0, RSS 1.0 (RDF), Atom, news sitemaps and sitemap indexes.

Bodies come from anyone's server, so the XML is parsed with defusedxml: entity declarations
(billion laughs, quadratic blow-up), external entities and external DTD references are refused
before anything is expanded. feedparser is not used because it resolves entities itself and
silently "repairs" broken documents, which would hide the reason a feed failed.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from core.errors import FeedError
from core.models import FeedEntry

__all__ = ["FeedParseResult", "parse_date", "parse_feed", "parse_feed_document"]

_DC = "{http://purl.org/dc/elements/1.1/}"
_RDF = "{http://www.w3.org/1999/02/22-rdf-syntax-ns#}"
_TAG = re.compile(r"<[^>]{0,2000}>")
_SPACE = re.compile(r"\s+")
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class FeedParseResult:
    """Entries of a feed or sitemap; `sitemaps` holds the children listed by a sitemap index."""

    kind: str
    entries: tuple[FeedEntry, ...] = ()
    sitemaps: tuple[FeedEntry, ...] = ()


def parse_feed(body: bytes, base_url: str) -> list[FeedEntry]:
    """The article entries of a feed or news sitemap (a sitemap index has none: see
    `parse_feed_document` for its child sitemaps). Raises `FeedError` with the reason."""
    return list(parse_feed_document(body, base_url).entries)


def parse_feed_document(body: bytes, base_url: str) -> FeedParseResult:
    root = _parse_xml(body)
    name = _local(root.tag)
    if name == "rss" or (name == "channel" and root.find("item") is not None):
        return FeedParseResult(
            "rss", _unique(_rss_item(i, base_url) for i in _by_name(root, "item"))
        )
    if name == "RDF":
        return FeedParseResult(
            "rdf", _unique(_rss_item(i, base_url) for i in _by_name(root, "item"))
        )
    if name == "feed":
        return FeedParseResult(
            "atom", _unique(_atom_entry(e, base_url) for e in _by_name(root, "entry"))
        )
    if name == "urlset":
        return FeedParseResult(
            "sitemap", _unique(_sitemap_url(u, base_url) for u in _by_name(root, "url"))
        )
    if name == "sitemapindex":
        children = _unique(_sitemap_url(s, base_url) for s in _by_name(root, "sitemap"))
        return FeedParseResult("sitemapindex", sitemaps=children)
    raise FeedError(f"not a feed or sitemap: root element <{name}>", root=name)


def _parse_xml(body: bytes) -> Element:
    if not body.strip():
        raise FeedError("empty feed body")
    if not body.startswith(_BOMS):
        # Servers often emit a newline before the XML declaration, which expat rejects.
        body = body.lstrip()
    try:
        root: Element = fromstring(
            body, forbid_dtd=False, forbid_entities=True, forbid_external=True
        )
    except DefusedXmlException as exc:
        raise FeedError(f"unsafe XML refused: {exc}", reason=type(exc).__name__) from exc
    except ParseError as exc:
        raise FeedError(f"malformed XML: {exc}", reason="parse-error") from exc
    return root


def _local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def _by_name(root: Element, name: str) -> list[Element]:
    return [el for el in root.iter() if _local(el.tag) == name]


def _child(el: Element, *names: str) -> Element | None:
    """First direct child whose local name (or `{ns}name`) is one of `names`, in that order."""
    for name in names:
        for child in el:
            if child.tag == name or ("}" not in name and _local(child.tag) == name):
                return child
    return None


def _text(el: Element | None) -> str | None:
    if el is None:
        return None
    text = "".join(el.itertext())
    if "<" in text:
        text = _TAG.sub(" ", text)
    text = _SPACE.sub(" ", html.unescape(text)).strip()
    return text or None


def _resolve(link: str | None, base_url: str) -> str | None:
    if not link:
        return None
    url = urljoin(base_url, link.strip())
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return url


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime from RFC 822 or ISO 8601 text (UTC when no zone is given); else None."""
    if not value or not value.strip():
        return None
    value = value.strip()
    parsed: datetime | None
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def _rss_item(item: Element, base_url: str) -> FeedEntry | None:
    link = _text(_child(item, "link"))
    if link is None:
        guid = _child(item, "guid")
        if guid is not None and guid.get("isPermaLink", "true").lower() != "false":
            link = _text(guid)
    if link is None:
        link = item.get(f"{_RDF}about")
    url = _resolve(link, base_url)
    if url is None:
        return None
    date = _text(_child(item, "pubDate", f"{_DC}date", "date", "published", "updated"))
    return FeedEntry(url=url, title=_text(_child(item, "title")), published_at=parse_date(date))


def _atom_entry(entry: Element, base_url: str) -> FeedEntry | None:
    base = _resolve(entry.get("{http://www.w3.org/XML/1998/namespace}base"), base_url) or base_url
    href = None
    for link in entry:
        if _local(link.tag) != "link" or not link.get("href"):
            continue
        rel = link.get("rel", "alternate")
        if rel == "alternate":
            href = link.get("href")
            break
        if href is None and rel not in ("self", "edit", "replies", "enclosure", "license"):
            href = link.get("href")
    url = _resolve(href, base)
    if url is None:
        return None
    date = _text(_child(entry, "published", "updated", "issued", "modified"))
    return FeedEntry(url=url, title=_text(_child(entry, "title")), published_at=parse_date(date))


def _sitemap_url(node: Element, base_url: str) -> FeedEntry | None:
    url = _resolve(_text(_child(node, "loc")), base_url)
    if url is None:
        return None
    news = _child(node, "news")
    title = date = None
    if news is not None:
        title = _text(_child(news, "title"))
        date = _text(_child(news, "publication_date"))
    if date is None and _local(node.tag) == "sitemap":
        date = _text(_child(node, "lastmod"))
    return FeedEntry(url=url, title=title, published_at=parse_date(date))


def _unique(entries: Iterable[FeedEntry | None]) -> tuple[FeedEntry, ...]:
    seen: dict[str, FeedEntry] = {}
    for entry in entries:
        if entry is not None and entry.url not in seen:
            seen[entry.url] = entry
    return tuple(seen.values())
