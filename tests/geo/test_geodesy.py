"""Tests of maritime.geo.geodesy against pyproj directly and against known values."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Geod

from maritime.errors import CoordinateError
from maritime.geo import geodesy
from maritime.geo.coordinates import Position, parse_position
from maritime.geo.geodesy import (
    bbox_around,
    bearing_deg,
    destination,
    distance_bearing,
    distance_nm,
    distances_nm,
)
from maritime.geo.units import DistanceError

GEOD = Geod(ellps="WGS84")

PORTZIC = parse_position("48°21,56' N - 004°31,98' O")  # Feu du Portzic, Goulet de Brest
SAINT_MATHIEU = parse_position("48°19,85' N - 004°46,26' O")  # Phare de la pointe Saint-Mathieu

positions = st.builds(
    Position,
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
)


def pyproj_inv(a: Position, b: Position) -> tuple[float, float]:
    az, _, metres = GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    return metres / 1852.0, az % 360.0


# --------------------------------------------------------------------------------------------------
# Distances and bearings


@pytest.mark.parametrize(
    ("lat", "low", "high"),
    [(0.0, 59.6, 59.8), (45.0, 59.9, 60.1), (48.0, 59.95, 60.15), (89.0, 60.2, 60.4)],
    ids=["equator", "45N", "48N", "89N"],
)
def test_one_degree_of_latitude_is_about_60_nm(lat: float, low: float, high: float) -> None:
    # The meridian degree grows from 59.7 NM at the equator to 60.3 NM at the poles (flattening).
    d = distance_nm(Position(lat - 0.5, -4.0), Position(lat + 0.5, -4.0))
    assert low < d < high


def test_one_degree_of_longitude_shrinks_with_latitude() -> None:
    at_equator = distance_nm(Position(0.0, 0.0), Position(0.0, 1.0))
    at_60 = distance_nm(Position(60.0, 0.0), Position(60.0, 1.0))
    assert at_equator == pytest.approx(60.108, abs=1e-3)
    assert at_60 == pytest.approx(30.1, abs=0.1)  # ~cos(60°): planar degrees would be twice as wrong


def test_portzic_to_saint_mathieu() -> None:
    d, brg = distance_bearing(PORTZIC, SAINT_MATHIEU)
    assert 9.3 < d < 9.9  # about 9.6 NM down the Goulet
    assert 255.0 < brg < 265.0  # roughly WSW
    back_d, back_brg = distance_bearing(SAINT_MATHIEU, PORTZIC)
    assert back_d == pytest.approx(d, rel=1e-12)
    assert back_brg == pytest.approx((brg + 180.0) % 360.0, abs=0.2)  # reciprocal, within convergence


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (Position(0.0, 0.0), Position(1.0, 0.0), 0.0),
        (Position(0.0, 0.0), Position(0.0, 1.0), 90.0),
        (Position(0.0, 0.0), Position(-1.0, 0.0), 180.0),
        (Position(0.0, 0.0), Position(0.0, -1.0), 270.0),
        (Position(48.0, -4.0), Position(49.0, -4.0), 0.0),
        (Position(48.0, -4.0), Position(47.0, -4.0), 180.0),
        (Position(0.0, 179.5), Position(0.0, -179.5), 90.0),
        (Position(0.0, -179.5), Position(0.0, 179.5), 270.0),
    ],
    ids=["north", "east", "south", "west", "north-48N", "south-48N", "east-across-180", "west-across-180"],
)
def test_bearing_cardinal_points(start: Position, end: Position, expected: float) -> None:
    assert bearing_deg(start, end) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("end", "low", "high"),
    [
        (Position(0.01, 0.01), 0.0, 90.0),
        (Position(-0.01, 0.01), 90.0, 180.0),
        (Position(-0.01, -0.01), 180.0, 270.0),
        (Position(0.01, -0.01), 270.0, 360.0),
    ],
    ids=["NE", "SE", "SW", "NW"],
)
def test_bearing_quadrants(end: Position, low: float, high: float) -> None:
    assert low < bearing_deg(Position(0.0, 0.0), end) < high


def test_coincident_points() -> None:
    p = Position(48.0, -4.0)
    assert distance_bearing(p, p) == (0.0, 0.0)
    assert distance_nm(p, p) == 0.0
    assert bearing_deg(p, p) == 0.0


@settings(max_examples=200)
@given(a=positions, b=positions)
def test_distance_and_bearing_agree_with_pyproj(a: Position, b: Position) -> None:
    d, brg = distance_bearing(a, b)
    expected_d, expected_brg = pyproj_inv(a, b)
    assert d == pytest.approx(expected_d, rel=1e-12, abs=1e-12)
    assert distance_nm(a, b) == d
    assert 0.0 <= brg < 360.0
    if d > 0:
        assert math.cos(math.radians(brg - expected_brg)) == pytest.approx(1.0, abs=1e-12)
    assert d <= 10_820.0  # half the meridian: nothing is farther on the ellipsoid


# --------------------------------------------------------------------------------------------------
# destination


def test_destination_due_north_one_degree() -> None:
    p = destination(Position(48.0, -5.0), 0.0, 60.0)
    assert p.lon == pytest.approx(-5.0, abs=1e-12)
    assert p.lat == pytest.approx(48.9993, abs=1e-4)


def test_destination_across_the_antimeridian_wraps_longitude() -> None:
    p = destination(Position(0.0, 179.9), 90.0, 30.0)
    assert -180.0 <= p.lon <= 180.0
    assert p.lon == pytest.approx(-179.6, abs=0.01)


def test_destination_zero_distance_returns_the_start() -> None:
    start = Position(48.0, -5.0)
    assert destination(start, 123.0, 0.0) == start


@pytest.mark.parametrize(
    ("bearing", "distance", "error"),
    [(0.0, -1.0, DistanceError), (0.0, math.nan, DistanceError), (math.inf, 1.0, ValueError)],
    ids=["negative-distance", "nan-distance", "infinite-bearing"],
)
def test_destination_rejects(bearing: float, distance: float, error: type[Exception]) -> None:
    with pytest.raises(error):
        destination(Position(0.0, 0.0), bearing, distance)


@settings(max_examples=200)
@given(
    a=st.builds(Position, lat=st.floats(-80, 80), lon=st.floats(-180, 180)),
    bearing=st.floats(0, 360, exclude_max=True),
    dist=st.floats(0.01, 3000),
)
def test_destination_then_inverse_returns_distance_and_bearing(
    a: Position, bearing: float, dist: float
) -> None:
    b = destination(a, bearing, dist)
    d, brg = distance_bearing(a, b)
    assert d == pytest.approx(dist, rel=1e-9)
    assert math.cos(math.radians(brg - bearing)) == pytest.approx(1.0, abs=1e-9)


# --------------------------------------------------------------------------------------------------
# distances_nm


def test_distances_nm_matches_scalar_distances() -> None:
    lats = np.array([48.0, 49.0, 0.0, -45.5])
    lons = np.array([-4.0, -5.0, 179.0, 170.25])
    origin = PORTZIC
    result = distances_nm(origin, lats, lons)
    expected = [distance_nm(origin, Position(la, lo)) for la, lo in zip(lats, lons, strict=True)]
    assert result.dtype == np.float64
    np.testing.assert_allclose(result, expected, rtol=1e-12)


def test_distances_nm_keeps_shape_and_broadcasts() -> None:
    lats = np.array([[48.0, 49.0], [50.0, 51.0]])
    result = distances_nm(Position(48.0, -4.0), lats, -4.0)
    assert result.shape == (2, 2)
    assert result[0, 0] == 0.0
    assert result[1, 1] > result[1, 0] > result[0, 1]


def test_distances_nm_empty_and_nan() -> None:
    assert distances_nm(Position(0.0, 0.0), [], []).shape == (0,)
    result = distances_nm(Position(0.0, 0.0), [0.0, math.nan], [1.0, 1.0])
    assert result[0] == pytest.approx(60.108, abs=1e-3)
    assert math.isnan(result[1])


@pytest.mark.parametrize(
    ("lats", "lons", "message"),
    [
        ([91.0], [0.0], "latitude 91.0 at flat index 0 is outside"),
        ([0.0, 1.0], [0.0, -200.0], "longitude -200.0 at flat index 1 is outside"),
    ],
    ids=["lat", "lon"],
)
def test_distances_nm_rejects_out_of_range(lats: list[float], lons: list[float], message: str) -> None:
    with pytest.raises(CoordinateError, match=message):
        distances_nm(Position(0.0, 0.0), lats, lons)


# --------------------------------------------------------------------------------------------------
# bbox_around


def circle(center: Position, radius_nm: float, n: int = 36) -> tuple[np.ndarray, np.ndarray]:
    """Points of the geodesic circle at n bearings, computed with pyproj directly."""
    az = np.arange(n) * (360.0 / n)
    lons, lats, _ = GEOD.fwd(
        np.full(n, center.lon), np.full(n, center.lat), az, np.full(n, radius_nm * 1852.0)
    )
    return np.asarray(lats), np.asarray(lons)


def assert_contains(box: tuple[float, float, float, float], lats: np.ndarray, lons: np.ndarray) -> None:
    min_lat, min_lon, max_lat, max_lon = box
    assert -90.0 <= min_lat <= max_lat <= 90.0
    assert -180.0 <= min_lon <= max_lon <= 180.0
    assert (lats >= min_lat).all() and (lats <= max_lat).all()
    assert (lons >= min_lon).all() and (lons <= max_lon).all()


BBOX_CASES = [
    (PORTZIC, 10.0, False, "brest-10nm"),
    (Position(0.0, 0.0), 600.0, False, "equator-600nm"),
    (Position(-60.0, 100.0), 1000.0, False, "southern-ocean-1000nm"),
    (Position(80.0, 10.0), 300.0, False, "svalbard-300nm"),
    (Position(89.0, 0.0), 50.0, False, "near-pole-not-containing-it"),
    (Position(89.5, 0.0), 60.0, True, "contains-north-pole"),
    (Position(-89.9, 45.0), 10.0, True, "contains-south-pole"),
    (Position(90.0, 0.0), 1.0, True, "at-north-pole"),
    (Position(0.0, 179.5), 60.0, True, "crosses-antimeridian-east"),
    (Position(-17.0, -179.9), 20.0, True, "crosses-antimeridian-west"),
    (Position(0.0, 0.0), 11_000.0, True, "larger-than-half-the-earth"),
]


@pytest.mark.parametrize(
    ("center", "radius", "full_lon"), [c[:3] for c in BBOX_CASES], ids=[c[3] for c in BBOX_CASES]
)
def test_bbox_around_contains_the_circle(center: Position, radius: float, full_lon: bool) -> None:
    box = bbox_around(center, radius)
    assert_contains(box, *circle(center, radius, 36))
    assert_contains(box, *circle(center, radius, 3600))  # and between the 36 bearings
    assert ((box[1], box[3]) == (-180.0, 180.0)) is full_lon


def test_bbox_around_is_tight() -> None:
    box = bbox_around(PORTZIC, 10.0)
    lats, lons = circle(PORTZIC, 10.0, 36_000)
    assert box[0] == pytest.approx(lats.min(), abs=1e-8)
    assert box[2] == pytest.approx(lats.max(), abs=1e-8)
    assert box[1] == pytest.approx(lons.min(), abs=1e-6)
    assert box[3] == pytest.approx(lons.max(), abs=1e-6)
    # 10 NM is 1/6 degree of latitude, but 1/4 degree of longitude at 48°N.
    assert box[2] - box[0] == pytest.approx(2 * 10 / 60, rel=0.01)
    assert box[3] - box[1] == pytest.approx(2 * 10 / 60 / math.cos(math.radians(PORTZIC.lat)), rel=0.01)


def test_bbox_around_pole_clamps_latitude() -> None:
    min_lat, min_lon, max_lat, max_lon = bbox_around(Position(89.5, 0.0), 60.0)
    assert max_lat == 90.0
    assert (min_lon, max_lon) == (-180.0, 180.0)
    assert min_lat == pytest.approx(88.5, abs=0.01)


def test_bbox_around_zero_radius() -> None:
    assert bbox_around(Position(48.0, -5.0), 0.0) == (48.0, -5.0, 48.0, -5.0)


@pytest.mark.parametrize("radius", [-1.0, math.nan, math.inf], ids=["negative", "nan", "inf"])
def test_bbox_around_rejects_bad_radius(radius: float) -> None:
    with pytest.raises(DistanceError, match="radius_nm"):
        bbox_around(Position(0.0, 0.0), radius)


@settings(max_examples=100)
@given(center=positions, radius=st.floats(min_value=0.001, max_value=5000))
def test_bbox_around_contains_the_circle_everywhere(center: Position, radius: float) -> None:
    assert_contains(bbox_around(center, radius), *circle(center, radius, 360))


def test_module_docstring_examples() -> None:
    result = doctest.testmod(geodesy, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5
    assert result.failed == 0
