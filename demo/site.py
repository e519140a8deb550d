"""Renders the invented outlets' sites: article pages with realistic boilerplate, feeds,
robots.txt and a news sitemap. Pure functions from data to text; the server serves them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import datetime
from email.utils import format_datetime
from html import escape

from demo.articles import DemoArticle
from demo.outlets import DEMO_OUTLETS, DemoOutlet, demo_outlet

__all__ = [
    "PRIVATE_PATH",
    "article_url",
    "feed_link",
    "feed_url",
    "news_sitemap_url",
    "render_article",
    "render_feed",
    "render_home",
    "render_news_sitemap",
    "render_outlet_robots",
    "render_private_page",
    "render_robots",
]

PRIVATE_PATH = "private/subscriber-preview"
_ACTIVE = ' class="active"'
_TRACKING_QUERY = "?utm_source=rss&utm_medium=feed&utm_campaign=world-news&fbclid=demo123"

_BODY_CLASSES = {
    "dailyledger": ("story", "story-body"),
    "northerncourier": ("entry", "entry-content"),
    "meridianwire": ("article", "article-body__content"),
    "frontlinepatriot": ("post", "post-content"),
    "harbourgazette": ("news-article", "article-text"),
}

_COMMENTS = (
    ("grumpy_reader", "Thanks for reporting this properly. Shame it took this long."),
    ("M. Castell", "Does anyone know if there will be an update later today?"),
    ("northernlights", "Same story every time. Nothing will change."),
    ("Pete_R", "Subscribed just to say that the new app keeps logging me out."),
    ("quietobserver", "Good piece. Would like to see more follow-up on this."),
)


def article_url(base_url: str, article: DemoArticle) -> str:
    """The canonical URL of an article on the demo server."""
    return f"{base_url.rstrip('/')}/{article.outlet}/{article.path}"


def feed_link(base_url: str, article: DemoArticle) -> str:
    """The link the feed gives: canonical, or with tracking parameters for some articles."""
    url = article_url(base_url, article)
    return url + _TRACKING_QUERY if article.feed_tracking else url


def feed_url(base_url: str, outlet: DemoOutlet) -> str:
    return f"{base_url.rstrip('/')}/{outlet.slug}/{outlet.feed_path}"


def news_sitemap_url(base_url: str, outlet: DemoOutlet) -> str:
    return f"{base_url.rstrip('/')}/{outlet.slug}/news-sitemap.xml"


def render_article(base_url: str, article: DemoArticle, related: Sequence[DemoArticle]) -> str:
    """A full article page: head metadata, site chrome, byline, body, related, comments."""
    outlet = demo_outlet(article.outlet)
    url = article_url(base_url, article)
    article_class, body_class = _BODY_CLASSES.get(outlet.slug, ("article", "article-body"))
    paragraphs = [f"      <p>{_text(text)}</p>" for text in article.paragraphs]
    if outlet.slug == "frontlinepatriot" and related and len(paragraphs) > 3:
        paragraphs.insert(3, _read_more(base_url, related[0]))
    head = _head(
        title=f"{article.title} | {outlet.name}",
        description=article.description,
        canonical=url,
        extra=_article_meta(outlet, article, url),
    )
    return f"""<!DOCTYPE html>
<html lang="en">
{head}
<body class="{outlet.slug} article-page">
{_cookie_banner(outlet)}
{_header(base_url, outlet, active=article.section)}
  <main id="main">
    <div class="ad ad-leaderboard" aria-label="Advertisement">Advertisement</div>
    <article class="{article_class}">
      <header class="{article_class}-header">
        <a class="section-label" href="/{outlet.slug}/">{escape(article.section)}</a>
        <h1 class="headline">{_text(article.title)}</h1>
        <div class="byline">By {_byline(article.authors)}</div>
        {_time(article.published_at)}
        <ul class="share-tools"><li>Share</li><li>Post</li><li>Email</li><li>Save</li></ul>
      </header>
      <div class="{body_class}">
{chr(10).join(paragraphs)}
      </div>
      <footer class="{article_class}-footer">
        <p class="corrections">Spotted an error? Contact our corrections desk.</p>
      </footer>
    </article>
    <aside class="ad ad-mpu" aria-label="Advertisement">Advertisement</aside>
{_newsletter(outlet)}
{_related(base_url, related)}
{_comments(article)}
  </main>
{_footer(outlet)}
</body>
</html>
"""


def render_home(base_url: str, outlet: DemoOutlet, articles: Sequence[DemoArticle]) -> str:
    """The outlet's front page: a list of its latest stories."""
    items = "\n".join(
        f'      <li><a href="{escape(article_url(base_url, article))}">{escape(article.title)}</a>'
        f' <time datetime="{article.published_at.isoformat()}">'
        f"{_display_time(article.published_at)}</time></li>"
        for article in _newest_first(articles)
    )
    head = _head(
        title=f"{outlet.name} | {outlet.tagline}",
        description=outlet.tagline,
        canonical=f"{base_url.rstrip('/')}/{outlet.slug}/",
        extra=f'  <link rel="alternate" type="application/{outlet.feed_format}+xml" '
        f'href="{escape(feed_url(base_url, outlet))}">',
    )
    return f"""<!DOCTYPE html>
<html lang="en">
{head}
<body class="{outlet.slug} home-page">
{_header(base_url, outlet, active="")}
  <main id="main">
    <h1>Latest news</h1>
    <ul class="latest">
{items}
    </ul>
  </main>
{_footer(outlet)}
</body>
</html>
"""


def render_private_page(base_url: str, outlet: DemoOutlet) -> str:
    """A page robots.txt forbids crawlers to fetch."""
    head = _head(
        title=f"Subscriber preview | {outlet.name}",
        description="Subscriber preview",
        canonical=f"{base_url.rstrip('/')}/{outlet.slug}/{PRIVATE_PATH}",
        extra='  <meta name="robots" content="noindex, nofollow">',
    )
    return f"""<!DOCTYPE html>
<html lang="en">
{head}
<body class="{outlet.slug}">
  <main><h1>Subscriber preview</h1>
    <p>This page is for subscribers testing new features. Crawlers are asked not to fetch it.</p>
  </main>
</body>
</html>
"""


def render_feed(base_url: str, outlet: DemoOutlet, articles: Sequence[DemoArticle]) -> str:
    """The outlet's feed, newest first: RSS 2.0 or Atom according to the outlet."""
    ordered = _newest_first(articles)
    if outlet.feed_format == "atom":
        return _atom(base_url, outlet, ordered)
    return _rss(base_url, outlet, ordered)


def render_news_sitemap(base_url: str, outlet: DemoOutlet, articles: Sequence[DemoArticle]) -> str:
    urls = "\n".join(
        f"""  <url>
    <loc>{escape(article_url(base_url, article))}</loc>
    <news:news>
      <news:publication><news:name>{escape(outlet.name)}</news:name><news:language>en</news:language></news:publication>
      <news:publication_date>{article.published_at.isoformat()}</news:publication_date>
      <news:title>{escape(article.title)}</news:title>
    </news:news>
  </url>"""
        for article in _newest_first(articles)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
{urls}
</urlset>
"""


def render_robots(base_url: str) -> str:
    """The host's robots.txt: every outlet's rules under its path prefix, plus sitemaps."""
    lines = ["# Demo host: each outlet lives under its own path prefix.", "User-agent: *"]
    for outlet in DEMO_OUTLETS:
        lines += [f"Disallow: /{outlet.slug}{path}" for path in outlet.disallowed_paths]
    lines.append("Allow: /")
    lines.append("")
    lines += [
        f"Sitemap: {news_sitemap_url(base_url, outlet)}"
        for outlet in DEMO_OUTLETS
        if outlet.news_sitemap
    ]
    return "\n".join(lines) + "\n"


def render_outlet_robots(base_url: str, outlet: DemoOutlet) -> str:
    """The outlet's own rules, as it would publish them on a host of its own."""
    lines = [f"# {outlet.name}", "User-agent: *"]
    lines += [f"Disallow: /{outlet.slug}{path}" for path in outlet.disallowed_paths]
    lines.append("Allow: /")
    if outlet.news_sitemap:
        lines += ["", f"Sitemap: {news_sitemap_url(base_url, outlet)}"]
    return "\n".join(lines) + "\n"


def _rss(base_url: str, outlet: DemoOutlet, articles: Sequence[DemoArticle]) -> str:
    items = "\n".join(
        f"""    <item>
      <title>{escape(article.title)}</title>
      <link>{escape(feed_link(base_url, article))}</link>
      <guid isPermaLink="false">{outlet.slug}-{_short_hash(article.path)}</guid>
      <pubDate>{format_datetime(article.published_at)}</pubDate>
      <dc:creator>{escape(", ".join(article.authors))}</dc:creator>
      <category>{escape(article.section)}</category>
      <description>{escape(article.description)}</description>
    </item>"""
        for article in articles
    )
    last_build = format_datetime(articles[0].published_at) if articles else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{escape(outlet.name)}</title>
    <link>{escape(base_url.rstrip("/"))}/{outlet.slug}/</link>
    <description>{escape(outlet.tagline)}</description>
    <language>en</language>
    <lastBuildDate>{last_build}</lastBuildDate>
    <atom:link href="{escape(feed_url(base_url, outlet))}" rel="self" type="application/rss+xml"/>
{items}
  </channel>
</rss>
"""


def _atom(base_url: str, outlet: DemoOutlet, articles: Sequence[DemoArticle]) -> str:
    entries = "\n".join(
        f"""  <entry>
    <title>{escape(article.title)}</title>
    <id>tag:{outlet.slug}.demo,{article.published_at.date().isoformat()}:{_short_hash(article.path)}</id>
    <link rel="alternate" type="text/html" href="{escape(feed_link(base_url, article))}"/>
    <published>{article.published_at.isoformat()}</published>
    <updated>{article.published_at.isoformat()}</updated>
{_atom_authors(article)}
    <category term="{escape(article.section)}"/>
    <summary type="text">{escape(article.description)}</summary>
  </entry>"""
        for article in articles
    )
    updated = articles[0].published_at.isoformat() if articles else ""
    home = f"{base_url.rstrip('/')}/{outlet.slug}/"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>{escape(outlet.name)}</title>
  <subtitle>{escape(outlet.tagline)}</subtitle>
  <id>{escape(home)}</id>
  <updated>{updated}</updated>
  <link rel="self" type="application/atom+xml" href="{escape(feed_url(base_url, outlet))}"/>
  <link rel="alternate" type="text/html" href="{escape(home)}"/>
{entries}
</feed>
"""


def _atom_authors(article: DemoArticle) -> str:
    return "\n".join(
        f"    <author><name>{escape(name)}</name></author>" for name in article.authors
    )


def _head(*, title: str, description: str, canonical: str, extra: str) -> str:
    return f"""<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{escape(title)}</title>
  <meta name="description" content="{escape(description)}">
  <link rel="canonical" href="{escape(canonical)}">
{extra}
  <link rel="stylesheet" href="/static/site.css">
  <script async src="/static/analytics.js"></script>
</head>"""


def _article_meta(outlet: DemoOutlet, article: DemoArticle, url: str) -> str:
    published = article.published_at.isoformat()
    structured = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.title,
        "datePublished": published,
        "author": [{"@type": "Person", "name": name} for name in article.authors],
        "publisher": {"@type": "Organization", "name": outlet.name},
        "mainEntityOfPage": url,
    }
    json_ld = json.dumps(structured, ensure_ascii=False).replace("</", "<\\/")
    authors = ", ".join(article.authors)
    return f"""  <meta name="author" content="{escape(authors)}">
  <meta property="og:type" content="article">
  <meta property="og:site_name" content="{escape(outlet.name)}">
  <meta property="og:title" content="{escape(article.title)}">
  <meta property="og:description" content="{escape(article.description)}">
  <meta property="og:url" content="{escape(url)}">
  <meta property="article:published_time" content="{published}">
  <meta property="article:section" content="{escape(article.section)}">
  <script type="application/ld+json">{json_ld}</script>"""


def _cookie_banner(outlet: DemoOutlet) -> str:
    return f"""  <div id="cookie-consent" class="cookie-banner" role="dialog">
    <p>{escape(outlet.name)} and our partners use cookies to personalise content and ads,
    and to analyse our traffic. You can change your choices at any time.</p>
    <button type="button">Accept all</button> <button type="button">Manage settings</button>
  </div>"""


def _header(base_url: str, outlet: DemoOutlet, *, active: str) -> str:
    links = "\n".join(
        f"        <li{_ACTIVE if section == active else ''}>"
        f'<a href="/{outlet.slug}/{escape(section.lower().replace(" ", "-"))}/">'
        f"{escape(section)}</a></li>"
        for section in outlet.sections
    )
    return f"""  <header class="site-header">
    <a class="logo" href="{escape(base_url.rstrip("/"))}/{outlet.slug}/">{escape(outlet.name)}</a>
    <p class="tagline">{escape(outlet.tagline)}</p>
    <nav class="primary-nav" aria-label="Sections">
      <ul>
{links}
      </ul>
    </nav>
    <a class="subscribe" href="/{outlet.slug}/subscribe">Subscribe</a>
    <a class="login" href="/{outlet.slug}/login">Sign in</a>
  </header>"""


def _newsletter(outlet: DemoOutlet) -> str:
    return f"""    <section class="newsletter-signup">
      <h2>Get the morning briefing</h2>
      <p>The day's essential stories from {escape(outlet.name)}, in your inbox before 7am.</p>
      <form action="/{outlet.slug}/newsletter" method="post">
        <input type="email" name="email" placeholder="Your email address">
        <button type="submit">Sign up</button>
      </form>
    </section>"""


def _related(base_url: str, related: Sequence[DemoArticle]) -> str:
    items = "\n".join(
        f'        <li><a href="{escape(article_url(base_url, article))}">'
        f"{escape(article.title)}</a></li>"
        for article in related
    )
    return f"""    <section class="related-stories">
      <h2>Related stories</h2>
      <ul>
{items}
      </ul>
    </section>"""


def _comments(article: DemoArticle) -> str:
    start = int(_short_hash(article.path), 16) % len(_COMMENTS)
    chosen = [_COMMENTS[(start + offset) % len(_COMMENTS)] for offset in range(3)]
    items = "\n".join(
        f'        <li class="comment"><span class="comment-author">{escape(name)}</span>'
        f"<p>{escape(text)}</p></li>"
        for name, text in chosen
    )
    return f"""    <section id="comments" class="comments">
      <h2>Comments ({len(chosen)})</h2>
      <ol>
{items}
      </ol>
      <p>Comments are moderated. Please read our community guidelines.</p>
    </section>"""


def _footer(outlet: DemoOutlet) -> str:
    return f"""  <footer class="site-footer">
    <ul>
      <li><a href="/{outlet.slug}/about">About us</a></li>
      <li><a href="/{outlet.slug}/contact">Contact</a></li>
      <li><a href="/{outlet.slug}/privacy">Privacy policy</a></li>
      <li><a href="/{outlet.slug}/terms">Terms of use</a></li>
      <li><a href="/{outlet.slug}/advertise">Advertise with us</a></li>
    </ul>
    <p>&copy; 2026 {escape(outlet.name)}. All rights reserved.</p>
  </footer>"""


def _read_more(base_url: str, article: DemoArticle) -> str:
    return (
        f'      <aside class="inline-related"><strong>READ MORE:</strong> '
        f'<a href="{escape(article_url(base_url, article))}">{escape(article.title)}</a></aside>'
    )


def _byline(authors: Sequence[str]) -> str:
    names = [f'<span class="author" rel="author">{escape(name)}</span>' for name in authors]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _text(content: str) -> str:
    return escape(content, quote=False)


def _time(moment: datetime) -> str:
    return f'<time datetime="{moment.isoformat()}">{_display_time(moment)}</time>'


def _display_time(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M}"


def _newest_first(articles: Sequence[DemoArticle]) -> list[DemoArticle]:
    return sorted(articles, key=lambda article: article.published_at, reverse=True)


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
