"""``maritime ask``: JSON on the contract, GeoJSON and PNG maps, plain text, one-line errors."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from maritime.cli import main

from .conftest import INDEX_ENV, MODEL_ENV, QUERY_LAT, QUERY_LON, QUERY_POS_FR, ranked_features

QUESTION = f"Quel est le feu le plus proche de {QUERY_POS_FR} ?"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _ask(index: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    """Run ``maritime ask``; no model is configured unless ``env`` sets one."""
    unset: dict[str, str | None] = dict.fromkeys((*MODEL_ENV, *INDEX_ENV))
    return CliRunner().invoke(
        main, ["ask", *args, "--index", str(index)], env={**unset, **(env or {})}, catch_exceptions=False
    )


@pytest.fixture(scope="module")
def json_run(ask_index: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One ``maritime ask --json --geojson F --map F.png`` run, shared by the checks below."""
    out = tmp_path_factory.mktemp("cli-ask")
    geojson_path, map_path = out / "answer.geojson", out / "answer.png"
    result = _ask(ask_index, QUESTION, "--json", "--geojson", str(geojson_path), "--map", str(map_path))
    assert result.exit_code == 0, result.output
    return {"result": result, "geojson": geojson_path, "map": map_path}


def test_json_output_is_the_answer_contract(json_run: dict[str, Any], validate_answer: Any) -> None:
    result = json_run["result"]
    data = json.loads(result.stdout)  # the whole of stdout is the JSON document
    validate_answer(data)
    nearest = ranked_features("LIGHTS", QUERY_LAT, QUERY_LON)[0]
    assert data["question"] == QUESTION
    assert (data["language"], data["mode"], data["model"]) == ("fr", "extractive", None)
    assert [f["id"] for f in data["chart_features"]] == ["C1"]
    feature = data["chart_features"][0]
    assert (feature["object_class"], feature["cell"], feature["feature_id"]) == (
        "LIGHTS",
        "FR_BREST_SAMPLE",
        nearest.lnam,
    )
    assert feature["distance_nm"] == pytest.approx(nearest.distance_nm, abs=1e-3)
    assert "[C1]" in data["answer"]
    assert data["citations"] and all(f"[{c['id']}]" in data["answer"] for c in data["citations"])
    assert any("aucun modèle" in w for w in data["warnings"])


def test_geojson_file_holds_the_markers(json_run: dict[str, Any]) -> None:
    data = json.loads(json_run["result"].stdout)
    collection = json.loads(json_run["geojson"].read_text(encoding="utf-8"))
    assert collection == data["geojson"]
    assert collection["type"] == "FeatureCollection"
    by_role: dict[str, list[dict[str, Any]]] = {}
    for feature in collection["features"]:
        assert feature["type"] == "Feature"
        by_role.setdefault(feature["properties"]["role"], []).append(feature)
    [query] = by_role["query"]
    assert query["geometry"] == {"type": "Point", "coordinates": pytest.approx([QUERY_LON, QUERY_LAT])}
    charted = by_role["chart_feature"]
    assert [f["properties"]["id"] for f in charted] == [f["id"] for f in data["chart_features"]] == ["C1"]
    light = data["chart_features"][0]
    assert charted[0]["geometry"]["coordinates"] == pytest.approx([light["lon"], light["lat"]])
    assert charted[0]["properties"]["object_class"] == "LIGHTS"
    cited = {f["properties"]["id"] for f in by_role.get("citation", [])}
    assert cited <= {c["id"] for c in data["citations"]}


def test_map_file_is_a_drawn_png(json_run: dict[str, Any]) -> None:
    image_module = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    path: Path = json_run["map"]
    raw = path.read_bytes()
    assert raw[:8] == PNG_SIGNATURE
    assert len(raw) > 10_000
    with image_module.open(path) as image:
        rgb = image.convert("RGB")
        assert min(rgb.size) >= 300
        colours = rgb.getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 10
    # No single colour fills the picture.
    assert max(count for count, _ in colours) < 0.9 * rgb.size[0] * rgb.size[1]


def test_text_output_lists_sources_after_the_answer(ask_index: Path, json_run: dict[str, Any]) -> None:
    data = json.loads(json_run["result"].stdout)
    result = _ask(ask_index, QUESTION)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == data["answer"]
    refs = lines[1:]
    citation_lines = [line for line in refs if re.match(r"^\[\d+\] ", line)]
    chart_lines = [line for line in refs if line.startswith("[C")]
    assert citation_lines + chart_lines == refs
    assert len(citation_lines) == len(data["citations"]) >= 1
    for line, citation in zip(citation_lines, data["citations"], strict=True):
        expected = f"[{citation['id']}] {citation['source']}"
        if citation["page"]:
            expected += f", p. {citation['page']}"
        assert line.startswith(expected)
        assert re.match(r"^\[\d+\] \S+\.(pdf|md|txt|html), p\. \d+", line) or not citation["page"]
    feature = data["chart_features"][0]
    assert chart_lines == [f"[C1] feu Charles Martel (FR_BREST_SAMPLE, {feature['feature_id']})"]
    assert "mode: extractive." in result.stderr
    assert "Not for navigation" in result.stderr
    assert "warning: Réponse extractive : aucun modèle local configuré." in result.stderr


def test_a_configured_gguf_streams_the_answer(
    ask_index: Path, tiny_gguf: Path, llama_cpp_module: Any
) -> None:
    result = _ask(ask_index, QUESTION, env={"MARITIME_GGUF": str(tiny_gguf)})
    assert result.exit_code == 0, result.output
    assert result.stdout.strip()
    assert f"mode: llm (llama.cpp:{tiny_gguf})." in result.stderr
    assert "La réponse ne cite aucune source." in result.stderr


@pytest.mark.parametrize(
    ("question", "message"),
    [
        ("", "Error: empty question: type a question"),
        ("   ", "Error: empty question: type a question"),
        ("\t\n", "Error: empty question: type a question"),
        ("x" * 4001, "Error: question too long (4001 characters, at most 4000)"),
    ],
    ids=["empty", "spaces", "whitespace", "too-long"],
)
def test_a_bad_question_fails_with_one_line(ask_index: Path, question: str, message: str) -> None:
    result = CliRunner().invoke(main, ["ask", question, "--index", str(ask_index)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    assert result.stdout == ""
    assert result.stderr.splitlines() == [message]
    assert "Traceback" not in result.output


def test_console_command_prints_everything_before_its_fast_exit(ask_index: Path) -> None:
    """The installed command ends read-only commands with os._exit: nothing printed may be lost."""
    import json
    import subprocess
    import sys

    code = "import sys; from maritime.cli import entry; sys.argv = ['maritime', *sys.argv[1:]]; entry()"
    question = "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?"
    out = subprocess.run(
        [sys.executable, "-c", code, "ask", question, "--index", str(ask_index), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    answer = json.loads(out.stdout)  # the whole JSON document arrived
    assert answer["mode"] == "extractive" and answer["chart_features"]
    text = subprocess.run(
        [sys.executable, "-c", code, "ask", question, "--index", str(ask_index)],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "[C1]" in text.stdout and "Not for navigation" in text.stderr
