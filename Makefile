# One entry point for newcomers and CI. Each target creates .venv if needed.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
INDEX  ?= .maritime-index

.PHONY: run test lint typecheck install install-llm corpus bench pipelines clean

LLM_STAMP := $(VENV)/.installed-llm

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# llama-cpp-python is built from source (several minutes the first time; pip caches the wheel).
$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 $(PY) -m pip install --quiet -e '.[dev,llm]'
	touch $(LLM_STAMP)

install: $(STAMP)

install-llm: $(LLM_STAMP)

## Build the sample PDFs from their text sources (corpora/src -> corpora/pdf).
corpus: $(STAMP)
	$(PY) corpora/build_corpus.py

## Main job: set up, build the sample corpus, ingest it and run sample searches (FR and EN).
run: corpus
	$(VENV)/bin/maritime ingest corpora/pdf --index $(INDEX)
	$(VENV)/bin/maritime search "Quels feux balisent le Goulet de Brest ?" --index $(INDEX) --top-k 3
	$(VENV)/bin/maritime search "anchoring prohibited in the roadstead" --index $(INDEX) --top-k 3

lint: $(STAMP)
	$(VENV)/bin/ruff check maritime tests benchmarks corpora charts
	$(VENV)/bin/ruff format --check maritime tests benchmarks corpora charts

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Set up and run the whole test suite (lint, types, tests), llama.cpp tests included.
test: lint typecheck corpus $(LLM_STAMP)
	$(PY) -m pytest

bench: corpus
	$(PY) benchmarks/bench_publications.py

clean:
	rm -rf $(VENV) $(INDEX) corpora/pdf .mypy_cache .ruff_cache .pytest_cache
