"""`maritime eval` (--answers, --output, several files), questions with a place apart (near,
radius_nm), the sample chart question set checked against the cell, and the 'nothing relevant' rule,
on the sample data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pyproj import Geod

from maritime import Assistant
from maritime.cli import main
from maritime.enc.s57 import read_dataset
from maritime.errors import ConfigError
from maritime.evaluation import (
    EvalReport,
    evaluate_answers,
    evaluate_retrieval,
    load_question_files,
    load_questions,
    question_counts,
    repo_commit,
)
from tests.conftest import REPO
from tests.evaluation_support import unmatched_chart_expectations
from tests.llm.conftest import llama_cpp_module, tiny_gguf  # noqa: F401  (fixtures)

CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"
ORIGIN = (48 + 21.5 / 60, -4.55)  # 48°21,5'N 004°33,0'O
SAMPLE_QUESTIONS = REPO / "corpora" / "questions.yaml"
SAMPLE_CHART_QUESTIONS = REPO / "corpora" / "questions_charts.yaml"
REAL_QUESTIONS = REPO / "evaluation" / "real_data.yaml"


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, corpus_pdf_dir: Path) -> Path:
    folder = tmp_path_factory.mktemp("eval") / "index"
    report = Assistant.open(folder, embedder="none").ingest([corpus_pdf_dir, CELL])
    assert report.ingested and report.charts_ingested
    return folder


def _nearest_light(origin: tuple[float, float] = ORIGIN) -> tuple[float, float]:
    """The nearest LIGHTS feature to ``origin``, by brute force over the cell read directly."""
    frame, _ = read_dataset(CELL)
    lights = frame[frame["object_class"] == "LIGHTS"]
    geod = Geod(ellps="WGS84")
    best = min(
        lights.geometry,
        key=lambda g: geod.inv(origin[1], origin[0], g.x, g.y)[2],
    )
    return best.y, best.x


def _write(folder: Path, entries: list[dict[str, object]], name: str = "questions.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(entries, allow_unicode=True), encoding="utf-8")
    return path


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


# -- questions with the place apart from the text (near, radius_nm) ----------------------------------


def test_near_and_radius_reach_the_search(index: Path, tmp_path: Path) -> None:
    """Given together, near and radius_nm filter the passages by the positions written in them."""
    question = "Où peut-on mouiller en attendant la renverse du courant ?"
    expected = [{"source": "instructions_nautiques_brest.pdf", "page": 4, "section": "2.22"}]
    entries = [
        # 2.22 writes the anchorage 48°17,1' N - 004°35,2' W: found when the filter is around it ...
        {"id": "there", "question": question, "language": "fr", "expected": expected},
        # ... and not when it is around a place in Puget Sound, although the text is the same
        {"id": "elsewhere", "question": question, "language": "fr", "expected": expected},
        {"id": "anywhere", "question": question, "language": "fr", "expected": expected},
    ]
    entries[0] |= {"near": "48°17,1'N 004°35,2'O", "radius_nm": 0.5}
    entries[1] |= {"near": "47°16,6'N 122°23,0'W", "radius_nm": 0.5}
    questions = load_questions(_write(tmp_path, entries))
    assert [(q.near, q.radius_nm) for q in questions] == [
        ("48°17,1'N 004°35,2'O", 0.5),
        ("47°16,6'N 122°23,0'W", 0.5),
        (None, None),
    ]
    results = evaluate_retrieval(Assistant.open(index), questions, modes=("bm25",))
    result = next(r for r in results if r.subset == "all")
    assert result.misses == ["elsewhere"]
    assert result.recall_at_k == pytest.approx(2 / 3)


def test_near_reaches_the_answer(index: Path, tmp_path: Path) -> None:
    """A question that names no place is answered about ``near``; without it, no chart feature."""
    origin = (48 + 17.0 / 60, -(4 + 37.0 / 60))  # 48°17,0'N 004°37,0'O, off Camaret
    lat, lon = _nearest_light(origin)
    entry = {
        "question": "Quel est le feu le plus proche ?",
        "language": "fr",
        "expected_chart": [{"class": "LIGHTS", "lat": lat, "lon": lon}],
    }
    placed = {"id": "placed", "near": "48°17,0'N 004°37,0'O"} | entry
    unplaced = {"id": "unplaced"} | entry
    asst = Assistant.open(index)
    with_near = evaluate_answers(asst, load_questions(_write(tmp_path, [placed], "placed.yaml")))
    assert with_near.chart_recall == 1.0 and with_near.chart_precision == 1.0
    without = evaluate_answers(asst, load_questions(_write(tmp_path, [unplaced], "unplaced.yaml")))
    assert without.chart_recall == 0.0 and without.failures["chart"] == ["unplaced"]


@pytest.mark.parametrize(
    ("place", "message"),
    [
        ({"near": "somewhere nice"}, "not a position"),
        ({"near": "48°17,0'N 004°37,0'O", "radius_nm": -1}, "positive number"),
        ({"near": "48°17,0'N 004°37,0'O", "radius_nm": "two"}, "positive number"),
        ({"radius_nm": 2}, "needs near"),
    ],
    ids=["bad-position", "negative-radius", "text-radius", "radius-alone"],
)
def test_bad_place_names_the_file_and_entry(tmp_path: Path, place: dict[str, object], message: str) -> None:
    entries = [
        {"id": "ok", "question": "Quel est le feu le plus proche ?", "language": "fr"},
        {"id": "bad", "question": "Quel est le feu le plus proche ?", "language": "fr", **place},
    ]
    path = _write(tmp_path, entries)
    with pytest.raises(ConfigError, match=message) as err:
        load_questions(path)
    assert f"{path}: question 2" in str(err.value)


def test_an_id_in_two_files_is_an_error(tmp_path: Path) -> None:
    entry = {"id": "q1", "question": "Quel est le feu le plus proche ?", "language": "fr"}
    first = _write(tmp_path, [entry], "a.yaml")
    second = _write(tmp_path, [entry], "b.yaml")
    assert [q.id for q in load_question_files([first])] == ["q1"]
    with pytest.raises(ConfigError, match="q1"):
        load_question_files([first, second])


# -- eval --output ------------------------------------------------------------------------------------


def test_eval_output_writes_json_and_markdown(index: Path, questions: Path, tmp_path: Path) -> None:
    base = tmp_path / "results" / "run"
    out = CliRunner().invoke(
        main,
        [
            "eval",
            str(questions),
            "--index",
            str(index),
            "--modes",
            "bm25",
            "--answers",
            "--output",
            str(base),
        ],
    )
    assert out.exit_code == 0, out.output
    # the printed tables are still there, and say where the files went
    assert "| mode | questions | n | recall@5 |" in out.output and "\nAnswers\n" in out.output
    assert f"wrote {base}.json" in out.output and f"wrote {base}.md" in out.output

    payload = json.loads((tmp_path / "results" / "run.json").read_text(encoding="utf-8"))
    assert payload["questions_files"] == [str(questions)]
    assert re.fullmatch(r"[0-9a-f]{40}|unknown", payload["commit"])
    assert payload["commit"] == repo_commit()
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", payload["date"])
    assert payload["embedder"] == "none"  # the fixture's index is BM25 only
    assert payload["backend"] == "none (extractive)" and payload["answer_mode"] == "extractive"
    assert payload["counts"] == {
        "total": 4,
        "fr": 3,
        "en": 1,
        "cross_lingual": 0,
        "retrieval": 1,
        "chart": 1,
        "no_answer": 2,
        "key_facts": 1,
        "near": 0,
    }
    assert [(r["mode"], r["subset"], r["n"]) for r in payload["retrieval"]] == [
        ("bm25", "all", 1),
        ("bm25", "same-language", 1),
    ]
    assert payload["answers"]["refusal_accuracy"] == 1.0 and payload["answers"]["chart_recall"] == 1.0

    markdown = (tmp_path / "results" / "run.md").read_text(encoding="utf-8")
    assert f"commit: `{payload['commit']}`" in markdown
    assert "4 (3 fr, 1 en, 0 cross-lingual)" in markdown
    assert "| mode | questions | n | recall@5 | MRR@10 | p50 ms | p95 ms |" in markdown
    assert "| bm25 | all | 1 | 1.000 |" in markdown
    assert "| questions | mode | language | key facts | citation precision | refusals |" in markdown
    assert "| 4 | extractive | 1.000 | 1.000 |" in markdown


def test_eval_evaluates_the_configured_local_model(
    index: Path,
    questions: Path,
    tiny_gguf: Path,  # noqa: F811
    llama_cpp_module: object,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """With a local model configured the same command asks it: the report names it and says llm."""
    monkeypatch.setenv("MARITIME_GGUF", str(tiny_gguf))
    for name in ("MARITIME_LLM_URL", "MARITIME_LLM_MODEL"):
        monkeypatch.delenv(name, raising=False)
    out = CliRunner().invoke(
        main, ["eval", str(questions), "--index", str(index), "--modes", "bm25", "--answers", "--json"]
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.stdout)
    assert str(tiny_gguf) in payload["backend"] and "llama.cpp" in payload["backend"]
    assert payload["answer_mode"] == "llm"
    answers = payload["answers"]
    assert answers["models"] and all(str(tiny_gguf) in m for m in answers["models"])
    assert answers["n"] == payload["counts"]["total"] and answers["p50_ms"] > 0


def test_eval_takes_several_files(index: Path, questions: Path, tmp_path: Path) -> None:
    extra = _write(
        tmp_path,
        [{"id": "more", "question": "Qui a peint la Joconde ?", "language": "fr", "no_answer": True}],
        "more.yaml",
    )
    out = CliRunner().invoke(
        main,
        ["eval", str(questions), str(extra), "--index", str(index), "--modes", "bm25", "--answers", "--json"],
    )
    assert out.exit_code == 0, out.output
    payload = json.loads(out.output)
    assert payload["questions_files"] == [str(questions), str(extra)]
    assert payload["counts"]["total"] == 5 and payload["counts"]["no_answer"] == 3
    assert payload["answers"]["n"] == 5 and payload["answers"]["refusal_accuracy"] == 1.0


def test_report_suffix_is_dropped(tmp_path: Path) -> None:
    report = EvalReport.create([Path("q.yaml")], [], [], None, embedder=None, index=tmp_path, backend="x")
    json_path, md_path = report.write(tmp_path / "out.json")
    assert (json_path.name, md_path.name) == ("out.json", "out.md")
    assert json.loads(json_path.read_text(encoding="utf-8"))["answers"] is None


# -- repo_commit reads .git without git -----------------------------------------------------------------

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"HEAD": "ref: refs/heads/main\n", "refs/heads/main": SHA + "\n"}, SHA),
        ({"HEAD": "ref: refs/heads/main\n", "packed-refs": f"# pack-refs\n{SHA} refs/heads/main\n"}, SHA),
        ({"HEAD": SHA + "\n"}, SHA),
        ({"HEAD": "ref: refs/heads/gone\n"}, "unknown"),
    ],
    ids=["loose-ref", "packed-ref", "detached", "missing-ref"],
)
def test_repo_commit(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    for name, text in files.items():
        target = tmp_path / "repo" / ".git" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    inside = tmp_path / "repo" / "maritime" / "evaluation.py"
    assert repo_commit(inside) == expected


def test_repo_commit_of_a_linked_worktree(tmp_path: Path) -> None:
    common = tmp_path / "main" / ".git"
    (common / "refs" / "heads").mkdir(parents=True)
    (common / "refs" / "heads" / "topic").write_text(SHA + "\n", encoding="utf-8")
    private = common / "worktrees" / "wt"
    private.mkdir(parents=True)
    (private / "HEAD").write_text("ref: refs/heads/topic\n", encoding="utf-8")
    (private / "commondir").write_text("../..\n", encoding="utf-8")
    (tmp_path / "wt").mkdir()
    (tmp_path / "wt" / ".git").write_text(f"gitdir: {private}\n", encoding="utf-8")
    assert repo_commit(tmp_path / "wt" / "x.py") == SHA


# -- the question sets: balance, and the sample chart questions against the cell ----------------------


def test_question_sets_are_balanced() -> None:
    """>= 80 questions over the sample and real-data sets, half French, a quarter cross-lingual."""
    counts = question_counts(load_question_files([SAMPLE_QUESTIONS, SAMPLE_CHART_QUESTIONS, REAL_QUESTIONS]))
    assert counts["total"] >= 80
    assert abs(counts["fr"] - counts["en"]) <= 2 and counts["fr"] + counts["en"] == counts["total"]
    assert 4 * counts["cross_lingual"] >= counts["total"]
    real = question_counts(load_questions(REAL_QUESTIONS))
    assert (
        real["fr"] == real["en"]
        and real["chart"] >= 15
        and real["retrieval"] >= 20
        and real["no_answer"] >= 1
    )


def test_sample_chart_questions_match_the_cell() -> None:
    questions = load_questions(SAMPLE_CHART_QUESTIONS)
    assert sum(bool(q.expected_chart) for q in questions) >= 15
    assert unmatched_chart_expectations(SAMPLE_CHART_QUESTIONS, [CELL]) == []


def test_sample_chart_questions_are_answered(index: Path) -> None:
    """Floors under the figures in docs/evaluation.md (chart recall 1.000, precision 0.900)."""
    result = evaluate_answers(Assistant.open(index), load_questions(SAMPLE_CHART_QUESTIONS))
    assert result.mode == "extractive" and result.language_accuracy == 1.0
    assert result.refusal_accuracy == 1.0
    assert result.chart_recall is not None and result.chart_recall >= 0.9
    assert result.chart_precision is not None and result.chart_precision >= 0.8
    assert result.key_fact_accuracy is not None and result.key_fact_accuracy >= 0.85
