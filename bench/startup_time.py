"""Time from starting `parallax serve` to `/readyz` answering ready, on stores of real size.

For each store (the demo outlets' articles; the dev corpus when ../shared/data/events.dev.jsonl
exists, else that row is skipped), built once with `parallax ingest --jsonl`, then started:

- store ready: the indexes saved beside the store match it, so startup loads them;
- indexes rebuilt: the index directory is deleted first, so startup rebuilds both from the store.

Each start prints the seconds until the server listens (`/healthz`), until `/readyz` answers
200, and the longest step `/readyz` named meanwhile. The real packaged model is used.

`--copies N` adds the scale row: the dev corpus's store with every row copied N times
(`bench/store_copies.py`), so 34 copies hold about a million passages.

    python bench/startup_time.py [--data ../shared/data] [--limit N] [--starts 3] [--copies N]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from core.outlets import load_registry
from demo import ARTICLES

ROOT = Path(__file__).resolve().parents[1]
POLL_SECONDS = 0.05
READY_DEADLINE = 3600.0


@dataclass
class Start:
    listening: float
    ready: float
    steps: dict[str, float] = field(default_factory=dict)

    def longest_step(self) -> str:
        if not self.steps:
            return "-"
        name = max(self.steps, key=lambda step: self.steps[step])
        return f"{name} ({self.steps[name]:.1f} s)"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _environment(data: Path, outlets_file: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PARALLAX_DATA_DIR": str(data),
        "PARALLAX_OUTLETS_FILE": str(outlets_file),
        "PARALLAX_SCHEDULER_ENABLED": "false",
        "PARALLAX_COVERAGE_REFRESH": "false",
    }


def _demo_events(path: Path) -> Path:
    """The demo outlets' articles in the shared event format."""
    events: dict[str, list[dict[str, str | None]]] = {}
    for article in ARTICLES:
        events.setdefault(article.event, []).append(
            {
                "article_id": f"{article.outlet}/{article.path}",
                "outlet": article.outlet,
                "title": article.title,
                "date": article.published_at.isoformat(),
                "url": None,
                "text": article.text,
            }
        )
    lines = [json.dumps({"event_id": event, "articles": items}) for event, items in events.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _limited(source: Path, target: Path, limit: int | None) -> Path:
    if limit is None:
        return source
    with source.open(encoding="utf-8") as lines:
        kept = [line for _, line in zip(range(limit), lines, strict=False)]
    target.write_text("".join(kept), encoding="utf-8")
    return target


def _build_store(events: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "cli", "ingest", "--jsonl", str(events), "--no-progress"],
        cwd=ROOT,
        env=env,
        check=False,
        capture_output=True,
        text=True,
    )
    # 1: some articles were refused (too short, over a cap), the rest stored.
    if done.returncode not in (0, 1):
        raise RuntimeError(f"parallax ingest exited with {done.returncode}: {done.stderr}")
    return time.perf_counter() - started


def _store_size(data: Path) -> tuple[int, int]:
    with sqlite3.connect(data / "parallax.db") as db:
        articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
        passages = db.execute("SELECT count(*) FROM passages").fetchone()[0]
    return int(articles), int(passages)


def _start(env: dict[str, str]) -> Start:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "cli", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    listening: float | None = None
    steps: dict[str, float] = {}
    step, step_since = "", 0.0
    try:
        while time.perf_counter() - started < READY_DEADLINE:
            if process.poll() is not None:
                raise RuntimeError("the server exited during startup")
            try:
                answer = httpx.get(f"{base}/readyz", timeout=5)
            except httpx.TransportError:
                time.sleep(POLL_SECONDS)
                continue
            now = time.perf_counter() - started
            listening = now if listening is None else listening
            named = answer.json().get("step", "") if answer.status_code == 503 else "ready"
            if named != step:
                if step:
                    steps[step] = steps.get(step, 0.0) + now - step_since
                step, step_since = named, now
            if answer.status_code == 200:
                return Start(listening, now, steps)
            time.sleep(POLL_SECONDS)
        raise RuntimeError("the server did not become ready")
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=120)


def _row(name: str, data: Path, env: dict[str, str], build: float, starts: int) -> None:
    articles, passages = _store_size(data)
    saved = [_start(env) for _ in range(starts)]
    rebuilt = []
    for _ in range(starts):
        shutil.rmtree(data / "indexes", ignore_errors=True)
        rebuilt.append(_start(env))
    listening = statistics.median(start.listening for start in saved + rebuilt)
    ready = statistics.median(start.ready for start in saved)
    ready_rebuilt = statistics.median(start.ready for start in rebuilt)
    print(
        f"| {name} | {articles} | {passages} | {build:.0f} | {listening:.2f} | {ready:.2f} | "
        f"{ready_rebuilt:.2f} | {max(rebuilt, key=lambda s: s.ready).longest_step()} |",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--limit", type=int, default=None, help="events of the dev corpus")
    parser.add_argument("--starts", type=int, default=3, help="starts per case (median)")
    parser.add_argument("--copies", type=int, default=0, help="copies of the dev store's rows")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="parallax-startup-"))
    outlets_file = root / "outlets.toml"
    disabled = (f'[[outlet]]\nslug = "{o.slug}"\nenabled = false\n' for o in load_registry())
    outlets_file.write_text("\n".join(disabled), encoding="utf-8")
    corpora = [("demo outlets", _demo_events(root / "demo.jsonl"))]
    dev = args.data / "events.dev.jsonl"
    if dev.is_file():
        corpora.append(("dev corpus", _limited(dev, root / "dev.jsonl", args.limit)))
    print(
        "| store | articles | passages | built in, s | listening, s | ready, indexes saved, s | "
        "ready, indexes rebuilt, s | longest step (rebuilt) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    try:
        for name, events in corpora:
            data = root / name.replace(" ", "-")
            env = _environment(data, outlets_file)
            _row(name, data, env, _build_store(events, env), args.starts)
        if dev.is_file() and args.copies:
            source, data = root / "dev-corpus", root / "dev-corpus-copies"
            shutil.copytree(source, data)
            shutil.rmtree(data / "indexes", ignore_errors=True)
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, str(ROOT / "bench" / "store_copies.py"), str(data / "parallax.db"),
                 "--copies", str(args.copies)],
                check=True,
            )  # fmt: skip
            name = f"dev corpus, rows copied {args.copies} times"
            env = _environment(data, outlets_file)
            _row(name, data, env, time.perf_counter() - started, args.starts)
        if not dev.is_file():
            print(f"dev corpus skipped: {dev} does not exist")
    finally:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
