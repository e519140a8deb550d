"""One local HTTP server playing every invented outlet, each under its own path prefix.

    with DemoSite() as site:
        site.feed_urls()      # {"dailyledger": ["http://127.0.0.1:PORT/dailyledger/feed.xml"], ...}
        site.article_urls()   # canonical URLs of every article
        site.event_for_url(url)

Stand-alone: `python -m demo.server --port 8765` serves until interrupted.
"""

from __future__ import annotations

import argparse
import hashlib
import signal
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import urlsplit

from core.models import Outlet
from demo import site
from demo.articles import ARTICLES, DemoArticle
from demo.outlets import DEMO_OUTLETS, DemoOutlet, demo_outlets

__all__ = ["DemoSite", "main"]

_HTML = "text/html; charset=utf-8"
_XML = "application/xml; charset=utf-8"
_TEXT = "text/plain; charset=utf-8"
_FEED_TYPES = {"rss": "application/rss+xml; charset=utf-8", "atom": "application/atom+xml"}
_RELATED_COUNT = 3


@dataclass(frozen=True, slots=True)
class _Response:
    content_type: str
    body: bytes

    @property
    def etag(self) -> str:
        return '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'


class _DemoHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    routes: dict[str, _Response]


class _Handler(BaseHTTPRequestHandler):
    server: _DemoHTTPServer
    server_version = "DemoNews/1.0"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def log_message(self, format: str, *args: object) -> None:
        """Silence the per-request log line; tests and the demo do not need it."""

    def _respond(self, *, send_body: bool) -> None:
        path = urlsplit(self.path).path
        response = self.server.routes.get(path)
        if response is None:
            response = _Response(
                _HTML, b"<!DOCTYPE html><html><body><h1>Not found</h1></body></html>"
            )
            self._send(HTTPStatus.NOT_FOUND, response, send_body=send_body)
        elif self.headers.get("If-None-Match") == response.etag:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", response.etag)
            self.end_headers()
        else:
            self._send(HTTPStatus.OK, response, send_body=send_body)

    def _send(self, status: HTTPStatus, response: _Response, *, send_body: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        self.send_header("ETag", response.etag)
        self.end_headers()
        if send_body:
            self.wfile.write(response.body)


class DemoSite:
    """Serves every demo outlet on 127.0.0.1 (a free port unless one is given), with the demo's
    articles or the `articles` given (an evaluation's pages under the invented outlets)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        articles: Sequence[DemoArticle] = ARTICLES,
    ) -> None:
        self._host = host
        self._port = port
        self._articles = tuple(articles)
        self._server: _DemoHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._base_url: str | None = None

    def __enter__(self) -> DemoSite:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> DemoSite:
        if self._server is not None:
            raise RuntimeError("the demo site is already running")
        server = _DemoHTTPServer((self._host, self._port), _Handler)
        self._base_url = f"http://{self._host}:{server.server_address[1]}"
        server.routes = _build_routes(self._base_url, self._articles)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="demo-site", kwargs={"poll_interval": 0.1}
        )
        self._thread.daemon = True
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = None
        self._thread = None

    @property
    def base_url(self) -> str:
        if self._base_url is None:
            raise RuntimeError("the demo site has not been started")
        return self._base_url

    @property
    def robots_url(self) -> str:
        return f"{self.base_url}/robots.txt"

    @property
    def articles(self) -> tuple[DemoArticle, ...]:
        return self._articles

    def outlets(self) -> list[Outlet]:
        return demo_outlets(self.base_url)

    def feed_urls(self) -> dict[str, list[str]]:
        return {outlet.slug: [site.feed_url(self.base_url, outlet)] for outlet in DEMO_OUTLETS}

    def sitemap_urls(self) -> dict[str, list[str]]:
        return {
            outlet.slug: [site.news_sitemap_url(self.base_url, outlet)]
            for outlet in DEMO_OUTLETS
            if outlet.news_sitemap
        }

    def private_urls(self) -> list[str]:
        """Pages that exist but that robots.txt forbids."""
        return [
            f"{self.base_url}/{outlet.slug}/{site.PRIVATE_PATH}"
            for outlet in DEMO_OUTLETS
            if outlet.disallowed_paths
        ]

    def url_of(self, article: DemoArticle) -> str:
        return site.article_url(self.base_url, article)

    def article_urls(self, outlet: str | None = None) -> list[str]:
        """Canonical URLs of every article, or of one outlet's."""
        return [
            self.url_of(article)
            for article in self._articles
            if outlet is None or article.outlet == outlet
        ]

    def ground_truth(self) -> dict[str, str]:
        """Canonical article URL -> event key."""
        return {self.url_of(article): article.event for article in self._articles}

    def article_for_url(self, url: str) -> DemoArticle | None:
        """The article a URL points at; query string and fragment are ignored."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}{parts.path}"
        for article in self._articles:
            if self.url_of(article) == key:
                return article
        return None

    def event_for_url(self, url: str) -> str | None:
        article = self.article_for_url(url)
        return article.event if article is not None else None


def _build_routes(base_url: str, articles: Sequence[DemoArticle]) -> dict[str, _Response]:
    routes = {
        "/": _Response(_HTML, _root_page(base_url).encode()),
        "/robots.txt": _Response(_TEXT, site.render_robots(base_url).encode()),
    }
    for outlet in DEMO_OUTLETS:
        routes.update(_outlet_routes(base_url, outlet, articles))
    return routes


def _outlet_routes(
    base_url: str, outlet: DemoOutlet, served: Sequence[DemoArticle]
) -> dict[str, _Response]:
    articles = [article for article in served if article.outlet == outlet.slug]
    newest = sorted(articles, key=lambda article: article.published_at, reverse=True)
    prefix = f"/{outlet.slug}"
    home = _Response(_HTML, site.render_home(base_url, outlet, articles).encode())
    routes = {
        prefix: home,
        f"{prefix}/": home,
        f"{prefix}/{outlet.feed_path}": _Response(
            _FEED_TYPES[outlet.feed_format], site.render_feed(base_url, outlet, articles).encode()
        ),
        f"{prefix}/robots.txt": _Response(
            _TEXT, site.render_outlet_robots(base_url, outlet).encode()
        ),
    }
    if outlet.news_sitemap:
        routes[f"{prefix}/news-sitemap.xml"] = _Response(
            _XML, site.render_news_sitemap(base_url, outlet, articles).encode()
        )
    if outlet.disallowed_paths:
        routes[f"{prefix}/{site.PRIVATE_PATH}"] = _Response(
            _HTML, site.render_private_page(base_url, outlet).encode()
        )
    for article in articles:
        related = [other for other in newest if other is not article][:_RELATED_COUNT]
        page = site.render_article(base_url, article, related)
        routes[f"{prefix}/{article.path}"] = _Response(_HTML, page.encode())
    return routes


def _root_page(base_url: str) -> str:
    items = "\n".join(
        f'    <li><a href="/{outlet.slug}/">{escape(outlet.name)}</a> '
        f'(<a href="{escape(site.feed_url(base_url, outlet))}">{outlet.feed_format}</a>)</li>'
        for outlet in DEMO_OUTLETS
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Parallax demo outlets</title></head>
<body>
  <h1>Invented outlets for the Parallax demo</h1>
  <ul>
{items}
  </ul>
</body>
</html>
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the invented demo outlets locally.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 picks a free one)")
    args = parser.parse_args(argv)
    demo = DemoSite(host=args.host, port=args.port).start()
    print(f"Demo outlets at {demo.base_url} ({len(ARTICLES)} articles). Feeds:", flush=True)
    for slug, urls in demo.feed_urls().items():
        for url in urls:
            print(f"  {slug}: {url}", flush=True)
    for slug, urls in demo.sitemap_urls().items():
        for url in urls:
            print(f"  {slug} (news sitemap): {url}", flush=True)
    stop_requested = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop_requested.set())
    try:
        stop_requested.wait()
    except KeyboardInterrupt:
        pass
    finally:
        demo.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
