from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import index.vector_index as vector_index_module
from core.errors import IndexMismatch
from index.vector_index import INDEX_FILE, MANIFEST_FILE, VectorIndex, ids_checksum

DIM = 16
MODEL = "test-model"


def unit(n: int, seed: int = 0, dim: int = DIM) -> np.ndarray:
    vectors = np.random.default_rng(seed).standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.fixture
def filled() -> tuple[VectorIndex, np.ndarray, np.ndarray]:
    ids = np.array([10, 20, 30, 40, 50], dtype=np.int64)
    vectors = unit(5)
    vi = VectorIndex(DIM, model=MODEL)
    vi.add(ids, vectors)
    return vi, ids, vectors


def test_add_and_search(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    vi, ids, vectors = filled
    assert len(vi) == 5
    assert sorted(vi.ids().tolist()) == ids.tolist()
    scores, found = vi.search(vectors, 2)
    assert scores.dtype == np.float32
    assert found.dtype == np.int64
    assert scores.shape == found.shape == (5, 2)
    np.testing.assert_array_equal(found[:, 0], ids)
    np.testing.assert_allclose(scores[:, 0], 1.0, atol=1e-5)
    assert (scores[:, 0] >= scores[:, 1]).all()


def test_inputs_are_normalised(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    vi, _, vectors = filled
    vi.add([60], vectors[:1] * 7.5)
    np.testing.assert_allclose(vi.reconstruct(60), vectors[0], atol=1e-6)
    scores, found = vi.search(vectors[:1] * 0.01, 2)
    assert set(found[0].tolist()) == {10, 60}
    np.testing.assert_allclose(scores[0], 1.0, atol=1e-5)


def test_readd_replaces(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    vi, _, vectors = filled
    replacement = unit(1, seed=99)
    vi.add([30], replacement)
    assert len(vi) == 5
    np.testing.assert_allclose(vi.reconstruct(30), replacement[0], atol=1e-6)
    _, found = vi.search(replacement, 1)
    assert found[0, 0] == 30
    scores, found = vi.search(vectors[2:3], 5)
    assert found[0].tolist().count(30) == 1
    old_score = scores[0, found[0].tolist().index(30)]
    assert old_score == pytest.approx(float(vectors[2] @ replacement[0]), abs=1e-5)


def test_remove(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    vi, _, vectors = filled
    assert vi.remove([20, 40, 999]) == 2
    assert vi.remove([999]) == 0
    assert sorted(vi.ids().tolist()) == [10, 30, 50]
    with pytest.raises(KeyError):
        vi.reconstruct(20)
    _, found = vi.search(vectors[1:2], 3)
    assert 20 not in found[0]
    np.testing.assert_allclose(vi.reconstruct(50), vectors[4], atol=1e-6)


def test_missing_keeps_the_ids_not_stored_in_order(
    filled: tuple[VectorIndex, np.ndarray, np.ndarray],
) -> None:
    vi, _, _ = filled
    assert vi.missing([60, 20, 5, 50]).tolist() == [60, 5]
    assert vi.missing([]).tolist() == []
    assert VectorIndex(DIM, model=MODEL).missing([1, 2]).tolist() == [1, 2]


def test_search_allowed_subset(filled: tuple[VectorIndex, np.ndarray, np.ndarray]) -> None:
    vi, _, vectors = filled
    scores, found = vi.search(vectors, 3, allowed=np.array([20, 50], dtype=np.int64))
    assert set(found[:, :2].ravel().tolist()) == {20, 50}
    assert (found[:, 2] == -1).all()
    assert np.isneginf(scores[:, 2]).all()
    assert found[1, 0] == 20
    assert found[4, 0] == 50


def test_search_pads_and_handles_empty() -> None:
    vi = VectorIndex(DIM, model=MODEL)
    scores, found = vi.search(unit(2), 3)
    assert (found == -1).all()
    assert np.isneginf(scores).all()
    vi.add([1], unit(1))
    scores, found = vi.search(unit(2), 3, allowed=np.array([], dtype=np.int64))
    assert found.shape == (2, 3)
    assert (found == -1).all()
    scores, found = vi.search(np.zeros((0, DIM), dtype=np.float32), 3)
    assert scores.shape == found.shape == (0, 3)


@pytest.mark.parametrize(
    ("ids", "vectors", "message"),
    [
        ([1, 2], unit(3), "ids for"),
        ([1, 1], unit(2), "unique"),
        ([1], np.zeros((1, DIM), dtype=np.float32), "zero vector"),
        ([1], unit(1, dim=DIM + 1), "shape"),
        ([1], np.full((1, DIM), np.nan, dtype=np.float32), "NaN"),
    ],
)
def test_add_rejects_bad_input(ids: list[int], vectors: np.ndarray, message: str) -> None:
    vi = VectorIndex(DIM, model=MODEL)
    with pytest.raises(ValueError, match=message):
        vi.add(ids, vectors)
    assert len(vi) == 0


def test_save_load_roundtrip(
    tmp_path: Path, filled: tuple[VectorIndex, np.ndarray, np.ndarray]
) -> None:
    vi, ids, vectors = filled
    vi.save(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_FILE, MANIFEST_FILE]
    manifest = json.loads((tmp_path / MANIFEST_FILE).read_text())
    assert manifest["model"] == MODEL
    assert manifest["dimension"] == DIM
    assert manifest["count"] == 5
    assert manifest["ids_sha256"] == ids_checksum(ids[::-1])
    assert manifest["created_at"]
    assert manifest["faiss_version"]

    loaded = VectorIndex.load(tmp_path, model=MODEL, dimension=DIM)
    assert len(loaded) == 5
    np.testing.assert_array_equal(np.sort(loaded.ids()), ids)
    np.testing.assert_allclose(loaded.reconstruct(30), vectors[2], atol=1e-6)
    _, before = vi.search(vectors, 3)
    _, after = loaded.search(vectors, 3)
    np.testing.assert_array_equal(before, after)
    loaded.add([60], unit(1, seed=5))
    assert len(loaded) == 6


@pytest.mark.parametrize(("model", "dimension"), [("other-model", DIM), (MODEL, DIM * 2)])
def test_manifest_mismatch_raises(
    tmp_path: Path,
    filled: tuple[VectorIndex, np.ndarray, np.ndarray],
    model: str,
    dimension: int,
) -> None:
    filled[0].save(tmp_path)
    with pytest.raises(IndexMismatch, match="was made by"):
        VectorIndex.load(tmp_path, model=model, dimension=dimension)


@pytest.mark.parametrize(
    "damage",
    ["garbage", "truncate", "empty", "delete-index", "delete-manifest", "bad-manifest"],
)
def test_damaged_files_raise(
    tmp_path: Path, filled: tuple[VectorIndex, np.ndarray, np.ndarray], damage: str
) -> None:
    filled[0].save(tmp_path)
    index_file, manifest_file = tmp_path / INDEX_FILE, tmp_path / MANIFEST_FILE
    if damage == "garbage":
        index_file.write_bytes(b"\x00garbage" * 100)
    elif damage == "truncate":
        index_file.write_bytes(index_file.read_bytes()[:-40])
    elif damage == "empty":
        index_file.write_bytes(b"")
    elif damage == "delete-index":
        index_file.unlink()
    elif damage == "delete-manifest":
        manifest_file.unlink()
    else:
        manifest_file.write_text("{not json")
    with pytest.raises(IndexMismatch):
        VectorIndex.load(tmp_path, model=MODEL, dimension=DIM)


def test_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(IndexMismatch):
        VectorIndex.load(tmp_path / "nowhere", model=MODEL, dimension=DIM)


def test_manifest_of_another_save_raises(
    tmp_path: Path, filled: tuple[VectorIndex, np.ndarray, np.ndarray]
) -> None:
    """A crash between replacing the index and its manifest is detected, not trusted."""
    vi = filled[0]
    vi.save(tmp_path)
    old_manifest = (tmp_path / MANIFEST_FILE).read_bytes()
    vi.add([60], unit(1, seed=7))
    vi.save(tmp_path)
    (tmp_path / MANIFEST_FILE).write_bytes(old_manifest)
    with pytest.raises(IndexMismatch, match="manifest"):
        VectorIndex.load(tmp_path, model=MODEL, dimension=DIM)


def test_interrupted_save_keeps_previous_index(
    tmp_path: Path,
    filled: tuple[VectorIndex, np.ndarray, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vi, ids, _ = filled
    vi.save(tmp_path)
    vi.add([60, 70], unit(2, seed=3))

    def failing_write(_index: Any, path: str) -> None:
        Path(path).write_bytes(b"half an ind")
        raise OSError("disk full")

    monkeypatch.setattr(vector_index_module.faiss, "write_index", failing_write)
    with pytest.raises(OSError, match="disk full"):
        vi.save(tmp_path)
    monkeypatch.undo()

    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_FILE, MANIFEST_FILE]
    previous = VectorIndex.load(tmp_path, model=MODEL, dimension=DIM)
    np.testing.assert_array_equal(np.sort(previous.ids()), ids)


def test_failed_manifest_write_leaves_no_temp_file(
    tmp_path: Path,
    filled: tuple[VectorIndex, np.ndarray, np.ndarray],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    vi = filled[0]
    real_replace = vector_index_module.os.replace

    def replace(src: Any, dst: Any) -> None:
        if Path(dst).name == MANIFEST_FILE:
            raise OSError("power cut")
        real_replace(src, dst)

    monkeypatch.setattr(vector_index_module.os, "replace", replace)
    with pytest.raises(OSError, match="power cut"):
        vi.save(tmp_path)
    monkeypatch.undo()
    assert [p.name for p in tmp_path.iterdir()] == [INDEX_FILE]
    with pytest.raises(IndexMismatch):
        VectorIndex.load(tmp_path, model=MODEL, dimension=DIM)


def test_searches_run_safely_during_writes() -> None:
    vi = VectorIndex(DIM, model=MODEL)
    vi.add(np.arange(100, dtype=np.int64), unit(100))
    queries = unit(8, seed=1)
    errors: list[BaseException] = []
    stop = threading.Event()

    def searcher() -> None:
        try:
            while not stop.is_set():
                scores, found = vi.search(queries, 5)
                assert (found >= 0).all()
                assert np.isfinite(scores).all()
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=searcher) for _ in range(3)]
    for thread in threads:
        thread.start()
    for batch in range(50):
        start = 100 + batch * 10
        vi.add(np.arange(start, start + 10, dtype=np.int64), unit(10, seed=batch + 2))
        vi.remove(np.arange(start - 5, start, dtype=np.int64))
    stop.set()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(vi) == 100 + 50 * 10 - 50 * 5


def test_saves_during_writes_are_consistent(tmp_path: Path) -> None:
    vi = VectorIndex(DIM, model=MODEL)
    vi.add(np.arange(50, dtype=np.int64), unit(50))
    done = threading.Event()

    def writer() -> None:
        for batch in range(40):
            start = 50 + batch * 5
            vi.add(np.arange(start, start + 5, dtype=np.int64), unit(5, seed=batch + 1))
        done.set()

    thread = threading.Thread(target=writer)
    thread.start()
    while not done.is_set():
        vi.save(tmp_path)
        loaded = VectorIndex.load(tmp_path, model=MODEL, dimension=DIM)
        assert 50 <= len(loaded) <= 250
    thread.join()
    vi.save(tmp_path)
    assert len(VectorIndex.load(tmp_path, model=MODEL, dimension=DIM)) == 250
    assert sorted(p.name for p in tmp_path.iterdir()) == [INDEX_FILE, MANIFEST_FILE]
