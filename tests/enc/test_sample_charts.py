"""The committed demo cell charts/FR_BREST_SAMPLE.000 and the script that writes it."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType

import geopandas as gpd
import pyogrio
import pytest
import shapely

from maritime.enc.lights import characteristic, sector_contains, sectors
from maritime.enc.model import COL_ATTRIBUTES, COL_CLASS, COL_DEPTH_M, COL_FEATURE_ID, CellMetadata
from maritime.enc.s57 import find_datasets, read_dataset

from .conftest import REPO

Chart = tuple[gpd.GeoDataFrame, CellMetadata]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "make_sample_charts", REPO / "charts" / "make_sample_charts.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script loads
    spec.loader.exec_module(module)
    return module


def _named(frame: gpd.GeoDataFrame, acronym: str, name: str) -> gpd.GeoDataFrame:
    return frame[(frame[COL_CLASS] == acronym) & (frame["name"] == name)]


def test_sample_is_found_and_read(sample_cell: Path, sample_chart: Chart) -> None:
    assert find_datasets(REPO / "charts") == [sample_cell]
    frame, meta = sample_chart
    assert meta.cell == "FR_BREST_SAMPLE"
    assert (meta.edition, meta.update_number, meta.updates_applied) == (1, 0, ())
    assert meta.issue_date == "2025-06-01"
    assert meta.compilation_scale == 50_000
    assert meta.horizontal_datum == "WGS 84"
    assert meta.sounding_datum == "Lowest astronomical tide"
    assert meta.vertical_datum == "Mean high water springs"
    assert meta.producing_agency == "unknown producer (0_, 65534)"
    assert frame.geometry.is_valid.all() and frame[COL_FEATURE_ID].is_unique


def test_sample_has_the_expected_classes(sample_chart: Chart) -> None:
    _, meta = sample_chart
    expected = {
        "LNDARE", "COALNE", "DEPARE", "DEPCNT", "SOUNDG", "LIGHTS", "WRECKS", "OBSTRN", "UWTROC", "RESARE",
        "ACHARE", "BOYLAT", "BOYCAR", "BCNLAT", "BCNCAR", "SEAARE", "LNDMRK", "M_COVR",
    }  # fmt: skip
    assert expected <= set(meta.feature_counts)
    assert meta.feature_counts["LIGHTS"] >= 20 and meta.feature_counts["SOUNDG"] >= 300


def test_labelled_not_for_navigation(sample_cell: Path, sample_chart: Chart) -> None:
    dsid = pyogrio.read_dataframe(sample_cell, layer="DSID", read_geometry=False)
    assert "NOT FOR NAVIGATION" in dsid["DSID_COMT"].iloc[0]
    frame, _ = sample_chart
    coverage = json.loads(frame.loc[frame[COL_CLASS] == "M_COVR", COL_ATTRIBUTES].iloc[0])
    assert coverage["INFORM"] == "ILLUSTRATIVE SAMPLE - NOT FOR NAVIGATION"
    assert coverage["NINFOM"] == "ÉCHANTILLON ILLUSTRATIF - NE PAS UTILISER POUR LA NAVIGATION"
    assert "NOT FOR NAVIGATION" in (REPO / "charts" / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("name", "lat", "lon", "colour", "expected"),
    [
        ("Le Portzic", 48.3589, -4.5344, "1", "Oc(2)W 12s 56m 19M"),
        ("Le Portzic", 48.3589, -4.5344, "3", "Oc(2)R 12s 56m 15M"),
        ("Saint-Mathieu", 48.3303, -4.7714, "1", "Fl W 15s 56m 29M"),
        ("Le Petit Minou", 48.3369, -4.6150, "1", "Fl(2)W 6s 32m 19M"),
        ("Kéréon", 48.4383, -5.0258, "1", "Oc(2+1)W 24s 38m 17M"),
        ("La Jument", 48.4225, -5.1339, "3", "Fl(3)R 15s 36m 22M"),
        ("Les Pierres Noires", 48.3117, -4.9139, "3", "Fl R 5s 27m 19M"),
        ("Le Four", 48.5231, -4.8056, "1", "Fl(5)W 15s 28m 18M"),
        ("Toulinguet", 48.2803, -4.6289, "1", "Oc(3)W 12s 49m 15M"),
    ],
)
def test_known_lights(
    sample_chart: Chart, name: str, lat: float, lon: float, colour: str, expected: str
) -> None:
    frame, _ = sample_chart
    rows = _named(frame, "LIGHTS", name)
    attrs = [json.loads(a) for a in rows[COL_ATTRIBUTES]]
    chosen = [i for i, a in enumerate(attrs) if a["COLOUR"] == [colour]]
    assert len(chosen) == 1
    light = rows.iloc[chosen[0]]
    assert (light.geometry.y, light.geometry.x) == pytest.approx((lat, lon), abs=1e-6)
    assert characteristic(attrs[chosen[0]]) == expected


def test_portzic_sectors_face_the_goulet(sample_chart: Chart) -> None:
    frame, _ = sample_chart
    rows = _named(frame, "LIGHTS", "Le Portzic")
    by_colour = {json.loads(a)["COLOUR"][0]: json.loads(a) for a in rows[COL_ATTRIBUTES]}
    white, red = sectors(by_colour["1"]), sectors(by_colour["3"])
    assert white == (58.0, 78.0) and red == (78.0, 120.0)
    # a vessel in the Goulet, 248° from the light, sees it on 068°: white sector
    assert sector_contains(*white, 248.0) and not sector_contains(*red, 248.0)
    # a vessel 280° from the light sees it on 100°: red sector
    assert sector_contains(*red, 280.0) and not sector_contains(*white, 280.0)
    # from Brest (east of the light) neither sector is seen
    assert not sector_contains(*white, 90.0) and not sector_contains(*red, 90.0)


def test_bilingual_names(sample_chart: Chart) -> None:
    frame, _ = sample_chart
    goulet = _named(frame, "SEAARE", "Brest Narrows")
    assert goulet["national_name"].tolist() == ["Goulet de Brest"]
    assert goulet.geometry.iloc[0].contains(shapely.Point(-4.575, 48.345))
    assert _named(frame, "SEAARE", "Brest Roads")["national_name"].tolist() == ["Rade de Brest"]
    assert _named(frame, "LNDARE", "Ushant")["national_name"].tolist() == ["Île d'Ouessant"]
    assert _named(frame, "LIGHTS", "Kéréon")["national_name"].iloc[0] == "Phare de Kéréon"


def test_marks_dangers_and_areas(sample_chart: Chart) -> None:
    frame, _ = sample_chart
    marks = [
        ("BOYCAR", "Les Fillettes"),
        ("BOYLAT", "Charles Martel"),
        ("BOYLAT", "Basse du Lis"),
        ("BCNLAT", "Roche Mengam"),
        ("BCNCAR", "Basse Beuzec"),
    ]
    for acronym, name in marks:
        mark = _named(frame, acronym, name)
        assert len(mark) == 1, name
        slaves = json.loads(mark[COL_ATTRIBUTES].iloc[0])["LNAM_REFS"]
        light = frame[frame[COL_FEATURE_ID] == slaves[0]]
        assert light[COL_CLASS].tolist() == ["LIGHTS"]
        assert light.geometry.iloc[0].equals(mark.geometry.iloc[0])
    wrecks = frame[frame[COL_CLASS] == "WRECKS"]
    categories = {json.loads(a)["CATWRK"] for a in wrecks[COL_ATTRIBUTES]}
    assert {1, 2} <= categories
    dangerous = wrecks[[json.loads(a)["CATWRK"] == 2 for a in wrecks[COL_ATTRIBUTES]]]
    assert dangerous[COL_DEPTH_M].tolist() == [8.4]
    naval = json.loads(_named(frame, "RESARE", "Ile Longue naval base")[COL_ATTRIBUTES].iloc[0])
    assert naval["CATREA"] == ["9"] and "7" in naval["RESTRN"]
    assert len(frame[frame[COL_CLASS] == "ACHARE"]) >= 2
    depth_areas = [json.loads(a) for a in frame.loc[frame[COL_CLASS] == "DEPARE", COL_ATTRIBUTES]]
    bands = {(a["DRVAL1"], a["DRVAL2"]) for a in depth_areas}
    assert bands == {(0.0, 5.0), (5.0, 10.0), (10.0, 20.0), (20.0, 50.0), (50.0, 100.0)}


def test_soundings_are_at_sea_and_inside_their_depth_band(sample_chart: Chart) -> None:
    frame, _ = sample_chart
    land = shapely.union_all(
        frame.loc[(frame[COL_CLASS] == "LNDARE") & (frame.geom_type == "Polygon")].geometry
    )
    soundings = frame[frame[COL_CLASS] == "SOUNDG"]
    assert not soundings.geometry.within(land).any()
    depare = frame[frame[COL_CLASS] == "DEPARE"]
    joined = gpd.sjoin(
        soundings[["geometry", COL_DEPTH_M]], depare[["geometry", COL_ATTRIBUTES]], predicate="within"
    )
    assert len(joined) >= 0.95 * len(soundings)
    for depth, attributes in zip(joined[COL_DEPTH_M], joined[COL_ATTRIBUTES], strict=True):
        band = json.loads(attributes)
        assert band["DRVAL1"] <= depth <= band["DRVAL2"]


@pytest.mark.slow
def test_script_is_deterministic_and_matches_the_committed_cell(tmp_path: Path, sample_chart: Chart) -> None:
    script = _script()
    first = script.build(tmp_path / "a")
    second = script.build(tmp_path / "b")
    assert first.name == "FR_BREST_SAMPLE.000"
    assert first.read_bytes() == second.read_bytes()
    frame, meta = read_dataset(first)
    committed_frame, committed_meta = sample_chart
    assert meta.feature_counts == committed_meta.feature_counts
    points = ~frame[COL_CLASS].isin(["DEPARE", "DEPCNT", "SOUNDG", "COALNE", "LNDARE", "SEAARE", "RESARE",
                                      "ACHARE", "OBSTRN", "M_COVR", "M_NSYS"])  # fmt: skip
    assert frame[points][COL_ATTRIBUTES].tolist() == committed_frame[points][COL_ATTRIBUTES].tolist()
