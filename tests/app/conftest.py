"""Fixtures of the web app tests: an index of the sample corpus and chart, the chart's ground truth read
straight from the S-57 cell, a running app on a free loopback port, and headless Chromium.

Expected values never come from the code under test: nearest lights and wrecks within a radius are
computed here with ``pyproj.Geod`` over the cell's own features.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pyproj import Geod

from maritime import Assistant
from maritime.netguard import free_loopback_port

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
#: Without the last flag Chromium itself calls a Google host; the others keep it from phoning home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=AutofillServerCommunication",
]
#: Environment that would make answers come from a local model, or the app ask for a login.
MODEL_ENV = ("MARITIME_LLM_URL", "MARITIME_LLM_MODEL", "MARITIME_GGUF", "MARITIME_APP_AUTH_FILE")
#: The publication the upload tests leave out of their starting index and then upload.
UPLOADED_PDF = "avis_epave_rade_brest.pdf"

FR_QUESTION = "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?"
FR_POSITION = (48 + 21.5 / 60, -(4 + 33.0 / 60))
EN_QUESTION = "Which wrecks are within 3 NM of 48°20'N 4°32'W?"
EN_POSITION = (48 + 20 / 60, -(4 + 32 / 60))
EN_RADIUS_NM = 3.0

GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class ChartTruth:
    """Point features of the sample cell, by class: (feature_id, lat, lon, name, national_name)."""

    points: dict[str, list[tuple[str, float, float, str | None, str | None]]]

    def ranked(self, lat: float, lon: float, acronym: str) -> list[tuple[float, str]]:
        out = []
        for fid, flat, flon, _, _ in self.points.get(acronym, []):
            _, _, metres = GEOD.inv(lon, lat, flon, flat)
            out.append((metres / 1852.0, fid))
        return sorted(out)

    def nearest_ids(self, lat: float, lon: float, acronym: str) -> set[str]:
        ranked = self.ranked(lat, lon, acronym)
        return {fid for d, fid in ranked if d <= ranked[0][0] + 1e-9}

    def within_ids(self, lat: float, lon: float, radius_nm: float, acronym: str) -> set[str]:
        return {fid for d, fid in self.ranked(lat, lon, acronym) if d <= radius_nm}


@pytest.fixture(scope="session")
def chart_truth() -> ChartTruth:
    from maritime.enc.s57 import read_dataset

    frame, _ = read_dataset(SAMPLE_CELL)
    points: dict[str, list[tuple[str, float, float, str | None, str | None]]] = {}
    for _, row in frame.iterrows():
        if row.geometry is None or row.geometry.geom_type != "Point":
            continue
        name = row["name"] if isinstance(row["name"], str) else None
        national = row["national_name"] if isinstance(row["national_name"], str) else None
        points.setdefault(str(row["object_class"]), []).append(
            (str(row["feature_id"]), float(row.geometry.y), float(row.geometry.x), name, national)
        )
    return ChartTruth(points)


@pytest.fixture(scope="session")
def no_model_env() -> Iterator[None]:
    """Extractive answers and no login, whatever the caller's environment says."""
    with pytest.MonkeyPatch.context() as mp:
        for name in MODEL_ENV:
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def asst(
    tmp_path_factory: pytest.TempPathFactory, corpus_pdf_dir: Path, no_model_env: None
) -> Iterator[Assistant]:
    """One index per session: the sample corpus and chart, BM25 only."""
    assistant = Assistant.open(tmp_path_factory.mktemp("app-index"), embedder="none")
    report = assistant.ingest([corpus_pdf_dir, SAMPLE_CELL])
    assert [cell for cell, _ in report.charts_ingested] == ["FR_BREST_SAMPLE"], report.summary()
    assert report.ingested and not report.skipped, report.summary()
    yield assistant
    assistant.close()


@pytest.fixture()
def partial_asst(tmp_path: Path, corpus_pdf_dir: Path, no_model_env: None) -> Iterator[Assistant]:
    """An index of the sample corpus without one publication and without the chart: upload fodder."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for pdf in sorted(corpus_pdf_dir.glob("*.pdf")):
        if pdf.name != UPLOADED_PDF:
            shutil.copy(pdf, corpus / pdf.name)
    assistant = Assistant.open(tmp_path / "index", embedder="none")
    report = assistant.ingest([corpus])
    assert report.ingested and not report.skipped and not report.charts_ingested, report.summary()
    yield assistant
    assistant.close()


#: The ask endpoint's inputs besides the question, as the page sends them with no filter set.
ASK_DEFAULTS: dict[str, Any] = {
    "history": [],
    "area": "none",
    "position": "",
    "radius_nm": 3,
    "bbox": "",
    "doc_language": "any",
    "doc_type": "any",
    "answer_language": "auto",
    "top_k": 5,
}


def api_ask(client: Any, question: str, **filters: Any) -> tuple:
    """Ask through the app's API (``/ask``) as the page does, with ``filters`` over the defaults."""
    return client.predict(question=question, api_name="/ask", **{**ASK_DEFAULTS, **filters})


@contextlib.contextmanager
def running(app: Any) -> Iterator[str]:
    """Launch ``app`` without blocking on a free loopback port; yield its URL; close it."""
    port = free_loopback_port()
    app.launch(server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        app.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (no browser download)."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    if not CHROMIUM.is_file():
        pytest.skip(f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
