"""The divergence orchestrator: one article's divergences from the rest of its event.

Precision first: every item must be right and worth a reader's attention. `compare_article`
reads the claim graph from the focus article's side, in the outlets' own voices
(`comparison.voice`: quoted words belong to their speaker):
- every claim holding a focus passage: the pairwise detectors (numeric, contradiction,
  attribution, framing) run between that passage and each other outlet's closest member, when
  the two are close enough (`PAIR_MIN_COSINE`) to be about one thing: a claim formed at a low
  alignment score can pair unrelated sentences;
- passages that are each other's nearest in another article but in different claims: the
  contradiction rules run on them too (a negation is what keeps such a pair apart);
- a loaded label or a scare-quoted phrase where the other accounts use a plain word for the
  same actor is `framing` (`comparison.framing.event_framing`), whether or not the passage aligns;
- focus passages no other outlet states are `unique_claim`, and claims other outlets carry that
  the focus states nowhere are `omission` (`comparison.one_sided`), both only with substance.
Every item carries an `importance` for ranking (`comparison.ranking`). Everything here is cheap
per pair: the detectors are rules over cached per-text features, vectors are only multiplied
once per call.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Protocol

import numpy as np
from threadpoolctl import ThreadpoolController

from comparison.attribution import accusations, detect_attribution, plain_accusation
from comparison.components import components
from comparison.contradiction import detect_contradiction
from comparison.edits import sentence_key
from comparison.framing import detect_framing, event_framing, event_usage
from comparison.model import (
    DIVERGENCE_TYPES,
    PASSAGE_CACHE_SIZE,
    ArticleView,
    Claim,
    ClaimMember,
    Divergence,
    DivergenceType,
    Finding,
    PassageView,
)
from comparison.numeric import compare_quantities
from comparison.one_sided import default_gate, omissions, outlet_list, unique_claims
from comparison.one_sided_model import Gate
from comparison.pair_cover import PairCover
from comparison.ranking import calibrated, importance
from comparison.substance import is_sentence
from comparison.text import content_stems
from comparison.voice import Voice, article_voices

PairDetector = Callable[[Voice, Voice], Finding | None]

# Below this cosine (all-MiniLM-L6-v2) two passages of one claim are too far apart for a
# pairwise detector to compare like with like: on real coverage, claims formed at a low
# alignment score paired unrelated sentences, and every detector then found a "difference".
PAIR_MIN_COSINE = 0.6
# A negation lowers the very similarity alignment relies on ("did not cross" vs "crossed"), so
# contradicting passages often miss each other's claim while still being each other's closest
# passage: the nearest-neighbour detectors also run on mutual nearest passages at this cosine.
NEAREST_MIN_COSINE = 0.6
# Stance words are read off a whole passage while they govern one clause of it: between
# independently written passages, every judged attribution item was wrong. Near-copies (a wire
# story edited: "said" made "claimed") are where a stance change is surely about the same claim,
# and where denial verbs and antonyms may count as contradictions (`NEAR_COPY_COSINE`);
# below this cosine, only an accusation one side states in its own voice, attributing it to no
# one, is compared (`plain_accusation`), also with the passages of other articles that make
# the same accusation (`_same_accusation`): the two rarely align into one claim.
NEAR_COPY_COSINE = 0.85
ACCUSATION_SHARED_WORDS = 3
# A label contrast read against the whole event needs a passage of another outlet about the same
# thing that uses the plain word: "members" in an unrelated sentence names someone else.
EVENT_FRAMING_MIN_COSINE = 0.45


def _numeric(focus: Voice, other: Voice) -> Finding | None:
    # A dateline or posting stamp ("Posted on December 23, 2012, 4:42 PM") states nothing: its
    # time is when the outlet published. Judged, half the numeric items were such stamps.
    if not (is_sentence(focus) and is_sentence(other)):
        return None
    return compare_quantities(focus.passage, other.passage)


def _contradiction(focus: Voice, other: Voice, *, strict: bool = True) -> Finding | None:
    # Read in the outlets' own words: a speaker's "it's not Obama's war" is no outlet's claim.
    finding = detect_contradiction(_own(focus), _own(other), strict=strict)
    if finding is None:
        return None
    texts = {"focus_text": focus.passage.text, "other_text": other.passage.text}
    return replace(finding, evidence={**finding.evidence, **texts})


def _lenient_contradiction(focus: Voice, other: Voice) -> Finding | None:
    return _contradiction(focus, other, strict=False)


def _cut_off(voice: Voice) -> bool:
    # A passage that ends in an ellipsis was cut short (a teaser, an excerpt): what its figures
    # and words refer to is in the missing part. Judged, 7 of 8 pairwise items on one were wrong.
    return voice.passage.text.rstrip().endswith(("...", "…"))


def _own(voice: Voice) -> PassageView:
    return replace(voice.passage, text=voice.own_text)


DEFAULT_DETECTORS: tuple[PairDetector, ...] = (
    _numeric,
    _contradiction,
    detect_attribution,
    detect_framing,
)


class ClaimSource(Protocol):
    """Anything whose `claims()` lists the event's claims, such as the alignment's ClaimGraph."""

    def claims(self) -> list[Claim]: ...


def _claims_of(claims: ClaimSource | Sequence[Claim]) -> Sequence[Claim]:
    if isinstance(claims, Sequence):
        return claims
    return claims.claims()


def independence_groups(articles: Sequence[ArticleView]) -> dict[int, int]:
    """article_id → group: same outlet or same underlying report (wire copy) is one group."""
    first_by_key: dict[tuple[str, object], int] = {}
    links: list[tuple[int, int]] = []
    for article in articles:
        # A copy names its original by article id; a shared report joins exact copies.
        original = article.wire_copy_of if article.wire_copy_of is not None else article.article_id
        keys: list[tuple[str, object]] = [
            ("outlet", article.outlet.casefold()),
            ("original", original),
        ]
        if article.report_id is not None:
            keys.append(("report", article.report_id))
        for key in keys:
            links.append((article.article_id, first_by_key.setdefault(key, article.article_id)))
    return components((a.article_id for a in articles), links)


def independent_others(
    focus: ArticleView, event_articles: Sequence[ArticleView]
) -> tuple[list[ArticleView], dict[int, int]]:
    """The articles of `event_articles` another outlet wrote independently of `focus` (not
    `focus` itself, its outlet or a copy of its report), with every article's independence
    group."""
    others = [
        a
        for a in event_articles
        if a.article_id != focus.article_id and a.outlet.casefold() != focus.outlet.casefold()
    ]
    groups = independence_groups([focus, *others])
    return [a for a in others if groups[a.article_id] != groups[focus.article_id]], groups


_OTHER = re.compile(r"\b[Tt]he other(?: account)?\b(?! (?:side|hand|way)\b)(?P<verb> \w+)?")
_PLURAL = {
    "says": "say",
    "negates": "negate",
    "uses": "use",
    "gives": "give",
    "states": "state",
    "puts": "put",
    "attributes": "attribute",
    "hedges": "hedge",
    "reports": "report",
    "does": "do",
    "has": "have",
    "is": "are",
    "was": "were",
    "calls": "call",
    "names": "name",
}


def _name_outlets(explanation: str, focus_outlet: str, others: str, several: bool) -> str:
    """Put outlet names into a detector's "This account … the other account" explanation."""
    text = explanation.replace("This account", focus_outlet).replace("this account", focus_outlet)
    text = text.replace("this one", focus_outlet)

    def name(match: re.Match[str]) -> str:
        verb = match.group("verb") or ""
        if several and verb.strip() in _PLURAL:
            verb = " " + _PLURAL[verb.strip()]
        return others + verb

    return _OTHER.sub(name, text, count=1)


@lru_cache(maxsize=1)
def blas_controller() -> ThreadpoolController:
    return ThreadpoolController()


@lru_cache(maxsize=PASSAGE_CACHE_SIZE)
def _run(detector: PairDetector, focus: Voice, other: Voice) -> Finding | None:
    return detector(focus, other)


@dataclass
class _Pending:
    finding: Finding
    counterparts: list[ClaimMember]


def compare_article(
    focus: ArticleView,
    event_articles: Sequence[ArticleView],
    claims: ClaimSource | Sequence[Claim],
    *,
    detectors: Sequence[PairDetector] = DEFAULT_DETECTORS,
    nearest_detectors: Sequence[PairDetector] = (_contradiction,),
    gate: Gate | None = None,
    cover: PairCover | None = None,
) -> list[Divergence]:
    """Every divergence of `focus` from the other outlets of its event.

    `event_articles` may include `focus` itself; articles from the focus outlet or copies of the
    same report are not compared. Passage divergences come first, in passage order; omissions
    follow, those the most independent outlets carry first. At most one divergence per
    (passage, type). `gate` decides which one-sided passages are worth showing (the shipped
    model by default); `cover`, when given, reads each unique claim against the other outlets'
    closest passages and drops those stated there in other words.
    """
    gate = gate or default_gate()
    others, groups = independent_others(focus, event_articles)
    if not others:
        return []
    by_id = {a.article_id: a for a in others}
    voices = article_voices(focus)
    for article in others:
        voices.update(article_voices(article))
    focus_ids = {p.passage_id for p in focus.passages}
    other_vectors = np.concatenate([a.vectors for a in others]).astype(np.float32, copy=False)
    other_passages = [p for a in others for p in a.passages]
    # Tiny products: a multi-threaded BLAS only adds hand-off cost (25x slower on a busy box).
    with blas_controller().limit(limits=1, user_api="blas"):
        similarity = focus.vectors @ other_vectors.T  # (n_focus, n_other)
    # Rows and columns apart: a reprint shares its original's passages (and their ids).
    row_of = {p.passage_id: i for i, p in enumerate(focus.passages)}
    column_of = {p.passage_id: j for j, p in enumerate(other_passages)}

    pending: dict[tuple[int, DivergenceType], _Pending] = {}
    compared: set[tuple[int, int]] = set()

    def run_detectors(
        passage: PassageView, counterpart: ClaimMember, chosen: Sequence[PairDetector]
    ) -> None:
        compared.add((passage.passage_id, counterpart.passage.passage_id))
        if counterpart.passage.text == passage.text:
            return
        mine, theirs = voices[passage.passage_id], voices[counterpart.passage.passage_id]
        if _cut_off(mine) or _cut_off(theirs):
            return
        cosine = similarity[row_of[passage.passage_id], column_of[counterpart.passage.passage_id]]
        near_copy = cosine >= NEAR_COPY_COSINE
        for detector in chosen:
            accusing = plain_accusation(mine) or plain_accusation(theirs)
            if detector is detect_attribution and not (near_copy or accusing):
                continue
            if detector is _contradiction and near_copy:
                detector = _lenient_contradiction
            finding = _run(detector, mine, theirs)
            if finding is None:
                continue
            key = (passage.passage_id, finding.type)
            slot = pending.get(key)
            if slot is None:
                pending[key] = _Pending(finding, [counterpart])
            else:
                slot.counterparts.append(counterpart)
                if finding.score > slot.finding.score:
                    slot.finding = finding

    aligned_focus: set[int] = set()
    claimed_other: set[int] = set()
    omission_claims: list[list[ClaimMember]] = []
    for claim in _claims_of(claims):
        mine = [m for m in claim.members if m.passage.passage_id in focus_ids]
        theirs = [m for m in claim.members if m.passage.article_id in by_id]
        claimed_other.update(m.passage.passage_id for m in theirs)
        if not theirs:
            continue
        if not mine:
            omission_claims.append(theirs)
            continue
        for member in mine:
            aligned_focus.add(member.passage.passage_id)
            row = row_of[member.passage.passage_id]
            for counterpart in _closest_per_article(theirs, row, column_of, similarity):
                run_detectors(member.passage, counterpart, detectors)
    for row, column in _same_accusation(focus, other_passages, voices):
        passage, other = focus.passages[row], other_passages[column]
        if (passage.passage_id, other.passage_id) not in compared:
            cosine = round(float(similarity[row, column]), 4)
            member = ClaimMember(other, by_id[other.article_id].outlet, cosine)
            run_detectors(passage, member, (detect_attribution,))
    if nearest_detectors:
        for row, column in _mutual_nearest(others, similarity):
            passage, other = focus.passages[row], other_passages[column]
            if (passage.passage_id, other.passage_id) not in compared:
                cosine = round(float(similarity[row, column]), 4)
                member = ClaimMember(other, by_id[other.article_id].outlet, cosine)
                run_detectors(passage, member, nearest_detectors)
    omission_claims.extend(
        [ClaimMember(p, by_id[p.article_id].outlet, 1.0)]
        for p in other_passages
        if p.passage_id not in claimed_other
    )

    out = [_pair_divergence(focus.outlet, p, key[0], focus) for key, p in pending.items()]
    out.extend(
        _event_framing(
            focus, others, voices, similarity, {k[0] for k in pending if k[1] == "framing"}
        )
    )
    # No claim is unique that an independent article prints word for word, whatever the
    # embedder makes of the two (a copy's own family is one account: its claims may be unique).
    printed = {sentence_key(p.text) for p in other_passages}
    out.extend(
        divergence
        for divergence in unique_claims(focus, others, voices, groups, aligned_focus, gate, cover)
        if divergence.passage is None or sentence_key(divergence.passage.text) not in printed
    )
    out.sort(key=lambda d: (d.passage.start if d.passage else 0, DIVERGENCE_TYPES.index(d.type)))
    out.extend(omissions(focus, others, voices, groups, omission_claims, gate))
    return out


def _mutual_nearest(others: Sequence[ArticleView], similarity: np.ndarray) -> list[tuple[int, int]]:
    """(focus row, other column) of passages that are each other's closest, per other article,
    at `NEAREST_MIN_COSINE` or more."""
    pairs: list[tuple[int, int]] = []
    start = 0
    for article in others:
        block = similarity[:, start : start + len(article.passages)]
        if block.size:
            best_column = block.argmax(axis=1)
            best_row = block.argmax(axis=0)
            for row, column in enumerate(best_column):
                if best_row[column] == row and block[row, column] >= NEAREST_MIN_COSINE:
                    pairs.append((row, start + int(column)))
        start += len(article.passages)
    return pairs


def _same_accusation(
    focus: ArticleView, other_passages: Sequence[PassageView], voices: dict[int, Voice]
) -> list[tuple[int, int]]:
    """(focus row, other column) of passages making the same accusation, one of them in its
    own voice: both charge someone, and they share `ACCUSATION_SHARED_WORDS` content words.
    Embeddings miss these pairs: "terrorists who stage chemical attacks" and "the government
    alleged that the group staged chemical attacks" are far apart for MiniLM."""
    pairs: list[tuple[int, int]] = []
    charged = [(column, p) for column, p in enumerate(other_passages) if accusations(p.text)]
    for row, passage in enumerate(focus.passages):
        if not accusations(passage.text):
            continue
        mine = voices[passage.passage_id]
        stems = content_stems(passage.text)
        best: dict[int, tuple[int, int]] = {}
        for column, other in charged:
            if not (plain_accusation(mine) or plain_accusation(voices[other.passage_id])):
                continue
            shared = len(stems & content_stems(other.text))
            current = best.get(other.article_id)
            if shared >= ACCUSATION_SHARED_WORDS and (current is None or shared > current[0]):
                best[other.article_id] = (shared, column)
        pairs.extend((row, column) for _, column in best.values())
    return pairs


def _closest_per_article(
    members: Sequence[ClaimMember],
    row: int,
    column_of: dict[int, int],
    similarity: np.ndarray,
) -> list[ClaimMember]:
    """Per other article, the claim member closest to the focus passage of row `row`, if it is
    within `PAIR_MIN_COSINE`: a claim may hold several passages of one article, and a detector
    should compare like with like."""
    best: dict[int, tuple[float, ClaimMember]] = {}
    for member in members:
        score = float(similarity[row, column_of[member.passage.passage_id]])
        current = best.get(member.passage.article_id)
        if score >= PAIR_MIN_COSINE and (current is None or score > current[0]):
            best[member.passage.article_id] = (score, member)
    return [member for _, member in best.values()]


def _pair_divergence(
    focus_outlet: str, slot: _Pending, passage_id: int, focus: ArticleView
) -> Divergence:
    passage = next(p for p in focus.passages if p.passage_id == passage_id)
    members = list({m.passage.passage_id: m for m in slot.counterparts}.values())
    outlets = outlet_list([m.outlet for m in members])
    finding = slot.finding
    return Divergence(
        type=finding.type,
        confidence=calibrated(finding.type, finding.evidence),
        passage=passage,
        counterparts=tuple(members),
        evidence=finding.evidence,
        explanation=_name_outlets(
            finding.explanation, focus_outlet, outlets, len({m.outlet for m in members}) > 1
        ),
        importance=importance(finding, len({m.outlet for m in members})),
    )


def _event_framing(
    focus: ArticleView,
    others: Sequence[ArticleView],
    voices: dict[int, Voice],
    similarity: np.ndarray,
    flagged: set[int],
) -> list[Divergence]:
    """Framing read against the other accounts as a whole, for passages no pair flagged; the
    counterparts are, per other article, the closest passage using the plain words."""
    usage = event_usage(tuple(voices[p.passage_id].own_text for a in others for p in a.passages))
    out: list[Divergence] = []
    for row, passage in enumerate(focus.passages):
        if passage.passage_id in flagged:
            continue
        finding = event_framing(voices[passage.passage_id], usage, focus_outlet=focus.outlet)
        if finding is None:
            continue
        plain = [str(term).lower() for term in finding.evidence["other_terms"]]
        counterparts: list[ClaimMember] = []
        start = 0
        for article in others:
            using = [
                (float(similarity[row, start + j]), p)
                for j, p in enumerate(article.passages)
                if similarity[row, start + j] >= EVENT_FRAMING_MIN_COSINE
                and any(term in voices[p.passage_id].own_text.lower() for term in plain)
            ]
            if using:
                cosine, closest = max(using, key=lambda item: item[0])
                counterparts.append(ClaimMember(closest, article.outlet, round(cosine, 4)))
            start += len(article.passages)
        if not counterparts:
            continue
        out.append(
            Divergence(
                "framing",
                calibrated("framing", finding.evidence),
                passage,
                tuple(counterparts[:3]),
                finding.evidence,
                finding.explanation,
                importance(finding, len({m.outlet for m in counterparts})),
            )
        )
    return out
