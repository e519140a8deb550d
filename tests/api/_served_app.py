"""An app factory for `uvicorn --factory` in tests: settings from the environment, and the
hashing test double as the embedder (for tests that fuzz the HTTP surface, not the model)."""

from __future__ import annotations

from fastapi import FastAPI

from api.main import create_app
from core.config import Settings
from tests.doubles import HashingEmbedder


def build() -> FastAPI:
    return create_app(Settings(), embedder=HashingEmbedder(64))
