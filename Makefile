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

# Test extras: llama-cpp-python is built from source (several minutes the first time; pip caches
# the wheel), hayhooks serves the ask pipeline.
$(LLM_STAMP): $(STAMP)
	CMAKE_ARGS="-DGGML_NATIVE=OFF" CMAKE_BUILD_PARALLEL_LEVEL=2 $(PY) -m pip install --quiet -e '.[dev,llm,serve]'
	touch $(LLM_STAMP)

install: $(STAMP)

install-llm: $(LLM_STAMP)

## Build the sample PDFs from their text sources (corpora/src -> corpora/pdf).
corpus: $(STAMP)
	$(PY) corpora/build_corpus.py

## Main job: set up, build the sample corpus, ingest it with the sample chart, then start the web app
## on http://127.0.0.1:7860 (Ctrl+C stops it).
run: corpus
	$(VENV)/bin/maritime ingest corpora/pdf charts/FR_BREST_SAMPLE.000 --index $(INDEX)
	$(VENV)/bin/maritime app --index $(INDEX)

## Regenerate pipelines/*.yaml from the Python builders (a test fails when they drift).
pipelines: $(STAMP)
	$(PY) -m maritime.pipelines pipelines

lint: $(STAMP)
	$(VENV)/bin/ruff check maritime tests benchmarks corpora charts hayhooks notebooks
	$(VENV)/bin/ruff format --check maritime tests benchmarks corpora charts hayhooks notebooks

typecheck: $(STAMP)
	$(VENV)/bin/mypy

## Set up and run the whole test suite (lint, types, tests), llama.cpp tests included.
test: lint typecheck corpus $(LLM_STAMP)
	$(PY) -m pytest

bench: corpus
	$(PY) benchmarks/bench_publications.py

clean:
	rm -rf $(VENV) $(INDEX) corpora/pdf .mypy_cache .ruff_cache .pytest_cache
