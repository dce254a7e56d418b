"""Tests of maritime.geo.units: constants, conversions and distances written in French and English."""

from __future__ import annotations

import doctest
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from maritime.errors import MaritimeError
from maritime.geo import units
from maritime.geo.units import (
    CABLE_NM,
    METRES_PER_CABLE,
    METRES_PER_FATHOM,
    METRES_PER_FOOT,
    METRES_PER_KM,
    METRES_PER_NM,
    DistanceError,
    from_metres,
    m_to_nm,
    nm_to_m,
    parse_distance,
    to_metres,
)


def test_constants() -> None:
    assert METRES_PER_NM == 1852.0
    assert CABLE_NM == 0.1
    assert METRES_PER_CABLE == pytest.approx(CABLE_NM * METRES_PER_NM) == 185.2
    assert METRES_PER_FOOT == 0.3048
    assert METRES_PER_FATHOM == 1.8288
    assert math.isclose(METRES_PER_FATHOM, 6 * METRES_PER_FOOT)
    assert METRES_PER_KM == 1000.0


def test_distance_error_is_a_maritime_value_error() -> None:
    assert issubclass(DistanceError, MaritimeError)
    assert issubclass(DistanceError, ValueError)


@pytest.mark.parametrize(
    ("value", "unit", "metres"),
    [
        (1, "M", 1852.0),
        (1, "NM", 1852.0),
        (2, "nautical miles", 3704.0),
        (0.5, "mille", 926.0),
        (3, "milles marins", 5556.0),
        (1, "cable", 185.2),
        (2, "encablures", 370.4),
        (2, "encâblures", 370.4),
        (1, "m", 1.0),
        (1.5, "km", 1500.0),
        (10, "ft", 3.048),
        (10, "pieds", 3.048),
        (3, "fathoms", 5.4864),
        (3, "brasses", 5.4864),
        (0, "M", 0.0),
    ],
    ids=[
        "M-capital-is-nautical-mile",
        "NM",
        "nautical-miles",
        "mille",
        "milles-marins",
        "cable",
        "encablures",
        "encablures-circumflex",
        "m-lower-is-metre",
        "km",
        "ft",
        "pieds",
        "fathoms",
        "brasses",
        "zero",
    ],
)
def test_to_and_from_metres(value: float, unit: str, metres: float) -> None:
    assert to_metres(value, unit) == pytest.approx(metres)
    assert from_metres(metres, unit) == pytest.approx(value)


@pytest.mark.parametrize(
    "unit", ["furlong", "", "MM", "miles per hour"], ids=["furlong", "empty", "MM", "speed"]
)
def test_unknown_unit_raises(unit: str) -> None:
    with pytest.raises(DistanceError, match="unknown distance unit"):
        to_metres(1, unit)
    with pytest.raises(DistanceError, match="unknown distance unit"):
        from_metres(1, unit)


def test_nm_and_m() -> None:
    assert nm_to_m(1) == 1852.0
    assert nm_to_m(0.1) == pytest.approx(185.2)
    assert m_to_nm(926) == 0.5
    assert m_to_nm(0) == 0.0


@given(st.floats(min_value=0, max_value=1e6, allow_nan=False))
def test_nm_m_round_trip(nm: float) -> None:
    assert m_to_nm(nm_to_m(nm)) == pytest.approx(nm, rel=1e-12, abs=1e-12)


PARSE_CASES = [
    ("3 M", 5556.0, "M"),
    ("3M", 5556.0, "M-no-space"),
    ("3 M.", 5556.0, "M-trailing-dot"),
    ("3 milles", 5556.0, "milles"),
    ("0,5 mille", 926.0, "mille-decimal-comma"),
    ("2,5 milles marins", 4630.0, "milles-marins"),
    ("1 mille nautique", 1852.0, "mille-nautique"),
    ("3 nautical miles", 5556.0, "nautical-miles"),
    ("3 miles", 5556.0, "miles-are-nautical"),
    ("5 NM", 9260.0, "NM"),
    ("5 nm", 9260.0, "nm"),
    ("2 cables", 370.4, "cables"),
    ("2 encablures", 370.4, "encablures"),
    ("1 encâblure", 185.2, "encablure-circumflex"),
    ("200 m", 200.0, "metres"),
    ("200 mètres", 200.0, "metres-fr"),
    ("1 852 m", 1852.0, "thousands-space"),
    ("1\u202f852 m", 1852.0, "thousands-narrow-nbsp"),
    ("1.5 km", 1500.0, "km-point"),
    ("1,5 km", 1500.0, "km-comma"),
    ("10 ft", 3.048, "ft"),
    ("10 feet", 3.048, "feet"),
    ("3 fathoms", 5.4864, "fathoms"),
    ("3 brasses", 5.4864, "brasses"),
    (".5 NM", 926.0, "leading-decimal-point"),
    ("  2 Cables  ", 370.4, "spaces-and-case"),
]


@pytest.mark.parametrize(("text", "metres"), [c[:2] for c in PARSE_CASES], ids=[c[2] for c in PARSE_CASES])
def test_parse_distance(text: str, metres: float) -> None:
    assert parse_distance(text) == pytest.approx(metres)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the text is empty"),
        ("3", "the unit is missing"),
        ("M", "expected a number and a unit"),
        ("three miles", "expected a number and a unit"),
        ("-3 M", "a distance cannot be negative"),
        ("3 furlongs", 'unknown unit "furlongs"'),
        ("3 m m m", "expected a number and a unit"),
    ],
    ids=["empty", "no-unit", "no-number", "words", "negative", "unknown-unit", "garbage"],
)
def test_parse_distance_rejects(text: str, message: str) -> None:
    with pytest.raises(DistanceError) as info:
        parse_distance(text)
    assert message in str(info.value)
    assert f'"{text}"' in str(info.value)


def test_parse_distance_rejects_non_strings() -> None:
    with pytest.raises(DistanceError, match="expected a string"):
        parse_distance(3)  # type: ignore[arg-type]


def test_module_docstring_examples() -> None:
    result = doctest.testmod(units, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 5
    assert result.failed == 0
