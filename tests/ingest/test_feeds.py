from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta, timezone

import pytest

from core.errors import FeedError
from ingest.feeds import parse_date, parse_feed, parse_feed_document

BASE = "https://news.example.com/feeds/world.xml"

RSS2 = b"""
<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:content="http://purl.org/rss/1.0/modules/content/">
  <channel>
    <title>Example News - World</title>
    <link>https://news.example.com/world</link>
    <item>
      <title>Israel evacuates White Helmets to Jordan</title>
      <link>https://news.example.com/world/2018/07/22/white-helmets?utm_source=rss</link>
      <guid isPermaLink="false">wh-0722</guid>
      <pubDate>Sun, 22 Jul 2018 09:15:00 +0300</pubDate>
      <description><![CDATA[<p>About 800 people were <b>expected</b>.</p>]]></description>
    </item>
    <item>
      <title>Relative link &amp; entity</title>
      <link>/world/2018/07/23/follow-up</link>
      <dc:date>2018-07-23T06:00:00Z</dc:date>
    </item>
    <item>
      <title>Permalink guid only</title>
      <guid>https://news.example.com/world/2018/07/23/guid-only</guid>
      <pubDate>Mon, 23 Jul 2018 10:00:00 GMT</pubDate>
    </item>
    <item><title>No link at all</title><guid isPermaLink="false">x-1</guid></item>
    <item><title>Script link</title><link>javascript:alert(1)</link></item>
    <item>
      <title>Duplicate</title>
      <link>https://news.example.com/world/2018/07/23/follow-up</link>
    </item>
  </channel>
</rss>
"""

RDF = b"""<?xml version="1.0"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"
         xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel rdf:about="https://wire.example.org/">
    <title>Wire</title><link>https://wire.example.org/</link>
  </channel>
  <item rdf:about="https://wire.example.org/a/1">
    <title>First</title>
    <link>https://wire.example.org/a/1</link>
    <dc:date>2018-07-22T12:00:00+02:00</dc:date>
  </item>
  <item rdf:about="https://wire.example.org/a/2"><title>About only</title></item>
</rdf:RDF>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Outlet</title>
  <link rel="self" href="https://outlet.example/atom.xml"/>
  <entry>
    <title type="html">Jordan says &lt;em&gt;422&lt;/em&gt; arrived</title>
    <link rel="self" href="https://outlet.example/api/entries/9"/>
    <link rel="alternate" type="text/html" href="/2018/07/23/jordan-422"/>
    <id>tag:outlet.example,2018:9</id>
    <updated>2018-07-23T18:00:00Z</updated>
    <published>2018-07-23T08:30:00-04:00</published>
  </entry>
  <entry>
    <title>No href</title><id>tag:outlet.example,2018:10</id>
    <updated>2018-07-23T18:00:00Z</updated>
  </entry>
  <entry>
    <title>Link without rel</title>
    <link href="https://outlet.example/2018/07/24/norel"/>
    <updated>2018-07-24</updated>
  </entry>
</feed>
"""

NEWS_SITEMAP = b"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
  <url>
    <loc>https://paper.example/politics/mufti-speech</loc>
    <news:news>
      <news:publication><news:name>Paper</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>2018-07-23T10:05:00+00:00</news:publication_date>
      <news:title>Grand Mufti speaks</news:title>
    </news:news>
  </url>
  <url><loc>https://paper.example/about</loc><lastmod>2018-01-01</lastmod></url>
</urlset>
"""

SITEMAP_INDEX = b"""<?xml version="1.0" encoding="UTF-8"?>
<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
  <sitemap><loc>https://paper.example/sitemaps/news.xml</loc><lastmod>2018-07-23</lastmod></sitemap>
  <sitemap><loc>/sitemaps/2018-07.xml</loc></sitemap>
</sitemapindex>
"""


def test_rss2() -> None:
    entries = parse_feed(RSS2, BASE)
    assert [e.url for e in entries] == [
        "https://news.example.com/world/2018/07/22/white-helmets?utm_source=rss",
        "https://news.example.com/world/2018/07/23/follow-up",
        "https://news.example.com/world/2018/07/23/guid-only",
    ]
    first, second, third = entries
    assert first.title == "Israel evacuates White Helmets to Jordan"
    assert first.published_at == datetime(2018, 7, 22, 6, 15, tzinfo=UTC)
    assert second.title == "Relative link & entity"
    assert second.published_at == datetime(2018, 7, 23, 6, 0, tzinfo=UTC)
    assert third.published_at is not None
    assert third.published_at.utcoffset() == timedelta(0)


def test_rss1_rdf() -> None:
    entries = parse_feed(RDF, "https://wire.example.org/index.rdf")
    assert [e.url for e in entries] == [
        "https://wire.example.org/a/1",
        "https://wire.example.org/a/2",
    ]
    assert entries[0].published_at == datetime(2018, 7, 22, 10, 0, tzinfo=UTC)


def test_atom() -> None:
    entries = parse_feed(ATOM, "https://outlet.example/atom.xml")
    assert [e.url for e in entries] == [
        "https://outlet.example/2018/07/23/jordan-422",
        "https://outlet.example/2018/07/24/norel",
    ]
    assert entries[0].title == "Jordan says 422 arrived"
    assert entries[0].published_at == datetime(2018, 7, 23, 12, 30, tzinfo=UTC)
    assert entries[1].published_at == datetime(2018, 7, 24, tzinfo=UTC)


def test_news_sitemap() -> None:
    result = parse_feed_document(NEWS_SITEMAP, "https://paper.example/sitemap-news.xml")
    assert result.kind == "sitemap"
    assert [e.url for e in result.entries] == [
        "https://paper.example/politics/mufti-speech",
        "https://paper.example/about",
    ]
    assert result.entries[0].title == "Grand Mufti speaks"
    assert result.entries[0].published_at == datetime(2018, 7, 23, 10, 5, tzinfo=UTC)
    assert result.entries[1].published_at is None


def test_sitemap_index_lists_children() -> None:
    result = parse_feed_document(SITEMAP_INDEX, "https://paper.example/sitemap.xml")
    assert result.kind == "sitemapindex"
    assert result.entries == ()
    assert [s.url for s in result.sitemaps] == [
        "https://paper.example/sitemaps/news.xml",
        "https://paper.example/sitemaps/2018-07.xml",
    ]
    assert parse_feed(SITEMAP_INDEX, "https://paper.example/sitemap.xml") == []


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<rss version="2.0"><channel><item><title>&lol9;</title><link>https://e.com/a</link></item></channel></rss>
"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><item><title>&xxe;</title><link>https://e.com/a</link></item></channel></rss>
"""

EXTERNAL_PARAMETER = b"""<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>
<rss version="2.0"><channel></channel></rss>
"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, EXTERNAL_PARAMETER])
def test_hostile_xml_is_refused_fast(body: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(FeedError) as info:
        parse_feed(body, BASE)
    assert time.perf_counter() - started < 2.0
    assert info.value.code == "malformed-feed"


def test_doctype_without_entities_is_fine() -> None:
    body = (
        b'<?xml version="1.0"?>\n'
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN"'
        b' "http://my.netscape.com/publish/formats/rss-0.91.dtd">\n'
        b'<rss version="0.91"><channel><item><title>Old</title>'
        b"<link>https://old.example/1</link></item></channel></rss>"
    )
    assert [e.url for e in parse_feed(body, BASE)] == ["https://old.example/1"]


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty"),
        (b"<rss><channel><item></channel></rss>", "malformed"),
        (b"<html><body>Not a feed</body></html>", "root element <html>"),
        (b"\x00\x01garbage", "malformed"),
        (b"<rss><channel><item><title>&nbsp;</title></item></channel></rss>", "malformed"),
    ],
)
def test_malformed_feeds_say_why(body: bytes, reason: str) -> None:
    with pytest.raises(FeedError, match=reason):
        parse_feed(body, BASE)


def test_utf16_with_bom() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><rss><channel><item><title>Zoë</title>'
    text += "<link>https://e.com/zoe</link></item></channel></rss>"
    entries = parse_feed(text.encode("utf-16"), BASE)
    assert entries[0].title == "Zoë"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sun, 22 Jul 2018 09:15:00 +0300", datetime(2018, 7, 22, 6, 15, tzinfo=UTC)),
        ("Sun, 22 Jul 2018 09:15:00 GMT", datetime(2018, 7, 22, 9, 15, tzinfo=UTC)),
        ("22 Jul 2018 09:15 EST", datetime(2018, 7, 22, 14, 15, tzinfo=UTC)),
        ("2018-07-22T09:15:00Z", datetime(2018, 7, 22, 9, 15, tzinfo=UTC)),
        ("2018-07-22T09:15:00.250+05:30", datetime(2018, 7, 22, 3, 45, 0, 250000, tzinfo=UTC)),
        ("2018-07-22", datetime(2018, 7, 22, tzinfo=UTC)),
        ("2018-07-22T09:15:00", datetime(2018, 7, 22, 9, 15, tzinfo=UTC)),
    ],
)
def test_parse_date(raw: str, expected: datetime) -> None:
    parsed = parse_date(raw)
    assert parsed == expected
    assert parsed is not None
    assert parsed.tzinfo is not None


@pytest.mark.parametrize("raw", [None, "", "  ", "yesterday", "32/13/2018"])
def test_unparseable_dates_are_none(raw: str | None) -> None:
    assert parse_date(raw) is None


def test_offset_is_kept() -> None:
    parsed = parse_date("2018-07-22T09:15:00+02:00")
    assert parsed is not None
    assert parsed.utcoffset() == timezone(timedelta(hours=2)).utcoffset(None)


def test_large_feed_parses_quickly() -> None:
    items = "".join(
        f"<item><title>Story {i}</title><link>/news/{i}</link>"
        f"<pubDate>Mon, 23 Jul 2018 10:{i % 60:02d}:00 GMT</pubDate></item>"
        for i in range(5000)
    )
    body = f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    started = time.perf_counter()
    entries = parse_feed(body, BASE)
    # Generous for a loaded CI machine; a quadratic parser would take minutes here.
    assert time.perf_counter() - started < 10.0
    assert len(entries) == 5000
    assert entries[-1].url == "https://news.example.com/news/4999"
