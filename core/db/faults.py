"""Recognising a full disk under the store, whichever backend reports it."""

from __future__ import annotations

import errno

__all__ = ["storage_full"]

# SQLite's SQLITE_FULL message, and PostgreSQL's disk_full condition.
_SQLITE_FULL = "database or disk is full"
_POSTGRES_DISK_FULL = "53100"


def storage_full(error: BaseException) -> bool:
    """Whether `error` (an OSError, a DB-API error or SQLAlchemy's wrapper of one) means the
    disk holding the data directory has no space left."""
    original = getattr(error, "orig", None) or error
    if isinstance(original, OSError) and original.errno == errno.ENOSPC:
        return True
    if getattr(original, "sqlstate", None) == _POSTGRES_DISK_FULL:
        return True
    message = str(original).lower()
    return _SQLITE_FULL in message or "no space left on device" in message
