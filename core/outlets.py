"""The outlet registry: the shipped default list, a user file merged over it, URL lookup.

A registry file is TOML with one `[[outlet]]` table per outlet. In a user file an entry whose
slug exists in the default replaces it, a new slug is added, and `enabled = false` removes
the default entry of that slug.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.errors import InvalidInput
from core.models import Outlet

__all__ = ["KINDS", "LEANINGS", "load_registry", "outlet_for_url", "parse_registry"]

KINDS = ("wire", "public", "state", "commercial", "nonprofit")
LEANINGS = ("left", "lean-left", "center", "lean-right", "right", "state", "unknown")

_DEFAULT_RESOURCE = "outlets.toml"
_SLUG = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?")
_DOMAIN_LABEL = re.compile(r"(?!-)[a-z0-9-]{1,63}(?<!-)")
_LANGUAGE = re.compile(r"[a-z]{2}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_REQUIRED = ("slug", "name", "domains", "language", "country", "kind")
_OPTIONAL = ("feeds", "leaning", "enabled")


@dataclass(frozen=True, slots=True)
class _Entry:
    slug: str
    outlet: Outlet | None  # None: the entry disables the outlet of that slug


def load_registry(user_file: Path | None = None, *, max_feeds: int | None = None) -> list[Outlet]:
    """The default outlets with `user_file` (if any) merged over them, in a stable order.

    Raises InvalidInput for an outlet listing more than `max_feeds` feeds.
    """
    outlets = _merged_registry(user_file)
    for outlet in outlets:
        if max_feeds is not None and len(outlet.feeds) > max_feeds:
            raise InvalidInput(
                f"outlet {outlet.slug!r} lists {len(outlet.feeds)} feeds; at most {max_feeds} "
                "are accepted",
                entry=outlet.slug,
                limit=max_feeds,
            )
    return outlets


def _merged_registry(user_file: Path | None) -> list[Outlet]:
    merged = {outlet.slug: outlet for outlet in _default_outlets()}
    if user_file is None:
        return list(merged.values())
    try:
        text = user_file.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput(
            f"cannot read outlet file {user_file}: {error.strerror or error}", file=str(user_file)
        ) from error
    for entry in _parse_entries(text, str(user_file)):
        if entry.outlet is not None:
            merged[entry.slug] = entry.outlet
        elif merged.pop(entry.slug, None) is None:
            raise InvalidInput(
                f"{user_file}: outlet {entry.slug!r} is disabled but no such outlet exists",
                file=str(user_file),
                entry=entry.slug,
            )
    return list(merged.values())


def parse_registry(text: str, source: str) -> list[Outlet]:
    """Every enabled outlet of one registry file's text; `source` names the file in errors."""
    return [entry.outlet for entry in _parse_entries(text, source) if entry.outlet is not None]


def outlet_for_url(outlets: Iterable[Outlet], url: str) -> Outlet | None:
    """The outlet whose domain matches the URL's host (subdomains count; the longest wins).

    Outlets sharing a domain (the local demo serves several from one host) are told apart by
    the path their feeds live under: the longest common leading path wins.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return None
    if not host:
        return None
    host = host.rstrip(".")
    path = _segments(parts.path)
    best: Outlet | None = None
    best_score = (-1, -1)
    for outlet in outlets:
        for domain in outlet.domains:
            if host != domain and not host.endswith("." + domain):
                continue
            score = (len(domain), _shared_feed_path(outlet, path))
            if score > best_score:
                best, best_score = outlet, score
    return best


def _shared_feed_path(outlet: Outlet, path: list[str]) -> int:
    shared = 0
    for feed in outlet.feeds:
        feed_directory = _segments(urlsplit(feed).path)[:-1]
        common = 0
        for mine, theirs in zip(path, feed_directory, strict=False):
            if mine != theirs:
                break
            common += 1
        shared = max(shared, common)
    return shared


def _segments(path: str) -> list[str]:
    return [segment for segment in path.split("/") if segment]


@cache
def _default_outlets() -> tuple[Outlet, ...]:
    text = resources.files("core.data").joinpath(_DEFAULT_RESOURCE).read_text(encoding="utf-8")
    return tuple(parse_registry(text, f"core/data/{_DEFAULT_RESOURCE}"))


def _parse_entries(text: str, source: str) -> list[_Entry]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{source}: not valid TOML: {error}", file=source) from error
    unknown = set(document) - {"outlet"}
    if unknown:
        raise InvalidInput(
            f"{source}: unknown top-level keys {sorted(unknown)}; expected [[outlet]] tables",
            file=source,
        )
    tables = document.get("outlet", [])
    if not isinstance(tables, list):
        raise InvalidInput(f"{source}: 'outlet' must be an array of tables", file=source)
    entries: list[_Entry] = []
    seen: set[str] = set()
    for position, table in enumerate(tables, start=1):
        label = f"outlet #{position}"
        if isinstance(table, dict) and isinstance(table.get("slug"), str):
            label = f"outlet #{position} ({table['slug']!r})"
        try:
            entry = _parse_entry(table)
        except ValueError as error:
            raise InvalidInput(f"{source}: {label}: {error}", file=source, entry=label) from error
        if entry.slug in seen:
            raise InvalidInput(
                f"{source}: {label}: slug appears more than once", file=source, entry=label
            )
        seen.add(entry.slug)
        entries.append(entry)
    return entries


def _parse_entry(table: object) -> _Entry:
    if not isinstance(table, dict):
        raise ValueError("must be a table")
    unknown = set(table) - set(_REQUIRED) - set(_OPTIONAL)
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    slug = _string(table, "slug")
    if not _SLUG.fullmatch(slug):
        raise ValueError(f"slug {slug!r} must be lowercase letters, digits and inner hyphens")
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        raise ValueError("'enabled' must be true or false")
    if not enabled:
        return _Entry(slug=slug, outlet=None)
    missing = [name for name in _REQUIRED if name not in table]
    if missing:
        raise ValueError(f"missing fields {missing}")
    name = _string(table, "name")
    if not name.strip():
        raise ValueError("'name' must not be empty")
    domains = tuple(_domain(value) for value in _strings(table, "domains"))
    if not domains:
        raise ValueError("needs at least one domain")
    feeds = tuple(_feed_url(value) for value in _strings(table, "feeds", required=False))
    language = _string(table, "language")
    if not _LANGUAGE.fullmatch(language):
        raise ValueError(f"language {language!r} must be an ISO 639-1 code such as 'en'")
    country = _string(table, "country")
    if not _COUNTRY.fullmatch(country):
        raise ValueError(f"country {country!r} must be an ISO 3166 alpha-2 code such as 'GB'")
    kind = _choice(table, "kind", KINDS)
    leaning = _choice(table, "leaning", LEANINGS, default="unknown")
    outlet = Outlet(
        slug=slug,
        name=name,
        domains=domains,
        feeds=feeds,
        language=language,
        country=country,
        kind=kind,
        leaning=leaning,
    )
    return _Entry(slug=slug, outlet=outlet)


def _string(table: Mapping[str, Any], field: str) -> str:
    value = table.get(field)
    if not isinstance(value, str):
        raise ValueError(f"{field!r} must be a string")
    return value


def _strings(table: Mapping[str, Any], field: str, *, required: bool = True) -> list[str]:
    value = table.get(field, None if required else [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{field!r} must be a list of strings")
    return value


def _choice(
    table: Mapping[str, Any], field: str, allowed: tuple[str, ...], default: str | None = None
) -> str:
    value = table.get(field, default)
    if value not in allowed:
        raise ValueError(f"{field!r} is {value!r}; expected one of {', '.join(allowed)}")
    return str(value)


def _domain(value: str) -> str:
    domain = value.strip().lower().rstrip(".")
    labels = domain.split(".")
    if len(labels) < 2 or not all(_DOMAIN_LABEL.fullmatch(label) for label in labels):
        raise ValueError(f"domain {value!r} must be a bare host name such as 'example.com'")
    return domain


def _feed_url(value: str) -> str:
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError as error:
        raise ValueError(f"feed {value!r} is not a valid URL: {error}") from error
    if parts.scheme not in ("http", "https") or not host:
        raise ValueError(f"feed {value!r} must be an absolute http(s) URL")
    return value
