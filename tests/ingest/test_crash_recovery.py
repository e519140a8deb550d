"""A real ingest process killed with SIGKILL part-way, then restarted: nothing lost or doubled."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from demo import ARTICLES
from index.published import load_published

pytestmark = pytest.mark.slow

COPIES = 6


def _write_corpus(path: Path) -> int:
    """Each demo article in several editions (own URL, own edition line): one event per line."""
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for edition in range(COPIES):
            articles = []
            for n, article in enumerate(ARTICLES):
                articles.append(
                    {
                        "article_id": f"{edition}-{n}",
                        "outlet": article.outlet,
                        "title": article.title,
                        "date": article.published_at.isoformat(),
                        "url": f"https://{article.outlet}.example/{article.path}?edition={edition}",
                        "text": f"Edition {edition}.\n\n{article.text}",
                    }
                )
                count += 1
            out.write(json.dumps({"event_id": f"edition-{edition}", "articles": articles}) + "\n")
    return count


def _ingest(corpus: Path, data_dir: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PARALLAX_DATA_DIR": str(data_dir), "PARALLAX_INGEST_WORKERS": "2"}
    with log.open("wb") as stderr:
        return subprocess.Popen(
            [sys.executable, "-m", "cli", "ingest", "--jsonl", str(corpus), "--no-progress"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )


def _scalar(database: Path, query: str) -> int:
    try:
        with sqlite3.connect(database, timeout=30) as connection:
            return int(connection.execute(query).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


def _ids(database: Path, query: str) -> np.ndarray:
    with sqlite3.connect(database) as connection:
        return np.sort(np.array([row[0] for row in connection.execute(query)], dtype=np.int64))


def test_killed_ingest_resumes_without_loss_or_duplicates(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    total = _write_corpus(corpus)
    data_dir = tmp_path / "data"
    database = data_dir / "parallax.db"

    log = tmp_path / "ingest.log"
    first = _ingest(corpus, data_dir, log)
    deadline = time.monotonic() + 300
    while _scalar(database, "select count(*) from articles") < total // 4:
        assert first.poll() is None, log.read_text()
        assert time.monotonic() < deadline, "the first run made no progress"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.wait()
    stored_at_kill = _scalar(database, "select count(*) from articles")
    unfinished = _scalar(database, "select count(*) from jobs where status in ('queued','running')")
    assert stored_at_kill < total, "the run finished before it could be killed"
    assert unfinished > 0

    second = _ingest(corpus, data_dir, log)
    assert second.wait(timeout=600) == 0, log.read_text()

    assert _scalar(database, "select count(*) from articles") == total
    assert _scalar(database, "select count(distinct canonical_url) from articles") == total
    assert _scalar(database, "select count(*) from jobs where status != 'done'") == 0
    assert _scalar(database, "select count(*) from failures") == 0
    assert _scalar(database, "select count(*) from reports") == _scalar(
        database, "select count(distinct report_id) from articles"
    )
    assert _scalar(database, "select count(*) from passages") == _scalar(
        database, "select count(*) from passage_vectors"
    )
    assert (
        _scalar(
            database,
            "select count(*) from (select report_id from passages group by report_id"
            " having max(idx) + 1 != count(*) or min(idx) != 0)",
        )
        == 0
    )

    model = "sentence-transformers/all-MiniLM-L6-v2+onnx-int8"
    passages = load_published(data_dir / "indexes" / "passages", model=model, dimension=384)
    reports = load_published(data_dir / "indexes" / "reports", model=model, dimension=384)
    assert np.array_equal(np.sort(passages.ids()), _ids(database, "select id from passages"))
    assert np.array_equal(np.sort(reports.ids()), _ids(database, "select id from reports"))
