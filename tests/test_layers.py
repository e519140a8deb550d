"""The packages' layer order, read from every module's imports (function-level ones included).

A package imports only from its own layer's package or from layers below it; the layers are the
design's `api → compare → ingest → comparison → index → core`, with `evaluation` beside `api`,
`cli` on top and the shipped `models` at the bottom beside `core`. `demo` and `bench` are free.
No two modules import each other, even through a function-level import.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS: dict[str, int] = {
    "models": 0,
    "core": 0,
    "index": 1,
    "comparison": 2,
    "ingest": 3,
    "compare": 4,
    "api": 5,
    "evaluation": 5,
    "cli": 6,
}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in LAYERS:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            yield name, path


def _imports(path: Path, module: str) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            # `from pkg import module` names a module, not only a package attribute.
            found.update(f"{target}.{alias.name}" for alias in node.names)
    return found


GRAPH = {name: _imports(path, name) for name, path in _modules()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_only_from_its_layer_or_below(module: str) -> None:
    own = module.split(".")[0]
    upward = sorted(
        target
        for target in GRAPH[module]
        if (top := target.split(".")[0]) in LAYERS and top != own and LAYERS[top] >= LAYERS[own]
    )
    assert not upward, f"{module} imports from its layer or above: {upward}"


def test_no_two_modules_import_each_other() -> None:
    cycles = sorted(
        (module, other)
        for module, targets in GRAPH.items()
        for other in targets
        if other in GRAPH
        and other != module
        and module in GRAPH[other]
        and module < other
        # A package's __init__ re-exports its modules; those import their siblings, not it.
        and not other.startswith(module + ".")
        and not module.startswith(other + ".")
    )
    assert not cycles, f"import cycles: {cycles}"
