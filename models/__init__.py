"""Models trained for Parallax and shipped with it, each in its own directory with a manifest.

`aligner/`: all-MiniLM-L6-v2 fine-tuned for news alignment, as int8 ONNX with its tokenizer
(`python -m evaluation.train_aligner` made it; its `manifest.json` says from what).
"""

from __future__ import annotations

from pathlib import Path

ALIGNER_DIR = Path(__file__).resolve().parent / "aligner"

__all__ = ["ALIGNER_DIR"]
