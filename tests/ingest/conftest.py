from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.engine import open_store
from ingest.jobs import JobQueue


@pytest.fixture
def sessions(settings: Settings) -> sessionmaker[Session]:
    _engine, factory = open_store(settings)
    return factory


@pytest.fixture
def queue(sessions: sessionmaker[Session]) -> JobQueue:
    return JobQueue(sessions, lease_seconds=60)
