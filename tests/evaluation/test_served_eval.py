"""Planted edits through the served path: loopback outlet pages, ingest by URL, the engine.

On the demo's own articles (Meridian Wire's stories, republished with edits by The Harbour
Gazette) it always runs; on real dev articles where the shared data is present.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from comparison.model import DIVERGENCE_TYPES
from core.config import Settings
from demo.articles import ARTICLES
from evaluation.planted import load_events, plant, plant_articles
from evaluation.served import evaluate, serve_and_compare

pytestmark = pytest.mark.slow

MIN_RECALL = 0.9
MAX_UNTOUCHED_FLAGGED = 0.02


def _assert_targets(metrics: dict[str, float]) -> None:
    for kind in DIVERGENCE_TYPES:
        assert metrics[f"served.{kind}.n"] > 0, kind
        assert metrics[f"served.{kind}.edit_recall"] >= MIN_RECALL, (kind, metrics)
        assert metrics[f"served.{kind}.divergence_recall"] >= MIN_RECALL, (kind, metrics)
    assert metrics["served.reprint_found"] == 1.0
    assert metrics["served.untouched_flag_rate"] <= MAX_UNTOUCHED_FLAGGED


def test_demo_reprints_with_planted_edits_show_every_edit(
    make_settings: Callable[..., Settings], embedder: Any
) -> None:
    originals = [(a.path, a.text) for a in ARTICLES if a.outlet == "meridianwire"]
    fillers = [a.text for a in ARTICLES if a.outlet == "dailyledger"]
    items = plant_articles(originals, fillers, seed=13)
    outcomes = asyncio.run(serve_and_compare(items, make_settings(), embedder))
    _assert_targets(evaluate(outcomes))


@pytest.mark.data
def test_real_articles_with_planted_edits_show_every_edit(
    shared_data: Path, make_settings: Callable[..., Settings], embedder: Any
) -> None:
    items = plant(load_events(shared_data / "events.dev.jsonl"), articles=8, seed=13)
    outcomes = asyncio.run(serve_and_compare(items, make_settings(), embedder))
    _assert_targets(evaluate(outcomes))
