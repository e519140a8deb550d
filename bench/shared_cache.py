"""Cached /compare through the in-memory cache against the shared cache in Redis, in one run.

A store is made from the first `--events` events of events.dev.jsonl (ingested on the first run
with `parallax ingest --jsonl`; reused when `--store` names a prepared one). Then, on real HTTP
against `parallax serve` processes:

- memory: one server with the comparison cache in its memory, every sampled comparison made
  once, then GET /compare on them by `--clients` clients for `--duration` seconds a level;
- redis: a first server with `PARALLAX_REDIS_URL` makes every comparison and stops; a second
  server on the same store and Redis answers them (it counts how many it found in Redis before
  making any itself), then is loaded as above; both keep no answers in front of Redis
  (`PARALLAX_COMPARISON_CACHE_SIZE=0`), so every answer is read from it.

With `--rate-limited` every server also limits callers (at a rate no run reaches), so each
request spends a token: in memory, or by a Lua call in Redis.

Prints p50/p95 in milliseconds per level and the Redis/memory ratios. The keys go under a prefix
of the run's own and are deleted at the end. Client and servers share the machine's cores.

    python bench/shared_cache.py --data ../shared/data --redis-url redis://127.0.0.1:6379/14 \
        [--rate-limited] [--clients 1,32] [--duration 10]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import statistics
import tempfile
import uuid
from pathlib import Path

import httpx
from http_load import (
    ApiServer,
    Phase,
    api_server,
    cycling_gets,
    drive,
    prepare_store,
    stored_urls,
    warm,
)
from redis import Redis

Figures = dict[int, dict[str, float]]


def prepare(data: Path, store: Path, events: int) -> None:
    if store.exists():
        return
    with tempfile.TemporaryDirectory() as scratch:
        subset = Path(scratch)
        with (data / "events.dev.jsonl").open(encoding="utf-8") as source:
            lines = [line for _, line in zip(range(events), source, strict=False)]
        (subset / "events.dev.jsonl").write_text("".join(lines), encoding="utf-8")
        prepare_store(subset, store, holdout=0)


def found_in_cache(base_url: str, urls: list[str]) -> int:
    with httpx.Client(base_url=base_url, timeout=120) as client:
        answers = [client.get("/compare", params={"url": url}) for url in urls]
    return sum(answer.json()["meta"]["cached"] for answer in answers)


def latencies(server: ApiServer, urls: list[str], levels: list[int], duration: float) -> Figures:
    """p50 and p95 (ms) of cached GET /compare at each number of clients."""
    figures: Figures = {}
    for clients in levels:
        phase = asyncio.run(drive(server, Phase("cached", clients), duration, cycling_gets(urls)))
        ordered = sorted(phase.latencies_ms)
        figures[clients] = {
            "p50": round(statistics.median(ordered), 2),
            "p95": round(ordered[int(0.95 * (len(ordered) - 1))], 2),
        }
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--store", type=Path, default=None, help="reused across runs if given")
    parser.add_argument("--events", type=int, default=40, help="dev events in a new store")
    parser.add_argument("--sample", type=int, default=100, help="stored articles compared")
    parser.add_argument("--redis-url", required=True)
    parser.add_argument("--clients", default="1,32")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per level")
    parser.add_argument(
        "--rate-limited",
        action="store_true",
        help="with a rate limit no request reaches, so each request also spends a token",
    )
    args = parser.parse_args(argv)
    levels = [int(level) for level in args.clients.split(",")]
    prefix = f"parallax-bench:{uuid.uuid4().hex}:"
    limit = {"rate_limit_per_minute": "100000000", "rate_limit_burst": "100000000"}
    limits = limit if args.rate_limited else {}
    with tempfile.TemporaryDirectory() as scratch_dir:
        scratch = Path(scratch_dir)
        pristine = args.store or scratch / "prepared"
        prepare(args.data, pristine, args.events)
        store = scratch / "store"
        shutil.copytree(pristine, store)
        log = scratch / "serve.log"
        urls = stored_urls(store, args.sample, seed=11)
        try:
            with api_server(store, log, comparison_cache_size="4096", **limits) as server:
                urls = warm(server, urls)
                memory = latencies(server, urls, levels, args.duration)
            # Nothing kept in front of Redis: every answer is read from it.
            shared = {
                "redis_url": args.redis_url,
                "redis_key_prefix": prefix,
                "comparison_cache_size": "0",
                **limits,
            }
            with api_server(store, log, **shared) as server:
                warm(server, urls)
            with api_server(store, log, **shared) as server:
                reused = found_in_cache(server.base_url, urls)
                redis = latencies(server, urls, levels, args.duration)
        finally:
            with Redis.from_url(args.redis_url) as client:
                for key in client.scan_iter(match=prefix + "*"):
                    client.delete(key)
    print(json.dumps({"comparisons": len(urls), "found_by_the_second_process": reused}))
    for clients in levels:
        row: dict[str, float] = {"clients": clients}
        for stat in ("p50", "p95"):
            row[f"memory_{stat}_ms"] = memory[clients][stat]
            row[f"redis_{stat}_ms"] = redis[clients][stat]
            row[f"{stat}_ratio"] = round(redis[clients][stat] / memory[clients][stat], 2)
        print(json.dumps(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
