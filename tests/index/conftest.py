from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.config import Settings
from core.db.engine import make_sessionmaker
from tests.conftest import migrated_engine
from tests.index._stored import StoreReports


@pytest.fixture
def engine(settings: Settings) -> Iterator[Engine]:
    yield from migrated_engine(settings.resolved_database_url)


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def store_report(sessions: sessionmaker[Session]) -> StoreReports:
    return StoreReports(sessions)
