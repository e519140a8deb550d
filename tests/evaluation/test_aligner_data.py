"""The alignment model's training pairs and their split by topic: no test event's actors, no
held-out MRPC pair, reach training."""

from __future__ import annotations

from typing import Any

from evaluation.aligner_data import ecb_split, mrpc_split, topic_of, training_pairs
from evaluation.alignment import EcbEvent, EcbSentence


def _sentence(article: int, index: int, text: str, *chains: str) -> EcbSentence:
    return EcbSentence(article, index, 0, len(text), text, frozenset(chains))


def _event(event_id: str, prefix: str) -> EcbEvent:
    return EcbEvent(
        event_id,
        (
            _sentence(0, 0, f"{prefix} quake struck the coast.", "quake"),
            _sentence(0, 1, f"{prefix} officials opened shelters.", "shelter"),
            _sentence(1, 0, f"{prefix} an earthquake hit the coastline.", "quake"),
            _sentence(1, 1, f"{prefix} schools stayed closed.", "school"),
        ),
    )


def _pair(n: int, label: int) -> dict[str, Any]:
    return {"a": f"a{n}", "b": f"b{n}", "label": label, "id_a": n, "id_b": n + 1, "split": "train"}


def test_sibling_events_stay_on_one_side_of_the_split() -> None:
    events = [_event(f"ecbplus:{t}_{kind}", f"t{t}{kind}") for t in (1, 2, 3) for kind in "ab"]
    train, test = ecb_split(events)
    assert {topic_of(e.event_id) for e in train} == {1, 3}
    assert {topic_of(e.event_id) for e in test} == {2}
    assert len(train) + len(test) == len(events)


def test_mrpc_holds_out_a_fixed_third_and_keeps_the_official_test_split_out() -> None:
    pairs = [_pair(n, n % 2) for n in range(300)]
    pairs.append(_pair(1000, 1) | {"split": "test"})
    train, test = mrpc_split(pairs)
    assert not {id(p) for p in train} & {id(p) for p in test}
    assert len(train) + len(test) == len(pairs)
    assert 70 <= len(test) <= 130
    assert pairs[-1] in test
    assert mrpc_split(pairs) == (train, test)


def test_training_pairs_label_claims_within_an_event_and_never_align_siblings() -> None:
    first, sibling = _event("ecbplus:1_ecb", "A"), _event("ecbplus:1_ecbplus", "B")
    pairs = training_pairs([_pair(1, 1), _pair(2, 0)], [first, sibling], seed=3)
    by_source: dict[str, list[Any]] = {}
    for pair in pairs:
        by_source.setdefault(pair.source, []).append(pair)
    assert sorted(p.label for p in by_source["mrpc"]) == [0.0, 1.0]
    aligned = {(p.a, p.b) for p in by_source["ecb+"] if p.label == 1.0}
    assert aligned == {
        ("A quake struck the coast.", "A an earthquake hit the coastline."),
        ("B quake struck the coast.", "B an earthquake hit the coastline."),
    }
    # Sentences of one article are never paired; every other cross-article pair is a negative.
    assert len(by_source["ecb+"]) == 2 * 4
    assert by_source["ecb+sibling"]
    assert all(p.label == 0.0 for p in by_source["ecb+sibling"])
    assert all(p.a.startswith("A") and p.b.startswith("B") for p in by_source["ecb+sibling"])
    assert training_pairs([_pair(1, 1), _pair(2, 0)], [first, sibling], seed=3) == pairs
