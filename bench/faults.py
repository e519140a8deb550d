"""A fault campaign against a real `parallax serve` process: what an attacker or a bad day sends.

Cases, each tried several times against one server on loopback (hostile outlets on 127.0.0.2,
the only private address it may fetch; a canary on 127.0.0.1 that nothing may reach):

- ssrf: URLs that spell a private address (decimal, octal, hex, IPv6 forms, redirects from an
  allowed host); handled = refused with a problem, and the canary must see 0 requests;
- hostile outlets: slow drip, hang, huge body, gzip bomb, redirect loop, 429 for ever, a
  wrong charset; handled = a problem+json (or an answer) before the deadline, never a 500;
- bad input: malformed JSON, wrong types, hostile parameters; handled = a 4xx problem;
- kill -9: ingest a batch of URLs, SIGKILL the server part-way, restart, `--cycles` times;
  then let it finish: lost = URLs never stored, duplicated = extra rows, and each FAISS index
  must hold exactly the ids the store has vectors for;
- corrupt index: garbage in every passage shard file, restart: each day rebuilt from the store;
- full disk: the data directory on a small tmpfs, filled to the last byte while the server runs;
  handled = each write refused with 507 `storage-full`; then space is freed: every URL must be
  stored once, the store must pass SQLite's integrity check and the indexes equal it. Mounting
  the tmpfs needs root; without it the row says skipped;
- overload: 4× the comparisons the server runs and queues at once, all at once, uncached;
  handled = answered, or shed with 503/429 problem+json; /healthz is polled throughout and
  every poll must answer 200.

Prints one table row per case: tries, handled, time to answer (median and worst), the server's
peak RSS during the case, and what was lost.

    python bench/faults.py [--cycles 25] [--fast]

Figures are recorded in docs/reliability.md.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import random
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psutil

from core.outlets import load_registry
from demo.server import DemoSite
from index.published import SHARDS_MANIFEST, load_published
from index.vector_index import INDEX_FILE

ROOT = Path(__file__).resolve().parents[1]

HOSTILE_HOST = "127.0.0.2"
CANARY_HOST = "127.0.0.1"
FETCH_DEADLINE = 8.0


@dataclass
class Row:
    case: str
    tries: int = 0
    handled: int = 0
    seconds: list[float] = field(default_factory=list)
    peak_mb: float = 0.0
    lost: str = "0"
    unhandled: list[str] = field(default_factory=list)

    def line(self) -> str:
        median = statistics.median(self.seconds) if self.seconds else 0.0
        worst = max(self.seconds, default=0.0)
        return (
            f"| {self.case} | {self.tries} | {self.handled} | {median:.2f} / {worst:.2f} | "
            f"{self.peak_mb:.0f} | {self.lost} |"
        )


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


class _Quiet(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        return  # the service hanging up on a hostile outlet is what the campaign provokes


def _serve(host: str, handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = _QuietServer((host, 0), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://{host}:{server.server_address[1]}"


class Canary(_Quiet):
    hits = 0

    def do_GET(self) -> None:
        Canary.hits += 1
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"<html><body><p>canary</p></body></html>")


_ARTICLE = (
    "<html><head><meta charset='utf-8'><title>Fête à Zürich</title></head><body><article>"
    + "".join(
        f"<p>Les élèves de l'école numéro {n} ont fêté la réouverture du pont de Zürich, "
        "a déclaré le maire lundi devant la presse réunie.</p>"
        for n in range(12)
    )
    + "</article></body></html>"
)


class Hostile(_Quiet):
    canary = ""
    bomb = b""  # 200 MB of markup in about 200 KB of gzip, made in main()

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        if path == "/robots.txt":
            self.send_response(404)
            self.end_headers()
        elif path == "/drip":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            for _ in range(2000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.2)
        elif path == "/hang":
            time.sleep(600)
        elif path == "/huge":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + b"a" * 65_000 + b"</p>"
            for _ in range(200_000):
                self.wfile.write(chunk)
        elif path == "/bomb":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Encoding", "gzip")
            self.send_header("Content-Length", str(len(self.bomb)))
            self.end_headers()
            self.wfile.write(self.bomb)
        elif path in ("/loop-a", "/loop-b"):
            self.send_response(302)
            self.send_header("Location", "/loop-b" if path == "/loop-a" else "/loop-a")
            self.end_headers()
        elif path == "/to-canary":
            self.send_response(302)
            self.send_header("Location", self.canary)
            self.end_headers()
        elif path == "/busy":
            self.send_response(429)
            self.send_header("Retry-After", "1")
            self.end_headers()
        elif path == "/charset":
            body = _ARTICLE.encode("latin-1", "replace")  # declared utf-8, sent latin-1
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(404)
            self.end_headers()


class Server:
    """`parallax serve` in a process of its own, on a data directory that outlives it."""

    def __init__(
        self, data: Path, outlets_file: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        self.port = _free_port("127.0.0.1")
        self.base = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "PARALLAX_DATA_DIR": str(data),
            "PARALLAX_OUTLETS_FILE": str(outlets_file),
            "PARALLAX_ALLOWED_PRIVATE_HOSTS": HOSTILE_HOST,
            "PARALLAX_SCHEDULER_ENABLED": "false",
            "PARALLAX_COVERAGE_REFRESH": "false",
            "PARALLAX_FETCH_DEADLINE": str(FETCH_DEADLINE),
            "PARALLAX_RETRY_MAX_WAIT": "1",
            "PARALLAX_PER_HOST_DELAY": "0",
            "PARALLAX_COMPARE_DEADLINE": "15",
            "PARALLAX_RATE_LIMIT_PER_MINUTE": "0",
            "PARALLAX_TORCH_THREADS": "1",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.peak_rss = 0

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cli", "serve", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(3000):
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError("the server exited during startup")
            time.sleep(0.1)
        raise RuntimeError("the server did not become ready")

    def rss_mb(self) -> float:
        assert self.process is not None
        try:
            return float(psutil.Process(self.process.pid).memory_info().rss) / 1e6
        except psutil.NoSuchProcess:
            return 0.0

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)


@contextmanager
def sampling(server: Server, row: Row) -> Iterator[None]:
    """Samples the server's RSS every 0.1 s while the case runs."""
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            row.peak_mb = max(row.peak_mb, server.rss_mb())
            time.sleep(0.1)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()


def _timed(row: Row, call: partial[httpx.Response], ok: Callable[[httpx.Response], bool]) -> None:
    started = time.perf_counter()
    try:
        response = call()
        handled = ok(response)
        outcome = f"{response.status_code} {response.text[:120]}"
    except httpx.HTTPError as error:
        handled, outcome = False, repr(error)
    row.seconds.append(time.perf_counter() - started)
    row.tries += 1
    row.handled += handled
    if not handled:
        row.unhandled.append(f"{call.args} {call.keywords}: {outcome}")


def _accepted(response: httpx.Response) -> bool:
    return response.status_code == 202


def _problem(*statuses: int) -> Callable[[httpx.Response], bool]:
    def ok(response: httpx.Response) -> bool:
        media = response.headers.get("content-type", "")
        return response.status_code in statuses and media.startswith("application/problem+json")

    return ok


def ssrf_case(server: Server, canary: str, hostile: str) -> Row:
    row = Row("SSRF (canary hits: see lost)")
    port = canary.rsplit(":", 1)[1]
    urls = [
        canary,
        f"http://localhost:{port}/",
        f"http://2130706433:{port}/",
        f"http://0177.0.0.1:{port}/",
        f"http://0x7f.1:{port}/",
        f"http://127.1:{port}/",
        f"http://0.0.0.0:{port}/",
        f"http://[::1]:{port}/",
        f"http://[::ffff:127.0.0.1]:{port}/",
        f"http://[::ffff:7f00:1]:{port}/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://[fd00::1]/",
        f"http://user:pass@127.0.0.1:{port}/",
        "file:///etc/passwd",
        f"gopher://127.0.0.1:{port}/",
        f"{hostile}/to-canary",
    ]
    redirect = f"{hostile}/to-canary"
    with httpx.Client(base_url=server.base, timeout=60) as client, sampling(server, row):
        for url in urls:
            # A URL on an allowed host is queued; its job's fetch refuses the hop to the canary.
            queued = url == redirect
            _timed(
                row,
                partial(client.get, "/compare", params={"url": url}),
                _problem(400, 403, 422, 502),
            )
            refused = _accepted if queued else _problem(400, 403, 422)
            _timed(row, partial(client.post, "/ingest", json={"urls": [url]}), refused)
        _drain_jobs(client)
    row.lost = f"{Canary.hits} canary hits"
    return row


def _drain_jobs(client: httpx.Client, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while client.get("/readyz").json().get("pending_jobs", 0) and time.monotonic() < deadline:
        time.sleep(0.5)


def hostile_case(server: Server, hostile: str, name: str, path: str, tries: int) -> Row:
    row = Row(f"hostile outlet: {name}")

    def answered(response: httpx.Response) -> bool:
        return response.status_code != 500 and response.headers.get("content-type", "").startswith(
            ("application/problem+json", "application/json")
        )

    with httpx.Client(base_url=server.base, timeout=120) as client, sampling(server, row):
        for n in range(tries):
            url = f"{hostile}{path}?try={n}"
            _timed(row, partial(client.get, "/compare", params={"url": url}), answered)
        healthy = client.get("/healthz").status_code == 200
    row.lost = "0" if healthy else "health check failed"
    return row


BAD_BODIES: list[tuple[str, str, dict[str, str] | None, bytes | None]] = [
    ("POST", "/compare", {"Content-Type": "application/json"}, b'{"url": '),
    ("POST", "/compare", {"Content-Type": "application/json"}, b"[" * 100_000),
    ("POST", "/compare", {"Content-Type": "application/json"}, b'{"text": 5}'),
    ("POST", "/compare", {"Content-Type": "application/json"}, b'{"text": "x"}'),
    ("POST", "/compare", {"Content-Type": "application/json"}, b'{"text": "\\ud800 abc"}'),
    ("POST", "/compare", {"Content-Type": "application/json"}, b"\xff\xfe\x00garbage"),
    ("POST", "/compare", {"Content-Type": "text/plain"}, b"url=http://a"),
    ("POST", "/compare", {"Content-Type": "application/json"}, b'{"url": "' + b"a" * 8000 + b'"}'),
    (
        "POST",
        "/compare",
        {"Content-Type": "application/json"},
        b'{"text": "The bridge reopens.", "published_at": "9999-12-31T23:59:59-14:00"}',
    ),
    ("POST", "/ingest", {"Content-Type": "application/json"}, b'{"urls": []}'),
    ("POST", "/ingest", {"Content-Type": "application/json"}, b'{"urls": "http://a"}'),
    ("POST", "/ingest", {"Content-Type": "application/json"}, b'{"feeds": ["nope"]}'),
    ("GET", "/events?since=0001-01-01T00:00:00%2B14:00", None, None),
    ("GET", "/events?limit=-1", None, None),
    ("GET", "/events?offset=99999999999999999999999", None, None),
    ("GET", "/articles/99999999999999999999", None, None),
    ("GET", "/jobs/0", None, None),
    ("GET", "/compare?url=", None, None),
    ("GET", "/compare?url=%00", None, None),
    ("DELETE", "/compare", None, None),
]


def bad_input_case(server: Server) -> Row:
    row = Row("bad JSON, bodies and parameters")
    with httpx.Client(base_url=server.base, timeout=60) as client, sampling(server, row):
        for method, path, headers, body in BAD_BODIES:
            _timed(
                row,
                partial(client.request, method, path, headers=headers, content=body),
                _problem(400, 401, 403, 404, 405, 413, 415, 422),
            )
    return row


def _store_counts(data: Path) -> tuple[int, int, set[str]]:
    with sqlite3.connect(data / "parallax.db") as db:
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        distinct = db.execute("SELECT count(DISTINCT canonical_url) FROM articles").fetchone()[0]
        urls = {row[0] for row in db.execute("SELECT canonical_url FROM articles")}
    return int(articles), int(distinct), urls


def _indexes_equal_store(data: Path) -> bool:
    queries = {
        "passages": "SELECT passage_id FROM passage_vectors",
        "reports": "SELECT report_id FROM report_vectors",
    }
    with sqlite3.connect(data / "parallax.db") as db:
        for kind, query in queries.items():
            manifest = json.loads((data / "indexes" / kind / SHARDS_MANIFEST).read_text())
            index = load_published(
                data / "indexes" / kind, model=manifest["model"], dimension=manifest["dimension"]
            )
            stored = sorted(row[0] for row in db.execute(query))
            if sorted(int(i) for i in index.ids()) != stored:
                return False
    return True


def _wait_for_job(server: Server, job_id: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = httpx.get(f"{server.base}/jobs/{job_id}", timeout=30).json()
        if job["status"] == "finished":
            return
        time.sleep(0.5)
    raise RuntimeError(f"job {job_id} did not finish")


def kill_case(server: Server, site: DemoSite, data: Path, cycles: int, rng: random.Random) -> Row:
    row = Row(f"kill -9 during ingest ({cycles} cycles)")
    urls = site.article_urls()
    for _ in range(cycles):
        server.start()
        started = time.perf_counter()
        with sampling(server, row):
            httpx.post(f"{server.base}/ingest", json={"urls": urls}, timeout=60)
            time.sleep(rng.uniform(0.2, 3.0))
            server.kill()
        row.seconds.append(time.perf_counter() - started)
        row.tries += 1
        row.handled += 1
    server.start()
    with sampling(server, row):
        job = httpx.post(f"{server.base}/ingest", json={"urls": urls}, timeout=60).json()
        _wait_for_job(server, job["job_id"])
    server.stop()
    articles, distinct, stored = _store_counts(data)
    lost = len(set(urls) - stored)
    duplicated = articles - distinct
    equal = _indexes_equal_store(data)
    row.lost = f"{lost} lost, {duplicated} duplicated, indexes {'=' if equal else '≠'} store"
    return row


def corrupt_index_case(server: Server, data: Path) -> Row:
    row = Row("corrupted FAISS file")
    for target in (data / "indexes" / "passages").glob(f"days/*/*/{INDEX_FILE}"):
        target.write_bytes(b"\x00garbage" * 1000)
    started = time.perf_counter()
    server.start()
    row.seconds.append(time.perf_counter() - started)
    with sampling(server, row):
        row.tries = 1
        row.handled = int(httpx.get(f"{server.base}/readyz", timeout=30).status_code == 200)
    server.stop()
    row.lost = "0, rebuilt" if _indexes_equal_store(data) else "index ≠ store"
    return row


FULL_DISK_MB = 64
FILLER_CHUNK = 1 << 20


@contextmanager
def tmpfs(path: Path, megabytes: int) -> Iterator[bool]:
    """A tmpfs of `megabytes` at `path`; yields whether it could be mounted (it needs root)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(path)],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(path)], check=False)


def _fill(directory: Path) -> Path:
    """Write a file into `directory` until its file system has no byte left."""
    filler = directory / "filler"
    chunk = b"\0" * FILLER_CHUNK
    with filler.open("wb", buffering=0) as handle:
        while True:
            try:
                handle.write(chunk)
            except OSError:
                if len(chunk) == 1:
                    return filler
                chunk = chunk[: len(chunk) // 2]


def _integrity_ok(data: Path) -> bool:
    with sqlite3.connect(data / "parallax.db") as db:
        return bool(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")


def full_disk_case(site: DemoSite, root: Path, outlets_file: Path, tries: int) -> Row:
    row = Row("full disk for the data directory")
    with tmpfs(root / "small-disk", FULL_DISK_MB) as mounted:
        if not mounted:
            row.lost = "skipped: no tmpfs (mounting one needs root)"
            return row
        data = root / "small-disk" / "data"
        server = Server(data, outlets_file)
        urls = site.article_urls()
        held, fresh = urls[: len(urls) // 2], urls[len(urls) // 2 :]
        server.start()
        with httpx.Client(base_url=server.base, timeout=60) as client, sampling(server, row):
            _wait_for_job(server, client.post("/ingest", json={"urls": held}).json()["job_id"])
            filler = _fill(data.parent)
            full = _problem(507)
            for url in fresh[:tries]:
                _timed(row, partial(client.get, "/compare", params={"url": url}), full)
                _timed(row, partial(client.post, "/ingest", json={"urls": [url]}), full)
            healthy = client.get("/healthz").status_code == 200
            filler.unlink()
            _wait_for_job(server, client.post("/ingest", json={"urls": urls}).json()["job_id"])
        server.stop()
        articles, distinct, stored = _store_counts(data)
        lost = len(set(urls) - stored)
        duplicated = articles - distinct
        checks = [
            f"{lost} lost, {duplicated} duplicated",
            "integrity ok" if _integrity_ok(data) else "integrity FAILED",
            f"indexes {'=' if _indexes_equal_store(data) else '≠'} store",
        ]
        if not healthy:
            checks.append("health check failed")
        row.lost = ", ".join(checks)
    return row


def _cycled(items: list[str], count: int) -> list[str]:
    return list(itertools.islice(itertools.cycle(items), count))


OVERLOAD_COMPARE_CONCURRENCY = 2
OVERLOAD_QUEUE = 16
OVERLOAD_FACTOR = 4


def overload_case(data: Path, outlets_file: Path, site: DemoSite) -> Row:
    capacity = OVERLOAD_COMPARE_CONCURRENCY + OVERLOAD_QUEUE
    clients = OVERLOAD_FACTOR * capacity
    row = Row(f"overload: {clients} comparisons at once, {OVERLOAD_FACTOR}× capacity")
    server = Server(
        data,
        outlets_file,
        {
            "PARALLAX_COMPARISON_CACHE_SIZE": "0",
            "PARALLAX_COMPARE_CONCURRENCY": str(OVERLOAD_COMPARE_CONCURRENCY),
            "PARALLAX_HEAVY_WORK_QUEUE": str(OVERLOAD_QUEUE),
        },
    )
    server.start()
    urls = site.article_urls()
    shed: list[int] = []
    health: list[int] = []
    done = threading.Event()

    def answered(response: httpx.Response) -> bool:
        if response.status_code in (429, 503):
            shed.append(response.status_code)
            return response.headers.get("content-type", "").startswith("application/problem+json")
        return response.status_code in (200, 404)

    def poll_health() -> None:
        with httpx.Client(base_url=server.base, timeout=10) as client:
            while not done.is_set():
                try:
                    health.append(client.get("/healthz").status_code)
                except httpx.HTTPError:
                    health.append(0)
                time.sleep(0.1)

    poller = threading.Thread(target=poll_health, daemon=True)
    # One row per client, merged after: the threads never write to one row at once.
    parts = [Row(row.case) for _ in range(clients)]
    limits = httpx.Limits(max_connections=clients)
    with (
        httpx.Client(base_url=server.base, timeout=120, limits=limits) as client,
        sampling(server, row),
    ):
        poller.start()
        threads = [
            threading.Thread(
                target=_timed,
                args=(part, partial(client.get, "/compare", params={"url": url}), answered),
            )
            for part, url in zip(parts, _cycled(urls, clients), strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        done.set()
        poller.join()
    server.stop()
    for part in parts:
        row.tries += part.tries
        row.handled += part.handled
        row.seconds += part.seconds
        row.unhandled += part.unhandled
    healthy = sum(status == 200 for status in health)
    row.lost = f"0; {len(shed)} shed; /healthz {healthy} of {len(health)} polls answered 200"
    if healthy != len(health):
        row.lost = f"/healthz failed {len(health) - healthy} of {len(health)} polls"
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cycles", type=int, default=25, help="kill -9 cycles")
    parser.add_argument("--tries", type=int, default=3, help="tries per hostile outlet")
    parser.add_argument("--fast", action="store_true", help="3 kill cycles, 1 try per outlet")
    parser.add_argument("--seed", type=int, default=19)
    args = parser.parse_args()
    cycles, tries = (3, 1) if args.fast else (args.cycles, args.tries)
    rng = random.Random(args.seed)

    root = Path(tempfile.mkdtemp(prefix="parallax-faults-"))
    outlets_file = root / "outlets.toml"
    disabled = (f'[[outlet]]\nslug = "{o.slug}"\nenabled = false\n' for o in load_registry())
    outlets_file.write_text("\n".join(disabled), encoding="utf-8")
    canary_server, canary = _serve(CANARY_HOST, Canary)
    Hostile.canary = canary + "/"
    Hostile.bomb = gzip.compress(b"<p>" + b"a" * 200_000_000 + b"</p>", compresslevel=9)
    hostile_server, hostile = _serve(HOSTILE_HOST, Hostile)
    rows: list[Row] = []
    try:
        server = Server(root / "data", outlets_file)
        server.start()
        rows.append(ssrf_case(server, canary, hostile))
        for name, path in (
            ("slow drip", "/drip"),
            ("hang", "/hang"),
            ("huge body", "/huge"),
            ("gzip bomb", "/bomb"),
            ("redirect loop", "/loop-a"),
            ("429 for ever", "/busy"),
            ("wrong charset", "/charset"),
        ):
            rows.append(hostile_case(server, hostile, name, path, tries))
        rows.append(bad_input_case(server))
        server.stop()
        with DemoSite(host=HOSTILE_HOST) as site:
            kill_server = Server(root / "killed", outlets_file)
            rows.append(kill_case(kill_server, site, root / "killed", cycles, rng))
            rows.append(corrupt_index_case(kill_server, root / "killed"))
            rows.append(overload_case(root / "killed", outlets_file, site))
            rows.append(full_disk_case(site, root, outlets_file, tries))
    finally:
        canary_server.shutdown()
        hostile_server.shutdown()
    print("| case | tries | handled | time to answer, s (median / worst) | peak RSS, MB | lost |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print(row.line())
    for row in rows:
        for detail in row.unhandled:
            print(f"not handled, {row.case}: {detail}")


if __name__ == "__main__":
    main()
