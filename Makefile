# One command surface: setup, run, test, lint, bench, eval.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SHARED_DATA ?= ../shared/data

.PHONY: setup run test lint typecheck bench eval screenshots clean constraints

setup: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch first: an unpinned torch would pull a multi-gigabyte CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	# Builds the int8 ONNX form of the embedding model once (into ~/.cache/parallax).
	$(BIN)/parallax prepare-model
	touch $(STAMP)

constraints: setup
	{ grep '^#' constraints.txt; $(BIN)/pip freeze --exclude-editable | grep -v '^torch=='; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

run: setup
	$(BIN)/parallax serve --demo

test: setup
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: setup
	$(BIN)/python bench/ingest_throughput.py --data $(SHARED_DATA)

eval: setup
	$(BIN)/python -m evaluation.extraction --data $(SHARED_DATA)
	$(BIN)/python -m evaluation.segmentation --data $(SHARED_DATA)
	$(BIN)/parallax eval --events $(SHARED_DATA)/events.dev.jsonl --pairs $(SHARED_DATA)/pairs.dev.jsonl

# The dashboard's and the extension's pictures in docs/, taken by the browser tests.
screenshots: setup
	PARALLAX_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/browser

clean:
	rm -rf $(VENV) parallax-data .pytest_cache .mypy_cache .ruff_cache
