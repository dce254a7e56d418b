"""``maritime chart``: tables, --json, --geojson, --language, help texts and error handling."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import geopandas as gpd
import pytest
from click.testing import CliRunner
from shapely.geometry import LineString, Point, Polygon

from maritime.enc import model
from maritime.enc.cli import chart
from maritime.enc.model import CellMetadata
from maritime.enc.store import ChartStore

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ENC = SHARED / "enc"

COMMANDS = sorted(chart.commands)


def _toy_frame() -> gpd.GeoDataFrame:
    rows = [
        (
            "LIGHTS",
            Point(-4.55, 48.36),
            None,
            {"LITCHR": 2, "SIGGRP": "(2)", "COLOUR": [1], "SIGPER": 10, "VALNMR": 15},
        ),
        ("WRECKS", Point(-4.56, 48.34), 4.2, {"CATWRK": 2, "VALSOU": 4.2}),
        (
            "DEPARE",
            Polygon([(-4.6, 48.3), (-4.5, 48.3), (-4.5, 48.35), (-4.6, 48.35)]),
            10.0,
            {"DRVAL1": 10.0},
        ),
        ("CBLSUB", LineString([(-4.58, 48.37), (-4.48, 48.37)]), None, {}),
        ("SEAARE", Polygon([(-4.62, 48.33), (-4.55, 48.33), (-4.55, 48.36), (-4.62, 48.36)]), None, {}),
    ]
    return gpd.GeoDataFrame(
        {
            model.COL_CELL: "FR000001",
            model.COL_CLASS: [r[0] for r in rows],
            model.COL_FEATURE_ID: [f"f{i}" for i in range(len(rows))],
            model.COL_NAME: [None, None, None, None, "Goulet de Brest"],
            model.COL_NATIONAL_NAME: None,
            model.COL_DEPTH_M: [r[2] for r in rows],
            model.COL_ATTRIBUTES: [json.dumps(r[3]) for r in rows],
            model.COL_SCALE: 20000,
            model.COL_GEOMETRY: [r[1] for r in rows],
        },
        geometry=model.COL_GEOMETRY,
        crs=model.CRS,
    )


@pytest.fixture
def index(tmp_path: Path) -> Path:
    store = ChartStore.open(tmp_path / "index" / "charts")
    meta = CellMetadata(
        cell="FR000001",
        source_path="/toy/FR000001.000",
        edition=3,
        update_number=2,
        issue_date="2024-01-15",
        compilation_scale=20000,
        horizontal_datum="WGS 84",
        vertical_datum="Mean sea level",
        sounding_datum="Lowest astronomical tide",
    )
    store.add_dataset(_toy_frame(), meta)
    return tmp_path / "index"


def run(*args: str) -> click.testing.Result:
    return CliRunner().invoke(chart, list(args), prog_name="maritime chart")


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_is_documented_with_an_example(command: str) -> None:
    result = run(command, "--help")
    assert result.exit_code == 0
    assert "Example: maritime chart " in result.output
    assert "--index" in result.output


def test_group_help() -> None:
    result = run("--help")
    assert result.exit_code == 0 and "Not for navigation" in result.output
    assert set(COMMANDS) >= {"near", "nearest", "at", "route", "lights-visible", "info"}


def test_near_table(index: Path) -> None:
    result = run("near", "48°21,0'N 004°33,0'O", "--radius-nm", "2", "--index", str(index))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["Position", "Dist", "NM", "Brg", "Class", "Name", "Description", "Cell"]
    light = next(line for line in lines if " Light " in line)
    assert light.startswith("48°21.60'N 004°33.00'W")
    assert re.search(r"\s0\.60\s+000°\s+Light\s+Fl\(2\)\s?W 10s 15M", light)
    wreck = next(line for line in lines if " Wreck " in line)
    assert re.search(r"\s\d\.\d{2}\s+\d{3}°\s+Wreck\s", wreck) and "dangerous wreck" in wreck
    assert "Goulet de Brest" in result.output
    assert "Answered by: FR000001" in result.output and "Not for navigation." in result.output


def test_near_french(index: Path) -> None:
    result = run(
        "near",
        "48.35 -4.55",
        "--radius-nm",
        "1",
        "--classes",
        "WRECKS",
        "--language",
        "fr",
        "--index",
        str(index),
    )
    assert result.exit_code == 0, result.output
    assert "Dist M" in result.output and "Rlt" in result.output
    assert re.search(r"48°20,40' N - 004°33,60' O\s+0,\d\d\s+\d{3}°\s+épave", result.output)
    assert "Ne pas utiliser pour la navigation." in result.output


def test_near_json_and_geojson(index: Path, tmp_path: Path) -> None:
    out = tmp_path / "near.geojson"
    result = run(
        "near", "48.35 -4.55", "--radius-nm", "2", "--json", "--geojson", str(out), "--index", str(index)
    )
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["query"]["position"] == {"lat": 48.35, "lon": -4.55} and payload["answered_by"] == [
        "FR000001"
    ]
    feats = payload["features"]
    assert [f["distance_nm"] for f in feats] == sorted(f["distance_nm"] for f in feats)
    wreck = next(f for f in feats if f["object_class"] == "WRECKS")
    assert wreck["depth_m"] == 4.2 and wreck["attributes"]["CATWRK"] == 2 and wreck["class_name"] == "Wreck"
    assert wreck["geometry"] == {"type": "Point", "coordinates": [-4.56, 48.34]}
    assert 0 <= wreck["bearing_deg"] < 360
    collection = json.loads(out.read_text())
    assert collection["type"] == "FeatureCollection" and len(collection["features"]) == len(feats)
    assert collection["features"][0]["properties"]["feature_id"] == feats[0]["feature_id"]


def test_nearest_at_and_route(index: Path) -> None:
    result = run(
        "nearest", "48.36 -4.55", "--classes", "LIGHTS,WRECKS", "-n", "2", "--json", "--index", str(index)
    )
    assert [f["feature_id"] for f in json.loads(result.output)["features"]] == ["f0", "f1"]
    result = run("at", "48.32 -4.55", "--json", "--index", str(index))
    assert [f["object_class"] for f in json.loads(result.output)["features"]] == ["DEPARE"]
    result = run("route", "48.31 -4.56", "48.36 -4.56", "--width-nm", "0.2", "--index", str(index))
    assert result.exit_code == 0, result.output
    assert (
        "Along NM" in result.output
        and "corridor 0.20 NM wide (0.10 NM either side of the track)" in result.output
    )
    assert re.search(r"Least depth: 4\.2 m \(Wreck, FR000001\) 48°20\.40'N 004°33\.60'W", result.output)
    payload = json.loads(run("route", "48.31 -4.56", "48.36 -4.56", "--json", "--index", str(index)).output)
    assert payload["width_nm"] == 0.5 and payload["half_width_nm"] == 0.25
    assert payload["least_depth"]["depth_m"] == 4.2 and payload["least_depth"]["source_class"] == "WRECKS"


def test_lights_visible_info_and_lookup(index: Path) -> None:
    result = run("lights-visible", "48.30 -4.55", "--index", str(index))
    assert result.exit_code == 0 and "Fl(2)" in result.output
    assert "No feature found." in run("lights-visible", "47.0 -4.55", "--index", str(index)).output
    info = run("info", "--index", str(index))
    assert re.search(r"FR000001\s+3\s+2\s+2024-01-15\s+1:20 000\s+WGS 84\s+Mean sea level", info.output)
    data = json.loads(run("info", "--json", "--index", str(index)).output)
    assert data["datasets"][0]["n_features"] == 5 and data["datasets"][0]["compilation_scale"] == 20000
    hits = json.loads(run("lookup", "brest narrows", "--json", "--index", str(index)).output)["hits"]
    assert hits[0]["name"] == "Goulet de Brest" and hits[0]["score"] == 0.98
    inside = json.loads(
        run("inside", "goulet de brest", "--classes", "WRECKS", "--json", "--index", str(index)).output
    )
    assert [f["feature_id"] for f in inside["features"]] == ["f1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["near", "95°N 004°W"], "latitude"),
        (["near", "48°21'N 4°33'"], "position"),
        (["near", "48.3 -4.5", "--radius-nm", "-1"], "radius"),
        (["nearest", "48.3 -4.5", "-n", "0"], "at least one"),
        (["route", "48.3 -4.5"], "two positions"),
        (["route", "48.3 -4.5", "48.4 -4.5", "--width-nm", "0"], "width"),
        (["near", "48.3 -4.5", "--classes", " , "], "--classes"),
        (["inside"], "--bbox"),
        (["inside", "Atlantis"], "no place named"),
        (["inside", "--bbox", "48.4", "-4.6", "48.3", "-4.5"], "north of"),
        (["remove", "NOPE"], "NOPE"),
    ],
    ids=[
        "lat-out-of-range",
        "no-hemisphere",
        "negative-radius",
        "n-zero",
        "one-point-route",
        "zero-width",
        "empty-classes",
        "inside-nothing",
        "unknown-place",
        "bad-bbox",
        "unknown-cell",
    ],
)
def test_errors_exit_2_with_a_message_and_no_traceback(index: Path, args: list[str], message: str) -> None:
    result = run(*args, "--index", str(index))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output + result.stderr
    assert result.stdout == ""


def test_missing_index_is_a_clear_error(tmp_path: Path) -> None:
    result = run("near", "48.3 -4.5", "--index", str(tmp_path / "none"))
    assert result.exit_code == 2 and "no chart ingested" in result.stderr
    assert not (tmp_path / "none").exists()


@pytest.mark.integration
def test_ingest_and_query_real_cells(tmp_path: Path) -> None:
    if not ENC.is_dir():
        pytest.skip(f"real ENC cells not found at {ENC} (../shared/data is not in this checkout)")
    index = tmp_path / "index"
    result = run("ingest", str(ENC / "US3DE01M"), str(tmp_path / "missing"), "--index", str(index))
    assert result.exit_code == 0 and re.search(r"ingested\s+US3DE01M\s+\(\d+ features\)", result.output)
    assert "skipped" in result.stderr and "no such file" in result.stderr
    again = run("ingest", str(ENC / "US3DE01M"), "--index", str(index))
    assert "unchanged US3DE01M" in again.output
    info = run("info", "--index", str(index))
    assert re.search(r"US3DE01M\s+25\s+7\s+2022-05-05\s+1:350 000\s+WGS 84", info.output)
    lights = run("lights-visible", "38°48'N 075°00'W", "--index", str(index))
    assert lights.exit_code == 0
    # The light is named after the lighthouse (LNDMRK) it stands in: S-57 names the structure.
    assert re.search(
        r"38°48\.87'N 075°05\.54'W\s+4\.42\s+281°\s+Light\s+Harbor of Refuge Light\s+Fl W 10s", lights.output
    )
    assert run("ingest", str(tmp_path / "missing"), "--index", str(index)).exit_code == 2
