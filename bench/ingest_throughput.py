"""End-to-end ingest throughput on the real dev corpus, served as HTML pages and RSS feeds.

Serves every article of events.dev.jsonl from a local HTTP server (one feed per outlet), ingests
all of it through the real pipeline (feed poll → fetch → extract → dedupe → segment → embed →
store → index), then times the raw embedding of the same passages with the same model in the same
process. Prints articles/s, passages/s, peak memory and the ratio to raw embedding throughput.

    python bench/ingest_throughput.py --data ../shared/data [--limit N]
"""

from __future__ import annotations

import argparse
import asyncio
import html
import json
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from outlet_pages import article_page
from sqlalchemy import func, select

from core.config import Settings
from core.db.schema import ArticleRow, PassageRow
from core.models import Outlet
from ingest.service import ingest_service


def _feed(items: list[tuple[str, str, str | None]]) -> bytes:
    entries = []
    for url, title, date in items:
        pub = ""
        if date:
            stamp = datetime.fromisoformat(date).replace(tzinfo=UTC)
            pub = f"<pubDate>{format_datetime(stamp)}</pubDate>"
        entries.append(f"<item><title>{html.escape(title)}</title><link>{url}</link>{pub}</item>")
    return (
        "<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>bench</title>"
        + "".join(entries)
        + "</channel></rss>"
    ).encode()


class _Site:
    def __init__(self, events_file: Path, limit: int | None) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {
            "/robots.txt": ("text/plain", b"User-agent: *\nAllow: /\n")
        }
        self.by_outlet: dict[str, list[tuple[str, str, str | None]]] = defaultdict(list)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        count = 0
        outlet_slugs: dict[str, str] = {}
        with events_file.open(encoding="utf-8") as lines:
            for line in lines:
                for article in json.loads(line)["articles"]:
                    if limit is not None and count >= limit:
                        break
                    count += 1
                    slug = outlet_slugs.setdefault(article["outlet"], f"o{len(outlet_slugs)}")
                    path = f"/{slug}/a{count}.html"
                    title = article.get("title") or article["text"][:60]
                    self.routes[path] = (
                        "text/html; charset=utf-8",
                        article_page(title, article.get("date"), article["text"]),
                    )
                    self.by_outlet[slug].append((self.base + path, title, article.get("date")))
        for slug, items in self.by_outlet.items():
            self.routes[f"/{slug}/feed.xml"] = ("application/rss+xml", _feed(items))
        self.articles = count

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                route = site.routes.get(self.path)
                if route is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", route[0])
                self.send_header("Content-Length", str(len(route[1])))
                self.end_headers()
                self.wfile.write(route[1])

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def outlets(self) -> list[Outlet]:
        return [
            Outlet(
                slug=slug,
                name=slug,
                domains=("127.0.0.1",),
                feeds=(f"{self.base}/{slug}/feed.xml",),
            )
            for slug in self.by_outlet
        ]


async def _run(site: _Site, data_dir: Path) -> dict[str, float]:
    settings = Settings(
        data_dir=data_dir,
        allowed_private_hosts=["127.0.0.1"],
        per_host_delay=0.0,
        per_host_concurrency=8,
        scheduler_enabled=False,
        ingest_workers=4,
    )
    async with ingest_service(
        settings, extra_outlets=site.outlets(), schedule_feeds=False
    ) as service:
        slugs = [outlet.slug for outlet in site.outlets()]
        started = time.perf_counter()
        batch = service.submit_feeds(slugs)
        while True:
            status = service.queue.batch_status(batch)
            assert status is not None
            if status.finished and sum(status.counts.values()) > len(slugs):
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        with service.sessions() as session:
            articles = session.scalar(select(func.count()).select_from(ArticleRow)) or 0
            texts = list(session.scalars(select(PassageRow.text)).all())
        embed_started = time.perf_counter()
        service.embedder.encode(texts)
        embed_elapsed = time.perf_counter() - embed_started
    return {
        "articles": float(articles),
        "passages": float(len(texts)),
        "failures": float(sum(status.failures.values())),
        "seconds": elapsed,
        "articles_per_s": articles / elapsed,
        "passages_per_s": len(texts) / elapsed,
        "raw_embedding_passages_per_s": len(texts) / embed_elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--limit", type=int, default=None, help="ingest only the first N articles")
    args = parser.parse_args(argv)
    events = args.data / "events.dev.jsonl"
    if not events.is_file():
        print(
            f"no events file at {events}: point --data at the shared data folder", file=sys.stderr
        )
        return 2
    site = _Site(events, args.limit)
    thread = threading.Thread(target=site.server.serve_forever, daemon=True)
    thread.start()
    try:
        with tempfile.TemporaryDirectory() as data_dir:
            figures = asyncio.run(_run(site, Path(data_dir)))
    finally:
        site.server.shutdown()
    figures["end_to_end_over_raw"] = (
        figures["passages_per_s"] / figures["raw_embedding_passages_per_s"]
    )
    for key, value in figures.items():
        print(f"{key:32} {value:12.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
