"""Reading chart datasets: real NOAA cells with updates, bad files, GeoJSON and GeoPackage."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon

from maritime.enc import s57
from maritime.enc.model import COL_ATTRIBUTES, COL_CLASS, COL_DEPTH_M, COL_FEATURE_ID, COLUMNS, CRS
from maritime.enc.s57 import check_iso8211, find_datasets, find_updates, read_dataset
from maritime.errors import IngestError

from .conftest import CELLS

SKIPPED_LAYERS = s57.METADATA_LAYERS | s57.PRIMITIVE_LAYERS | s57.COLLECTION_CLASSES


def _gdal_counts(path: Path) -> dict[str, int]:
    """Features per object class as GDAL reads them, soundings counted inside their multipoints."""
    options = {**s57.S57_OPEN_OPTIONS, "SPLIT_MULTIPOINT": "OFF", "ADD_SOUNDG_DEPTH": "OFF"}
    counts = {}
    for name, _ in pyogrio.list_layers(path):
        if name in SKIPPED_LAYERS:
            continue
        frame = pyogrio.read_dataframe(path, layer=name, **options)
        if name == "SOUNDG":
            counts[name] = int(shapely.get_num_geometries(frame.geometry.values).sum())
        elif len(frame):
            counts[name] = len(frame)
    return counts


# ----------------------------------------------------------------------------------------- real cells
@pytest.mark.integration
@pytest.mark.parametrize("name", CELLS, ids=CELLS)
def test_every_real_cell_reads_with_gdal_counts(name: str, read_cell: Callable, cell_path: Callable) -> None:
    frame, meta = read_cell(name)
    assert tuple(frame.columns) == COLUMNS
    assert frame.crs == CRS
    assert meta.cell == name
    assert frame[COL_FEATURE_ID].is_unique
    assert not frame.geometry.is_empty.any() and frame.geometry.is_valid.all()
    assert not shapely.has_z(frame.geometry.values).any()
    assert meta.feature_counts == _gdal_counts(cell_path(name))
    assert frame[COL_CLASS].value_counts().to_dict() == meta.feature_counts
    assert (frame["scale"] == meta.compilation_scale).all()
    assert meta.horizontal_datum == "WGS 84"
    assert meta.file_sha256 is not None and len(meta.file_sha256) == 64


@pytest.mark.integration
def test_us3de01m_metadata_after_seven_updates(read_cell: Callable) -> None:
    _, meta = read_cell("US3DE01M")
    assert meta.edition == 25
    assert meta.update_number == 7
    assert meta.updates_applied == tuple(f"US3DE01M.{n:03d}" for n in range(1, 8))
    assert meta.issue_date == "2022-05-05"
    assert meta.update_application_date == "2021-09-10"
    assert meta.compilation_scale == 350_000
    assert (meta.vertical_datum, meta.sounding_datum) == ("Mean high water", "Mean lower low water")
    assert meta.producing_agency == "Office of Coast Survey, USA (US, 550)"


@pytest.mark.integration
def test_us5wa22m_has_four_updates(read_cell: Callable) -> None:
    _, meta = read_cell("US5WA22M")
    assert (meta.edition, meta.update_number) == (40, 4)
    assert meta.updates_applied == tuple(f"US5WA22M.{n:03d}" for n in range(1, 5))


@pytest.mark.integration
def test_updates_add_and_delete_lights_as_gdal_says(read_cell: Callable, cell_path: Callable) -> None:
    added, deleted = "022609BB97ED07EE", "022635EFAA151C98"
    base = pyogrio.read_dataframe(
        cell_path("US3DE01M"), layer="LIGHTS", read_geometry=False, UPDATES="IGNORE"
    )
    assert deleted in set(base["LNAM"]) and added not in set(base["LNAM"])  # the test means something
    frame, _ = read_cell("US3DE01M")
    lights = set(frame.loc[frame[COL_CLASS] == "LIGHTS", COL_FEATURE_ID])
    assert added in lights
    assert deleted not in lights


@pytest.mark.integration
def test_soundings_split_with_depth(read_cell: Callable, cell_path: Callable) -> None:
    frame, _ = read_cell("US3DE01M")
    soundings = frame[frame[COL_CLASS] == "SOUNDG"]
    assert soundings[COL_DEPTH_M].notna().all()
    raw = pyogrio.read_dataframe(cell_path("US3DE01M"), layer="SOUNDG", **s57.S57_OPEN_OPTIONS)
    assert np.allclose(np.sort(soundings[COL_DEPTH_M].to_numpy()), np.sort(raw["DEPTH"].to_numpy()))
    first = soundings[COL_FEATURE_ID].iloc[0]
    assert first.endswith("#0") and len(first.split("#")[0]) == 16
    assert set(soundings.geometry.geom_type) == {"Point"}


@pytest.mark.integration
def test_attributes_keep_raw_values(read_cell: Callable) -> None:
    frame, _ = read_cell("US3DE01M")
    lights = frame[frame[COL_CLASS] == "LIGHTS"].set_index(COL_FEATURE_ID)
    attrs = json.loads(lights.loc["022619CE20A71013", COL_ATTRIBUTES])
    # COLOUR is a list attribute: GDAL's string list is kept as a JSON list of strings.
    assert attrs["COLOUR"] == ["1"]
    assert attrs["LITCHR"] == 2 and attrs["SIGGRP"] == "(2)" and attrs["HEIGHT"] == 47.5
    assert "RCID" not in attrs and "LNAM" not in attrs and "MARSYS" not in attrs  # record fields, nulls
    wrecks = frame[frame[COL_CLASS] == "WRECKS"]
    for _, row in wrecks.iterrows():
        valsou = json.loads(row[COL_ATTRIBUTES]).get("VALSOU")
        assert (valsou is None and np.isnan(row[COL_DEPTH_M])) or row[COL_DEPTH_M] == valsou


@pytest.mark.integration
def test_find_datasets_on_the_real_folder(enc_dir: Path) -> None:
    found = find_datasets(enc_dir)
    assert [p.stem for p in found] == list(CELLS)
    assert find_datasets(enc_dir / "US3DE01M" / "US3DE01M.004") == [enc_dir / "US3DE01M" / "US3DE01M.000"]


# ------------------------------------------------------------------------------------------ bad input
def test_truncated_cell_is_refused(sample_cell: Path, tmp_path: Path) -> None:
    cut = tmp_path / "CUT.000"
    cut.write_bytes(sample_cell.read_bytes()[:20_000])
    with pytest.raises(IngestError) as caught:
        read_dataset(cut)
    assert str(cut) in str(caught.value)
    assert "truncated" in caught.value.reason


@pytest.mark.integration
def test_truncated_real_cell_is_refused(cell_path: Callable, tmp_path: Path) -> None:
    cut = tmp_path / "US3DE01M.000"
    cut.write_bytes(cell_path("US3DE01M").read_bytes()[:100_000])
    with pytest.raises(IngestError, match=r"US3DE01M\.000: truncated S-57 file"):
        read_dataset(cut)


@pytest.mark.integration
def test_missing_update_refuses_the_cell(cell_path: Callable, tmp_path: Path) -> None:
    source = cell_path("US3DE01M")
    shutil.copy(source, tmp_path / "US3DE01M.000")
    shutil.copy(source.with_suffix(".002"), tmp_path / "US3DE01M.002")
    with pytest.raises(IngestError) as caught:
        read_dataset(tmp_path / "US3DE01M.000")
    assert caught.value.path == str(tmp_path / "US3DE01M.000")
    assert "update .002 present but .001 missing" in caught.value.reason


def test_missing_update_detected_without_reading(sample_cell: Path, tmp_path: Path) -> None:
    shutil.copy(sample_cell, tmp_path / "X.000")
    for n in (1, 2, 4):
        (tmp_path / f"X.{n:03d}").write_bytes(b"placeholder")
    with pytest.raises(IngestError, match=r"update \.004 present but \.003 missing"):
        read_dataset(tmp_path / "X.000")


@pytest.mark.integration
def test_update_of_another_cell_is_refused(cell_path: Callable, tmp_path: Path) -> None:
    shutil.copy(cell_path("US5AK3MM"), tmp_path / "US5AK3MM.000")
    shutil.copy(cell_path("US4AK3SB").with_suffix(".001"), tmp_path / "US5AK3MM.001")
    with pytest.raises(IngestError, match="could not apply the update files"):
        read_dataset(tmp_path / "US5AK3MM.000")


def test_text_file_renamed_000_is_refused(tmp_path: Path) -> None:
    fake = tmp_path / "NOTES.000"
    fake.write_text("Prudent mariner: this is a text file, not a chart.\n" * 20)
    with pytest.raises(IngestError) as caught:
        read_dataset(fake)
    assert str(fake) in str(caught.value)
    assert "not an S-57 file" in caught.value.reason


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("gone.000", None, "file not found"),
        ("empty.000", b"", "empty file"),
        ("chart.shp", b"x", "unsupported chart format '.shp'"),
        ("CELL.003", b"x", "update file"),
        ("broken.geojson", b"{not json", "not a readable GeoJSON file"),
    ],
    ids=["missing", "empty", "unsupported", "update-file", "bad-json"],
)
def test_bad_files_raise_ingest_error(tmp_path: Path, name: str, content: bytes | None, reason: str) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        read_dataset(path)
    assert str(path) in str(caught.value)
    assert reason in caught.value.reason


def test_check_iso8211_counts_records(sample_cell: Path) -> None:
    assert check_iso8211(sample_cell) > 100


# --------------------------------------------------------------------------------------------- GeoJSON
def _write_geojson(path: Path, features: list[dict]) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return path


def _feature(geometry: object, **properties: object) -> dict:
    return {"type": "Feature", "properties": properties, "geometry": shapely.geometry.mapping(geometry)}


BOWTIE = Polygon([(-4.60, 48.30), (-4.50, 48.35), (-4.50, 48.30), (-4.60, 48.35), (-4.60, 48.30)])


def test_geojson_with_self_intersecting_polygon_is_refused(tmp_path: Path) -> None:
    path = _write_geojson(
        tmp_path / "areas.geojson",
        [_feature(Point(-4.53, 48.36), OBJL="LIGHTS"), _feature(BOWTIE, OBJL="RESARE", OBJNAM="Bowtie")],
    )
    with pytest.raises(IngestError) as caught:
        read_dataset(path)
    message = str(caught.value)
    assert str(path) in message
    assert "feature areas:1 (RESARE, 'Bowtie')" in message
    assert "Self-intersection" in message


@pytest.mark.parametrize(("policy", "classes"), [("repair", ["LIGHTS", "RESARE"]), ("skip", ["LIGHTS"])])
def test_geojson_invalid_geometry_policies(tmp_path: Path, policy: str, classes: list[str]) -> None:
    path = _write_geojson(
        tmp_path / "areas.geojson",
        [_feature(Point(-4.53, 48.36), OBJL="LIGHTS"), _feature(BOWTIE, OBJL="RESARE")],
    )
    frame, meta = read_dataset(path, invalid_geometry=policy)  # type: ignore[arg-type]
    assert sorted(frame[COL_CLASS]) == classes
    assert frame.geometry.is_valid.all()
    assert meta.cell == "areas" and meta.compilation_scale is None


def test_empty_geojson_gives_an_empty_frame(tmp_path: Path) -> None:
    frame, meta = read_dataset(_write_geojson(tmp_path / "none.geojson", []))
    assert len(frame) == 0 and tuple(frame.columns) == COLUMNS and frame.crs == CRS
    assert meta.feature_counts == {} and meta.cell == "none"


def test_geojson_class_columns_codes_and_soundings(tmp_path: Path) -> None:
    path = _write_geojson(
        tmp_path / "mixed.geojson",
        [
            _feature(Point(-4.53, 48.36), OBJL=75, OBJNAM="Le Portzic", COLOUR="1,3", LITCHR=8),
            _feature(Point(-4.56, 48.35), object_class="wrecks", VALSOU=12.5, CATWRK=2),
            _feature(LineString([(-4.6, 48.3), (-4.5, 48.3)]), **{"class": "DEPCNT", "VALDCO": 10.0}),
            _feature(MultiPoint([(-4.60, 48.30, 12.3), (-4.61, 48.31, 45.6)]), OBJL="SOUNDG", LNAM="ABC"),
            _feature(Point(-4.50, 48.40), OBJNAM="no class"),
        ],
    )
    frame, _ = read_dataset(path)
    by_id = frame.set_index(COL_FEATURE_ID)
    assert by_id.loc["mixed:0", COL_CLASS] == "LIGHTS"
    assert by_id.loc["mixed:0", "name"] == "Le Portzic"
    assert json.loads(by_id.loc["mixed:0", COL_ATTRIBUTES])["COLOUR"] == "1,3"
    assert by_id.loc["mixed:1", COL_CLASS] == "WRECKS" and by_id.loc["mixed:1", COL_DEPTH_M] == 12.5
    assert by_id.loc["mixed:2", COL_DEPTH_M] == 10.0
    assert by_id.loc["ABC#0", COL_DEPTH_M] == 12.3 and by_id.loc["ABC#1", COL_DEPTH_M] == 45.6
    assert by_id.loc["mixed:4", COL_CLASS] == "mixed"  # no class column: the layer name
    assert not shapely.has_z(frame.geometry.values).any()


# ------------------------------------------------------------------------------------------ GeoPackage
@pytest.mark.filterwarnings("ignore:Conversion of an array with ndim:DeprecationWarning")  # pyproj, 1 point
def test_geopackage_layers_metadata_and_crs(tmp_path: Path) -> None:
    path = tmp_path / "sample.gpkg"
    lights = gpd.GeoDataFrame(
        {"OBJNAM": ["Le Portzic"], "NOBJNM": ["Phare du Portzic"], "LITCHR": [8], "COLOUR": ["1"]},
        geometry=[Point(-4.5344, 48.3589)],
        crs=CRS,
    )
    wrecks = gpd.GeoDataFrame({"VALSOU": [8.4], "CATWRK": [2]}, geometry=[Point(-4.675, 48.295)], crs=CRS)
    dsid = gpd.GeoDataFrame(
        {
            "DSID_DSNM": ["BREST.000"],
            "DSID_EDTN": ["2"],
            "DSID_UPDN": ["0"],
            "DSPM_CSCL": [50000],
            "DSPM_HDAT": [2],
            "DSPM_SDAT": [23],
            "DSID_ISDT": ["20250601"],
        },
        geometry=[None],
        crs=CRS,
    )
    pyogrio.write_dataframe(lights, path, layer="LIGHTS")
    pyogrio.write_dataframe(wrecks.to_crs("EPSG:2154"), path, layer="WRECKS")
    pyogrio.write_dataframe(dsid, path, layer="DSID")
    frame, meta = read_dataset(path)
    assert sorted(frame[COL_CLASS]) == ["LIGHTS", "WRECKS"]
    assert (meta.cell, meta.edition, meta.compilation_scale) == ("BREST", 2, 50000)
    assert meta.sounding_datum == "Lowest astronomical tide" and meta.issue_date == "2025-06-01"
    wreck = frame[frame[COL_CLASS] == "WRECKS"].iloc[0]
    assert wreck.geometry.x == pytest.approx(-4.675, abs=1e-7)
    assert wreck[COL_DEPTH_M] == 8.4
    assert (frame["scale"] == 50000).all()
    light = frame[frame[COL_CLASS] == "LIGHTS"].iloc[0]
    assert (light["name"], light["national_name"]) == ("Le Portzic", "Phare du Portzic")


# ---------------------------------------------------------------------------------------------- finding
def test_find_datasets_in_a_folder(tmp_path: Path, sample_cell: Path) -> None:
    enc_root = tmp_path / "ENC_ROOT" / "FR_BREST_SAMPLE" / "1" / "0"
    enc_root.mkdir(parents=True)
    shutil.copy(sample_cell, enc_root / sample_cell.name)
    (tmp_path / "ENC_ROOT" / "CATALOG.031").write_bytes(b"catalogue")
    (tmp_path / "notes.json").write_text('{"tide": 1}')
    _write_geojson(tmp_path / "areas.json", [_feature(Point(0, 0), OBJL="LIGHTS")])
    _write_geojson(tmp_path / "marks.geojson", [])
    (tmp_path / "chart.gpkg").write_bytes(b"")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "X.000").write_bytes(b"")
    found = [p.relative_to(tmp_path).as_posix() for p in find_datasets(tmp_path)]
    assert found == [
        "ENC_ROOT/FR_BREST_SAMPLE/1/0/FR_BREST_SAMPLE.000",
        "areas.json",
        "chart.gpkg",
        "marks.geojson",
    ]
    assert find_datasets(tmp_path / "ENC_ROOT" / "CATALOG.031") == [enc_root / sample_cell.name]
    assert find_datasets(tmp_path / "notes.json") == [tmp_path / "notes.json"]  # a named file is kept
    assert find_datasets(tmp_path / ".hidden" / "X.000") == [tmp_path / ".hidden" / "X.000"]
    with pytest.raises(IngestError, match="no such file or folder"):
        find_datasets(tmp_path / "absent")


def test_find_updates_in_an_exchange_set(tmp_path: Path) -> None:
    base = tmp_path / "US3DE01M" / "25" / "0" / "US3DE01M.000"
    base.parent.mkdir(parents=True)
    base.write_bytes(b"")
    for n in (1, 2):
        update = tmp_path / "US3DE01M" / "25" / str(n) / f"US3DE01M.{n:03d}"
        update.parent.mkdir(parents=True)
        update.write_bytes(b"")
    assert [p.name for p in find_updates(base)] == ["US3DE01M.001", "US3DE01M.002"]
    assert find_datasets(tmp_path / "US3DE01M" / "25" / "2" / "US3DE01M.002") == [base]
    (base.parent.parent / "4").mkdir()
    (base.parent.parent / "4" / "US3DE01M.004").write_bytes(b"")
    with pytest.raises(IngestError, match=r"\.004 present but \.003 missing"):
        find_updates(base)
