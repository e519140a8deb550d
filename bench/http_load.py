"""/compare under load: real HTTP against a `parallax serve` process with the dev corpus ingested.

The first run ingests events.dev.jsonl into `--store` (minus one long article from each of up to
`--holdout` multi-outlet events, kept back to arrive later as new URLs) with `parallax ingest
--jsonl`; later runs reuse it, each on a fresh copy. Then, for 1, 8 and 32 concurrent clients:

- cached: GET /compare on stored articles, every comparison already in the server's cache;
- healthz: GET /healthz at the most clients, the floor under every answer (HTTP, middleware);
- uncached: the cached phase's requests on a server started with the comparison cache off;
- new URL: POST /compare on held-back articles served by a local outlet server, each fetched,
  ingested and compared on the spot (every URL is new once, so this runs at 1 and 4 clients),
  with the server's own median split (`resolve`, which is the fetch and ingest, and `compare`);
- overload: `--overload-clients` clients on the uncached server, counting 503/429 answers and
  checking the server still answers /readyz afterwards.

`--cached-only` runs the first two phases alone. Either way the last row is the cached p95 at the
most clients over the /healthz p95 in the same run: what a cached answer adds to the floor.

Prints the raw embedding rate of this machine at the time (to scale the rest: shared machines
vary), throughput, p50/p95/p99, the server's CPU time per request for each phase (all answers,
shed ones included, are timed) and the client's (this process, all its threads), the server's
peak RSS, and the last traceback in the server's log if it logged any. The client (`raw_http`)
runs on the same two cores as the server: figures are a floor.

    python bench/http_load.py --data ../shared/data [--store DIR] [--duration 15] [--cached-only]
        [--ready-timeout 180]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psutil
from outlet_pages import article_page
from raw_http import Answer, Connection
from sqlalchemy import func, select

from core.config import Settings
from core.db.engine import open_store
from core.db.schema import ArticleRow
from ingest.segment import segment

MIN_NEW_PASSAGES = 40
SAMPLE_ARTICLES = 300
READY_TIMEOUT = 180.0
REQUEST_TIMEOUT = 120.0

Request = Callable[[Connection], Awaitable[Answer]]


@dataclass
class Phase:
    name: str
    clients: int
    seconds: float = 0.0
    server_cpu_seconds: float = 0.0
    client_cpu_seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    # The server's own split of each answer (meta.timings_ms), kept when `split` is set.
    split: bool = False
    server_timings_ms: dict[str, list[float]] = field(default_factory=dict)

    def record(self, answer: Answer) -> None:
        self.statuses[str(answer.status)] += 1
        if not self.split or answer.status != 200:
            return
        for stage, ms in json.loads(answer.body)["meta"]["timings_ms"].items():
            self.server_timings_ms.setdefault(stage, []).append(float(ms))

    def row(self) -> dict[str, object]:
        ordered = sorted(self.latencies_ms)

        def pct(share: float) -> float:
            if not ordered:
                return float("nan")
            return round(ordered[min(len(ordered) - 1, int(share * len(ordered)))], 1)

        return {
            "phase": self.name,
            "clients": self.clients,
            "requests": len(ordered),
            "per_s": round(len(ordered) / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": round(statistics.median(ordered), 1) if ordered else float("nan"),
            "p95_ms": pct(0.95),
            "p99_ms": pct(0.99),
            "server_cpu_ms_per_request": (
                round(self.server_cpu_seconds * 1000 / len(ordered), 2) if ordered else None
            ),
            "client_cpu_ms_per_request": (
                round(self.client_cpu_seconds * 1000 / len(ordered), 2) if ordered else None
            ),
            "statuses": dict(sorted(self.statuses.items())),
            **(
                {
                    "server_p50_ms": {
                        stage: round(statistics.median(values), 1)
                        for stage, values in self.server_timings_ms.items()
                    }
                }
                if self.server_timings_ms
                else {}
            ),
        }


# --- the store -------------------------------------------------------------------------------


def _held_back(events: list[dict[str, object]], count: int) -> list[dict[str, object]]:
    """The longest article (≥ MIN_NEW_PASSAGES passages) of each event with ≥ 3 articles."""
    chosen: list[dict[str, object]] = []
    for event in events:
        articles = event["articles"]
        assert isinstance(articles, list)
        if len(articles) < 3:
            continue
        longest = max(articles, key=lambda article: len(segment(article["text"])))
        if len(segment(longest["text"])) >= MIN_NEW_PASSAGES:
            chosen.append(longest)
        if len(chosen) == count:
            break
    return chosen


def prepare_store(data: Path, store: Path, holdout: int) -> list[dict[str, object]]:
    """The held-back articles; ingests the rest of the corpus into `store` on the first run."""
    marker = store / "bench-held-back.json"
    if marker.is_file():
        held: list[dict[str, object]] = json.loads(marker.read_text(encoding="utf-8"))
        return held
    events = [json.loads(line) for line in (data / "events.dev.jsonl").open(encoding="utf-8")]
    held = _held_back(events, holdout)
    held_ids = {article["article_id"] for article in held}
    store.mkdir(parents=True, exist_ok=True)
    corpus = store / "bench-corpus.jsonl"
    with corpus.open("w", encoding="utf-8") as out:
        for event in events:
            kept = [a for a in event["articles"] if a["article_id"] not in held_ids]
            out.write(json.dumps({**event, "articles": kept}) + "\n")
    print(f"ingesting the dev corpus minus {len(held)} held-back articles into {store} …")
    started = time.perf_counter()
    subprocess.run(
        [_parallax(), "ingest", "--jsonl", str(corpus), "--no-progress"],
        env={**os.environ, "PARALLAX_DATA_DIR": str(store), "PARALLAX_SCHEDULER_ENABLED": "0"},
        check=True,
    )
    print(f"ingested in {time.perf_counter() - started:.0f} s")
    corpus.unlink()
    marker.write_text(json.dumps(held), encoding="utf-8")
    return held


def stored_urls(store: Path, count: int, seed: int) -> list[str]:
    """URLs of stored articles whose event holds at least three articles."""
    engine, sessions = open_store(Settings(data_dir=store))
    try:
        with sessions() as session:
            crowded = (
                select(ArticleRow.event_id)
                .group_by(ArticleRow.event_id)
                .having(func.count() >= 3)
                .scalar_subquery()
            )
            urls = list(
                session.scalars(select(ArticleRow.url).where(ArticleRow.event_id.in_(crowded)))
            )
    finally:
        engine.dispose()
    random.Random(seed).shuffle(urls)
    return urls[:count]


# --- the servers -----------------------------------------------------------------------------


def _parallax() -> str:
    found = shutil.which("parallax", path=str(Path(sys.executable).parent))
    if found is None:
        raise SystemExit("the `parallax` command is not installed beside this interpreter")
    return found


@contextmanager
def outlet_site(articles: list[dict[str, object]]) -> Iterator[list[str]]:
    """Serves the held-back articles; yields their URLs."""
    pages: dict[str, bytes] = {}
    for number, article in enumerate(articles):
        title = str(article.get("title") or "")
        date = article.get("date")
        pages[f"/news/{number}.html"] = article_page(
            title, str(date) if date else None, str(article["text"])
        )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path)
            if page is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(page)))
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield [base + path for path in pages]
    finally:
        server.shutdown()


@dataclass
class ApiServer:
    base_url: str
    process: subprocess.Popen[bytes]
    peak_rss_mb: float = 0.0

    def cpu_seconds(self) -> float:
        """User and system CPU time of the server process so far, all its threads."""
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def sample_rss(self) -> None:
        try:
            rss = psutil.Process(self.process.pid).memory_info().rss
        except psutil.Error:
            return
        self.peak_rss_mb = max(self.peak_rss_mb, rss / 2**20)


@contextmanager
def api_server(
    store: Path, log: Path, *, ready_timeout: float = READY_TIMEOUT, **settings: str
) -> Iterator[ApiServer]:
    port = _free_port()
    env = {
        **os.environ,
        "PARALLAX_DATA_DIR": str(store),
        "PARALLAX_RATE_LIMIT_PER_MINUTE": "0",
        "PARALLAX_ALLOWED_PRIVATE_HOSTS": "127.0.0.1",
        "PARALLAX_COVERAGE_REFRESH": "0",
        "PARALLAX_SCHEDULER_ENABLED": "0",
        **{f"PARALLAX_{key.upper()}": value for key, value in settings.items()},
    }
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [_parallax(), "serve", "--port", str(port)], env=env, stdout=sink, stderr=sink
        )
    server = ApiServer(f"http://127.0.0.1:{port}", process)
    try:
        _wait_ready(server, ready_timeout)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_ready(server: ApiServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the API server exited with {server.process.returncode}")
        try:
            if httpx.get(server.base_url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit("the API server did not become ready")


# --- load ------------------------------------------------------------------------------------


async def drive(
    server: ApiServer, phase: Phase, duration: float, next_request: Callable[[], Request | None]
) -> Phase:
    """`phase.clients` clients, each on its own keep-alive connection, send requests back to back
    until `duration` or the requests run out; every answer is timed, whatever its status."""
    deadline = time.monotonic() + duration

    async def one_client() -> None:
        connection = Connection(server.base_url)
        try:
            while time.monotonic() < deadline:
                request = next_request()
                if request is None:
                    return
                started = time.perf_counter()
                try:
                    phase.record(await asyncio.wait_for(request(connection), REQUEST_TIMEOUT))
                except (OSError, TimeoutError, asyncio.IncompleteReadError, ValueError) as error:
                    phase.statuses[type(error).__name__] += 1
                phase.latencies_ms.append((time.perf_counter() - started) * 1000)
        finally:
            await connection.close()

    async def watch_memory() -> None:
        while time.monotonic() < deadline:
            server.sample_rss()
            await asyncio.sleep(0.5)

    started, cpu_before = time.perf_counter(), server.cpu_seconds()
    client_before = time.process_time()
    watcher = asyncio.create_task(watch_memory())
    await asyncio.gather(*(one_client() for _ in range(phase.clients)))
    phase.seconds = time.perf_counter() - started
    phase.server_cpu_seconds = server.cpu_seconds() - cpu_before
    phase.client_cpu_seconds = time.process_time() - client_before
    watcher.cancel()
    return phase


def cycling_gets(urls: list[str]) -> Callable[[], Request]:
    rng = random.Random(7)

    def next_request() -> Request:
        url = rng.choice(urls)
        return lambda connection: connection.get("/compare", url=url)

    return next_request


def probes() -> Request:
    return lambda connection: connection.get("/healthz")


def posts_once(urls: list[str]) -> Callable[[], Request | None]:
    remaining = list(urls)

    def next_request() -> Request | None:
        if not remaining:
            return None
        url = remaining.pop(0)
        return lambda connection: connection.post_json("/compare", {"url": url})

    return next_request


def warm(server: ApiServer, urls: list[str]) -> list[str]:
    """Compares every URL once; keeps those answered 200 (coverage found)."""
    answered = []
    with httpx.Client(base_url=server.base_url, timeout=120) as client:
        for url in urls:
            if client.get("/compare", params={"url": url}).status_code == 200:
                answered.append(url)
    return answered


def machine_speed(held: list[dict[str, object]]) -> dict[str, object]:
    """Raw embedding throughput in this process on the held-back passages, for scaling the
    figures: shared machines vary several-fold from hour to hour."""
    from index.embedder import load_embedder

    texts = [p.text for article in held for p in segment(str(article["text"]))][:400]
    # torch at batch 64 on a long sorted list, as MODELS.md measures it, whatever the service
    # runs: the yardstick stays comparable across runs and machines.
    embedder = load_embedder(Settings(embedding_backend="torch", embedding_batch_size=64))
    embedder.encode(texts[:32])
    started = time.perf_counter()
    embedder.encode(texts)
    rate = len(texts) / (time.perf_counter() - started)
    return {"phase": "machine", "raw_embedding_sentences_per_s": round(rate, 1)}


def cached_over_floor(rows: list[dict[str, object]], clients: int) -> dict[str, object]:
    """Cached /compare p95 over /healthz p95, both at `clients` clients in this run."""
    p95 = {
        str(row["phase"]): row["p95_ms"]
        for row in rows
        if row["phase"] in ("cached", "healthz") and row["clients"] == clients
    }
    cached, floor = p95["cached"], p95["healthz"]
    assert isinstance(cached, float)
    assert isinstance(floor, float)
    return {
        "phase": "cached-over-healthz",
        "clients": clients,
        "p95_ratio": round(cached / floor, 2),
    }


def run(args: argparse.Namespace, pristine: Path, scratch: Path) -> list[dict[str, object]]:
    held = prepare_store(args.data, pristine, args.holdout)
    rows: list[dict[str, object]] = [machine_speed(held)]
    print(rows[-1])
    # Every run starts from the prepared store: the held-back articles must be new each time.
    store = scratch / "store"
    shutil.copytree(pristine, store)
    log = scratch / "serve.log"
    urls = stored_urls(store, SAMPLE_ARTICLES, seed=11)
    levels = [int(level) for level in args.clients.split(",")]
    peak = 0.0

    with api_server(
        store, log, ready_timeout=args.ready_timeout, comparison_cache_size="4096"
    ) as server:
        urls = warm(server, urls)
        print(f"{len(urls)} stored articles with coverage; all cached")
        for clients in levels:
            phase = Phase("cached", clients)
            rows.append(asyncio.run(drive(server, phase, args.duration, cycling_gets(urls))).row())
            print(rows[-1])
        # The floor under every answer: HTTP, the middleware and the router, nothing else.
        phase = Phase("healthz", max(levels))
        rows.append(asyncio.run(drive(server, phase, args.duration, probes)).row())
        print(rows[-1])
        peak = max(peak, server.peak_rss_mb)
    rows.append(cached_over_floor(rows, max(levels)))
    if args.cached_only:
        return rows

    with api_server(
        store, log, ready_timeout=args.ready_timeout, comparison_cache_size="0"
    ) as server:
        for clients in levels:
            phase = Phase("uncached", clients)
            rows.append(asyncio.run(drive(server, phase, args.duration, cycling_gets(urls))).row())
            print(rows[-1])
        with outlet_site(held) as new_urls:
            half = len(new_urls) // 2
            for clients, batch in ((1, new_urls[:half]), (4, new_urls[half:])):
                phase = Phase("new-url", clients, split=True)
                rows.append(asyncio.run(drive(server, phase, 600, posts_once(batch))).row())
                print(rows[-1])
        phase = Phase("overload", args.overload_clients)
        rows.append(asyncio.run(drive(server, phase, args.duration, cycling_gets(urls))).row())
        alive = server.process.poll() is None
        ready = alive and httpx.get(server.base_url + "/readyz", timeout=10).status_code == 200
        rows[-1]["server_ready_after"] = ready
        print(rows[-1])
        peak = max(peak, server.peak_rss_mb)
    tracebacks = log.read_text(encoding="utf-8", errors="replace").split("Traceback")
    rows.append({"phase": "server", "peak_rss_mb": round(peak), "tracebacks": len(tracebacks) - 1})
    if len(tracebacks) > 1:
        print("last traceback in the server's log:\nTraceback" + tracebacks[-1][-3000:])
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/data"))
    parser.add_argument("--store", type=Path, default=None, help="reused across runs if given")
    parser.add_argument("--holdout", type=int, default=40, help="articles kept back as new URLs")
    parser.add_argument("--clients", default="1,8,32")
    parser.add_argument("--overload-clients", type=int, default=128)
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per phase")
    parser.add_argument(
        "--cached-only", action="store_true", help="only the cached and /healthz phases"
    )
    parser.add_argument(
        "--ready-timeout",
        type=float,
        default=READY_TIMEOUT,
        help="seconds a server may take to start (more for stores of millions of passages)",
    )
    args = parser.parse_args(argv)
    if not (args.data / "events.dev.jsonl").is_file():
        print(f"no events.dev.jsonl under {args.data}: point --data at the shared data folder")
        return 2
    with tempfile.TemporaryDirectory() as scratch:
        rows = run(args, args.store or Path(scratch) / "prepared", Path(scratch))
    print(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
