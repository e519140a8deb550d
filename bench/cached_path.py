"""Where a cached GET /compare spends its CPU, in process: no HTTP server, no client.

Starts the app on a copy of a store prepared by bench/http_load.py (`--store`), compares
`--sample` stored articles once so their answers are cached, then calls the ASGI app directly
`--requests` times for each of:

- /healthz: the middleware, the router and an empty answer;
- cached /compare: everything a cached answer does, its comparison key remembered in memory
  (`compare.key_memo`);
- the same with the key read from the store every time (a resolver without the memo: one query
  and its thread hop), as before the memo;
- cached /compare with the key handed over from a dict, the resolver skipped: what the rest of
  the path costs;
- the key's store query alone, serially on this thread (no hop).

Prints the CPU milliseconds per request of each (process time, all threads) and the share of
the cached answer that is finding the key, from the store and from the memo.

    python bench/cached_path.py --store /tmp/parallax-http-bench [--requests 3000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from http_load import stored_urls

from api.deps import Runtime
from api.main import create_app
from compare import ComparisonKey
from compare.keys import ComparisonKeys
from compare.resolve import ArticleSource, Resolver
from core.config import Settings


async def call(app: FastAPI, state: dict[str, Any], path: str, query: str = "") -> int:
    """One GET through the ASGI app; its status."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 8000),
        "state": state,
    }
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(int(message["status"]))

    await app(scope, receive, send)
    return statuses[0]


async def cpu_ms(calls: list[Callable[[], Awaitable[object]]]) -> float:
    started = time.process_time()
    for one in calls:
        await one()
    return (time.process_time() - started) * 1000 / len(calls)


async def measure(store: Path, sample: int, requests: int) -> dict[str, float]:
    settings = Settings(
        data_dir=store,
        rate_limit_per_minute=0,
        coverage_refresh=False,
        scheduler_enabled=False,
        comparison_cache_size=4096,
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app) as lifespan_state:
        state = dict(lifespan_state)
        runtime = await state["startup"].settled()
        if not isinstance(runtime, Runtime):
            raise SystemExit("the app did not start")
        urls = [
            url
            for url in stored_urls(store, sample, seed=11)
            if await call(app, state, "/compare", urlencode({"url": url})) == 200
        ]
        chosen = [random.Random(7).choice(urls) for _ in range(requests)]
        queries = [urlencode({"url": url}) for url in chosen]
        for query in queries[:200]:
            await call(app, state, "/compare", query)

        def get(path: str, query: str = "") -> Callable[[], Awaitable[int]]:
            return lambda: call(app, state, path, query)

        figures = {
            "healthz": await cpu_ms([get("/healthz")] * requests),
            "cached": await cpu_ms([get("/compare", query) for query in queries]),
        }
        remembering = runtime.resolver
        runtime.resolver = Resolver.of(runtime.ingest)
        try:
            figures["cached_key_from_store"] = await cpu_ms(
                [get("/compare", query) for query in queries]
            )
        finally:
            runtime.resolver = remembering
        store_keys = ComparisonKeys(runtime.ingest.sessions)
        keys: dict[str, ComparisonKey | None] = {url: store_keys.stored(url) for url in set(chosen)}

        async def from_dict(source: ArticleSource, **_: object) -> tuple[ComparisonKey, None]:
            key = keys[str(source.url)]
            assert key is not None
            return key, None

        located = runtime.resolver.locate
        runtime.resolver.locate = from_dict  # type: ignore[method-assign]
        try:
            figures["cached_key_from_dict"] = await cpu_ms(
                [get("/compare", query) for query in queries]
            )
        finally:
            runtime.resolver.locate = located  # type: ignore[method-assign]

        async def lookup(url: str) -> object:
            return store_keys.stored(url)

        figures["key_query_alone"] = await cpu_ms(
            [lambda url=url: lookup(url) for url in chosen]  # type: ignore[misc]
        )
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="made by bench/http_load.py")
    parser.add_argument("--sample", type=int, default=300)
    parser.add_argument("--requests", type=int, default=3000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch:
        store = Path(scratch) / "store"
        shutil.copytree(args.store, store)
        figures = asyncio.run(measure(store, args.sample, args.requests))
    for name, value in figures.items():
        print(f"{name:24} {value:6.3f} ms CPU a request")
    rest = figures["cached_key_from_dict"]
    for name, cached in (("store", figures["cached_key_from_store"]), ("memo", figures["cached"])):
        label = f"key lookup share, {name}"
        print(f"{label:24} {(cached - rest) / cached:6.2f} of a cached answer")
    print(f"{'cached / healthz':24} {figures['cached'] / figures['healthz']:6.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
