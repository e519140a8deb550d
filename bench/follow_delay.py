"""How long an article placed by one process takes to reach another process's event index.

The writer (this process) runs the ingest side and ingests one article at a time; right after
each one is stored and placed it names the article to a follower process
(`tests/ingest/_following_process.py`, the ingest side without workers, as an API replica runs
it), which reports how long its event index took to hold it. The follower polls the change log
every `--interval` seconds, so the delay should spread over 0..interval plus the time to read
and apply one change. The embedder is the hashing test double: the delay does not depend on it.

Prints, per interval, the median, p95 and worst delay over `--tries` articles.

    python bench/follow_delay.py [--tries 40] [--interval 1.0 --interval 0.1]
        [--database-url postgresql+psycopg://...]   # default: a SQLite file in a temp dir
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import _tests_path  # noqa: F401  (before `tests`)

from core.config import Settings
from core.models import ArticleInput
from ingest.service import ingest_service
from tests.doubles import HashingEmbedder
from tests.ingest._following_process import start_follower


def _article(n: int) -> ArticleInput:
    text = (
        f"Story {n}: the council of town {n} voted {n * 7} to {n + 3} on a budget of "
        f"{n * 1000} crowns on Monday, after a debate that lasted {n % 9 + 2} hours.\n\n"
        f"Critics in town {n} said the vote ignored {n * 13} households."
    )
    return ArticleInput(
        url=f"https://outlet-{n % 5}.example/story-{n}",
        text=text,
        title=f"Town {n} passes budget",
        outlet=f"outlet-{n % 5}",
        published_at=datetime(2026, 11, 3, 9, tzinfo=UTC),
    )


async def _measure(url: str, work: Path, interval: float, tries: int, first: int) -> list[float]:
    settings = Settings(data_dir=work / f"writer-{interval}", database_url=url)
    async with ingest_service(
        settings, embedder=HashingEmbedder(), run_workers=False, include_registry=False
    ) as writer:
        follower = await start_follower(url, work / f"follower-{interval}", interval)
        assert follower.stdin is not None
        assert follower.stdout is not None
        assert (await follower.stdout.readline()).strip() == b"ready"
        delays = []
        for n in range(first, first + tries):
            # Answering right after a poll would phase-lock the writer to the follower's polls.
            await asyncio.sleep(random.uniform(0, interval))
            result = await writer.pipeline.ingest_input(_article(n))
            follower.stdin.write(f"{result.article_id}\n".encode())
            await follower.stdin.drain()
            seen = json.loads(await follower.stdout.readline())
            if seen["seconds"] is None:
                raise SystemExit(f"the follower never saw article {result.article_id}")
            delays.append(float(seen["seconds"]))
        follower.stdin.close()
        await follower.wait()
    return delays


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(0.95 * len(values)) - 1)]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=40)
    parser.add_argument("--interval", type=float, action="append")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    intervals = args.interval or [1.0, 0.1]
    with tempfile.TemporaryDirectory() as temp:
        work = Path(temp)
        url = args.database_url or f"sqlite:///{work / 'store.db'}"
        backend = url.split(":", 1)[0].split("+", 1)[0]
        print(f"store: {backend}, {args.tries} articles per interval")
        print("interval_s  median_ms  p95_ms  worst_ms")
        for number, interval in enumerate(intervals):
            delays = await _measure(url, work, interval, args.tries, number * args.tries)
            print(
                f"{interval:10.3f}  {statistics.median(delays) * 1000:9.1f}  "
                f"{_p95(delays) * 1000:6.1f}  {max(delays) * 1000:8.1f}"
            )


if __name__ == "__main__":
    asyncio.run(main())
