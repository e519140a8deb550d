"""A process that only follows the store, as an API replica does, for tests and bench/.

    python -m tests.ingest._following_process DATABASE_URL DATA_DIR FOLLOW_INTERVAL

Runs the ingest side (no workers, no feeds, the hashing test embedder) on the given store and
prints "ready". For each article id then read from stdin it waits until its event index holds
the article and prints one JSON line: the article, its event, and the seconds since the id was
read (null for both after a minute). Stops at the end of stdin.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path

from core.config import Settings
from ingest.service import ingest_service
from tests.doubles import HashingEmbedder

ROOT = Path(__file__).resolve().parents[2]
GIVE_UP_SECONDS = 60.0
LOOK_EVERY = 0.002


async def start_follower(url: str, data_dir: Path, interval: float) -> asyncio.subprocess.Process:
    """This module as a child process, its pipes open; read its "ready" line first."""
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.ingest._following_process",
        url,
        str(data_dir),
        str(interval),
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def main(url: str, data_dir: Path, interval: float) -> None:
    settings = Settings(
        data_dir=data_dir,
        database_url=url,
        event_follow_interval=interval,
        scheduler_enabled=False,
    )
    async with ingest_service(
        settings, embedder=HashingEmbedder(), run_workers=False, include_registry=False
    ) as service:
        print("ready", flush=True)
        while line := await asyncio.to_thread(sys.stdin.readline):
            article_id, asked = int(line), time.perf_counter()
            event_id = service.events.index.event_of(article_id)
            while event_id is None and time.perf_counter() - asked < GIVE_UP_SECONDS:
                await asyncio.sleep(LOOK_EVERY)
                event_id = service.events.index.event_of(article_id)
            seconds = time.perf_counter() - asked if event_id is not None else None
            print(json.dumps({"article": article_id, "event": event_id, "seconds": seconds}))
            sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])))
