"""Ingest throughput of `parallax worker` processes on RabbitMQ, against raw embedding, in one run.

Serves the first `--articles` articles of events.dev.jsonl as HTML pages with one RSS feed per
outlet from a local HTTP server (as bench/ingest_throughput.py does). For each worker count in
`--workers` (default 1 then 2), on a fresh PostgreSQL database of its own:

1. this process opens the ingest side as the API does, without workers, with
   `PARALLAX_BROKER_URL` set, and adds the outlets (`IngestService.add_outlet`);
2. that many `parallax worker` processes start and report they take jobs;
3. the outlets' feeds are submitted as one batch (`IngestService.submit_feeds`, the path of
   POST /ingest): the workers poll them, queue one URL job per article through the broker, and
   run them (fetch, extract, segment, embed, store, index, event assignment);
4. the clock stops when the batch has no job queued or running; passages stored are counted.

Raw embedding is the same model with the same threads as one worker, encoding the passages the
first run stored, timed in this process right before and after the worker runs (its mean is the
yardstick). Prints passages/s end to end, per worker, and their ratios to raw embedding, with
each worker's CPU time per passage.

    python bench/worker_throughput.py --data ../shared/data \
        --database-url postgresql+psycopg://USER:PASSWORD@127.0.0.1:55432/DB \
        [--broker-url amqp://guest:guest@127.0.0.1:5672/%2F] [--articles 300] [--workers 1 2]

The database URL names a server where its role may create databases: each run gets one,
dropped at the end. The queue is the run's own and deleted at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import _tests_path  # noqa: F401  (before `tests`)
import psutil
from ingest_throughput import _Site
from sqlalchemy import make_url, select, text

from core.config import Settings
from core.db.schema import PassageRow
from index.embedder import Embedder, load_embedder
from ingest.service import IngestService, ingest_service
from tests.core.conftest import _fresh_postgres_database
from tests.ingest._workers import delete_queues, worker_environment

READY_LINE = "worker taking jobs from queue"
# A new database per run, dropped after it (the PostgreSQL store tests' own).
fresh_database = contextmanager(_fresh_postgres_database)
START_TIMEOUT = 300.0
RUN_TIMEOUT = 3600.0


def bench_environment(settings: Settings, data_dir: Path) -> dict[str, str]:
    """The worker tests' environment, with the bench's fetch and model settings."""
    env = worker_environment(settings, data_dir)
    env.update(
        PARALLAX_PER_HOST_CONCURRENCY="8",
        PARALLAX_SCHEDULER_ENABLED="false",
        PARALLAX_TORCH_THREADS=str(settings.torch_threads),
    )
    return env


class WorkerProcesses:
    """`parallax worker` processes, each with its own data directory and log."""

    def __init__(self, settings: Settings, scratch: Path, count: int, threads: int) -> None:
        self.logs = [scratch / f"worker-{n}.log" for n in range(count)]
        self.processes: list[subprocess.Popen[bytes]] = []
        for n, log in enumerate(self.logs):
            with log.open("wb") as sink:
                self.processes.append(
                    subprocess.Popen(
                        [sys.executable, "-m", "cli", "worker", "--threads", str(threads)],
                        cwd=scratch,
                        env=bench_environment(settings, scratch / f"worker-{n}"),
                        stdout=sink,
                        stderr=subprocess.STDOUT,
                    )
                )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        for process, log in zip(self.processes, self.logs, strict=True):
            while READY_LINE not in log.read_text(errors="replace"):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"a worker did not start:\n{log.read_text(errors='replace')}")
                time.sleep(0.2)

    def cpu_seconds(self) -> list[float]:
        times = [psutil.Process(p.pid).cpu_times() for p in self.processes]
        return [t.user + t.system for t in times]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def passage_texts(service: IngestService) -> list[str]:
    with service.sessions() as session:
        return list(session.scalars(select(PassageRow.text).order_by(PassageRow.id)))


async def one_run(
    site: _Site, settings: Settings, embedder: Embedder, scratch: Path, workers: int, threads: int
) -> tuple[dict[str, float], list[str]]:
    async with ingest_service(
        settings,
        embedder=embedder,
        run_workers=False,
        schedule_feeds=False,
        include_registry=False,
    ) as service:
        outlets = site.outlets()
        for outlet in outlets:
            service.add_outlet(outlet)
        empty_bytes = store_bytes(service)
        pool = WorkerProcesses(settings, scratch, workers, threads)
        try:
            await asyncio.to_thread(pool.wait_ready)
            cpu_before = pool.cpu_seconds()
            started = time.perf_counter()
            batch = service.submit_feeds([outlet.slug for outlet in outlets])
            deadline = time.monotonic() + RUN_TIMEOUT
            while True:
                status = service.queue.batch_status(batch.id)
                assert status is not None
                if status.finished and sum(status.counts.values()) > len(outlets):
                    break
                if time.monotonic() > deadline:
                    raise SystemExit(f"the batch did not finish: {status}")
                await asyncio.sleep(0.1)
            seconds = time.perf_counter() - started
            cpu = [
                after - before for after, before in zip(pool.cpu_seconds(), cpu_before, strict=True)
            ]
        finally:
            pool.stop()
        texts = passage_texts(service)
        database_bytes = store_bytes(service) - empty_bytes
    jobs = sum(status.counts.values()) - len(outlets)
    return {
        "workers": workers,
        "url_jobs": jobs,
        "failed_jobs": sum(status.failures.values()),
        "passages": len(texts),
        "seconds": round(seconds, 1),
        "passages_per_s": round(len(texts) / seconds, 1),
        "passages_per_s_per_worker": round(len(texts) / seconds / workers, 1),
        "worker_cpu_ms_per_passage": round(sum(cpu) * 1000 / max(1, len(texts)), 2),
        "worker_cpu_busy": round(sum(cpu) / seconds / workers, 2),
        "database_bytes_per_passage": round(database_bytes / max(1, len(texts))),
    }, texts


def store_bytes(service: IngestService) -> int:
    """The PostgreSQL database's size on disk, tables and indexes."""
    with service.sessions() as session:
        return int(session.scalar(text("SELECT pg_database_size(current_database())")) or 0)


def raw_rate(embedder: Embedder, texts: list[str]) -> float:
    embedder.encode(texts[:16])
    started = time.perf_counter()
    embedder.encode(texts)
    return len(texts) / (time.perf_counter() - started)


def run(args: argparse.Namespace) -> list[dict[str, float]]:
    site = _Site(args.data / "events.dev.jsonl", args.articles)
    serving = threading.Thread(target=site.server.serve_forever, daemon=True)
    serving.start()
    queue = f"bench-workers-{uuid.uuid4().hex[:8]}"
    base = Settings(
        broker_url=args.broker_url,
        broker_queue=queue,
        torch_threads=args.model_threads,
        allowed_private_hosts=["127.0.0.1"],
        per_host_delay=0.0,
        scheduler_enabled=False,
    )
    embedder = load_embedder(base)
    rows: list[dict[str, float]] = []
    texts: list[str] = []
    raw: list[float] = []
    try:
        with tempfile.TemporaryDirectory() as scratch_dir:
            for workers in args.workers:
                scratch = Path(scratch_dir) / f"run-{workers}"
                scratch.mkdir()
                with fresh_database(make_url(args.database_url)) as database_url:
                    settings = base.model_copy(
                        update={"database_url": database_url, "data_dir": scratch / "queuer"}
                    )
                    row, stored = asyncio.run(
                        one_run(site, settings, embedder, scratch, workers, args.job_threads)
                    )
                print(json.dumps(row), flush=True)
                rows.append(row)
                if not texts:
                    texts = stored
                    raw.append(raw_rate(embedder, texts))
                    print(json.dumps({"raw_passages_per_s": round(raw[-1], 1)}), flush=True)
            raw.append(raw_rate(embedder, texts))
            print(json.dumps({"raw_passages_per_s": round(raw[-1], 1)}), flush=True)
    finally:
        site.server.shutdown()
        delete_queues(args.broker_url, queue)
    yardstick = sum(raw) / len(raw)
    for row in rows:
        row["raw_passages_per_s"] = round(yardstick, 1)
        row["per_worker_over_raw"] = round(row["passages_per_s_per_worker"] / yardstick, 2)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("PARALLAX_TEST_DATABASE_URL"),
        help="a PostgreSQL server's URL (default $PARALLAX_TEST_DATABASE_URL)",
    )
    parser.add_argument("--broker-url", default="amqp://guest:guest@127.0.0.1:5672/%2F")
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--job-threads", type=int, default=2, help="`parallax worker --threads`")
    parser.add_argument(
        "--model-threads", type=int, default=1, help="PARALLAX_TORCH_THREADS of each worker"
    )
    args = parser.parse_args(argv)
    if not (args.data / "events.dev.jsonl").is_file():
        print(f"no events.dev.jsonl under {args.data}: point --data at the shared data folder")
        return 2
    if not args.database_url:
        print("pass --database-url (a PostgreSQL server) or set PARALLAX_TEST_DATABASE_URL")
        return 2
    rows = run(args)
    print("workers  passages  seconds  passages/s  per worker  raw/s  per worker / raw")
    for row in rows:
        print(
            f"{row['workers']:7}  {row['passages']:8}  {row['seconds']:7}  "
            f"{row['passages_per_s']:10}  {row['passages_per_s_per_worker']:10}  "
            f"{row['raw_passages_per_s']:5}  {row['per_worker_over_raw']:16}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
