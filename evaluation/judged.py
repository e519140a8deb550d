"""Divergences judged the way a desk editor reads them, on real dev coverage.

    python -m evaluation.judged [--data ../shared/data] [--cache DIR] [--json]
    python -m evaluation.judged --packets DIR      # write reading packets for new judgments
    python -m evaluation.judged --draw N --seed S  # add N unread dev events to the judged set
    python -m evaluation.judged --packets DIR --open-gate   # every one-sided candidate, too
    python -m evaluation.judged --calibrate        # each kind's judged precision, smoothed

The judged set (`evaluation/judged/*.jsonl`, ids, offsets and labels only: the article text
stays in the shared data) names, per sampled dev event, one focus article and its first
`OTHERS` other articles, as `events.jsonl`:

    {"event_id", "focus", "others": [article ids], "agree": bool,
     "key": {"type", "focus": [start, end] | null, "other": [article id, start, end] | null} | null,
     "divergences": [{"type", "focus": [...] | null, "other": [...] | null}, ...]}

`key` is the difference an editor would lead with (null when the accounts agree);
`divergences` are the real differences the editor found. `items.jsonl` holds the judged
reported items of every engine version that was judged (a pool, as in TREC):

    {"event_id", "focus", "type", "focus_span": [start, end] | null,
     "other_spans": [[article id, start, end], ...], "label": "correct" | "trivial" | "wrong"}

Each event goes through the engine as the service runs it (segment, embed, reprints found and
diffed against their source, `align_event`, `compare_article`, `key_differences`). A reported
item matches a judged one of the same type when their focus spans overlap (for an omission:
when one of its counterparts overlaps one of the judged item's). Metrics:
- `judged.<type>.precision`: the share of matched reported items labelled correct (trivial and
  wrong both count against); `judged.<type>.judged_share`: how many reported items have a
  judgment (below 1, new items need judging: `--packets`);
- `judged.<type>.recall`: the share of the editor's divergences a reported item matches;
- `judged.precision` and `judged.key_precision`: the same over all reported items, and over the
  key differences only;
- `judged.key_difference_hit`: the share of events whose `key` is matched by one of the
  answer's key differences, or, where the accounts agree, whose answer has none;
  `judged.key_found`: the same over the events that have a `key` only;
- `judged.items_per_answer` and `judged.empty_when_agreeing`;
- `judged.framing.<detector>.correct` and `.judged`: framing items counted per detector (label,
  loaded, scare quotes), which the engine calibrates apart;
- `judged.missed_alignment_rate`: the share of judged reported unique claims and omissions
  labelled wrong. For these two kinds wrong means another side states the fact, in other words or
  over two sentences: the alignment missed it.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from comparison.agreement import accounts_agree, shared_share
from comparison.alignment import align_event
from comparison.divergences import compare_article
from comparison.model import DIVERGENCE_TYPES, ArticleView, Divergence
from comparison.one_sided import default_gate
from comparison.one_sided_model import Gate, OneSidedKind
from comparison.pair_cover import PairCover, shipped_cover
from comparison.passage_prior import PassagePrior
from comparison.ranking import FRAMING_JUDGED, key_differences, smoothed
from comparison.reprints import Reprints, find_reprints, merge_divergences
from core.config import Settings
from evaluation._data import command, emit, require
from evaluation.planted import PassageVectors, article_view, load_events
from index.embedder import Embedder
from ingest.segment import segment

JUDGED_DIR = Path(__file__).with_name("judged")
OTHERS = 3
ONE_SIDED_KINDS = ("unique_claim", "omission")

Span = tuple[int, int]
OtherSpan = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Item:
    """A reported divergence in dataset terms: article ids and offsets."""

    type: str
    focus_span: Span | None
    other_spans: tuple[OtherSpan, ...]
    detector: str = ""


@dataclass(frozen=True, slots=True)
class Answer:
    event_id: str
    focus: str
    items: tuple[Item, ...]
    keys: tuple[Item, ...]


def _overlaps(a: Sequence[int], b: Sequence[int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def matches(reported: Item, judged: dict[str, Any]) -> bool:
    """Whether a reported item is the judged (or gold) one: same type, overlapping spans."""
    if reported.type != judged["type"]:
        return False
    focus = judged.get("focus_span", judged.get("focus"))
    if focus is not None and reported.focus_span is not None:
        return _overlaps(reported.focus_span, focus)
    others = judged.get("other_spans") or ([judged["other"]] if judged.get("other") else [])
    return any(
        mine[0] == theirs[0] and _overlaps(mine[1:], theirs[1:])
        for mine in reported.other_spans
        for theirs in others
    )


def _item(divergence: Divergence, ids: dict[int, str]) -> Item:
    passage = divergence.passage
    return Item(
        divergence.type,
        (passage.start, passage.end) if passage is not None else None,
        tuple(
            (ids[m.passage.article_id], m.passage.start, m.passage.end)
            for m in divergence.counterparts
        ),
        str(divergence.evidence.get("kind", "")) if divergence.type == "framing" else "",
    )


def _published(date: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(date)) if date else None
    except ValueError:
        return None


def event_views(
    event: dict[str, Any], focus_id: str, other_ids: Sequence[str], vectors: PassageVectors
) -> tuple[list[ArticleView], dict[int, str], Reprints]:
    """The judged event's articles as the engine sees them, focus first (reprints found and
    diffed against their source), and each view's dataset article id."""
    by_id = {a["article_id"]: a for a in event["articles"]}
    chosen = [by_id[focus_id], *(by_id[i] for i in other_ids)]
    views: list[ArticleView] = [
        article_view(
            n + 1,
            str(a.get("outlet") or f"outlet {n + 1}"),
            str(a["text"]),
            vectors,
            published_at=_published(a.get("date")),
        )
        for n, a in enumerate(chosen)
    ]
    ids = {n + 1: a["article_id"] for n, a in enumerate(chosen)}
    reprints = find_reprints(views[0], views[1:])
    return list(reprints.articles), ids, reprints


@dataclass(frozen=True, slots=True)
class Findings:
    """What the engine found on one judged event, before an answer is made of it: its
    divergences, the share of the others' account the focus states, and the dataset ids of the
    event's articles."""

    event_id: str
    focus: str
    divergences: tuple[Divergence, ...]
    shared: float
    ids: dict[int, str]


AgreementRule = Callable[[float, int], bool]
KeyRule = Callable[..., list[Divergence]]


def findings(
    event: dict[str, Any],
    focus_id: str,
    other_ids: Sequence[str],
    vectors: PassageVectors,
    gate: Gate | None = None,
    cover: PairCover | None = None,
) -> Findings:
    """The engine's findings for one judged event (with the shipped one-sided gate unless
    `gate` is given, and one-sided passages read again by `cover` when given)."""
    views, ids, reprints = event_views(event, focus_id, other_ids, vectors)
    found = merge_divergences(
        compare_article(views[0], views, align_event(views), gate=gate, cover=cover),
        reprints.divergences,
    )
    return Findings(event["event_id"], focus_id, tuple(found), shared_share(views[0], views), ids)


def answer_of(
    found: Findings, agree: AgreementRule = accounts_agree, keys: KeyRule = key_differences
) -> Answer:
    """The answer the engine makes of `found`: every divergence, and the key differences
    `keys` picks where `agree` tells whether the accounts agree (the shipped rules unless
    others are given: `evaluation.rule_replay`)."""
    agreeing = agree(found.shared, len(found.divergences))
    return Answer(
        found.event_id,
        found.focus,
        tuple(_item(d, found.ids) for d in found.divergences),
        tuple(_item(d, found.ids) for d in keys(found.divergences, agreeing=agreeing)),
    )


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def judged_events(directory: Path = JUDGED_DIR) -> list[dict[str, Any]]:
    return _read(directory / "events.jsonl")


def judged_items(directory: Path = JUDGED_DIR) -> list[dict[str, Any]]:
    return _read(directory / "items.jsonl")


@dataclass(frozen=True, slots=True)
class OpenGate:
    """Reports every one-sided candidate, with the shipped gate's confidence: packets written
    with it collect judgments of the passages the gate learns from, not only of those it
    already lets through."""

    scores: Gate

    def confidence(self, kind: OneSidedKind, features: Sequence[float]) -> float:
        return self.scores.confidence(kind, features)

    def passes(self, kind: OneSidedKind, confidence: float) -> bool:
        return True

    def prior(self, kind: OneSidedKind) -> PassagePrior | None:
        return self.scores.prior(kind)


def draw_events(
    data: Path, count: int, seed: int, directory: Path = JUDGED_DIR, *, refocus: bool = False
) -> int:
    """Add `count` dev events no one has read to `events.jsonl`, unread (no key, no
    divergences, `agree` false), each with a random focus and up to `OTHERS` other outlets'
    articles, drawn in turn from each dataset so every source is read.

    With `refocus`, the events drawn are ones already read, each seen from an outlet that no
    reading of it was focused on: an answer no one has judged, once every dev event is read."""
    focused: dict[str, set[str]] = {}
    for entry in judged_events(directory):
        focused.setdefault(entry["event_id"], set()).add(entry["focus"])
    rng = random.Random(seed)
    pools: dict[str, list[tuple[dict[str, Any], list[dict[str, Any]]]]] = {}
    for event in load_events(data / "events.dev.jsonl"):
        outlets = {_outlet(a) for a in event["articles"]}
        if len(outlets) < 2 or (event["event_id"] in focused) != refocus:
            continue
        seen = focused.get(event["event_id"], set())
        read = {_outlet(a) for a in event["articles"] if a["article_id"] in seen}
        foci = [a for a in event["articles"] if _outlet(a) not in read]
        if foci:
            pools.setdefault(event["event_id"].split(":")[0], []).append((event, foci))
    for pool in pools.values():
        rng.shuffle(pool)
    drawn: list[dict[str, Any]] = []
    while len(drawn) < count and any(pools.values()):
        for name in sorted(pools):
            if pools[name] and len(drawn) < count:
                drawn.append(_unread(*pools[name].pop(), rng))
    with (directory / "events.jsonl").open("a", encoding="utf-8") as handle:
        handle.writelines(json.dumps(e) + "\n" for e in drawn)
    return len(drawn)


def _outlet(article: dict[str, Any]) -> str:
    return str(article.get("outlet") or "").casefold()


def _unread(
    event: dict[str, Any], foci: list[dict[str, Any]], rng: random.Random
) -> dict[str, Any]:
    focus = rng.choice(foci)
    others = [a for a in event["articles"] if _outlet(a) != _outlet(focus)]
    rng.shuffle(others)
    return {
        "event_id": event["event_id"],
        "focus": focus["article_id"],
        "others": [a["article_id"] for a in others[:OTHERS]],
        "agree": False,
        "key": None,
        "divergences": [],
    }


def _rate(hits: int, total: int) -> float:
    return round(hits / total, 4) if total else float("nan")


def _label(item: Item, judged: Sequence[dict[str, Any]]) -> str | None:
    """The label of the first judged item `item` matches, if any."""
    return next((str(j["label"]) for j in judged if matches(item, j)), None)


def _framing_from(detector: str, item: Item) -> bool:
    return item.type == "framing" and item.detector == detector


def metrics(
    answers: Sequence[Answer], events: Sequence[dict[str, Any]], items: Sequence[dict[str, Any]]
) -> dict[str, float]:
    gold = {(e["event_id"], e["focus"]): e for e in events}
    pool: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for entry in items:
        pool.setdefault((entry["event_id"], entry["focus"]), []).append(entry)
    out: dict[str, float] = {}
    for kind in DIVERGENCE_TYPES:
        reported = judged = correct = found = total = 0
        for ans in answers:
            key = (ans.event_id, ans.focus)
            mine = [i for i in ans.items if i.type == kind]
            reported += len(mine)
            for item in mine:
                label = _label(item, pool.get(key, []))
                judged += label is not None
                correct += label == "correct"
            real = [d for d in gold[key]["divergences"] if d["type"] == kind]
            total += len(real)
            found += sum(any(matches(i, d) for i in mine) for d in real)
        out[f"judged.{kind}.precision"] = _rate(correct, judged)
        out[f"judged.{kind}.judged_share"] = _rate(judged, reported)
        out[f"judged.{kind}.reported"] = reported
        out[f"judged.{kind}.judged"] = judged
        out[f"judged.{kind}.correct"] = correct
        out[f"judged.{kind}.recall"] = _rate(found, total)

    def known_labels(wanted: Callable[[Item], bool], keys_only: bool = False) -> list[str]:
        """The judged labels of the answers' items (or key differences) `wanted` keeps."""
        labels = (
            _label(item, pool.get((ans.event_id, ans.focus), []))
            for ans in answers
            for item in (ans.keys if keys_only else ans.items)
            if wanted(item)
        )
        return [label for label in labels if label is not None]

    for detector in FRAMING_JUDGED:
        labels = known_labels(partial(_framing_from, detector))
        out[f"judged.framing.{detector}.correct"] = labels.count("correct")
        out[f"judged.framing.{detector}.judged"] = len(labels)
    for name, keys_only in (("judged.precision", False), ("judged.key_precision", True)):
        labels = known_labels(lambda _item: True, keys_only)
        out[name] = _rate(labels.count("correct"), len(labels))
    labels = known_labels(lambda i: i.type in ONE_SIDED_KINDS)
    out["judged.missed_alignment_rate"] = _rate(labels.count("wrong"), len(labels))
    quiet = found = keyed = agreeing = empty = 0
    for ans in answers:
        event = gold[(ans.event_id, ans.focus)]
        if event["key"] is None:
            quiet += not ans.keys
        else:
            keyed += 1
            found += any(matches(item, event["key"]) for item in ans.keys)
        if event.get("agree"):
            agreeing += 1
            empty += not ans.keys
    out["judged.key_difference_hit"] = _rate(quiet + found, len(answers))
    out["judged.key_found"] = _rate(found, keyed)
    out["judged.empty_when_agreeing"] = _rate(empty, agreeing)
    out["judged.items_per_answer"] = round(
        sum(len(a.items) for a in answers) / max(1, len(answers)), 2
    )
    out["judged.events"] = len(answers)
    return out


def judged_counts(result: dict[str, float]) -> dict[str, tuple[int, int]]:
    """Each kind's (correct, judged) reported items: `comparison.ranking.TYPE_JUDGED`."""
    return {
        kind: (int(result[f"judged.{kind}.correct"]), int(result[f"judged.{kind}.judged"]))
        for kind in DIVERGENCE_TYPES
    }


def framing_counts(result: dict[str, float]) -> dict[str, tuple[int, int]]:
    """Each framing detector's (correct, judged) reported items:
    `comparison.ranking.FRAMING_JUDGED`."""
    return {
        detector: (
            int(result[f"judged.framing.{detector}.correct"]),
            int(result[f"judged.framing.{detector}.judged"]),
        )
        for detector in FRAMING_JUDGED
    }


def calibration(result: dict[str, float]) -> dict[str, float]:
    """Each kind's judged precision under a Beta(1, 1) prior (`comparison.ranking.smoothed`),
    the figures `comparison.ranking.calibrated` gives."""
    return {kind: smoothed(*counts) for kind, counts in judged_counts(result).items()}


def run(data: Path, embedder: Embedder, cache: Path | None = None) -> dict[str, float]:
    events = judged_events()
    cover = shipped_cover(Settings())
    found = event_findings(data, events, PassageVectors(embedder, cache), cover=cover)
    return metrics([answer_of(f) for f in found], events, judged_items())


def event_findings(
    data: Path,
    events: Sequence[dict[str, Any]],
    vectors: PassageVectors,
    gates: dict[str, Gate] | None = None,
    cover: PairCover | None = None,
) -> list[Findings]:
    """Each judged event's findings; `gates` may give an event its own gate (one fitted
    without it)."""
    source = {e["event_id"]: e for e in load_events(data / "events.dev.jsonl")}
    gates = gates or {}
    return [
        findings(
            source[e["event_id"]], e["focus"], e["others"], vectors, gates.get(e["event_id"]), cover
        )
        for e in events
    ]


def _passages_listing(article: dict[str, Any], spans: Iterable[Sequence[int]]) -> str:
    return "\n".join(f"  [{s}:{e}] {article['text'][s:e]}" for s, e in spans)


def write_packets(
    data: Path, embedder: Embedder, directory: Path, cache: Path | None, *, open_gate: bool = False
) -> int:
    """One reading packet per judged event with the reported items that have no judgment yet
    (with `open_gate`, every one-sided candidate is reported and none is read again)."""
    directory.mkdir(parents=True, exist_ok=True)
    events = judged_events()
    source = {e["event_id"]: e for e in load_events(data / "events.dev.jsonl")}
    items = judged_items()
    vectors = PassageVectors(embedder, cache)
    if open_gate:
        gate = OpenGate(default_gate())
        found = event_findings(data, events, vectors, {e["event_id"]: gate for e in events})
    else:
        found = event_findings(data, events, vectors, cover=shipped_cover(Settings()))
    written = 0
    for event, ans in zip(events, map(answer_of, found), strict=True):
        known = [j for j in items if (j["event_id"], j["focus"]) == (ans.event_id, ans.focus)]
        new = [i for i in ans.items if not any(matches(i, j) for j in known)]
        read = event["agree"] or event["key"] is not None or event["divergences"]
        if not new and read:
            continue
        articles = {a["article_id"]: a for a in source[event["event_id"]]["articles"]}
        lines = [f"EVENT {event['event_id']}  FOCUS {event['focus']}", ""]
        for article_id in [event["focus"], *event["others"]]:
            article = articles[article_id]
            spans = [(p.start, p.end) for p in segment(article["text"])]
            lines += [
                f"ARTICLE {article_id} ({article.get('outlet')})",
                _passages_listing(article, spans),
                "",
            ]
        lines.append("ITEMS TO JUDGE")
        for n, item in enumerate(new):
            lines.append(
                json.dumps(
                    {
                        "n": n,
                        "type": item.type,
                        "focus_span": item.focus_span,
                        "other_spans": item.other_spans,
                    }
                )
            )
        name = f"{event['event_id']}__{event['focus']}".replace(":", "_").replace("/", "_")
        (directory / f"{name}.txt").write_text("\n".join(lines), encoding="utf-8")
        written += 1
    return written


def calibration_table(result: dict[str, float]) -> dict[str, object]:
    """Each kind's judged counts and smoothed precision, as `--calibrate` prints them."""
    precision = calibration(result)
    table: dict[str, object] = {
        kind: {"correct": correct, "judged": judged, "precision": precision[kind]}
        for kind, (correct, judged) in judged_counts(result).items()
    }
    table["framing_by_detector"] = {
        detector: {"correct": correct, "judged": judged}
        for detector, (correct, judged) in framing_counts(result).items()
    }
    return table


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.judged", __doc__)
    parser.add_argument("--cache", type=Path, default=None, help="embedding cache (not the repo)")
    parser.add_argument("--packets", type=Path, default=None, help="write reading packets here")
    parser.add_argument(
        "--open-gate", action="store_true", help="packets report every one-sided candidate"
    )
    parser.add_argument("--draw", type=int, default=0, help="add this many unread dev events")
    parser.add_argument("--seed", type=int, default=0, help="the draw's seed")
    parser.add_argument(
        "--refocus",
        action="store_true",
        help="draw events already read, from an outlet none of their readings focused on",
    )
    parser.add_argument("--calibrate", action="store_true", help="print each kind's precision")
    args = parser.parse_args(argv)
    if require(args.data / "events.dev.jsonl") is None:
        return 2
    if args.draw:
        drawn = draw_events(args.data, args.draw, args.seed, refocus=args.refocus)
        print(f"{drawn} events drawn")
        return 0
    from index.embedder import load_embedder

    embedder = load_embedder(Settings())
    if args.packets is not None:
        written = write_packets(
            args.data, embedder, args.packets, args.cache, open_gate=args.open_gate
        )
        print(f"{written} packets written")
        return 0
    result = run(args.data, embedder, args.cache)
    if args.calibrate:
        emit(calibration_table(result), args.json)
        return 0
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
