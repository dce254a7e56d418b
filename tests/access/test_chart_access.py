"""Access control inside the chart store: datasets, features, the overlap of cells and place names."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from maritime import Assistant
from maritime.enc.store import ChartStore
from maritime.errors import ChartQueryError
from maritime.geo.coordinates import Position

from .conftest import SAMPLE_CELL, TRIDENT_CELL, TRIDENT_LIGHT, TRIDENT_WRECK, Indexes

QUERY = Position(48 + 21.5 / 60, -(4 + 33.0 / 60))


def _ids(frame: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(frame["cell"], frame["feature_id"], strict=True))


def test_a_public_view_of_the_charts_is_that_of_a_store_without_the_restricted_dataset(
    indexes: Indexes,
) -> None:
    mixed = indexes.mixed.charts_for("public")
    alone = indexes.public_only.charts_for("public")
    assert [m.cell for m in mixed.datasets()] == [m.cell for m in alone.datasets()] == ["FR_BREST_SAMPLE"]
    assert len(mixed) == len(alone)
    with pytest.raises(ChartQueryError, match="no dataset 'FR_TRIDENT'"):
        mixed.dataset_info(TRIDENT_CELL)
    for position in (QUERY, Position(*TRIDENT_LIGHT), Position(*TRIDENT_WRECK)):
        # The restricted dataset is more detailed where it covers: it must not hide the public one there.
        assert _ids(mixed.nearest(position, n=3, classes=["LIGHTS"])) == _ids(
            alone.nearest(position, n=3, classes=["LIGHTS"])
        )
        assert _ids(mixed.within(position, 3.0)) == _ids(alone.within(position, 3.0))
        assert _ids(mixed.containing(position)) == _ids(alone.containing(position))
        assert mixed.within(position, 3.0).attrs["answered_by"] == ["FR_BREST_SAMPLE"]
    assert _ids(mixed.features()) == _ids(alone.features())
    assert _ids(mixed.visible_lights(QUERY)) == _ids(alone.visible_lights(QUERY))
    for name in ("Trident", "Narval", "Feu Trident", "Épave Narval"):
        hits = mixed.gazetteer.lookup(name)
        assert hits == alone.gazetteer.lookup(name) and all(h.cell != TRIDENT_CELL for h in hits), name
    assert len(mixed.gazetteer) == len(alone.gazetteer)


def test_a_restricted_view_sees_the_restricted_dataset_and_its_names(indexes: Indexes) -> None:
    charts = indexes.mixed.charts_for("restricted")
    assert {m.cell for m in charts.datasets()} == {"FR_BREST_SAMPLE", TRIDENT_CELL}
    assert charts.dataset_info(TRIDENT_CELL)["marking"] == "restricted"
    nearest = charts.nearest(QUERY, n=1, classes=["LIGHTS"])
    assert _ids(nearest) == [(TRIDENT_CELL, "TRIDENT-LIGHT")]
    # Inside its coverage the more detailed (restricted) dataset answers, as for any overlap.
    assert charts.within(Position(*TRIDENT_WRECK), 0.2).attrs["answered_by"] == [TRIDENT_CELL]
    hits = charts.gazetteer.lookup("Narval")
    assert hits and hits[0].cell == TRIDENT_CELL


def test_chart_ingest_marks_a_cell_and_a_new_marking_only_changes_the_catalogue(
    tmp_path: Path, access_env: None
) -> None:
    cell = tmp_path / "cells" / SAMPLE_CELL.name
    cell.parent.mkdir()
    shutil.copy(SAMPLE_CELL, cell)
    asst = Assistant.open(tmp_path / "idx", embedder="none")
    report = asst.ingest([cell], marking="confidential")
    assert [c for c, _ in report.charts_ingested] == ["FR_BREST_SAMPLE"]
    assert asst.charts.datasets() == [] and len(asst.charts) == 0
    assert asst.charts_for("restricted").nearest(QUERY, n=1, classes=["LIGHTS"]).empty
    assert asst.charts.gazetteer.lookup("Minou") == []
    confidential = asst.charts_for("confidential")
    assert confidential.nearest(QUERY, n=1, classes=["LIGHTS"])["cell"].tolist() == ["FR_BREST_SAMPLE"]
    assert confidential.gazetteer.lookup("Minou")
    parquet = tmp_path / "idx" / "charts" / "FR_BREST_SAMPLE.parquet"
    before = parquet.stat().st_mtime_ns
    again = asst.ingest([cell], marking="public")  # same bytes: the features are not read again
    assert [c for c, _ in again.charts_ingested] == ["FR_BREST_SAMPLE"]
    assert parquet.stat().st_mtime_ns == before
    assert [m.cell for m in asst.charts.datasets()] == ["FR_BREST_SAMPLE"]
    assert asst.ingest([cell], marking="public").charts_unchanged == ["FR_BREST_SAMPLE"]


def test_place_lists_are_marked_too(tmp_path: Path, access_env: None) -> None:
    places = tmp_path / "lieux_internes.csv"
    places.write_text("name,lat,lon\nPoint Trident,48.345,-4.545\n", encoding="utf-8")
    store = ChartStore.open(tmp_path / "charts")
    report = store.ingest([places], marking="restricted")
    assert report.ingested == [("lieux_internes", 1)]
    assert store.gazetteer.lookup("Point Trident") == []
    with pytest.raises(ChartQueryError, match="no place named"):
        store.resolve_area("Point Trident")
    assert ChartStore.open(tmp_path / "charts", clearance="restricted").gazetteer.lookup("Point Trident")
