"""The examples in docstrings are run, so they stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "maritime.store.analysis",
    "maritime.text",
    "maritime.store.glossary",
    "maritime.publications.language",
    "maritime.publications.convert",
    "maritime.publications.splitter",
    "maritime.llm.tokenization",
    "maritime.store.sqlite_store",
    "maritime.llm.backends",
    "maritime.llm.prompting",
    "maritime.answering.citations",
    "maritime.answering.query",
    "maritime.answering.extractive",
    "maritime.answering.chartfacts",
    "maritime.evaluation",
    "maritime.access",
    "maritime.app.auth",
    "maritime.netguard",
]


@pytest.mark.parametrize("name", MODULES, ids=MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
