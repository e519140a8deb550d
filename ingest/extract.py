"""Article extraction from a publisher page with trafilatura, plus the metadata Parallax stores.

Blocking (lxml and trafilatura): call it from a worker thread or process, never on the event loop.
Options were chosen on the shared html_sample with `python -m evaluation.extraction`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import trafilatura
from lxml.html import HtmlElement

from core.errors import InvalidURL, NotAnArticle
from core.models import ExtractedArticle
from ingest.feeds import parse_date
from ingest.urls import canonicalize, same_site

__all__ = ["MIN_ARTICLE_CHARS", "extract_article", "normalise_paragraphs"]

# Shorter bodies are teasers, error pages or listings; paywalled leads (about 350 chars) still pass.
MIN_ARTICLE_CHARS = 150

# deduplicate=True must stay off: trafilatura's dedup cache is process-global, so it would drop
# passages of a page because an earlier, unrelated page contained them.
_OPTIONS: dict[str, Any] = {
    "favor_precision": True,
    "include_comments": False,
    "include_tables": True,
    "include_images": False,
    "include_links": False,
    "deduplicate": False,
    "with_metadata": True,
    "date_extraction_params": {
        "extensive_search": True,
        "original_date": True,
        "outputformat": "%Y-%m-%dT%H:%M:%S%z",
    },
}

_BODY_CLASS = re.compile(
    r"^(?:(?:article|story|post|entry|main)[_-]*)?body(?:[_-]*(?:text|content|container|copy))?$",
    re.IGNORECASE,
)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")
_SPACE = re.compile(r"[^\S\n]+")
_DATE_KEYS = (
    "article:published_time",
    "og:article:published_time",
    "datePublished",
    "pubdate",
    "publishdate",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "DC.date.issued",
)
_LD_DATE = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
_LD_TYPE = re.compile(r'"@type"\s*:\s*"([A-Za-z]+)"')
_ARTICLE_TYPES = ("article", "blogposting", "report", "liveblogposting")
_LISTING_TYPES = frozenset({"collectionpage", "itemlist", "searchresultspage"})
_MIN_LISTING_HEADLINES = 5
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?:\s|$)")


def normalise_paragraphs(text: str) -> str:
    """NFC, invisible characters dropped, runs of spaces collapsed, one paragraph per
    non-empty line, paragraphs joined by a blank line."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFC", text))
    lines = (_SPACE.sub(" ", line).strip() for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def _merge_split_bodies(tree: HtmlElement) -> None:
    """Join article bodies that a page split into sibling containers around mid-article ads.

    Some CMSs (e.g. Condé Nast's) close the body container before every ad row and open an
    identical one after it; trafilatura then keeps only the first part of the article.
    """
    groups: defaultdict[str, list[HtmlElement]] = defaultdict(list)
    for el in tree.iter("div", "section"):
        classes = el.get("class") or ""
        if any(_BODY_CLASS.match(token) for token in classes.split()) and any(
            len(p.text_content()) >= 100 for p in el.iter("p")
        ):
            groups[classes].append(el)
    for members in groups.values():
        roots = [m for m in members if not any(o in members for o in m.iterancestors())]
        for extra in roots[1:]:
            parent = extra.getparent()
            if parent is None:
                continue
            roots[0].extend(list(extra))
            parent.remove(extra)


def _meta(tree: HtmlElement, *keys: str) -> str | None:
    for key in keys:
        for el in tree.iter("meta"):
            if key in (el.get("property"), el.get("name"), el.get("itemprop")):
                content = (el.get("content") or "").strip()
                if content:
                    return content
    return None


def _canonical_url(tree: HtmlElement, url: str) -> str:
    fetched = canonicalize(url)
    candidates = [
        el.get("href") for el in tree.iter("link") if "canonical" in (el.get("rel") or "").split()
    ]
    candidates.append(_meta(tree, "og:url"))
    for href in candidates:
        if not href or not href.strip():
            continue
        absolute = urljoin(url, href.strip())
        if urlsplit(absolute).scheme.lower() not in ("http", "https"):
            continue
        try:
            if same_site(absolute, url):
                return canonicalize(absolute)
        except InvalidURL:
            continue
    return fetched


def _language(tree: HtmlElement) -> str | None:
    html_el = tree if tree.tag == "html" else tree.find(".//html")
    value = (html_el.get("lang") if html_el is not None else None) or _meta(
        tree, "og:locale", "language", "content-language", "inLanguage"
    )
    if not value:
        return None
    primary = re.split(r"[-_]", value.strip())[0].lower()
    return primary if primary.isalpha() and 2 <= len(primary) <= 3 else None


def _explicit_date(tree: HtmlElement) -> datetime | None:
    """The page's own publication timestamp (meta, JSON-LD, <time pubdate>), with its zone."""
    candidates = [_meta(tree, *_DATE_KEYS)]
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            candidates.extend(_LD_DATE.findall(script.text))
    candidates.extend(
        el.get("datetime") for el in tree.iter("time") if el.get("pubdate") is not None
    )
    for value in candidates:
        parsed = parse_date(value)
        if parsed is not None and 1990 <= parsed.year <= datetime.now(UTC).year + 1:
            return parsed
    return None


def _fallback_date(value: str | None) -> datetime | None:
    """htmldate's guess, which may come from the URL and then only knows the day."""
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d"):
        try:
            parsed = datetime.strptime(value or "", fmt)
        except ValueError:
            continue
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _authors(raw: str | None) -> tuple[str, ...]:
    if not raw:
        return ()
    names: list[str] = []
    for part in raw.split(";"):
        name = re.sub(r"^\s*by\s+", "", part, flags=re.IGNORECASE).strip(" ,")
        if name and name not in names:
            names.append(name)
    return tuple(names)


def _declares_listing(tree: HtmlElement) -> bool:
    """A page that calls itself a website or collection, never an article, and shows a stream
    of linked headlines is a section front or a homepage, whatever prose its teasers hold."""
    og_type = (_meta(tree, "og:type") or "").lower()
    ld_types = {
        t.lower()
        for script in tree.iter("script")
        if (script.get("type") or "").lower() == "application/ld+json" and script.text
        for t in _LD_TYPE.findall(script.text)
    }
    if og_type == "article" or any(t.endswith(_ARTICLE_TYPES) for t in ld_types):
        return False
    if og_type != "website" and not ld_types & _LISTING_TYPES:
        return False
    linked_headings = sum(
        1
        for heading in tree.iter("h1", "h2", "h3", "h4")
        if heading.find(".//a") is not None or next(heading.iterancestors("a"), None) is not None
    )
    return linked_headings >= _MIN_LISTING_HEADLINES


def _looks_like_prose(text: str) -> bool:
    """A listing page yields headlines; an article has paragraphs of sentences."""
    prose = sum(
        len(p)
        for p in text.split("\n\n")
        if len(p.split()) >= 8 and _SENTENCE_END.search(p) is not None
    )
    return prose >= MIN_ARTICLE_CHARS


def extract_article(html: str, url: str) -> ExtractedArticle:
    """The article in `html`, fetched from `url`. Raises `NotAnArticle` when the page has no
    article body (a listing, an error page, an empty shell) and `InvalidURL` for a bad `url`."""
    canonicalize(url)
    tree = trafilatura.load_html(html) if html and html.strip() else None
    if tree is None:
        raise NotAnArticle("the page is empty or not HTML", url=url)
    canonical = _canonical_url(tree, url)
    language = _language(tree)
    site_name = _meta(tree, "og:site_name", "application-name")
    published = _explicit_date(tree)
    if _declares_listing(tree):
        raise NotAnArticle("the page is a listing of articles", url=url)
    _merge_split_bodies(tree)
    doc = trafilatura.bare_extraction(tree, url=url, **_OPTIONS)
    raw_text = getattr(doc, "text", None) if doc is not None else None
    text = normalise_paragraphs(raw_text or "")
    title = normalise_paragraphs(getattr(doc, "title", None) or "").replace("\n\n", " ")
    head, _, rest = text.partition("\n\n")
    if title and rest and head.casefold() == title.casefold():
        # The headline is stored as the title; kept in the body it would become a passage.
        text = rest
    if len(text) < MIN_ARTICLE_CHARS or not _looks_like_prose(text):
        raise NotAnArticle(
            f"no article body found ({len(text)} characters of text)", url=url, chars=len(text)
        )
    return ExtractedArticle(
        url=url,
        canonical_url=canonical,
        title=title,
        text=text,
        authors=_authors(getattr(doc, "author", None)),
        published_at=published or _fallback_date(getattr(doc, "date", None)),
        site_name=site_name or getattr(doc, "sitename", None) or None,
        language=language or getattr(doc, "language", None) or None,
    )
