"""Fixtures of the robustness tests.

``sandbox`` gives each test the same small index (two publications and the sample chart) at the same
absolute paths, restored from a pristine copy before the test: the index records the absolute path of
every file, so that a test can overwrite an indexed file with a bad version of it and check that the
index still serves what it served before.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from maritime import Assistant

from .helpers import SAMPLE_CELL, Snapshot, snapshot, write_text_pdf
from .library import Library, build_library

LLM_ENV = ("MARITIME_LLM_URL", "MARITIME_LLM_MODEL", "MARITIME_GGUF", "MARITIME_INDEX", "MARITIME_EMBEDDER")

PORTZIC_PAGES = [
    [
        "2.1 Le feu du Portzic (48°21,5' N - 004°32,0' O) éclaire le Goulet de Brest. Le mouillage y est "
        "interdit à moins de 2 encablures du feu.",
        "2.2 Les courants atteignent 4 nœuds en vives-eaux dans le Goulet ; la vitesse est limitée à "
        "12 nœuds en rade de Brest.",
    ],
    [
        "2.3 Le feu de Kermorvan marque l'entrée du chenal du Four ; la bouée des Fillettes balise le "
        "plateau au sud du Goulet.",
    ],
]
NOTES_MD = """# Notes de passage

## Rade de Brest

3.1 The Portzic light is a white tower on the north shore of the Goulet.

3.2 Anchoring is prohibited in the fairway of the Goulet de Brest.
"""


@dataclass(frozen=True)
class Sandbox:
    root: Path
    index: Path
    pubs: Path
    cell: Path
    #: What the pristine index serves.
    before: Snapshot

    @property
    def outside(self) -> Path:
        """A folder beside the ingested ones (targets of symbolic links)."""
        return self.root / "outside"


@pytest.fixture(autouse=True)
def _no_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def _sandbox_root(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot]:
    root = tmp_path_factory.mktemp("robustness-sandbox")
    pubs = root / "pubs"
    write_text_pdf(pubs / "avis_portzic.pdf", PORTZIC_PAGES, title="Avis Goulet de Brest")
    (pubs / "notes.md").write_text(NOTES_MD, encoding="utf-8")
    (root / "charts").mkdir()
    shutil.copy2(SAMPLE_CELL, root / "charts" / SAMPLE_CELL.name)
    (root / "outside").mkdir()
    asst = Assistant.open(root / "index", embedder="none")
    report = asst.ingest([pubs, root / "charts" / SAMPLE_CELL.name], embed=False, workers=1)
    asst.close()
    assert len(report.ingested) == 2 and report.charts_ingested and not report.skipped, report
    for name in ("pubs", "charts", "index", "outside"):
        shutil.copytree(root / name, root / f"{name}.pristine", symlinks=True)
    before = snapshot(root / "index")
    assert before.documents > 0 and before.search and before.datasets
    return root, before


@pytest.fixture
def sandbox(_sandbox_root: tuple[Path, Snapshot]) -> Iterator[Sandbox]:
    root, before = _sandbox_root
    for name in ("pubs", "charts", "index", "outside"):
        shutil.rmtree(root / name, ignore_errors=True)
        shutil.copytree(root / f"{name}.pristine", root / name, symlinks=True)
    yield Sandbox(root, root / "index", root / "pubs", root / "charts" / SAMPLE_CELL.name, before)


@pytest.fixture(scope="session")
def library(tmp_path_factory: pytest.TempPathFactory) -> Library:
    """Six publications in versions A and B, and a clean index of each (see :mod:`.library`)."""
    return build_library(tmp_path_factory.mktemp("library"))
