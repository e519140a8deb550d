"""The tuning record: every threshold and coefficient the engine was tuned on, and how.

Each entry names a constant by module and attribute and says which data and which command
chose its value, on what date, and what it trades. Values are read from the modules, so the
record cannot drift from the code; docs/tuning.md is generated from it
(`python -m comparison.tuning > docs/tuning.md`) and a test fails when the two differ.
Structural sizes (cache sizes, window lengths in words that no measurement chose) are not here.
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass

__all__ = ["RECORD", "Tuned", "render"]

_RETRIEVAL = "python -m evaluation.retrieval --events ../shared/data/events.dev.jsonl --clustering"
_ALIGNMENT = "python -m evaluation.alignment --refit"
_JUDGED = "python -m evaluation.judged --json"
_BIAS = "python -m evaluation.bias --json; python -m evaluation.planted --json"
_GATED = "python -m evaluation.one_sided_fit --judged --json"
_SERVED = "python -m evaluation.served --articles 40 --json; python -m evaluation.judged --json"


@dataclass(frozen=True, slots=True)
class Tuned:
    """One tuned constant: `module.name`, chosen by `command` on `data` on `date`."""

    module: str
    name: str
    data: str
    command: str
    date: str
    trade: str

    @property
    def value(self) -> object:
        return getattr(importlib.import_module(self.module), self.name)


RECORD: tuple[Tuned, ...] = (
    Tuned("comparison.alignment", "COEF_COSINE", "MRPC train pairs", _ALIGNMENT, "2026-11-27",
          "logistic weight of the embedding cosine in the alignment score"),
    Tuned("comparison.alignment", "COEF_JACCARD", "MRPC train pairs", _ALIGNMENT, "2026-11-27",
          "weight of the content-stem Jaccard overlap"),
    Tuned("comparison.alignment", "COEF_SHARED", "MRPC train pairs", _ALIGNMENT, "2026-11-27",
          "weight of log1p(shared stems)"),
    Tuned("comparison.alignment", "INTERCEPT", "MRPC train pairs", _ALIGNMENT, "2026-11-27",
          "intercept of the alignment score"),
    Tuned("comparison.alignment", "PARAPHRASE_THRESHOLD", "MRPC dev pairs", _ALIGNMENT,
          "2026-11-27", "score of best accuracy on independent sentence pairs"),
    Tuned("comparison.alignment", "EVENT_THRESHOLD", "BASIL dev events, planted edits", _BIAS,
          "2026-11-27", "claims inside an event: twice the aligned BASIL passages, no planted "
          "false alarm"),
    Tuned("comparison.events", "JOIN_THRESHOLD", "dev events of all five sets", _RETRIEVAL,
          "2026-11-27", "best single match that pre-selects a candidate event"),
    Tuned("comparison.events", "LINKAGE_THRESHOLD", "dev events of all five sets", _RETRIEVAL,
          "2026-11-27", "average linkage to an event's independent reports needed to join"),
    Tuned("comparison.events", "MERGE_THRESHOLD", "dev events of all five sets", _RETRIEVAL,
          "2026-11-27", "linkage at which two events merge"),
    Tuned("comparison.events", "SUPPORT_CONFIDENCE", "ECB+ and NewsWCL50 dev events", _RETRIEVAL,
          "2026-11-28", "confidence of each report that places an article despite low linkage"),
    Tuned("comparison.events", "SUPPORT_REPORTS", "ECB+ and NewsWCL50 dev events", _RETRIEVAL,
          "2026-11-28", "how many such reports it takes"),
    Tuned("comparison.events", "MOVE_CONFIDENCE", "NewsWCL50 and ECB+ dev events", _RETRIEVAL,
          "2026-11-28", "match with a newcomer that lets a placed article move events"),
    Tuned("comparison.events", "MOVE_MARGIN", "NewsWCL50 and ECB+ dev events", _RETRIEVAL,
          "2026-11-28", "how much better its linkage to the newcomer's event must be"),
    Tuned("comparison.events", "WIRE_IDENTICAL_SHARE", "demo outlets, dev near-duplicates",
          "python -m evaluation.near_duplicates", "2026-11-27",
          "share of identical passages that makes a wire copy"),
    Tuned("comparison.evidence", "ALIGN_THRESHOLD", "dev events of all five sets", _RETRIEVAL,
          "2026-11-27", "passage cosine counted as shared evidence of one event"),
    Tuned("comparison.evidence", "IDENTICAL_THRESHOLD", "dev events of all five sets",
          _RETRIEVAL, "2026-11-27", "passage cosine counted as the same sentence"),
    Tuned("comparison.same_event", "FIRST_STAGE_K", "dev events of all five sets", _RETRIEVAL,
          "2026-11-27", "candidates the first stage passes to the ranking model"),
    Tuned("comparison.same_event", "MIN_TOPIC_COSINE", "demo outlets, dev events", _RETRIEVAL,
          "2026-11-27", "article cosine below which a candidate is another topic"),
    Tuned("comparison.numeric", "MIN_PAIR_SCORE", "judged set, planted edits", _JUDGED,
          "2026-12-05", "how surely two figures measure the same thing"),
    Tuned("comparison.numeric", "MIN_DATE_PAIR_SCORE", "judged set", _JUDGED, "2026-12-05",
          "the same for dates, which differ mostly by the day of reporting"),
    Tuned("comparison.numeric", "APPROX_TOLERANCE", "MRPC dev pairs, demo outlets", _ALIGNMENT,
          "2026-11-27", "relative slack when either figure is approximate"),
    Tuned("comparison.numeric", "MAX_VALUE_RATIO", "demo outlets, planted edits", _BIAS,
          "2026-11-27", "figures further apart count different things"),
    Tuned("comparison.contradiction", "MIN_SHARED_CONTENT", "judged set", _JUDGED, "2026-12-05",
          "content two passages must share to contradict each other"),
    Tuned("comparison.divergences", "PAIR_MIN_COSINE", "judged set", _JUDGED, "2026-12-05",
          "closeness of a claim's members before a pairwise detector compares them"),
    Tuned("comparison.divergences", "NEAREST_MIN_COSINE", "judged set, demo outlets", _JUDGED,
          "2026-12-05", "nearest passages outside a claim read for contradictions"),
    Tuned("comparison.divergences", "NEAR_COPY_COSINE", "judged set, planted edits", _JUDGED,
          "2026-12-05", "near-copies, where stance words and denial verbs are compared"),
    Tuned("comparison.divergences", "ACCUSATION_SHARED_WORDS", "demo outlets, judged set",
          _JUDGED, "2026-12-05", "content words two passages share to make the same accusation"),
    Tuned("comparison.divergences", "EVENT_FRAMING_MIN_COSINE", "demo outlets, judged set",
          _JUDGED, "2026-12-05", "closeness of the passage that uses the plain label"),
    Tuned("comparison.one_sided", "COVER_THRESHOLD", "judged set", _JUDGED, "2026-12-05",
          "cosine at which another passage states the same thing"),
    Tuned("comparison.one_sided", "COVER_SHARE", "judged set", _JUDGED, "2026-12-05",
          "share of terms a window of the other side holds to state it"),
    Tuned("comparison.one_sided", "MIN_OMISSION_SUPPORT", "judged set", _JUDGED, "2026-12-05",
          "independent outlets that must carry an omitted claim"),
    Tuned("comparison.one_sided", "MAX_OMISSIONS", "judged set, out of fold", _GATED,
          "2026-12-07", "omissions an answer lists, the most widely carried first (5 and 4 "
          "tried)"),
    Tuned("comparison.one_sided", "MIN_OMISSION_SHARE", "judged set, then 24 events judged "
          "after", _GATED, "2026-12-06", "share of the other independent outlets that must carry "
          "an omitted claim"),
    Tuned("comparison.pair_cover", "COVER_COSINE", "judged set, out of fold", _GATED,
          "2026-12-06", "news-aligner cosine at which another outlet's passage or pair of "
          "passages states a unique claim (0.85, 0.9 and 0.93 tried)"),
    Tuned("comparison.substance", "MIN_CLAIM_WORDS", "judged set", _JUDGED, "2026-12-05",
          "words below which a passage is a fragment, not a claim"),
    Tuned("comparison.voice", "SPEECH_MIN_WORDS", "demo outlets, judged set", _JUDGED,
          "2026-12-05", "quoted words from which a quotation is speech, not scare quotes"),
    Tuned("comparison.voice", "QUOTE_SHARE", "judged set", _JUDGED, "2026-12-05",
          "share of quoted text that makes a passage its speaker's"),
    Tuned("comparison.one_sided_model", "THRESHOLDS", "judged set, out of fold", _GATED,
          "2026-12-07", "calibrated probability a one-sided item needs to be reported (unique "
          "claims: 0.35 chosen on 129 events, held against 0.3 on 177 and a fresh 24; "
          "omissions: 0.5 against 0 to 0.55 on 249, and on two fresh 24s 0.38 -> 0.50 and "
          "0.29 -> 0.47 right)"),
    Tuned("comparison.one_sided_model", "PRIOR_KINDS", "judged set, out of fold", _GATED,
          "2026-12-08", "the kinds whose gate weighs the passage's own vector "
          "(comparison.passage_prior): unique claims 0.438 -> 0.462 right on 609 events; "
          "omissions gained too little AUROC and lost keys"),
    Tuned("comparison.passage_prior", "PRIOR_C", "judged set, out of fold", _GATED,
          "2026-12-08", "regularisation of the passage prior, on 561 events: unique-claim AUROC "
          "0.760 / 0.761 / 0.760 / 0.757 at 0.0001 / 0.0003 / 0.001 / 0.003, against 0.743 "
          "without"),
    Tuned("comparison.one_sided_features", "SUPPORT_COSINE", "judged set", _GATED,
          "2026-12-05", "cosine at which another outlet's passage carries the same claim"),
    Tuned("comparison.one_sided_features", "SUPPORT_TERMS", "demo outlets, judged set",
          _GATED, "2026-12-07", "share of the shorter passage's terms another outlet's passage "
          "must hold (and a figure in common where both give one) to count as an omission's "
          "support shown (at least MIN_OMISSION_SUPPORT outlets); as a gate feature the same "
          "rule lowered the omissions' AUROC (0.664 to 0.651)"),
    Tuned("comparison.ranking", "TYPE_JUDGED", "judged set, out of fold",
          "python -m evaluation.one_sided_fit --calibrate", "2026-12-08",
          "each kind's judged items (right, judged); smoothed, the confidence of the pairwise "
          "kinds and the rank of all"),
    Tuned("comparison.ranking", "FRAMING_JUDGED", "judged set, out of fold",
          "python -m evaluation.one_sided_fit --calibrate", "2026-12-08",
          "each framing detector's judged items (right, judged), used for framing in place of "
          "TYPE_JUDGED's: a lexicon's word of judgment was right once in 9, different words "
          "for the same actor 3 times in 14, scare quotes 6 times in 18"),
    Tuned("comparison.ranking", "KEY_MIN_CONFIDENCE", "judged set, out of fold", _GATED,
          "2026-12-06", "judged precision a kind must plausibly reach to lead the answer, and "
          "the calibrated confidence an edit or a unique claim needs to lead"),
    Tuned("comparison.ranking", "KEY_MIN_PLAUSIBILITY", "judged set, out of fold", _GATED,
          "2026-12-08", "posterior probability below which a kind is known to fall short of "
          "KEY_MIN_CONFIDENCE (contradictions at 0.06, attribution at 0.00001, numeric at 0.02, "
          "a lexicon's framing word at 0.05 and framing labels at 0.09 do; scare quotes at "
          "0.31, omissions at 0.997 and unique claims at 0.9999 do not)"),
    Tuned("comparison.ranking", "LEAD_CONFIDENCE", "judged set, out of fold and the batch "
          "judged last", _GATED, "2026-12-07", "the gate's confidence a unique claim or an "
          "omission needs to lead: omissions at 0.6 doubled the keys found out of fold (12 to 25 "
          "of 198) and raised key precision and hit on the batch judged next"),
    Tuned("comparison.ranking", "MAX_PER_TYPE", "judged set, out of fold and the batch judged "
          "last", _GATED, "2026-12-07", "key differences of one kind an answer opens with: three "
          "rather than two found 55 keys of 279 rather than 50 out of fold, as often right; on "
          "the 24 read next, as many editors' keys (5 of 21) and one more right key"),
    Tuned("comparison.ranking", "MIN_LEADING_SUPPORT", "judged set, out of fold", _GATED,
          "2026-12-06", "copies that must make a reprint's omission for it to lead (and "
          "independent outlets an omission of coverage, unless the only other outlet does)"),
    Tuned("comparison.agreement", "AGREEING_SHARE", "judged set, out of fold", _GATED,
          "2026-12-07", "share of the others' passages an article with no divergence must state "
          "for the accounts to agree, when no difference leads (a share of 0.4 whatever was found "
          "was chosen on the first 153 events; on 369, counting the divergences found beat it on "
          "each of three batches)"),
    Tuned("comparison.agreement", "SHARE_PER_DIFFERENCE", "judged set, out of fold", _GATED,
          "2026-12-07", "more of the others' passages the article must state for each divergence "
          "found (0.1 / 0.15 gave agreeing answers empty 79 of 119, keys found 38 of 250; 0.4 / "
          "0 gave 73 and 34, and every neighbour within 0.05 beat it too)"),
    Tuned("comparison.reprints", "COPY_SHARE", "planted reprints, judged set", _SERVED,
          "2026-12-05", "share of passages printed word for word that makes two articles one text"),
    Tuned("comparison.reprints", "EDIT_CONFIDENCE", "planted reprints", _SERVED, "2026-12-05",
          "confidence of a divergence a diff against the source found"),
    Tuned("comparison.edits", "SAME_SENTENCE_RATIO", "planted reprints", _SERVED, "2026-12-05",
          "word overlap at which a changed passage is one sentence edited, not replaced"),
)  # fmt: skip


def _value(value: object) -> str:
    if isinstance(value, dict):
        return ", ".join(f"{key} {item}" for key, item in value.items())
    if isinstance(value, frozenset | set):
        return ", ".join(sorted(map(str, value)))
    return str(value)


def render() -> str:
    """docs/tuning.md."""
    lines = [
        "# Tuned numbers",
        "",
        "Generated by `python -m comparison.tuning > docs/tuning.md` from `comparison/tuning.py`;",
        "a test fails when this page and the code differ. Every value is the module's own.",
        "",
        "| constant | value | what it trades | data | chosen by | date |",
        "|---|---|---|---|---|---|",
    ]
    for tuned in RECORD:
        lines.append(
            f"| `{tuned.module}.{tuned.name}` | {_value(tuned.value)} | {tuned.trade} | "
            f"{tuned.data} | `{tuned.command}` | {tuned.date} |"
        )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
