from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.errors import InvalidURL, NotAnArticle
from ingest.extract import extract_article, normalise_paragraphs

URL = "https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html?utm_source=tw"

PARAGRAPHS = [
    "AMMAN, Jordan — Hundreds of members of the Syrian civil-defence group known as the White "
    "Helmets crossed into Jordan on Monday after being evacuated through Israel overnight, "
    "officials in three countries said.",
    "Jordan's foreign ministry said 422 people had arrived, fewer than the 800 that Israel had "
    "said it planned to move. A ministry spokesman said the group included 98 members of the "
    "organisation and 324 of their relatives.",
    "The evacuation was requested by the United States, Britain and Canada, according to a "
    "statement from the Israeli military, which described it as an exceptional humanitarian "
    "gesture.",
    "The volunteers, who pull survivors from the rubble of bombed buildings, had been trapped in "
    "the south-west of Syria as government forces advanced toward the Golan Heights.",
    "Those evacuated are expected to be resettled in Western countries within three months, "
    "the Jordanian government said.",
]

ARTICLE_PAGE = f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
  <meta charset="utf-8">
  <title>White Helmets reach Jordan after Israeli evacuation | The Daily Harbor</title>
  <link rel="canonical" href="https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html">
  <meta property="og:title" content="White Helmets reach Jordan after Israeli evacuation">
  <meta property="og:site_name" content="The Daily Harbor">
  <meta property="og:type" content="article">
  <meta property="article:published_time" content="2018-07-23T09:41:00+03:00">
  <meta name="author" content="Leila Haddad">
  <script type="application/ld+json">{{"@context": "https://schema.org", "@type": "NewsArticle",
    "headline": "White Helmets reach Jordan after Israeli evacuation",
    "datePublished": "2018-07-23T09:41:00+03:00",
    "author": [{{"@type": "Person", "name": "Leila Haddad"}}]}}</script>
</head>
<body>
  <header>
    <nav class="site-nav"><ul>
      <li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li>
      <li><a href="/business">Business</a></li><li><a href="/sport">Sport</a></li>
      <li><a href="/subscribe">Subscribe for $1 a week</a></li>
    </ul></nav>
  </header>
  <div class="ad ad--leaderboard"><span>Advertisement</span><iframe src="/ads/top"></iframe></div>
  <main>
    <article>
      <h1>White Helmets reach Jordan after Israeli evacuation</h1>
      <p class="byline">By <a href="/people/leila-haddad" rel="author">Leila Haddad</a></p>
      <time datetime="2018-07-23T09:41:00+03:00">July 23, 2018</time>
      <div class="article-body">
        <p>{PARAGRAPHS[0]}</p>
        <p>{PARAGRAPHS[1]}</p>
        <aside class="related"><h3>Related</h3><ul>
          <li><a href="/world/syria-war-explained">The Syrian war, explained</a></li>
          <li><a href="/world/golan-heights">Who controls the Golan Heights?</a></li>
        </ul></aside>
        <p>{PARAGRAPHS[2]}</p>
        <div class="ad ad--inline"><span>Advertisement</span></div>
        <p>{PARAGRAPHS[3]}</p>
        <p>{PARAGRAPHS[4]}</p>
      </div>
      <div class="share-tools"><a href="#">Share on Facebook</a> <a href="#">Tweet</a></div>
    </article>
    <section id="comments" class="comments">
      <h2>Comments (3)</h2>
      <div class="comment">
        <p>These people are heroes and deserve every protection we can give.</p></div>
      <div class="comment">
        <p>Why is nobody asking who paid for this operation in the first place?</p></div>
    </section>
  </main>
  <footer><p>© 2018 The Daily Harbor. All rights reserved.</p>
    <a href="/privacy">Privacy</a> <a href="/terms">Terms</a></footer>
</body>
</html>
"""


def test_extracts_article_and_metadata() -> None:
    article = extract_article(ARTICLE_PAGE, URL)
    assert article.url == URL
    assert article.canonical_url == (
        "https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html"
    )
    assert article.title == "White Helmets reach Jordan after Israeli evacuation"
    assert article.text == "\n\n".join(PARAGRAPHS)
    assert article.authors == ("Leila Haddad",)
    assert article.published_at == datetime(2018, 7, 23, 6, 41, tzinfo=UTC)
    assert article.published_at is not None
    assert article.published_at.utcoffset() == timedelta(hours=3)
    assert article.site_name == "The Daily Harbor"
    assert article.language == "en"


def test_boilerplate_is_left_out() -> None:
    text = extract_article(ARTICLE_PAGE, URL).text
    for noise in ("Advertisement", "Subscribe", "Related", "heroes", "Share on", "Privacy", "©"):
        assert noise not in text


def test_canonical_on_another_site_is_ignored() -> None:
    page = ARTICLE_PAGE.replace(
        'href="https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html"',
        'href="https://aggregator.example/copy/123"',
    )
    assert extract_article(page, URL).canonical_url == (
        "https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html"
    )


def test_relative_canonical_and_og_url() -> None:
    relative = ARTICLE_PAGE.replace(
        'href="https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html"',
        'href="/world/2018/07/23/white-helmets-jordan.html?CMP=share#top"',
    )
    assert extract_article(relative, URL).canonical_url == (
        "https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html"
    )
    og_only = ARTICLE_PAGE.replace('<link rel="canonical"', '<link rel="alternate"').replace(
        '<meta property="og:type"',
        '<meta property="og:url" content="https://amp.dailyharbor.example/a/1">'
        '<meta property="og:type"',
    )
    assert extract_article(og_only, URL).canonical_url == "https://amp.dailyharbor.example/a/1"


def test_non_http_canonical_falls_back_to_fetched_url() -> None:
    page = ARTICLE_PAGE.replace(
        'href="https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html"',
        'href="javascript:void(0)"',
    )
    assert extract_article(page, URL).canonical_url == (
        "https://www.dailyharbor.example/world/2018/07/23/white-helmets-jordan.html"
    )


def test_date_without_zone_is_utc() -> None:
    page = ARTICLE_PAGE.replace("2018-07-23T09:41:00+03:00", "2018-07-23T09:41:00")
    published = extract_article(page, URL).published_at
    assert published == datetime(2018, 7, 23, 9, 41, tzinfo=UTC)


def test_body_split_around_ads_is_joined() -> None:
    halves = (
        "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2]),
        "".join(f"<p>{p}</p>" for p in PARAGRAPHS[2:]),
    )
    page = f"""<html lang="en"><head><title>Split body</title></head><body><main><article>
      <h1>Split body</h1>
      <div class="grid"><div class="body body__container article__body">{halves[0]}</div>
        <div class="aside"><div class="ad ad--rail"></div></div></div>
      <div class="row full-bleed-ad"><span class="ad-label">Advertisement</span></div>
      <div class="grid"><div class="body body__container article__body">{halves[1]}</div></div>
    </article></main></body></html>"""
    assert extract_article(page, URL).text == "\n\n".join(PARAGRAPHS)


LISTING_PAGE = """<html lang="en"><head><title>World news | The Daily Harbor</title>
<meta property="og:type" content="website"></head><body>
<nav><a href="/">Home</a> <a href="/world">World</a></nav><main><h1>World</h1>
<ul class="stream">
  <li><a href="/world/a"><h3>White Helmets reach Jordan after Israeli evacuation</h3></a></li>
  <li><a href="/world/b"><h3>Grand Mufti of Syria condemns rescue operation</h3></a></li>
  <li><a href="/world/c"><h3>UN envoy calls for calm in southern Syria offensive</h3></a></li>
  <li><a href="/world/d"><h3>Markets rally as oil prices fall for a third day</h3></a></li>
  <li><a href="/world/e"><h3>Jordan says it will not accept more Syrian refugees</h3></a></li>
  <li><a href="/world/f"><h3>Explainer: who are the White Helmets and who funds them</h3></a></li>
</ul></main></body></html>"""


TEASER = (
    "The volunteer group has pulled thousands of people from the rubble of bombed buildings "
    "since the war began, officials said on {}."
)
TEASER_PAGE = (
    '<html lang="en"><head><title>World | The Daily Harbor</title>'
    '<meta property="og:type" content="website"></head><body><main><h1>World</h1>'
    '<section class="stream">'
    + "".join(
        f'<article class="card"><h3><a href="/world/{i}">Headline {i} from the war</a></h3>'
        f'<p class="teaser">{TEASER.format(f"day {i}")}</p><span>2 hours ago</span></article>'
        for i in range(20)
    )
    + "</section></main></body></html>"
)


def test_article_with_related_headlines_is_not_a_listing() -> None:
    related = "".join(
        f'<li><h3><a href="/world/r{i}">Related story number {i}</a></h3></li>' for i in range(8)
    )
    page = ARTICLE_PAGE.replace(
        '<aside class="related"><h3>Related</h3><ul>', f"<aside><ul>{related}"
    )
    assert extract_article(page, URL).text == "\n\n".join(PARAGRAPHS)


@pytest.mark.parametrize(
    "page",
    [
        LISTING_PAGE,
        TEASER_PAGE,
        "",
        "   ",
        "<html><body><p>Page not found.</p></body></html>",
        "<html><body><div id='app'></div><script>render()</script></body></html>",
    ],
)
def test_pages_without_an_article_are_refused(page: str) -> None:
    with pytest.raises(NotAnArticle) as info:
        extract_article(page, "https://www.dailyharbor.example/world")
    assert info.value.code == "not-an-article"


def test_invalid_url_is_refused() -> None:
    with pytest.raises(InvalidURL):
        extract_article(ARTICLE_PAGE, "ftp://www.dailyharbor.example/x")


def test_xml_declaration_and_bytes_like_input() -> None:
    page = '<?xml version="1.0" encoding="utf-8"?>\n' + ARTICLE_PAGE.split("\n", 1)[1]
    assert extract_article(page, URL).text.startswith("AMMAN, Jordan")


def test_normalise_paragraphs() -> None:
    raw = " First\u00a0 line\u200b here. \n\n\n  Second\tline. \nThird "
    assert normalise_paragraphs(raw) == "First line here.\n\nSecond line.\n\nThird"
    assert normalise_paragraphs(normalise_paragraphs(raw)) == normalise_paragraphs(raw)


@pytest.mark.data
def test_html_sample_extracts_without_errors(shared_data: Path) -> None:
    sample = shared_data / "html_sample"
    rows = [json.loads(line) for line in (sample / "ground_truth.jsonl").read_text().splitlines()]
    for row in rows[:6]:
        html = (sample / row["file"]).read_text(encoding="utf-8", errors="replace")
        article = extract_article(html, row["url"])
        assert article.published_at is not None
        assert article.published_at.tzinfo is not None
        assert "\n\n" in article.text
        assert article.canonical_url.startswith("https://")
