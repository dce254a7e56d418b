"""`maritime eval --answers` and the 'nothing relevant' rule, on the sample data."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pyproj import Geod

from maritime import Assistant
from maritime.cli import main
from maritime.enc.s57 import read_dataset
from maritime.evaluation import evaluate_answers, load_questions
from tests.conftest import REPO

CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"
ORIGIN = (48 + 21.5 / 60, -4.55)  # 48°21,5'N 004°33,0'O


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus_pdf_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("eval") / "index"
    report = Assistant.open(folder, embedder="none").ingest([corpus_pdf_dir, CELL])
    assert report.ingested and report.charts_ingested
    return folder


def _nearest_light() -> tuple[float, float]:
    """The nearest LIGHTS feature to ORIGIN, by brute force over the cell read directly."""
    frame, _ = read_dataset(CELL)
    lights = frame[frame["object_class"] == "LIGHTS"]
    geod = Geod(ellps="WGS84")
    best = min(
        lights.geometry,
        key=lambda g: geod.inv(ORIGIN[1], ORIGIN[0], g.x, g.y)[2],
    )
    return best.y, best.x


@pytest.fixture(scope="module")
def questions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    lat, lon = _nearest_light()
    entries = [
        {
            "id": "doc-fr",
            "question": "Quelle est la vitesse maximale dans la Rade-abri ?",
            "language": "fr",
            "expected": [{"source": "instructions_nautiques_brest.pdf", "page": 4, "section": "2.21"}],
            "key_facts": ["6 nœuds"],
        },
        {
            "id": "chart-fr",
            "question": "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?",
            "language": "fr",
            "expected_chart": [{"class": "LIGHTS", "lat": lat, "lon": lon}],
        },
        {
            "id": "none-en",
            "question": "Who won the football world cup in 1998?",
            "language": "en",
            "no_answer": True,
        },
        {
            "id": "none-fr",
            "question": "Quelle est la recette de la galette bretonne ?",
            "language": "fr",
            "no_answer": True,
        },
    ]
    path = tmp_path_factory.mktemp("q") / "questions.yaml"
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path


def test_answer_metrics(index: Path, questions: Path) -> None:
    result = evaluate_answers(Assistant.open(index), load_questions(questions))
    assert result.n == 4 and result.mode == "extractive"
    assert result.language_accuracy == 1.0
    assert result.key_fact_accuracy == 1.0
    assert result.refusal_accuracy == 1.0
    assert result.chart_recall == 1.0 and result.chart_precision == 1.0
    assert result.citation_precision is not None and result.citation_precision > 0
    assert result.failures == {}


def test_eval_cli_json_with_answers(index: Path, questions: Path) -> None:
    out = CliRunner().invoke(
        main, ["eval", str(questions), "--index", str(index), "--modes", "bm25", "--answers", "--json"]
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["answers"]["refusal_accuracy"] == 1.0
    assert [r["mode"] for r in payload["retrieval"]] == ["bm25", "bm25"]  # all + same-language subsets


@pytest.mark.parametrize(
    ("question", "language"),
    [
        ("What is the price of diesel fuel in Reykjavik harbour?", "en"),
        ("Quel temps fera-t-il demain à Paris ?", "fr"),
    ],
    ids=["off-topic-en", "off-topic-fr"],
)
def test_nothing_relevant_cites_nothing(index: Path, question: str, language: str) -> None:
    answer = Assistant.open(index).ask(question)
    assert answer.language == language
    assert answer.citations == [] and answer.chart_features == []
    assert any("source" in w.lower() for w in answer.warnings)
