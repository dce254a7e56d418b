"""Gazetteer: accent/case-insensitive, bilingual and fuzzy lookup; names found in text; place lists."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon

from maritime.enc import model
from maritime.enc.gazetteer import (
    CLASS_PORT,
    CLASS_UNDERSEA,
    Gazetteer,
    fold,
    is_place_list,
    name_key,
    read_place_list,
)
from maritime.enc.model import CellMetadata
from maritime.enc.store import ChartStore
from maritime.errors import IngestError
from maritime.geo.coordinates import Position

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
WPI = SHARED / "gazetteer" / "nga_world_port_index_pub150.csv"
GEBCO = SHARED / "gazetteer" / "gebco_undersea_feature_names.csv"
ENC = SHARED / "enc"

BREST_CSV = """name,lat,lon,alt_names,class
Goulet de Brest,"48°20,5'N","004°35,0'O",Brest Narrows,SEAARE
Île d'Ouessant,48.4583,-5.0950,Ushant|Enez Eusa,LNDARE
Pointe Saint-Mathieu,48.3300,-4.7700,,LNDRGN
Chaussée de Sein,48.0500,-4.8000,Sein Causeway,SEAARE
Bad row,95.0,-4.0,,
,48.0,-4.0,,
"""


def _needs(path: Path) -> None:
    if not path.exists():
        pytest.skip(f"real data not found at {path} (../shared/data is not in this checkout)")


@pytest.fixture
def brest(tmp_path: Path) -> Gazetteer:
    path = tmp_path / "brest_places.csv"
    path.write_text(BREST_CSV, encoding="utf-8")
    gaz = Gazetteer()
    assert gaz.add_place_list(path) == 4
    return gaz


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Île-d'Ouessant", "ile d ouessant"),
        ("ŒUVRE  Bœuf", "oeuvre boeuf"),
        ("SAINT–MALO", "saint malo"),
        ("", ""),
    ],
    ids=["accents-elision", "ligatures", "dash", "empty"],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_name_key_is_shared_by_french_and_english_generic_words() -> None:
    assert name_key("Goulet de Brest") == name_key("Brest Narrows") == ("brest", "narrows")
    assert name_key("Baie de Seine") == name_key("Seine Bay")
    assert name_key("St Malo") == name_key("Saint-Malo")
    assert name_key("de la") == ()


@pytest.mark.parametrize(
    ("query", "name", "min_score"),
    [
        ("Goulet de Brest", "Goulet de Brest", 1.0),
        ("GOULET DE BREST", "Goulet de Brest", 1.0),
        ("goulet", "Goulet de Brest", 0.5),
        ("Brest Narrows", "Goulet de Brest", 1.0),
        ("narrows of brest", "Goulet de Brest", 0.98),
        ("goulet de brets", "Goulet de Brest", 0.8),
        ("ile d'ouessant", "Île d'Ouessant", 1.0),
        ("Ushant", "Île d'Ouessant", 1.0),
        ("ouessan", "Île d'Ouessant", 0.5),
        ("Saint Mathieu Point", "Pointe Saint-Mathieu", 0.98),
        ("pte st mathieu", "Pointe Saint-Mathieu", 0.98),
    ],
    ids=[
        "exact",
        "upper-case",
        "partial",
        "english-alt-name",
        "english-word-order",
        "typo",
        "accent-free",
        "alt-name",
        "prefix",
        "fr-en-generic",
        "abbreviations",
    ],
)
def test_lookup(brest: Gazetteer, query: str, name: str, min_score: float) -> None:
    hits = brest.lookup(query)
    assert hits and hits[0].name == name and hits[0].score >= min_score


def test_lookup_hit_fields(brest: Gazetteer) -> None:
    hit = brest.lookup("goulet de brest")[0]
    assert hit.other_names == ("Brest Narrows",)
    assert hit.object_class == "SEAARE" and hit.cell is None and hit.source == "brest_places"
    assert hit.position == Position(48 + 20.5 / 60, -(4 + 35.0 / 60))
    assert hit.geometry.equals(Point(-(4 + 35.0 / 60), 48 + 20.5 / 60))


@pytest.mark.parametrize(
    "query", ["", "   ", "de la", "Zanzibar"], ids=["empty", "blank", "stop-words", "unknown"]
)
def test_lookup_finds_nothing(brest: Gazetteer, query: str) -> None:
    assert brest.lookup(query) == []


def test_lookup_limit_and_threshold(brest: Gazetteer) -> None:
    assert len(brest.lookup("brest", limit=1)) == 1
    assert brest.lookup("goulet", min_score=0.99) == []


def test_find_in_text_french_and_english(brest: Gazetteer) -> None:
    text = "Quels feux dans le goulet de Brest, puis vers l'Île d'Ouessant ? Any wreck in the Brest Narrows?"
    found = brest.find_in_text(text)
    assert [(text[a:b], hit.name) for (a, b), hit in found] == [
        ("goulet de Brest", "Goulet de Brest"),
        ("Île d'Ouessant", "Île d'Ouessant"),
        ("Brest Narrows", "Goulet de Brest"),
    ]
    assert [hit.score for _, hit in found] == [1.0, 1.0, 1.0]


def test_find_in_text_rules(brest: Gazetteer) -> None:
    # a one-word name needs a capital; generic words alone are not places
    assert [h.name for _, h in brest.find_in_text("Route vers Ushant")] == ["Île d'Ouessant"]
    assert brest.find_in_text("route vers ushant") == []
    assert brest.find_in_text("the narrows and the point") == []
    assert brest.find_in_text("") == []
    # the longest name wins over a shorter one inside it
    brest.add_records([{"name": "Sein", "geometry": Point(-4.85, 48.04)}], source="extra")
    found = brest.find_in_text("la Chaussée de Sein et Sein")
    assert [(h.name, span) for span, h in found] == [("Chaussée de Sein", (3, 19)), ("Sein", (23, 27))]


def test_place_list_formats(tmp_path: Path) -> None:
    path = tmp_path / "places.csv"
    path.write_text(BREST_CSV, encoding="utf-8")
    assert is_place_list(path)
    records = read_place_list(path)
    assert [r["name"] for r in records] == [
        "Goulet de Brest",
        "Île d'Ouessant",
        "Pointe Saint-Mathieu",
        "Chaussée de Sein",
    ]
    assert records[1]["other_names"] == ["Ushant", "Enez Eusa"]
    other = tmp_path / "other.csv"
    other.write_text("a,b,c\n1,2,3\n")
    assert not is_place_list(other) and not is_place_list(tmp_path / "missing.csv")
    with pytest.raises(IngestError, match="not a place list"):
        read_place_list(other)
    empty = tmp_path / "empty.csv"
    empty.write_text("name,lat,lon\nX,100,0\n")
    with pytest.raises(IngestError, match="no row"):
        read_place_list(empty)


def test_chart_names_come_from_objnam_and_nobjnm() -> None:
    frame = gpd.GeoDataFrame(
        {
            model.COL_CELL: "FR000001",
            model.COL_CLASS: ["SEAARE", "LIGHTS", "SOUNDG", "M_COVR", "LNDARE"],
            model.COL_FEATURE_ID: ["a", "b", "c", "d", "e"],
            model.COL_NAME: ["Brest Narrows", None, "x", "cov", None],
            model.COL_NATIONAL_NAME: ["Goulet de Brest", "Phare du Minou", None, None, None],
            model.COL_DEPTH_M: None,
            model.COL_ATTRIBUTES: "{}",
            model.COL_SCALE: 20000,
            model.COL_GEOMETRY: [
                Polygon([(-4.62, 48.33), (-4.55, 48.33), (-4.55, 48.36), (-4.62, 48.36)]),
                Point(-4.61, 48.34),
                Point(-4.6, 48.3),
                Point(-4.6, 48.3),
                Point(-4.6, 48.3),
            ],
        },
        geometry=model.COL_GEOMETRY,
        crs=model.CRS,
    )
    gaz = Gazetteer()
    assert gaz.set_chart_names("FR000001", frame) == 2
    hit = gaz.lookup("goulet de brest")[0]
    assert (hit.name, hit.other_names, hit.object_class, hit.cell) == (
        "Brest Narrows",
        ("Goulet de Brest",),
        "SEAARE",
        "FR000001",
    )
    assert hit.geometry.geom_type == "Polygon" and hit.geometry.contains(
        Point(hit.position.lon, hit.position.lat)
    )
    assert gaz.lookup("phare du minou")[0].object_class == "LIGHTS"
    assert gaz.set_chart_names("FR000001", frame.iloc[:0]) == 0 and len(gaz) == 0


def test_store_keeps_the_gazetteer_and_resolves_areas(tmp_path: Path) -> None:
    csv = tmp_path / "brest_places.csv"
    csv.write_text(BREST_CSV, encoding="utf-8")
    store = ChartStore.open(tmp_path / "charts")
    report = store.ingest([csv])
    assert report.ingested == [("brest_places", 4)]
    assert store.ingest([csv]).unchanged == ["brest_places"]
    area = Polygon([(-4.62, 48.33), (-4.55, 48.33), (-4.55, 48.36), (-4.62, 48.36)])
    frame = gpd.GeoDataFrame(
        {
            model.COL_CELL: "FR000001",
            model.COL_CLASS: ["SEAARE", "WRECKS", "WRECKS"],
            model.COL_FEATURE_ID: ["a", "b", "c"],
            model.COL_NAME: ["Rade Abri", None, None],
            model.COL_NATIONAL_NAME: None,
            model.COL_DEPTH_M: [None, 3.0, 5.0],
            model.COL_ATTRIBUTES: "{}",
            model.COL_SCALE: 20000,
            model.COL_GEOMETRY: [area, Point(-4.6, 48.34), Point(-4.5, 48.34)],
        },
        geometry=model.COL_GEOMETRY,
        crs=model.CRS,
    )
    store.add_dataset(frame, CellMetadata(cell="FR000001", source_path="x", compilation_scale=20000))
    reopened = ChartStore.open(store.folder)
    assert len(reopened.gazetteer) == 5
    assert reopened.gazetteer.lookup("rade abri")[0].cell == "FR000001"
    got = reopened.inside("Rade Abri", classes=["WRECKS"])
    assert got["feature_id"].tolist() == ["b"]
    with pytest.raises(Exception, match="not an area"):
        reopened.inside("Goulet de Brest")  # a point in the place list
    with pytest.raises(Exception, match="no place named"):
        reopened.inside("Atlantis")


@pytest.mark.integration
def test_world_port_index() -> None:
    _needs(WPI)
    records = read_place_list(WPI)
    assert len(records) > 3500 and {r["object_class"] for r in records} == {CLASS_PORT}
    gaz = Gazetteer()
    gaz.add_records(records, source=WPI.stem)
    havre = gaz.lookup("Le Havre")[0]
    assert havre.name == "Port Of Le Havre" and havre.details["Country Code"] == "France"
    assert abs(havre.position.lat - 49.48) < 0.1 and abs(havre.position.lon - 0.1) < 0.2
    assert gaz.lookup("st malo")[0].name == "Saint-Malo"
    assert gaz.lookup("Eilat")[0].name == "Elat"  # an alternate name
    found = gaz.find_in_text("Quels postes à Dunkirk et au Havre ? Ships bound for Le Havre.")
    # "au Havre" is French for "at Le Havre": the article is not part of the key
    assert [h.name for _, h in found] == ["Dunkirk", "Port Of Le Havre", "Port Of Le Havre"]


@pytest.mark.integration
def test_gebco_undersea_features() -> None:
    _needs(GEBCO)
    records = read_place_list(GEBCO)
    assert len(records) > 4000 and {r["object_class"] for r in records} == {CLASS_UNDERSEA}
    gaz = Gazetteer()
    gaz.add_records(records, source=GEBCO.stem)
    hit = gaz.lookup("hudson canyon")[0]
    assert hit.name == "Hudson Canyon" and hit.details == {"generic_term": "Canyon"}
    assert 38 < hit.position.lat < 41 and -73 < hit.position.lon < -69


@pytest.mark.integration
def test_real_chart_names(tmp_path: Path) -> None:
    _needs(ENC)
    store = ChartStore.open(tmp_path / "charts")
    store.ingest([ENC / "US5WA22M", ENC / "US3DE01M"])
    gaz = store.gazetteer
    bay = gaz.lookup("Commencement Bay")[0]
    assert (bay.name, bay.object_class, bay.cell, bay.score) == (
        "Commencement Bay",
        "SEAARE",
        "US5WA22M",
        1.0,
    )
    assert gaz.lookup("baie de commencement")[0].name == "Commencement Bay"
    assert gaz.lookup("cap henlopen")[0].name == "Cape Henlopen"
    found = gaz.find_in_text("Épaves dans Commencement Bay ? Lights near Cape Henlopen.")
    assert [h.name for _, h in found] == ["Commencement Bay", "Cape Henlopen"]
    wrecks = store.inside("Commencement Bay", classes=["WRECKS"])
    assert len(wrecks) > 0 and wrecks.geometry.intersects(bay.geometry).all()
    # rebuilt on ingest: removing the cell removes its names
    store.remove("US5WA22M")
    assert all(h.cell != "US5WA22M" for h in store.gazetteer.lookup("Commencement Bay"))
    assert json.loads((store.folder / "catalog.json").read_text())["datasets"].keys() == {"US3DE01M"}


def test_a_place_list_and_a_cell_of_the_same_name_are_kept_apart() -> None:
    gaz = Gazetteer()
    gaz.add_records([{"name": "Quai Nord", "geometry": Point(-4.5, 48.4)}], source="FR000001")
    gaz.add_records([{"name": "Quai Sud", "geometry": Point(-4.5, 48.3)}], source="FR000001", cell="FR000001")
    assert len(gaz) == 2
    assert gaz.remove_cell("FR000001") == 1 and [h.name for h in gaz.lookup("quai")] == ["Quai Nord"]
    assert gaz.remove_source("FR000001") == 1 and len(gaz) == 0
