"""`parallax serve` stops within its grace period, and trusts no proxy it was not told of."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import httpx
import pytest

from cli.shutdown import HARD_STOP_EXIT_CODE, server_config
from core.config import Settings
from tests.adversarial import HANG_GUARD_SECONDS, ROOT
from tests.api._support import _free_port

STUCK_SERVER = """
import threading, time
from cli.shutdown import run_bounded
from core.config import Settings

# A thread nobody can cancel, as an embedding in progress is; the shutdown waits for it, as
# the ingest side's executor does.
stuck = threading.Thread(target=time.sleep, args=(3600,))

async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                stuck.start()
                await send({"type": "lifespan.startup.complete"})
            else:
                stuck.join()
                await send({"type": "lifespan.shutdown.complete"})
                return
    else:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

run_bounded(app, Settings(shutdown_grace=1), host="127.0.0.1", port=%d)
"""


@pytest.mark.slow
def test_sigterm_stops_the_server_although_a_thread_still_runs() -> None:
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(STUCK_SERVER % port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(600):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=HANG_GUARD_SECONDS) == HARD_STOP_EXIT_CODE
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_server_reads_no_forwarded_headers_itself() -> None:
    config = server_config(object(), Settings(shutdown_grace=7), host="127.0.0.1", port=8000)
    assert config.proxy_headers is False
    assert config.timeout_graceful_shutdown == 7
