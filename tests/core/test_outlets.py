from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest

from core.errors import InvalidInput
from core.models import Outlet
from core.outlets import KINDS, load_registry, outlet_for_url, parse_registry


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "outlets.toml"
    path.write_text(text, encoding="utf-8")
    return path


def by_slug(outlets: list[Outlet]) -> dict[str, Outlet]:
    return {outlet.slug: outlet for outlet in outlets}


NEW_OUTLET = """
[[outlet]]
slug = "harbour-times"
name = "The Harbour Times"
domains = ["harbourtimes.example"]
feeds = ["https://harbourtimes.example/rss"]
language = "en"
country = "NZ"
kind = "commercial"
leaning = "center"
"""


class TestDefaultRegistry:
    def test_is_broad(self) -> None:
        outlets = load_registry()
        assert len(outlets) >= 30
        assert len({outlet.language for outlet in outlets}) >= 6
        assert len({outlet.country for outlet in outlets}) >= 10
        assert {outlet.kind for outlet in outlets} == set(KINDS)
        assert {"left", "lean-left", "center", "lean-right", "right", "state"} <= {
            outlet.leaning for outlet in outlets
        }

    def test_slugs_and_domains_are_unique(self) -> None:
        outlets = load_registry()
        slugs = [outlet.slug for outlet in outlets]
        domains = [domain for outlet in outlets for domain in outlet.domains]
        assert len(slugs) == len(set(slugs))
        assert len(domains) == len(set(domains))
        assert all(outlet.domains for outlet in outlets)

    def test_feed_urls_are_absolute_http(self) -> None:
        for outlet in load_registry():
            for feed in outlet.feeds:
                parts = urlsplit(feed)
                assert parts.scheme in ("http", "https"), feed
                assert parts.hostname, feed

    def test_most_outlets_have_a_feed(self) -> None:
        outlets = load_registry()
        assert sum(1 for outlet in outlets if outlet.feeds) >= 30

    def test_every_feed_host_belongs_to_its_outlet_or_a_feed_service(self) -> None:
        outlets = load_registry()
        for outlet in outlets:
            for feed in outlet.feeds:
                owner = outlet_for_url(outlets, feed)
                assert owner is None or owner.slug == outlet.slug, feed


class TestUserFile:
    def test_adds_a_new_outlet(self, tmp_path: Path) -> None:
        outlets = by_slug(load_registry(write(tmp_path, NEW_OUTLET)))
        added = outlets["harbour-times"]
        assert added.domains == ("harbourtimes.example",)
        assert added.country == "NZ"
        assert "bbc" in outlets

    def test_same_slug_replaces_the_default(self, tmp_path: Path) -> None:
        text = """
[[outlet]]
slug = "bbc"
name = "BBC World Service"
domains = ["bbc.com"]
feeds = ["https://feeds.bbci.co.uk/news/world/rss.xml"]
language = "en"
country = "GB"
kind = "public"
"""
        default_count = len(load_registry())
        outlets = load_registry(write(tmp_path, text))
        assert len(outlets) == default_count
        bbc = by_slug(outlets)["bbc"]
        assert bbc.name == "BBC World Service"
        assert bbc.domains == ("bbc.com",)
        assert bbc.leaning == "unknown"

    def test_enabled_false_removes_a_default(self, tmp_path: Path) -> None:
        text = '[[outlet]]\nslug = "rt"\nenabled = false\n'
        outlets = by_slug(load_registry(write(tmp_path, text)))
        assert "rt" not in outlets
        assert "tass" in outlets

    def test_empty_file_changes_nothing(self, tmp_path: Path) -> None:
        assert load_registry(write(tmp_path, "")) == load_registry()

    def test_domains_are_normalised(self, tmp_path: Path) -> None:
        text = NEW_OUTLET.replace('"harbourtimes.example"]', '"HarbourTimes.Example."]')
        outlet = by_slug(load_registry(write(tmp_path, text)))["harbour-times"]
        assert outlet.domains == ("harbourtimes.example",)


class TestBadFiles:
    @pytest.mark.parametrize(
        ("replace", "by", "message"),
        [
            ('slug = "harbour-times"', 'slug = "Harbour Times"', "slug"),
            ('domains = ["harbourtimes.example"]', "domains = []", "at least one domain"),
            ('domains = ["harbourtimes.example"]', 'domains = ["https://x.example/"]', "domain"),
            ('["https://harbourtimes.example/rss"]', '["/rss"]', "absolute http(s)"),
            ('["https://harbourtimes.example/rss"]', '["ftp://x.example/rss"]', "absolute http(s)"),
            ('kind = "commercial"', 'kind = "blog"', "'kind'"),
            ('leaning = "center"', 'leaning = "centrist"', "'leaning'"),
            ('language = "en"', 'language = "english"', "ISO 639-1"),
            ('country = "NZ"', 'country = "nz"', "ISO 3166"),
            ('name = "The Harbour Times"', 'title = "The Harbour Times"', "unknown fields"),
        ],
    )
    def test_bad_entry_names_file_and_entry(
        self, tmp_path: Path, replace: str, by: str, message: str
    ) -> None:
        assert replace in NEW_OUTLET
        path = write(tmp_path, NEW_OUTLET.replace(replace, by))
        with pytest.raises(InvalidInput) as caught:
            load_registry(path)
        text = str(caught.value)
        assert str(path) in text
        assert "outlet #1" in text
        assert message in text

    def test_missing_field(self, tmp_path: Path) -> None:
        path = write(tmp_path, NEW_OUTLET.replace('country = "NZ"\n', ""))
        with pytest.raises(InvalidInput, match=r"'harbour-times'.*missing fields \['country'\]"):
            load_registry(path)

    def test_invalid_toml(self, tmp_path: Path) -> None:
        path = write(tmp_path, "[[outlet]\nslug = ")
        with pytest.raises(InvalidInput, match="not valid TOML") as caught:
            load_registry(path)
        assert caught.value.context["file"] == str(path)

    def test_duplicate_slug_in_one_file(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="more than once"):
            load_registry(write(tmp_path, NEW_OUTLET + NEW_OUTLET))

    def test_disabling_an_unknown_outlet(self, tmp_path: Path) -> None:
        path = write(tmp_path, '[[outlet]]\nslug = "no-such-outlet"\nenabled = false\n')
        with pytest.raises(InvalidInput, match="no-such-outlet"):
            load_registry(path)

    def test_unknown_top_level_key(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="unknown top-level"):
            load_registry(write(tmp_path, "[[outlets]]\nslug = 'x'\n"))

    def test_missing_file(self, tmp_path: Path) -> None:
        with pytest.raises(InvalidInput, match="cannot read outlet file"):
            load_registry(tmp_path / "absent.toml")


class TestOutletForURL:
    @pytest.fixture
    def outlets(self) -> list[Outlet]:
        return load_registry()

    @pytest.mark.parametrize(
        ("url", "slug"),
        [
            ("https://www.bbc.co.uk/news/world-12345678", "bbc"),
            ("https://feeds.bbci.co.uk/news/rss.xml", "bbc"),
            ("https://bbc.com/news", "bbc"),
            ("https://WWW.LEMONDE.FR/international/article/x.html", "lemonde"),
            ("https://user@www.spiegel.de:443/politik/a.html", "spiegel"),
            ("http://english.news.cn/20261101/abc/c.html", "xinhua"),
            ("https://www.theguardian.com./world/2026/nov/01/x", "guardian"),
        ],
    )
    def test_matches_host_and_subdomains(self, outlets: list[Outlet], url: str, slug: str) -> None:
        found = outlet_for_url(outlets, url)
        assert found is not None
        assert found.slug == slug

    @pytest.mark.parametrize(
        "url",
        [
            "https://notbbc.co.uk/news",
            "https://bbc.co.uk.attacker.example/news",
            "https://example.com/bbc.co.uk",
            "not a url",
            "http://[::1",
        ],
    )
    def test_no_match(self, outlets: list[Outlet], url: str) -> None:
        assert outlet_for_url(outlets, url) is None

    def test_the_most_specific_domain_wins(self) -> None:
        text = NEW_OUTLET + NEW_OUTLET.replace('"harbour-times"', '"harbour-times-sport"').replace(
            '["harbourtimes.example"]', '["sport.harbourtimes.example"]'
        )
        outlets = parse_registry(text, "inline")
        found = outlet_for_url(outlets, "https://live.sport.harbourtimes.example/match")
        assert found is not None
        assert found.slug == "harbour-times-sport"

    def test_outlets_sharing_a_host_are_told_apart_by_their_feed_paths(self) -> None:
        shared = [
            Outlet(
                slug=slug,
                name=slug,
                domains=("news.example",),
                feeds=(f"https://news.example/{slug}/feed.xml",),
            )
            for slug in ("first", "second")
        ]
        found = outlet_for_url(shared, "https://news.example/second/2026/11/08/story")
        assert found is not None
        assert found.slug == "second"
        fallback = outlet_for_url(shared, "https://news.example/elsewhere/story")
        assert fallback is not None
        assert fallback.slug == "first"


def test_feeds_per_outlet_are_capped(tmp_path: Path) -> None:
    feeds = ", ".join(f'"https://harbourtimes.example/feed/{n}.xml"' for n in range(3))
    path = write(tmp_path, NEW_OUTLET.replace('["https://harbourtimes.example/rss"]', f"[{feeds}]"))
    assert "harbour-times" in by_slug(load_registry(path, max_feeds=3))
    with pytest.raises(InvalidInput, match="at most 2"):
        load_registry(path, max_feeds=2)
