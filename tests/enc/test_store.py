"""ChartStore: persistence, idempotent ingest, and geodesic queries checked against brute force.

The real-cell tests compare every query with an independent computation over all features: pyproj's
``Geod.inv`` on every point (and on every vertex of finely densified lines and area boundaries, refined
around the minimum) for distances, shapely in lon/lat for containment, and a UTM projection for the
route corridor.
"""

from __future__ import annotations

import itertools
import json
import shutil
from collections import Counter
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import Geod, Transformer
from shapely.geometry import LineString, Point, Polygon

from maritime.enc import lights, model
from maritime.enc.model import CellMetadata
from maritime.enc.store import (
    LEAST_DEPTH_CLASSES,
    NM_M,
    ChartQueryError,
    ChartStore,
    safe_boxes,
)
from maritime.errors import CoordinateError
from maritime.geo.coordinates import Position

GEOD = Geod(ellps="WGS84")
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"
ENC = SHARED / "enc"
MAIN_CELLS = ("US3DE01M", "US5WA22M", "US6LGBDE")
OVERLAP_CELLS = ("US2AK5FM", "US4AK3SB")


def _needs_shared() -> None:
    if not ENC.is_dir():
        pytest.skip(f"real ENC cells not found at {ENC} (../shared/data is not in this checkout)")


# --------------------------------------------------------------------------------------------------
# small synthetic datasets (no shared data needed)


def _frame(
    cell: str, rows: list[tuple[str, object, float | None, dict]], scale: int = 20000
) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            model.COL_CELL: cell,
            model.COL_CLASS: [r[0] for r in rows],
            model.COL_FEATURE_ID: [f"{cell}-{i}" for i in range(len(rows))],
            model.COL_NAME: [r[3].get("OBJNAM") for r in rows],
            model.COL_NATIONAL_NAME: [r[3].get("NOBJNM") for r in rows],
            model.COL_DEPTH_M: [np.nan if r[2] is None else r[2] for r in rows],
            model.COL_ATTRIBUTES: [json.dumps(r[3]) for r in rows],
            model.COL_SCALE: scale,
            model.COL_GEOMETRY: [r[1] for r in rows],
        },
        geometry=model.COL_GEOMETRY,
        crs=model.CRS,
    )


def _meta(cell: str, scale: int = 20000) -> CellMetadata:
    return CellMetadata(cell=cell, source_path=f"/synthetic/{cell}.000", compilation_scale=scale, edition=1)


@pytest.fixture
def tiny(tmp_path: Path) -> ChartStore:
    """Brest-like toy cell: two lights, a wreck, a depth area and a cable line."""
    rows = [
        (
            "LIGHTS",
            Point(-4.55, 48.36),
            None,
            {"OBJNAM": "Phare A", "VALNMR": 10, "LITCHR": 2, "COLOUR": [1]},
        ),
        ("LIGHTS", Point(-4.50, 48.30), None, {"VALNMR": 3, "SECTR1": 0, "SECTR2": 90, "COLOUR": [3]}),
        ("WRECKS", Point(-4.56, 48.34), 4.2, {"VALSOU": 4.2}),
        ("WRECKS", Point(-4.52, 48.345), None, {"CATWRK": 2}),
        ("DEPARE", Polygon([(-4.6, 48.3), (-4.5, 48.3), (-4.5, 48.35), (-4.6, 48.35)]), 10.0, {"DRVAL1": 10}),
        ("CBLSUB", LineString([(-4.58, 48.37), (-4.48, 48.37)]), None, {}),
        ("M_COVR", Polygon([(-4.7, 48.2), (-4.4, 48.2), (-4.4, 48.45), (-4.7, 48.45)]), None, {"CATCOV": 1}),
    ]
    store = ChartStore.open(tmp_path / "charts")
    store.add_dataset(_frame("FR000001", rows), _meta("FR000001"))
    return store


def test_open_creates_the_folder_and_refuses_a_file(tmp_path: Path) -> None:
    store = ChartStore.open(tmp_path / "a" / "charts")
    assert (tmp_path / "a" / "charts").is_dir() and store.datasets() == []
    (tmp_path / "f").write_text("x")
    with pytest.raises(Exception, match="is a file"):
        ChartStore.open(tmp_path / "f")


def test_store_persists_catalog_and_geoparquet(tiny: ChartStore) -> None:
    catalog = json.loads((tiny.folder / "catalog.json").read_text())
    entry = catalog["datasets"]["FR000001"]
    assert entry["metadata"]["compilation_scale"] == 20000 and entry["n_features"] == 7
    frame = gpd.read_parquet(tiny.folder / "FR000001.parquet")
    assert list(frame.columns) == list(model.COLUMNS) and frame.crs.to_epsg() == 4326
    reopened = ChartStore.open(tiny.folder)
    assert [m.cell for m in reopened.datasets()] == ["FR000001"]
    assert not list(tiny.folder.glob("*.tmp"))


@pytest.mark.parametrize(
    ("path", "expected"),
    [("US5WA22M.000", True), ("a.gpkg", True), ("b.geojson", True), ("notes.pdf", False), ("x.001", False)],
    ids=["s57", "gpkg", "geojson", "pdf", "update-only"],
)
def test_is_chart_path_by_suffix(path: str, expected: bool) -> None:
    assert ChartStore.is_chart_path(path) is expected


def test_is_chart_path_for_folders(tmp_path: Path) -> None:
    (tmp_path / "exchange" / "ENC_ROOT").mkdir(parents=True)
    (tmp_path / "exchange" / "ENC_ROOT" / "CATALOG.031").write_bytes(b"")
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "a.pdf").write_bytes(b"")
    assert ChartStore.is_chart_path(tmp_path / "exchange")
    assert not ChartStore.is_chart_path(tmp_path / "docs")


def test_within_distances_are_geodesic(tiny: ChartStore) -> None:
    here = Position(48.35, -4.55)
    res = tiny.within(here, 2.0)
    assert res.crs.to_epsg() == 4326
    assert list(res.columns[: len(model.COLUMNS)]) == list(model.COLUMNS)
    assert (np.diff(res["distance_nm"]) >= 0).all()
    assert "M_COVR" not in set(res["object_class"])  # meta objects only when asked for
    # point features: exactly pyproj
    for row in res[res.geometry.geom_type == "Point"].itertuples():
        az, _, d = GEOD.inv(here.lon, here.lat, row.geometry.x, row.geometry.y)
        assert row.distance_nm == pytest.approx(d / NM_M, abs=1e-9)
        assert row.bearing_deg == pytest.approx(az % 360, abs=1e-7)
    # the position is on the DEPARE boundary: distance 0
    depare = res[res["object_class"] == "DEPARE"].iloc[0]
    assert depare["distance_nm"] == 0 and depare["bearing_deg"] == 0
    # cable along latitude 48.37: nearest point is (nearly) due north
    cable = res[res["object_class"] == "CBLSUB"].iloc[0]
    _, _, d_north = GEOD.inv(-4.55, 48.35, -4.55, 48.37)
    assert cable["distance_nm"] * NM_M == pytest.approx(d_north, abs=1.0)
    assert cable["bearing_deg"] == pytest.approx(0.0, abs=0.1) or cable["bearing_deg"] > 359.9
    assert res.attrs["answered_by"] == ["FR000001"]


def test_within_radius_excludes_features_beyond_it(tiny: ChartStore) -> None:
    here = Position(48.36, -4.55)
    _, _, d = GEOD.inv(-4.55, 48.36, -4.56, 48.34)  # the 4.2 m wreck
    inside = tiny.within(here, d / NM_M + 1e-6, classes=["WRECKS"])
    outside = tiny.within(here, d / NM_M - 1e-3, classes=["WRECKS"])
    assert "FR000001-2" in set(inside["feature_id"]) and "FR000001-2" not in set(outside["feature_id"])
    assert tiny.within(here, 0.0, classes=["LIGHTS"])["feature_id"].tolist() == ["FR000001-0"]


def test_empty_result_keeps_the_columns(tiny: ChartStore) -> None:
    res = tiny.within((10.0, 10.0), 1.0)
    assert len(res) == 0 and {"distance_nm", "bearing_deg", *model.COLUMNS} <= set(res.columns)
    assert res.attrs["answered_by"] == []


@pytest.mark.parametrize(
    "bad",
    [(95.0, 0.0), (-90.5, 10.0), (10.0, 181.0), (float("nan"), 0.0)],
    ids=["lat-95", "lat-minus-90.5", "lon-181", "nan"],
)
def test_bad_position_raises_coordinate_error_naming_the_value(
    tiny: ChartStore, bad: tuple[float, float]
) -> None:
    shown = "nan" if bad[0] != bad[0] else str(bad[0] if abs(bad[0]) > 90 else bad[1])
    for call in (
        lambda: tiny.within(bad, 1.0),
        lambda: tiny.nearest(bad),
        lambda: tiny.containing(bad),
        lambda: tiny.visible_lights(bad),
        lambda: tiny.along_route([bad, (48.0, -4.0)], 1.0),
    ):
        with pytest.raises(CoordinateError, match=shown):
            call()


@pytest.mark.parametrize("radius", [-1.0, float("inf"), "far"], ids=["negative", "inf", "text"])
def test_bad_radius_is_a_query_error(tiny: ChartStore, radius: object) -> None:
    with pytest.raises(ChartQueryError, match="radius"):
        tiny.within((48.3, -4.5), radius)  # type: ignore[arg-type]


def test_nearest_orders_and_limits(tiny: ChartStore) -> None:
    res = tiny.nearest((48.36, -4.55), n=2, classes=["LIGHTS", "WRECKS"])
    assert res["feature_id"].tolist() == ["FR000001-0", "FR000001-2"]
    assert tiny.nearest((48.36, -4.55), n=10, classes=["LIGHTS"]).shape[0] == 2
    assert len(tiny.nearest((48.36, -4.55), n=3, classes=["LIGHTS"], max_radius_nm=1.0)) == 1
    assert len(tiny.nearest((48.36, -4.55), classes=["NOSUCH"])) == 0
    with pytest.raises(ChartQueryError, match="at least one"):
        tiny.nearest((48.36, -4.55), n=0)


def test_containing_and_inside(tiny: ChartStore) -> None:
    assert tiny.containing((48.32, -4.55))["object_class"].tolist() == ["DEPARE"]
    assert len(tiny.containing((48.40, -4.55))) == 0
    assert tiny.containing((48.40, -4.55), classes=["M_COVR"])["object_class"].tolist() == ["M_COVR"]
    got = tiny.inside((48.33, -4.57, 48.35, -4.55), classes=["WRECKS", "DEPARE"])
    assert sorted(got["feature_id"]) == ["FR000001-2", "FR000001-4"]
    poly = Polygon([(-4.53, 48.34), (-4.51, 48.34), (-4.51, 48.35), (-4.53, 48.35)])
    assert tiny.inside(poly, classes=["WRECKS"])["feature_id"].tolist() == ["FR000001-3"]
    with pytest.raises(ChartQueryError, match="north of"):
        tiny.inside((48.4, -4.6, 48.3, -4.5))


def test_route_width_is_the_full_corridor_width(tiny: ChartStore) -> None:
    # route along the meridian -4.56; the 4.2 m wreck is on it, the DEPARE is crossed
    route = [Position(48.31, -4.56), Position(48.36, -4.56)]
    res = tiny.along_route(route, 0.2, classes=["WRECKS", "DEPARE", "LIGHTS"])
    assert set(res["feature_id"]) == {"FR000001-2", "FR000001-4"}
    assert (np.diff(res["along_nm"]) >= 0).all()
    # the light at -4.55 is ~0.40 NM east: in a 1.0 NM corridor (0.5 each side), not in a 0.7 NM one
    _, _, off = GEOD.inv(-4.56, 48.36, -4.55, 48.36)
    assert "FR000001-0" in set(
        tiny.along_route(route, 2 * off / NM_M + 0.01, classes=["LIGHTS"])["feature_id"]
    )
    assert len(tiny.along_route(route, 2 * off / NM_M - 0.01, classes=["LIGHTS"])) == 0
    least = tiny.least_depth_along(route, 0.2)
    assert least is not None and least.depth_m == pytest.approx(4.2) and least.source_class == "WRECKS"
    assert least.position == Position(48.34, -4.56)
    with pytest.raises(ChartQueryError, match="two positions"):
        tiny.along_route([route[0]], 1.0)
    with pytest.raises(ChartQueryError, match="width"):
        tiny.along_route(route, 0.0)


def test_least_depth_reports_dangers_of_unknown_depth(tiny: ChartStore) -> None:
    route = [Position(48.345, -4.58), Position(48.345, -4.50)]
    least = tiny.least_depth_along(route, 0.2)
    assert least is not None and least.depth_m == 10.0 and least.source_class == "DEPARE"
    assert least.unknown_depth["feature_id"].tolist() == ["FR000001-3"]
    assert tiny.least_depth_along([(10.0, 10.0), (10.1, 10.1)], 1.0) is None


def test_visible_lights_range_and_sector(tiny: ChartStore) -> None:
    # sector light at (48.30, -4.50), range 3 NM, sector 000-090 (bearings from seaward toward the light):
    # an observer 1 NM to the south-west sees it on 045 -> inside; due east sees it on 270 -> outside.
    sw = GEOD.fwd(-4.50, 48.30, 225.0, 1852.0)
    east = GEOD.fwd(-4.50, 48.30, 90.0, 1852.0)
    assert "FR000001-1" in set(tiny.visible_lights((sw[1], sw[0]))["feature_id"])
    assert "FR000001-1" not in set(tiny.visible_lights((east[1], east[0]))["feature_id"])
    far = GEOD.fwd(-4.50, 48.30, 225.0, 3.5 * 1852.0)
    got = tiny.visible_lights((far[1], far[0]))
    assert "FR000001-1" not in set(got["feature_id"]) and "FR000001-0" in set(got["feature_id"])
    assert got["range_nm"].tolist() == [10.0]


def test_add_same_cell_replaces_and_remove_deletes(tiny: ChartStore) -> None:
    rows = [("LIGHTS", Point(-4.4, 48.3), None, {"OBJNAM": "Nouveau"})]
    tiny.add_dataset(_frame("FR000001", rows), _meta("FR000001"))
    assert len(tiny.features()) == 1
    assert tiny.gazetteer.lookup("nouveau")[0].cell == "FR000001"
    tiny.remove("FR000001")
    assert tiny.datasets() == [] and not (tiny.folder / "FR000001.parquet").exists()
    assert len(tiny.gazetteer) == 0
    with pytest.raises(ChartQueryError, match="FR000001"):
        tiny.remove("FR000001")


def test_antimeridian_query(tmp_path: Path) -> None:
    assert len(safe_boxes(60.0, 179.99, 5 * NM_M)) == 2
    rows = [
        ("LIGHTS", Point(179.995, 60.0), None, {}),
        ("LIGHTS", Point(-179.995, 60.0), None, {}),
        ("LIGHTS", Point(-179.0, 60.0), None, {}),
    ]
    store = ChartStore.open(tmp_path)
    store.add_dataset(_frame("AM000001", rows), _meta("AM000001"))
    res = store.within((60.0, 180.0), 1.0)
    assert sorted(res["feature_id"]) == ["AM000001-0", "AM000001-1"]
    assert res["distance_nm"].max() < 0.2
    assert store.nearest((60.0, -180.0), n=1)["feature_id"].tolist()[0] in {"AM000001-0", "AM000001-1"}


def test_safe_boxes_contain_the_circle() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        lat, lon = rng.uniform(-85, 85), rng.uniform(-180, 180)
        radius = float(rng.choice([10.0, 1852.0, 50_000.0, 1_000_000.0]))
        boxes = [shapely.box(*b) for b in safe_boxes(lat, lon, radius)]
        az = np.linspace(0, 360, 721)
        lons, lats, _ = GEOD.fwd(np.full(721, lon), np.full(721, lat), az, np.full(721, radius))
        pts = shapely.points(lons, lats)
        assert np.all(np.any([shapely.covers(b, pts) for b in boxes], axis=0)), (lat, lon, radius)


# --------------------------------------------------------------------------------------------------
# real cells


@pytest.fixture(scope="module")
def real_store(tmp_path_factory: pytest.TempPathFactory) -> ChartStore:
    _needs_shared()
    store = ChartStore.open(tmp_path_factory.mktemp("real") / "charts")
    report = store.ingest([ENC / c for c in MAIN_CELLS])
    assert sorted(c for c, _ in report.ingested) == sorted(MAIN_CELLS) and not report.skipped
    return store


@pytest.fixture(scope="module")
def overlap_store(tmp_path_factory: pytest.TempPathFactory) -> ChartStore:
    _needs_shared()
    store = ChartStore.open(tmp_path_factory.mktemp("overlap") / "charts")
    report = store.ingest([ENC / c for c in OVERLAP_CELLS])
    assert not report.skipped
    return store


def _key(frame: pd.DataFrame) -> Counter[tuple[str, str, str]]:
    return Counter(zip(frame["cell"], frame["object_class"], frame["feature_id"], strict=True))


def _user_features(store: ChartStore, classes: list[str] | None = None) -> gpd.GeoDataFrame:
    frame = store.features(classes=classes)
    return frame[~frame["object_class"].str.startswith(("M_", "C_"))].reset_index(drop=True)


def brute_distances(frame: gpd.GeoDataFrame, lat: float, lon: float) -> np.ndarray:
    """Geodesic distance (m) from (lat, lon) to every feature, by Geod.inv on points and vertices.

    Lines and area boundaries are densified to 0.0005 degrees; every segment that may hold the
    minimum is then sampled every ~0.3 m. An area that contains the point is at 0.
    """
    geoms = np.asarray(frame.geometry.array, dtype=object)
    out = np.full(len(geoms), np.inf)
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6])
    inside = polygonal & shapely.intersects(geoms, Point(lon, lat))
    out[inside] = 0.0
    todo = np.flatnonzero(~inside)
    lines = np.where(polygonal[todo], shapely.boundary(geoms[todo]), geoms[todo])
    parts, part_geom = shapely.get_parts(shapely.segmentize(lines, 0.0005), return_index=True)
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    owner = todo[part_geom[part_of]]
    n = len(coords)
    _, _, d = GEOD.inv(np.full(n, lon), np.full(n, lat), coords[:, 0], coords[:, 1])
    np.minimum.at(out, owner, d)
    same = part_of[:-1] == part_of[1:]
    a, b = np.flatnonzero(same), np.flatnonzero(same) + 1
    _, _, seg_len = GEOD.inv(coords[a, 0], coords[a, 1], coords[b, 0], coords[b, 1])
    maybe = np.minimum(d[a], d[b]) - seg_len <= out[owner[a]] + 1e-6
    a, b = a[maybe], b[maybe]
    t = np.linspace(0.0, 1.0, 201)
    for lo in range(0, len(a), 2000):
        aa, bb = a[lo : lo + 2000], b[lo : lo + 2000]
        xs = coords[aa, 0][:, None] + t * (coords[bb, 0] - coords[aa, 0])[:, None]
        ys = coords[aa, 1][:, None] + t * (coords[bb, 1] - coords[aa, 1])[:, None]
        m = xs.size
        _, _, ds = GEOD.inv(np.full(m, lon), np.full(m, lat), xs.ravel(), ys.ravel())
        np.minimum.at(out, np.repeat(owner[aa], len(t)), ds)
    return out


QUERIES = [
    pytest.param("US5WA22M", 47.2700, -122.4200, 1.0, id="tacoma-harbour"),
    pytest.param("US5WA22M", 47.3050, -122.4600, 1.5, id="commencement-bay"),
    pytest.param("US3DE01M", 38.8000, -75.0000, 3.0, id="delaware-mouth"),
    pytest.param("US3DE01M", 37.5000, -75.3000, 5.0, id="off-virginia"),
    pytest.param("US6LGBDE", 33.7650, -118.1400, 0.8, id="long-beach"),
]


_BRUTE: dict[tuple[float, float], tuple[gpd.GeoDataFrame, np.ndarray]] = {}


def _brute_all(store: ChartStore, lat: float, lon: float) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """Every user feature of the store and its brute-force distance (cached per position)."""
    if (lat, lon) not in _BRUTE:
        frame = _user_features(store)
        _BRUTE[(lat, lon)] = (frame, brute_distances(frame, lat, lon))
    return _BRUTE[(lat, lon)]


@pytest.mark.integration
@pytest.mark.parametrize(("cell", "lat", "lon", "radius_nm"), QUERIES)
def test_within_matches_brute_force(
    real_store: ChartStore, cell: str, lat: float, lon: float, radius_nm: float
) -> None:
    frame, truth = _brute_all(real_store, lat, lon)
    mask = (frame["cell"] == cell).to_numpy()
    frame, truth = frame[mask].reset_index(drop=True), truth[mask]
    got = real_store.within(Position(lat, lon), radius_nm)
    assert set(got["cell"]) <= {cell} and len(got) > 10
    radius_m = radius_nm * NM_M
    sure_in = frame[truth <= radius_m - 1.0]
    maybe_in = frame[truth <= radius_m + 1.0]
    assert _key(sure_in) <= _key(got) <= _key(maybe_in)
    by_key = {
        k: d
        for k, d in zip(
            zip(frame["cell"], frame["object_class"], frame["feature_id"], strict=True), truth, strict=True
        )
    }
    err = [
        abs(by_key[k] - d * NM_M)
        for k, d in zip(
            _key(got).keys(),
            got.groupby(["cell", "object_class", "feature_id"], sort=False)["distance_nm"].min(),
            strict=True,
        )
    ]
    assert max(err) < 1.0
    # bearings of point features are pyproj's
    pts = got[got.geometry.geom_type == "Point"]
    az, _, _ = GEOD.inv(np.full(len(pts), lon), np.full(len(pts), lat), pts.geometry.x, pts.geometry.y)
    diff = np.abs(((np.asarray(az) % 360) - pts["bearing_deg"] + 180) % 360 - 180)
    assert diff.max() < 1e-6


@pytest.mark.integration
@pytest.mark.parametrize(("cell", "lat", "lon", "radius_nm"), QUERIES)
@pytest.mark.parametrize("classes", [None, ["LIGHTS", "WRECKS", "OBSTRN"]], ids=["all", "dangers"])
def test_nearest_matches_brute_force(
    real_store: ChartStore, cell: str, lat: float, lon: float, radius_nm: float, classes: list[str] | None
) -> None:
    frame, truth = _brute_all(real_store, lat, lon)
    if classes is not None:
        truth = truth[frame["object_class"].isin(classes).to_numpy()]
    got = real_store.nearest(Position(lat, lon), n=5, classes=classes)
    expected = np.sort(truth)[:5]
    assert len(got) == min(5, len(truth))
    np.testing.assert_allclose(got["distance_nm"].to_numpy() * NM_M, expected, atol=1.0)


@pytest.mark.integration
@pytest.mark.parametrize(("cell", "lat", "lon", "radius_nm"), QUERIES)
def test_containing_matches_shapely(
    real_store: ChartStore, cell: str, lat: float, lon: float, radius_nm: float
) -> None:
    frame = _user_features(real_store)
    polygonal = frame.geometry.geom_type.isin(["Polygon", "MultiPolygon"])
    truth = frame[polygonal & frame.geometry.intersects(Point(lon, lat))]
    got = real_store.containing(Position(lat, lon))
    assert _key(got) == _key(truth) and len(got) > 0
    assert got.attrs["answered_by"] == [cell]


def _utm_for(lat: float, lon: float) -> Transformer:
    zone = int((lon + 180) // 6) + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return Transformer.from_crs("EPSG:4326", f"EPSG:{epsg}", always_xy=True)


def _brute_route(frame: gpd.GeoDataFrame, route: list[Position]) -> np.ndarray:
    """Off-track distance (m) of every feature from the geodesic route, measured in UTM."""
    to_utm = _utm_for(route[0].lat, route[0].lon)
    pts = [route[0].as_lonlat()]
    for a, b in itertools.pairwise(route):
        pts.extend(GEOD.npts(a.lon, a.lat, b.lon, b.lat, 400))
        pts.append(b.as_lonlat())
    track = shapely.transform(LineString(pts), lambda c: np.column_stack(to_utm.transform(c[:, 0], c[:, 1])))
    geoms = shapely.transform(
        np.asarray(frame.geometry.array, dtype=object),
        lambda c: np.column_stack(to_utm.transform(c[:, 0], c[:, 1])),
    )
    return np.asarray(shapely.distance(geoms, track))


ROUTES = [
    pytest.param([(47.275, -122.44), (47.29, -122.425), (47.30, -122.43)], 0.3, id="tacoma-dogleg"),
    pytest.param([(38.60, -75.05), (38.90, -74.95)], 1.0, id="delaware-approach"),
    pytest.param([(33.76, -118.16), (33.77, -118.13)], 0.2, id="long-beach"),
]


@pytest.mark.integration
@pytest.mark.parametrize(("route", "width_nm"), ROUTES)
def test_route_corridor_and_least_depth_match_brute_force(
    real_store: ChartStore, route: list[tuple[float, float]], width_nm: float
) -> None:
    positions = [Position(*p) for p in route]
    frame = _user_features(real_store, list(LEAST_DEPTH_CLASSES))
    off = _brute_route(frame, positions)
    half = width_nm * NM_M / 2
    got = real_store.along_route(positions, width_nm, classes=list(LEAST_DEPTH_CLASSES))
    assert _key(frame[off <= half - 1.0]) <= _key(got) <= _key(frame[off <= half + 1.0])
    assert (np.diff(got["along_nm"]) >= -1e-12).all()
    depth = pd.to_numeric(frame["depth_m"], errors="coerce").to_numpy()
    inner = depth[(off <= half - 1.0) & np.isfinite(depth)]
    outer = depth[(off <= half + 1.0) & np.isfinite(depth)]
    least = real_store.least_depth_along(positions, width_nm)
    assert least is not None
    assert outer.min() <= least.depth_m <= inner.min()
    assert (least.features["depth_m"] == least.depth_m).all()
    assert least.source_class in LEAST_DEPTH_CLASSES
    assert least.features["distance_nm"].max() * NM_M <= half + 1e-6


@pytest.mark.integration
def test_overlapping_cells_prefer_the_largest_scale(overlap_store: ChartStore) -> None:
    small = Position(57.18192, -170.41915)  # sea inside US4AK3SB (1:40 000), also in US2AK5FM (1:1 023 188)
    frame = overlap_store.features(classes=["DEPARE"])
    assert frame[frame.geometry.intersects(Point(small.lon, small.lat))]["cell"].nunique() == 2
    here = overlap_store.containing(small)
    assert set(here["cell"]) == {"US4AK3SB"} and here.attrs["answered_by"] == ["US4AK3SB"]
    assert "DEPARE" in set(here["object_class"])
    away = overlap_store.containing(Position(55.0, -165.0))
    assert away.attrs["answered_by"] == ["US2AK5FM"] and set(away["cell"]) == {"US2AK5FM"}
    # near the edge of the harbour cell both answer, the small-scale one only outside the large-scale coverage
    edge = overlap_store.within(Position(57.0, -170.7), 6.0)
    assert edge.attrs["answered_by"] == ["US4AK3SB", "US2AK5FM"]
    covr = overlap_store.features(classes=["M_COVR"], cells=["US4AK3SB"])
    coverage = shapely.union_all(covr.geometry[covr["attributes"].str.contains('"CATCOV": 1')].to_numpy())
    coarse = edge[edge["cell"] == "US2AK5FM"]
    assert len(coarse) and not coarse.geometry.apply(coverage.contains).any()


@pytest.mark.integration
@pytest.mark.parametrize(
    ("lat", "lon"),
    [(54.70, -163.25), (54.85, -163.10), (55.30, -160.10), (54.30, -164.80), (55.20, -160.60)],
    ids=["sw-of-light", "ne-of-light", "two-sectors", "all-round", "wide-sector"],
)
def test_visible_lights_match_brute_force(overlap_store: ChartStore, lat: float, lon: float) -> None:
    lights_frame = overlap_store.features(classes=["LIGHTS"])
    expected = set()
    for row in lights_frame.itertuples():
        attrs = json.loads(row.attributes)
        rng = attrs.get("VALNMR")
        if rng is None:
            continue
        az, _, d = GEOD.inv(lon, lat, row.geometry.x, row.geometry.y)
        if d > float(rng) * NM_M:
            continue
        s1, s2 = attrs.get("SECTR1"), attrs.get("SECTR2")
        if s1 is not None and s2 is not None:
            width = (float(s2) - float(s1)) % 360
            if width and (az % 360 - float(s1)) % 360 > width:  # az = observer -> light
                continue
        expected.add(row.feature_id)
    got = overlap_store.visible_lights(Position(lat, lon))
    assert set(got["feature_id"]) == expected
    assert (got["distance_nm"] <= got["range_nm"]).all()
    assert all(lights.characteristic(json.loads(a)) for a in got["attributes"])


# --------------------------------------------------------------------------------------------------
# ingest on real files


@pytest.mark.integration
def test_ingest_is_idempotent(tmp_path: Path) -> None:
    _needs_shared()
    store = ChartStore.open(tmp_path / "charts")
    first = store.ingest([ENC / "US6LGBDE"])
    assert [c for c, _ in first.ingested] == ["US6LGBDE"] and first.ingested[0][1] > 1000
    mtime = (store.folder / "US6LGBDE.parquet").stat().st_mtime_ns
    second = ChartStore.open(store.folder).ingest([ENC / "US6LGBDE"])
    assert second.ingested == [] and second.unchanged == ["US6LGBDE"] and second.skipped == []
    assert (store.folder / "US6LGBDE.parquet").stat().st_mtime_ns == mtime
    meta = store.datasets()[0]
    assert meta.cell == "US6LGBDE" and meta.compilation_scale and meta.edition


@pytest.mark.integration
def test_updates_change_the_hash(tmp_path: Path) -> None:
    _needs_shared()
    cell = tmp_path / "US5WA22M"
    shutil.copytree(ENC / "US5WA22M", cell)
    (cell / "US5WA22M.004").unlink()
    store = ChartStore.open(tmp_path / "charts")
    assert [c for c, _ in store.ingest([cell]).ingested] == ["US5WA22M"]
    shutil.copy(ENC / "US5WA22M" / "US5WA22M.004", cell)
    again = store.ingest([cell])
    assert [c for c, _ in again.ingested] == ["US5WA22M"] and again.unchanged == []
    assert store.datasets()[0].update_number == 4


@pytest.mark.integration
def test_corrupt_dataset_is_reported_and_the_index_untouched(tmp_path: Path) -> None:
    _needs_shared()
    store = ChartStore.open(tmp_path / "charts")
    store.ingest([ENC / "US6LGBDE"])
    before = (store.folder / "US6LGBDE.parquet").read_bytes()
    catalog_before = (store.folder / "catalog.json").read_text()
    answer_before = store.within((33.765, -118.14), 0.5)
    bad = tmp_path / "batch" / "US6LGBDE"
    bad.mkdir(parents=True)
    data = (ENC / "US6LGBDE" / "US6LGBDE.000").read_bytes()
    (bad / "US6LGBDE.000").write_bytes(data[: len(data) // 3])
    garbage = tmp_path / "batch" / "US9XXXXX"
    garbage.mkdir()
    (garbage / "US9XXXXX.000").write_bytes(b"not an ISO 8211 file at all" * 10)
    report = store.ingest([bad, garbage, ENC / "US5WA22M"])
    assert [c for c, _ in report.ingested] == ["US5WA22M"]
    skipped = dict(report.skipped)
    assert set(skipped) == {str(bad / "US6LGBDE.000"), str(garbage / "US9XXXXX.000")}
    assert all(reason for reason in skipped.values())
    assert (store.folder / "US6LGBDE.parquet").read_bytes() == before
    assert (
        json.loads((store.folder / "catalog.json").read_text())["datasets"]["US6LGBDE"]
        == json.loads(catalog_before)["datasets"]["US6LGBDE"]
    )
    after = ChartStore.open(store.folder).within((33.765, -118.14), 0.5)
    assert _key(after) == _key(answer_before)


@pytest.mark.integration
def test_ingest_reports_missing_paths_and_progress(tmp_path: Path) -> None:
    _needs_shared()
    seen: list[tuple[int, int, str]] = []
    store = ChartStore.open(tmp_path / "charts")
    report = store.ingest([tmp_path / "nope", ENC / "US6LGBDE"], progress=lambda *a: seen.append(a))
    assert report.skipped == [(str(tmp_path / "nope"), "no such file or folder")]
    assert seen == [(1, 1, "US6LGBDE.000")]


def test_ingest_geojson_folder(tmp_path: Path) -> None:
    collection = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-4.55, 48.36]},
                "properties": {"object_class": "LIGHTS", "OBJNAM": "Phare du Minou", "VALNMR": 10},
            },
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [-4.56, 48.34]},
                "properties": {"object_class": "WRECKS", "VALSOU": 4.2},
            },
        ],
    }
    data = tmp_path / "data"
    data.mkdir()
    (data / "brest sample.geojson").write_text(json.dumps(collection))
    assert ChartStore.is_chart_path(data) and ChartStore.is_chart_path(data / "brest sample.geojson")
    store = ChartStore.open(tmp_path / "charts")
    assert store.ingest([data]).ingested == [("brest sample", 2)]
    got = store.within((48.35, -4.55), 2.0)
    assert got["object_class"].tolist() == ["LIGHTS", "WRECKS"] and got["depth_m"].iloc[1] == 4.2
    assert store.gazetteer.lookup("minou")[0].cell == "brest sample"
    assert store.ingest([data]).unchanged == ["brest sample"]


def test_unnamed_lights_take_the_name_of_the_structure_they_stand_on(tmp_path: Path) -> None:
    """S-57 names the buoy or the lighthouse, not its light: a query names the light after a named
    structure charted within 10 m, says which, and leaves a light with no structure there unnamed."""
    buoy, tower = Point(-4.55, 48.36), Point(-4.50, 48.30)
    # 7 m east of the tower (at 48.3° a degree of longitude is about 74 km).
    beside_tower = Point(-4.50 + 7 / 74_000, 48.30)
    rows = [
        ("BOYLAT", buoy, None, {"OBJNAM": "Bouée n° 5", "NOBJNM": "Bouée verte n° 5"}),
        ("LIGHTS", buoy, None, {"LITCHR": 2, "COLOUR": [4]}),
        ("LNDMRK", tower, None, {"OBJNAM": "Pointe Light", "CATLMK": [17]}),
        ("LIGHTS", beside_tower, None, {"LITCHR": 2, "COLOUR": [1]}),
        ("LIGHTS", Point(-4.52, 48.33), None, {"LITCHR": 1}),  # stands alone
        ("LIGHTS", Point(-4.50, 48.301), None, {"OBJNAM": "Own name"}),  # 110 m away, named itself
        ("M_COVR", Polygon([(-4.7, 48.2), (-4.4, 48.2), (-4.4, 48.45), (-4.7, 48.45)]), None, {"CATCOV": 1}),
    ]
    store = ChartStore.open(tmp_path / "charts")
    store.add_dataset(_frame("FR000002", rows), _meta("FR000002"))
    lights = store.within(Position(48.33, -4.52), 5.0, classes=["LIGHTS"]).set_index("feature_id")
    assert lights.loc["FR000002-1", "name"] == "Bouée n° 5"
    assert lights.loc["FR000002-1", "national_name"] == "Bouée verte n° 5"
    assert lights.loc["FR000002-1", "named_after"] == "BOYLAT FR000002-0"
    assert lights.loc["FR000002-3", "name"] == "Pointe Light"
    assert lights.loc["FR000002-3", "named_after"] == "LNDMRK FR000002-2"
    assert pd.isna(lights.loc["FR000002-4", "name"]) and pd.isna(lights.loc["FR000002-4", "named_after"])
    assert lights.loc["FR000002-5", "name"] == "Own name" and pd.isna(lights.loc["FR000002-5", "named_after"])
    # The raw attributes keep what the chart says; the stored features are not changed.
    assert "OBJNAM" not in json.loads(lights.loc["FR000002-1", "attributes"])
    assert store.features(classes=["LIGHTS"])["name"].isna().sum() == 3
    nearest = store.nearest(Position(48.30, -4.50), n=1, classes=["LIGHTS"])
    assert nearest["name"].tolist() == ["Pointe Light"]
