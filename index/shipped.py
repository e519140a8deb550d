"""Models shipped ready to run: a directory holding an int8 ONNX graph, its tokenizer and a
`manifest.json` that records how it was made and the graph's sha256.

Nothing is built or downloaded: the graph is checked against the manifest's checksum and loaded,
so a damaged or swapped file stops the load instead of making vectors no one measured. The name
recorded with every vector carries the checksum, so a retrained model is a new model to the
store (which embeds its articles again at the next start).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from index.onnx_encoder import BACKEND_SUFFIX, ONNX_FILE, OnnxEmbedder

__all__ = ["MANIFEST", "ONNX_FILE", "ShippedModel", "file_sha256", "is_shipped", "read_shipped"]

MANIFEST = "manifest.json"


@dataclass(frozen=True, slots=True)
class ShippedModel:
    directory: Path
    name: str
    sha256: str
    manifest: dict[str, Any]

    @property
    def onnx_file(self) -> Path:
        return self.directory / ONNX_FILE

    def verify(self) -> None:
        """Raises ValueError unless the graph on disk is the one the manifest describes."""
        actual = file_sha256(self.onnx_file)
        if actual != self.sha256:
            raise ValueError(
                f"{self.onnx_file}: sha256 {actual[:12]}… does not match its manifest "
                f"({self.sha256[:12]}…)"
            )

    def load(self, *, threads: int) -> OnnxEmbedder:
        """The model, verified, ready to encode (a fraction of a second)."""
        self.verify()
        return OnnxEmbedder(self.directory, self.onnx_file, name=self.name, threads=threads)


def file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def is_shipped(directory: Path) -> bool:
    """Whether `directory` holds a shipped model (a manifest beside an ONNX graph)."""
    return (directory / MANIFEST).is_file() and (directory / ONNX_FILE).is_file()


def read_shipped(directory: Path, *, label: str) -> ShippedModel:
    """The shipped model in `directory`, named `label@<sha256 prefix>` with the backend suffix."""
    manifest = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
    sha256 = str(manifest["sha256"])
    return ShippedModel(directory, f"{label}@{sha256[:12]}{BACKEND_SUFFIX}", sha256, manifest)
