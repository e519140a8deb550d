"""Which process publishes a shard directory: the one holding its lock file.

The lock is an exclusive ``flock`` on ``publish.lock``, taken without waiting and kept for the
life of the process. The kernel releases it when the process dies, however it dies, so another
writer takes over at its next attempt. ``flock`` is reliable between processes on one host; do
not share a shard directory over NFS.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

LOCK_FILE = "publish.lock"


class PublishLock:
    def __init__(self, directory: Path) -> None:
        self._path = directory / LOCK_FILE
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Hold the lock if no other process does; whether this one holds it now."""
        if self._fd is not None:
            return True
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
