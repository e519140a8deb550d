from __future__ import annotations

import re
import subprocess
import sys
from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element

import httpx
import lxml.html
import pytest
from defusedxml.ElementTree import fromstring
from protego import Protego

from core.outlets import KINDS, LEANINGS, outlet_for_url
from demo import ARTICLES, DEMO_OUTLETS, EVENTS, DemoArticle, demo_outlets, outlet_for_demo_url
from demo.articles import EVACUATION, RAIL_STRIKE_NOVEMBER, RAIL_STRIKE_OCTOBER
from demo.server import DemoSite

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
SENTENCE_END = re.compile(r"(?<=[.!?])[\"”]?\s+(?=[\"“A-Z0-9])")


@pytest.fixture(scope="module")
def demo_site() -> Iterator[DemoSite]:
    with DemoSite() as site:
        yield site


@pytest.fixture(scope="module")
def client(demo_site: DemoSite) -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as http:
        yield http


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def feed_links(root: Element) -> list[str]:
    if root.tag == "rss":
        return [item.findtext("link", "") for item in root.iter("item")]
    return [
        link.get("href", "")
        for entry in root.iter(f"{ATOM}entry")
        for link in entry.iter(f"{ATOM}link")
        if link.get("rel", "alternate") == "alternate"
    ]


def articles_of(event: str) -> dict[str, DemoArticle]:
    return {article.outlet: article for article in ARTICLES if article.event == event}


def sentences(article: DemoArticle) -> list[str]:
    return [s for p in article.paragraphs for s in SENTENCE_END.split(p) if s.strip()]


class TestData:
    def test_enough_outlets_events_and_articles(self) -> None:
        assert len(DEMO_OUTLETS) >= 4
        assert len(EVENTS) >= 4
        assert {article.event for article in ARTICLES} == set(EVENTS)
        assert {article.outlet for article in ARTICLES} == {o.slug for o in DEMO_OUTLETS}

    def test_each_event_has_three_to_five_outlets(self) -> None:
        outlets_by_event: dict[str, set[str]] = defaultdict(set)
        for article in ARTICLES:
            outlets_by_event[article.event].add(article.outlet)
        for event, outlets in outlets_by_event.items():
            assert 3 <= len(outlets) <= 5, event
        assert len(ARTICLES) == sum(len(outlets) for outlets in outlets_by_event.values())

    def test_articles_are_real_prose_of_12_to_40_sentences(self) -> None:
        for article in ARTICLES:
            assert 12 <= len(sentences(article)) <= 40, article.path
            assert "lorem" not in article.text.lower()
            assert article.authors
            assert article.published_at.tzinfo is not None

    def test_publication_times_stay_within_two_days_of_each_other(self) -> None:
        for event in EVENTS:
            times = [article.published_at for article in articles_of(event).values()]
            assert max(times) - min(times) <= timedelta(days=2), event

    def test_paths_are_unique_per_outlet(self) -> None:
        keys = [(article.outlet, article.path) for article in ARTICLES]
        assert len(keys) == len(set(keys))

    def test_the_second_strike_is_a_hard_negative_for_the_first(self) -> None:
        first = list(articles_of(RAIL_STRIKE_OCTOBER).values())
        second = list(articles_of(RAIL_STRIKE_NOVEMBER).values())
        for article in (*first, *second):
            assert "Rail and Transit Workers' Union" in article.text
            assert "Connor Walsh" in article.text
        gap = min(b.published_at for b in second) - max(a.published_at for a in first)
        assert gap > timedelta(days=20)


class TestDefiningEvent:
    @pytest.fixture
    def accounts(self) -> dict[str, DemoArticle]:
        return articles_of(EVACUATION)

    def test_hostile_account(self, accounts: dict[str, DemoArticle]) -> None:
        hostile = accounts["frontlinepatriot"].text
        assert '"evacuated"' in hostile
        assert '"rescuers"' in hostile
        assert "terrorists who stage chemical attacks" in hostile
        assert re.search(r"800 .*planned", hostile)
        assert re.search(r"422 .*arrived", hostile)

    def test_only_the_hostile_outlet_quotes_the_grand_mufti(
        self, accounts: dict[str, DemoArticle]
    ) -> None:
        quoting = {slug for slug, article in accounts.items() if "Mufti" in article.text}
        assert quoting == {"frontlinepatriot"}
        mufti_quotes = [
            p
            for p in accounts["frontlinepatriot"].paragraphs
            if p.startswith('"') and p.count('"') >= 4
        ]
        assert len(mufti_quotes) >= 3
        assert sum(len(p) for p in mufti_quotes) > 500

    def test_other_accounts_carry_the_figures_and_facts_the_hostile_one_omits(
        self, accounts: dict[str, DemoArticle]
    ) -> None:
        hostile = accounts.pop("frontlinepatriot").text
        others = " ".join(article.text for article in accounts.values())
        for figure in ("about 800", "422", "98 members", "324 of their relatives"):
            assert figure in others
        for fact in ("Britain, Canada and Germany", "within three months"):
            assert fact in others
            assert fact not in hostile
        assert "volunteer" in others
        assert "terrorist" not in others

    def test_a_claim_stated_by_one_outlet_is_attributed_by_another(
        self, accounts: dict[str, DemoArticle]
    ) -> None:
        stated = next(p for p in accounts["dailyledger"].paragraphs if "Sahla" in p)
        attributed = next(p for p in accounts["northerncourier"].paragraphs if "Sahla" in p)
        assert "detained two civil-defence volunteers" in stated
        assert "allegedly" not in stated
        assert "allegedly" in attributed
        assert "according to" in attributed

    def test_outlets_contradict_each_other_on_the_crossing(
        self, accounts: dict[str, DemoArticle]
    ) -> None:
        assert "did not cross into Sardovan territory" in accounts["meridianwire"].text
        assert "crossed into Sardovan territory" in accounts["frontlinepatriot"].text

    def test_the_wire_story_is_republished_almost_verbatim(
        self, accounts: dict[str, DemoArticle]
    ) -> None:
        wire = accounts["meridianwire"].paragraphs
        copy = accounts["harbourgazette"].paragraphs
        shared = set(wire) & set(copy)
        assert len(shared) >= len(wire) - 1
        assert accounts["harbourgazette"].title != accounts["meridianwire"].title


class TestOutlets:
    def test_registry_entries(self, demo_site: DemoSite) -> None:
        outlets = demo_outlets(demo_site.base_url)
        assert [outlet.slug for outlet in outlets] == [o.slug for o in DEMO_OUTLETS]
        feeds = demo_site.feed_urls()
        for outlet in outlets:
            assert outlet.domains == ("127.0.0.1",)
            assert list(outlet.feeds) == feeds[outlet.slug]
        assert {outlet.kind for outlet in outlets} >= {"wire", "commercial"}

    def test_the_registry_lookup_tells_demo_outlets_apart(self, demo_site: DemoSite) -> None:
        outlets = demo_outlets(demo_site.base_url)
        for outlet in outlets:
            assert outlet.kind in KINDS
            assert outlet.leaning in LEANINGS
        for article in ARTICLES:
            found = outlet_for_url(outlets, demo_site.url_of(article))
            assert found is not None
            assert found.slug == article.outlet

    def test_outlet_for_demo_url(self, demo_site: DemoSite) -> None:
        for article in ARTICLES:
            assert outlet_for_demo_url(demo_site.url_of(article)) == article.outlet
        for url in demo_site.feed_urls()["northerncourier"]:
            assert outlet_for_demo_url(url) == "northerncourier"
        assert outlet_for_demo_url(f"{demo_site.base_url}/robots.txt") is None
        assert outlet_for_demo_url(f"{demo_site.base_url}/unknown/2026/x") is None


class TestServer:
    def test_every_article_page_is_served(self, demo_site: DemoSite, client: httpx.Client) -> None:
        urls = demo_site.article_urls()
        assert len(urls) == len(ARTICLES)
        for url in urls:
            article = demo_site.article_for_url(url)
            assert article is not None
            response = client.get(url)
            assert response.status_code == 200, url
            assert response.headers["content-type"].startswith("text/html")
            assert '<meta charset="utf-8">' in response.text
            page = lxml.html.document_fromstring(response.text)
            assert page.xpath("//link[@rel='canonical']/@href") == [url]
            assert page.xpath("//meta[@property='og:title']/@content") == [article.title]
            assert page.xpath("//time/@datetime")[0] == article.published_at.isoformat()
            byline = page.xpath("string(//*[@class='byline'])")
            assert all(author in byline for author in article.authors)
            body = [p.text_content() for p in page.xpath("//article//p")]
            assert all(paragraph in body for paragraph in article.paragraphs)
            for boilerplate in ("cookie-consent", "related-stories", "comments", "site-footer"):
                assert page.xpath(f"//*[@id='{boilerplate}' or contains(@class, '{boilerplate}')]")

    def test_feeds_parse_and_list_every_article(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        formats = set()
        for outlet in DEMO_OUTLETS:
            (url,) = demo_site.feed_urls()[outlet.slug]
            response = client.get(url)
            assert response.status_code == 200
            assert "xml" in response.headers["content-type"]
            root = fromstring(response.content)
            formats.add(root.tag)
            links = feed_links(root)
            assert sorted(without_query(link) for link in links) == sorted(
                demo_site.article_urls(outlet.slug)
            )
        assert formats == {"rss", f"{ATOM}feed"}

    def test_a_feed_link_carries_tracking_parameters(
        self, demo_site: DemoSite, client: httpx.Client
    ) -> None:
        tracked = [
            link
            for urls in demo_site.feed_urls().values()
            for link in feed_links(fromstring(client.get(urls[0]).content))
            if "utm_source=" in link
        ]
        assert tracked
        response = client.get(tracked[0])
        assert response.status_code == 200
        canonical = lxml.html.document_fromstring(response.text).xpath(
            "//link[@rel='canonical']/@href"
        )
        assert canonical == [without_query(tracked[0])]
        assert demo_site.event_for_url(tracked[0]) == EVACUATION

    def test_robots_txt(self, demo_site: DemoSite, client: httpx.Client) -> None:
        response = client.get(demo_site.robots_url)
        assert response.status_code == 200
        robots = Protego.parse(response.text)
        private = demo_site.private_urls()
        assert private
        for url in private:
            assert client.get(url).status_code == 200
            assert not robots.can_fetch(url, "ParallaxBot")
        for url in demo_site.article_urls():
            assert robots.can_fetch(url, "ParallaxBot")
        assert list(robots.sitemaps) == demo_site.sitemap_urls()["dailyledger"]
        for outlet in DEMO_OUTLETS:
            assert client.get(f"{demo_site.base_url}/{outlet.slug}/robots.txt").status_code == 200

    def test_news_sitemap(self, demo_site: DemoSite, client: httpx.Client) -> None:
        (url,) = demo_site.sitemap_urls()["dailyledger"]
        root = fromstring(client.get(url).content)
        locations = [entry.findtext(f"{SITEMAP}loc") for entry in root.iter(f"{SITEMAP}url")]
        assert sorted(locations) == sorted(demo_site.article_urls("dailyledger"))
        assert all(entry.find(f"{NEWS}news") is not None for entry in root.iter(f"{SITEMAP}url"))

    def test_ground_truth(self, demo_site: DemoSite) -> None:
        truth = demo_site.ground_truth()
        assert len(truth) == len(ARTICLES)
        assert set(truth.values()) == set(EVENTS)
        assert demo_site.event_for_url(f"{demo_site.base_url}/dailyledger/nope") is None

    def test_unknown_path_head_and_etag(self, demo_site: DemoSite, client: httpx.Client) -> None:
        assert client.get(f"{demo_site.base_url}/dailyledger/no-such-story").status_code == 404
        url = demo_site.article_urls()[0]
        head = client.head(url)
        assert head.status_code == 200
        assert head.content == b""
        etag = head.headers["etag"]
        assert client.get(url, headers={"If-None-Match": etag}).status_code == 304

    def test_home_pages_link_every_article(self, demo_site: DemoSite, client: httpx.Client) -> None:
        for outlet in DEMO_OUTLETS:
            page = lxml.html.document_fromstring(
                client.get(f"{demo_site.base_url}/{outlet.slug}/").text
            )
            links = set(page.xpath("//ul[@class='latest']//a/@href"))
            assert links == set(demo_site.article_urls(outlet.slug))


def test_start_stop_and_fixed_port() -> None:
    site = DemoSite()
    with pytest.raises(RuntimeError):
        _ = site.base_url
    with site:
        port = urlsplit(site.base_url).port
        assert port
        with pytest.raises(RuntimeError):
            site.start()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/robots.txt", timeout=2.0)
    with DemoSite(port=port) as again:
        assert again.base_url == f"http://127.0.0.1:{port}"
        assert httpx.get(again.robots_url, timeout=2.0).status_code == 200


@pytest.mark.slow
def test_runs_stand_alone_and_prints_the_feed_urls() -> None:
    process = subprocess.Popen(
        [sys.executable, "-W", "error", "-m", "demo.server", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(1 + len(DEMO_OUTLETS))]
        base_url = re.search(r"http://127\.0\.0\.1:\d+", lines[0])
        assert base_url, lines
        for outlet, line in zip(DEMO_OUTLETS, lines[1:], strict=True):
            assert f"{outlet.slug}: {base_url.group()}/{outlet.slug}/" in line
        assert httpx.get(f"{base_url.group()}/robots.txt", timeout=2.0).status_code == 200
    finally:
        process.terminate()
        _, errors = process.communicate(timeout=10)
    assert process.returncode == 0, errors
    assert "Warning" not in errors
