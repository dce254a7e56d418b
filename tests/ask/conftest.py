"""Fixtures for the question-answering tests: one sample index per session, the tiny GGUF, a server.

The index holds the sample corpus (``corpora/pdf``) and the sample chart cell, ingested once with
``embedder="none"`` (BM25 only): the ask pipeline is exercised on real passages and real chart features.
The local-model fixtures come from ``tests/llm/conftest.py`` (a tiny random-weight Mistral GGUF and
``python -m llama_cpp.server``); they skip with the reason when llama-cpp-python or gguf is missing.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.llm.conftest import (  # noqa: F401  (fixtures re-exported for tests/ask)
    closed_port_url,
    llama_cpp_module,
    serve_gguf,
    tiny_gguf,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"
ANSWER_SCHEMA = (REPO / ".." / "shared" / "contracts" / "answer.schema.json").resolve()

#: Environment that would make an Assistant talk to a model or change the index: unset in every test.
MODEL_ENV = (
    "MARITIME_LLM_URL",
    "MARITIME_LLM_MODEL",
    "MARITIME_LLM_API_KEY",
    "MARITIME_GGUF",
    "MARITIME_TOKENIZER",
)
INDEX_ENV = ("MARITIME_EMBEDDER", "MARITIME_INDEX")

#: 48°21,5'N 004°33,0'O, at the mouth of the Rade de Brest (decimal degrees).
QUERY_LAT = 48 + 21.5 / 60
QUERY_LON = -(4 + 33.0 / 60)
QUERY_POS_FR = "48°21,5'N 004°33,0'O"
QUERY_POS_EN = "48°21.5'N 004°33.0'W"


@pytest.fixture(autouse=True)
def _no_model_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extractive answers unless a test configures a model itself; never the user's index."""
    for name in (*MODEL_ENV, *INDEX_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def ask_index(tmp_path_factory: pytest.TempPathFactory, corpus_pdf_dir: Path) -> Path:
    """The session's index: the sample corpus and the sample cell, BM25 only (built once)."""
    from maritime import Assistant

    folder = tmp_path_factory.mktemp("ask-index")
    asst = Assistant.open(folder, embedder="none")
    try:
        report = asst.ingest([corpus_pdf_dir, SAMPLE_CELL])
    finally:
        asst.close()
    assert [c for c, _ in report.charts_ingested] == ["FR_BREST_SAMPLE"], report.summary()
    assert len(report.ingested) >= 6 and not report.skipped, report.summary()
    return folder


# --- the answer contract --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def validate_answer() -> Callable[[dict[str, Any]], None]:
    """Validate an ``Answer.to_dict()`` against ../shared/contracts/answer.schema.json (or skip)."""
    jsonschema = pytest.importorskip(
        "jsonschema", reason="jsonschema is not installed (pip install '.[dev]')"
    )
    if not ANSWER_SCHEMA.is_file():
        pytest.skip(f"answer contract not found at {ANSWER_SCHEMA} (../shared is not in this checkout)")
    schema = json.loads(ANSWER_SCHEMA.read_text(encoding="utf-8"))
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)

    def validate(data: dict[str, Any]) -> None:
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.path))
        assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors)

    return validate


# --- independent chart truth (pyogrio + pyproj, not the ChartStore) -------------------------------------


@dataclass(frozen=True)
class CellFeature:
    """A feature of the sample cell as GDAL reads it, with its geodesic distance from a position."""

    lnam: str
    name: str | None
    lat: float
    lon: float
    distance_nm: float
    bearing_deg: float


def ranked_features(layer: str, lat: float, lon: float) -> list[CellFeature]:
    """Point features of ``layer`` in the sample cell, nearest first (WGS84 ellipsoid, 1852 m)."""
    import math

    import pyogrio
    from pyproj import Geod

    frame = pyogrio.read_dataframe(SAMPLE_CELL, layer=layer)
    geod = Geod(ellps="WGS84")
    out = []
    for _, row in frame.iterrows():
        point = row.geometry
        azimuth, _, metres = geod.inv(lon, lat, point.x, point.y)
        name = row.get("OBJNAM")
        out.append(
            CellFeature(
                lnam=str(row["LNAM"]),
                name=name if isinstance(name, str) and name else None,
                lat=float(point.y),
                lon=float(point.x),
                distance_nm=metres / 1852.0,
                bearing_deg=math.fmod(azimuth + 360.0, 360.0),
            )
        )
    return sorted(out, key=lambda f: (f.distance_nm, f.lnam))


# --- an OpenAI-compatible server big enough for a real prompt ---------------------------------------------


@pytest.fixture(scope="session")
def ask_llama_server(
    tiny_gguf: Path,  # noqa: F811
    llama_cpp_module: Any,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[str]:
    """``python -m llama_cpp.server`` with the tiny GGUF on a free loopback port; yields its ``/v1`` URL.

    Same command as ``tests/llm``'s ``llama_server`` but with a 4096-token context: that one has 512,
    and a real ask prompt (system rules, chart facts, passages) needs about 1500 tokens.
    """
    yield from serve_gguf(tiny_gguf, n_ctx=4096, log_dir=tmp_path_factory.mktemp("ask-llama-server"))
