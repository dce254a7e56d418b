"""Tests of maritime.geo.coordinates: parse, find and format positions written in French and English."""

from __future__ import annotations

import contextlib
import doctest
import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from maritime.errors import CoordinateError, MaritimeError
from maritime.geo import coordinates
from maritime.geo.coordinates import (
    Position,
    PositionMatch,
    find_positions,
    format_position,
    parse_latitude,
    parse_longitude,
    parse_position,
)

ABS = 1e-6
#: 0.1 arc-second, in degrees.
TENTH_ARCSEC = 0.1 / 3600

# 48°21'30"N 004°33'00"W: near Brest.
LAT = 48 + 21.5 / 60
LON = -4.55


def assert_position(actual: Position, lat: float, lon: float, tol: float = ABS) -> None:
    assert actual.lat == pytest.approx(lat, abs=tol)
    assert actual.lon == pytest.approx(lon, abs=tol)


# --------------------------------------------------------------------------------------------------
# Position


def test_position_keeps_lat_lon_and_flips_only_in_as_lonlat() -> None:
    p = Position(48.5, -4.5)
    assert (p.lat, p.lon) == (48.5, -4.5)
    assert p.as_lonlat() == (-4.5, 48.5)
    assert Position.from_lonlat(-4.5, 48.5) == p


def test_position_normalises_ints_to_float() -> None:
    p = Position(48, -4)
    assert isinstance(p.lat, float) and isinstance(p.lon, float)
    assert p == Position(48.0, -4.0)


def test_position_is_frozen() -> None:
    p = Position(1.0, 2.0)
    with pytest.raises(AttributeError):
        p.lat = 3.0  # type: ignore[misc]


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(-90.0, -180.0), (90.0, 180.0), (0.0, 0.0), (-0.0, -0.0)],
    ids=["south-pole-west", "north-pole-east", "origin", "negative-zero"],
)
def test_position_accepts_limits(lat: float, lon: float) -> None:
    assert Position(lat, lon).as_lonlat() == (lon, lat)


@pytest.mark.parametrize(
    ("lat", "lon", "message"),
    [
        (90.0001, 0.0, "latitude 90.0001 is outside [-90, 90]"),
        (-91.0, 0.0, "latitude -91.0 is outside [-90, 90]"),
        (0.0, 180.5, "longitude 180.5 is outside [-180, 180]"),
        (0.0, -181.0, "longitude -181.0 is outside [-180, 180]"),
        (math.nan, 0.0, "latitude nan is not a finite number"),
        (0.0, math.inf, "longitude inf is not a finite number"),
        ("48.5", 0.0, "latitude '48.5' is not a number; use parse_position()"),
        (True, 0.0, "latitude True is not a number"),
    ],
    ids=["lat-90.0001", "lat-minus-91", "lon-180.5", "lon-minus-181", "nan", "inf", "string", "bool"],
)
def test_position_rejects_invalid(lat: object, lon: object, message: str) -> None:
    with pytest.raises(CoordinateError) as info:
        Position(lat, lon)  # type: ignore[arg-type]
    assert message in str(info.value)


def test_coordinate_error_is_a_maritime_value_error() -> None:
    with pytest.raises(MaritimeError):
        parse_position("hello")
    with pytest.raises(ValueError):
        parse_position("hello")


# --------------------------------------------------------------------------------------------------
# parse_position: accepted notations

PARSE_CASES = [
    # Degrees, minutes, seconds
    ("48°21'30\"N 4°33'00\"W", LAT, LON, "dms-en-compact"),
    ("48° 21' 30\" N, 004° 33' 00\" W", LAT, LON, "dms-en-spaced-comma"),
    ("48°21′30″N 4°33′00″W", LAT, LON, "dms-primes"),
    ("48°21’30’’N 4°33’00”W", LAT, LON, "dms-typographic-quotes"),
    ("48°21'30''N 4°33'00''W", LAT, LON, "dms-two-apostrophes"),
    ("48º21'30\"N 4˚33'00\"W", LAT, LON, "dms-ordinal-and-ring-as-degree"),
    ("48 21 30 N 4 33 00 W", LAT, LON, "dms-spaces-only"),
    ("48°21'30,5\" N - 004°33'00,5\" O", 48 + 21 / 60 + 30.5 / 3600, -(4 + 33 / 60 + 0.5 / 3600), "dms-fr"),
    # Degrees and decimal minutes
    ("48°21.5'N 4°33'W", LAT, LON, "dm-en-point"),
    ("48°21,5' N - 004°33,0' W", LAT, LON, "dm-fr-comma-dash-W"),
    ("48°21,5' N - 004°33,0' O", LAT, LON, "dm-fr-ouest-letter"),
    ("48°21,50 N 004°33,00 O", LAT, LON, "dm-fr-no-minute-symbol"),
    ("48° 20,120 N et 004° 36,500 W", 48 + 20.12 / 60, -(4 + 36.5 / 60), "dm-fr-et"),
    ("48°21.5'N and 4°33'W", LAT, LON, "dm-en-and"),
    ("48°21.5'N / 4°33'W", LAT, LON, "dm-slash"),
    ("48°21.5'N; 4°33'W", LAT, LON, "dm-semicolon"),
    ("48°21,5' N – 004°33,0' O", LAT, LON, "dm-en-dash"),
    ("48°21'N-004°33'W", 48.35, LON, "dm-hyphen-after-letter"),
    ("48°21'N004°33'W", 48.35, LON, "dm-no-separator"),
    ("48 21.5 N 4 33 W", LAT, LON, "dm-spaces-only"),
    ("48°21,5' S ; 004°33,0' E", -LAT, -LON, "dm-south-east"),
    ("  48°21.5'N 4°33'W  ", LAT, LON, "surrounding-spaces"),
    ("48\u00a0°\u202f21,5'\u00a0N - 004°33,0'\u00a0O", LAT, LON, "non-breaking-spaces"),
    # Hemisphere words, any case
    ("48°21.5' nord 4°33' ouest", LAT, LON, "words-fr-nord-ouest"),
    ("48°21,5' Sud - 004°33,0' Est", -LAT, -LON, "words-fr-sud-est"),
    ("48°21.5' North and 4°33' West", LAT, LON, "words-en"),
    ("48°21.5' SOUTH 4°33' EAST", -LAT, -LON, "words-en-upper"),
    ("48°21.5'n 4°33'o", LAT, LON, "lower-case-letters"),
    # Letters before the numbers
    ("N48.3583 W004.55", 48.3583, LON, "dd-letters-before"),
    ("N 48°21.5' W 4°33'", LAT, LON, "dm-letters-before"),
    ("S 12°30' E 045°20'", -12.5, 45 + 20 / 60, "dm-letters-before-south-east"),
    # Longitude first, told by the letters
    ("004°33'W 48°21.5'N", LAT, LON, "lon-first-post"),
    ("004°33,0' O - 48°21,5' N", LAT, LON, "lon-first-fr"),
    ("W 4°33' N 48°21.5'", LAT, LON, "lon-first-pre"),
    # Decimal degrees
    ("48.3583 -4.55", 48.3583, LON, "dd-signed-space"),
    ("48.3583, -4.55", 48.3583, LON, "dd-signed-comma"),
    ("48.3583,-4.55", 48.3583, LON, "dd-signed-comma-no-space"),
    ("48.3583;-4.55", 48.3583, LON, "dd-semicolon"),
    ("+48.3583 +4.55", 48.3583, 4.55, "dd-plus-signs"),
    ("-48.3583 −4.55", -48.3583, LON, "dd-unicode-minus"),
    ("48.3583 –4.55", 48.3583, LON, "dd-en-dash-as-minus"),
    ("48 -4", 48.0, -4.0, "dd-integers"),
    ("48.3583° -4.55°", 48.3583, LON, "dd-degree-signs"),
    ("48,3583° N 4,55° O", 48.3583, LON, "dd-fr-letters"),
    ("48.3583°N 4.55°W", 48.3583, LON, "dd-en-letters"),
    ("48.3583 N 4.55 E", 48.3583, 4.55, "dd-letters-no-degree"),
    # Decimal comma against the separating comma
    ("48,3583, -4,55", 48.3583, LON, "decimal-comma-then-comma-space"),
    ("48,3583,-4,55", 48.3583, LON, "decimal-comma-then-comma-sign"),
    ("48,3583 -4,55", 48.3583, LON, "decimal-comma-space"),
    ("48,3583,4,55", 48.3583, 4.55, "decimal-comma-twice-no-space"),
    ("48.5,4", 48.5, 4.0, "point-then-comma"),
    # Labels
    ("lat 48.3583 lon -4.55", 48.3583, LON, "labels-en"),
    ("lon -4.55 lat 48.3583", 48.3583, LON, "labels-lon-first"),
    ("lon -4.55, 48.3583", 48.3583, LON, "one-label-lon-first"),
    ("latitude 48°21,5' N, longitude 004°33,0' O", LAT, LON, "labels-fr"),
    # Limits
    ("90°00'N 180°00'W", 90.0, -180.0, "limits"),
    ("00°00.00'S 000°00.00'E", 0.0, 0.0, "zero"),
]


@pytest.mark.parametrize(
    ("text", "lat", "lon"), [c[:3] for c in PARSE_CASES], ids=[c[3] for c in PARSE_CASES]
)
def test_parse_position_notations(text: str, lat: float, lon: float) -> None:
    assert_position(parse_position(text), lat, lon)


# --------------------------------------------------------------------------------------------------
# parse_position: rejections

REJECT_CASES = [
    ("48°60'N 4°33'W", "minutes 60 in 48°60'N must be below 60", "minutes-60"),
    ("48°21,5'N 4°75,0'W", "minutes 75,0 in 4°75,0'W must be below 60", "minutes-75-decimal-comma"),
    ("48°21'60\"N 4°33'W", "seconds 60 in 48°21'60\"N must be below 60", "seconds-60"),
    ("91°00'N 004°33'W", "latitude 91°00'N is outside [-90, 90]", "lat-91"),
    ("90°00.1'N 004°33'W", "latitude 90°00.1'N is outside [-90, 90]", "lat-just-above-90"),
    ("48°00'N 181°00'W", "longitude 181°00'W is outside [-180, 180]", "lon-181"),
    ("91.5 -4.55", "latitude 91.5 is outside [-90, 90]", "dd-lat-91"),
    ("48.5 -180.5", "longitude -180.5 is outside [-180, 180]", "dd-lon-minus-180.5"),
    ("48°21'N 4°33'N", "are both latitudes", "two-latitudes"),
    ("4°21'E 4°33'O", "are both longitudes", "two-longitudes"),
    ("48°21'N 4°33'", "4°33' has no hemisphere letter", "lon-letter-missing"),
    ("48°21' 4°33'W", "48°21' has no hemisphere letter", "lat-letter-missing"),
    ("48°21' 4°33'", "no hemisphere letters", "dm-without-letters"),
    ("lat 48°21' lon 4°33'", "no hemisphere letters", "dm-labels-without-letters"),
    ("lat 48.5 lat -4.5", "both parts are labelled latitude", "dd-two-lat-labels"),
    ("48.3583 N -4.55", "-4.55 has no hemisphere letter", "dd-half-letters"),
    ("-48°21'N 4°33'W", "-48°21'N has both a sign and a hemisphere letter", "minus-and-N"),
    ("48.3583 N, -4.55 W", "-4.55 W has both a sign and a hemisphere letter", "minus-and-W"),
    ("48.3583 N -4.55 E", "-4.55 E has both a sign and a hemisphere letter", "minus-and-E-spaced"),
    ("N 48°21'N 4°33'W", "N 48°21'N has two hemisphere letters", "letter-twice"),
    (
        "lat 4°33'W lon 48°21'N",
        "is labelled latitude but its hemisphere W is a longitude",
        "label-contradiction",
    ),
    ("", "the text is empty", "empty"),
    ("   ", "the text is empty", "blank"),
    ("hello", "expected a latitude and a longitude", "garbage"),
    ("48.3583", "expected a latitude and a longitude", "one-number"),
    ("48°21'N 4°33'W 5", "expected a latitude and a longitude", "trailing-number"),
    ("48,4", "a comma between two digits is a decimal comma", "ambiguous-comma"),
    ("48°21'N 4°33'W 48°22'N 4°34'W", "expected a latitude and a longitude", "two-positions"),
]


@pytest.mark.parametrize(("text", "message"), [c[:2] for c in REJECT_CASES], ids=[c[2] for c in REJECT_CASES])
def test_parse_position_rejects_with_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(CoordinateError) as info:
        parse_position(text)
    assert message in str(info.value)
    assert f'"{text}"' in str(info.value)  # the bad input is quoted


@pytest.mark.parametrize("value", [None, 48.5, b"48N 4W"], ids=["none", "float", "bytes"])
def test_parse_position_rejects_non_strings(value: object) -> None:
    with pytest.raises(CoordinateError, match="expected a string"):
        parse_position(value)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# parse_latitude / parse_longitude


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("48°21,5' N", LAT),
        ("48°21'30\"S", -LAT),
        ("N48.3583", 48.3583),
        ("-12.5", -12.5),
        ("12,5° sud", -12.5),
        ("lat 48.3583", 48.3583),
    ],
    ids=["dm-fr", "dms-south", "dd-letter-before", "dd-signed", "dd-fr-word", "label"],
)
def test_parse_latitude(text: str, expected: float) -> None:
    assert parse_latitude(text) == pytest.approx(expected, abs=ABS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("004°33,0' O", LON),
        ("4°33'W", LON),
        ("4°33' ouest", LON),
        ("4°33' E", -LON),
        ("4°33' est", -LON),
        ("W004.55", LON),
        ("-4.55", LON),
        ("180°00'W", -180.0),
    ],
    ids=[
        "dm-fr-O",
        "dm-W",
        "word-ouest",
        "dm-E",
        "word-est",
        "dd-letter-before",
        "dd-signed",
        "antimeridian",
    ],
)
def test_parse_longitude(text: str, expected: float) -> None:
    assert parse_longitude(text) == pytest.approx(expected, abs=ABS)


@pytest.mark.parametrize(
    ("func", "text", "message"),
    [
        (parse_latitude, "4°33' O", '"4°33\' O" is a longitude, not a latitude'),
        (parse_longitude, "48°21' N", '"48°21\' N" is a latitude, not a longitude'),
        (parse_latitude, "48°21,5'", "has no hemisphere letter"),
        (parse_latitude, "91°00' N", "latitude 91°00' N is outside [-90, 90]"),
        (parse_longitude, "181.5", "longitude 181.5 is outside [-180, 180]"),
        (parse_longitude, "-4°33'W", "has both a sign and a hemisphere letter"),
        (parse_latitude, "48°61'N", "minutes 61 in 48°61'N must be below 60"),
        (parse_latitude, "", "the text is empty"),
        (parse_longitude, "west", 'cannot read a longitude in "west"'),
    ],
    ids=[
        "lat-given-O",
        "lon-given-N",
        "no-letter",
        "lat-91",
        "lon-181.5",
        "sign-and-letter",
        "min-61",
        "empty",
        "word",
    ],
)
def test_parse_single_component_rejections(func: object, text: str, message: str) -> None:
    with pytest.raises(CoordinateError) as info:
        func(text)  # type: ignore[operator]
    assert message in str(info.value)


# --------------------------------------------------------------------------------------------------
# find_positions

FIND_CASES = [
    (
        "Le feu du Portzic (48°21,5' N - 004°32,0' O) est à 3 milles de la pointe (article 12, 3 milles).",
        [("48°21,5' N - 004°32,0' O", LAT, -(4 + 32 / 60))],
        "fr-portzic-parenthesis",
    ),
    (
        "A wreck lies in 48°17.83'N 4°38.10'W, 2 cables SW of the buoy; another in 48°18.00'N 004°40.25'W.",
        [
            ("48°17.83'N 4°38.10'W", 48 + 17.83 / 60, -(4 + 38.10 / 60)),
            ("48°18.00'N 004°40.25'W", 48.3, -(4 + 40.25 / 60)),
        ],
        "en-two-wrecks",
    ),
    (
        "Mouillage interdit par 48° 20,120 N et 004° 36,500 W ainsi qu'au point 48° 21,000 N et 004° 37,000 W.",
        [
            ("48° 20,120 N et 004° 36,500 W", 48 + 20.12 / 60, -(4 + 36.5 / 60)),
            ("48° 21,000 N et 004° 37,000 W", 48.35, -(4 + 37 / 60)),
        ],
        "fr-par-et",
    ),
    (
        "Point A : 47° 17,90' N – 002° 08,70' W ; point B : 47° 18,20' N – 002° 09,10' W. Vitesse 8 nœuds.",
        [
            ("47° 17,90' N – 002° 08,70' W", 47 + 17.9 / 60, -(2 + 8.7 / 60)),
            ("47° 18,20' N – 002° 09,10' W", 47 + 18.2 / 60, -(2 + 9.1 / 60)),
        ],
        "fr-arrete-points",
    ),
    (
        "Zone: latitude 48°21,5' N, longitude 004°32,0' O. Profondeur 12,5 m.",
        [("latitude 48°21,5' N, longitude 004°32,0' O", LAT, -(4 + 32 / 60))],
        "fr-labels",
    ),
    (
        "Buoy N48.3583 W004.55 is lit; the light at 48°21'30\"N 004°33'00\"W is obscured from 045° to 090°.",
        [("N48.3583 W004.55", 48.3583, LON), ("48°21'30\"N 004°33'00\"W", LAT, LON)],
        "en-prefix-and-dms",
    ),
    (
        "GPS 48.3583°, -4.55° (WGS84), relèvement entre 045° et 090°, 12,5 milles.",
        [("48.3583°, -4.55°", 48.3583, LON)],
        "decimal-degrees-with-degree-signs",
    ),
    (
        "Le point 48.3583°, -4.55° est situé au large; le point 48.5°, 4.5° W n'est pas signé.",
        [("48.3583°, -4.55°", 48.3583, LON)],
        "decimal-degrees-then-est-or-a-letter",
    ),
    (
        "La bouée est par 48°21,5' Nord et 4°33' Ouest, l'épave par 48°10' S 4°33' Est.",
        [("48°21,5' Nord et 4°33' Ouest", LAT, LON), ("48°10' S 4°33' Est", -(48 + 10 / 60), -LON)],
        "fr-words",
    ),
    (
        "At N 48°21' W 4°33' north of the light, and 004°33'W 48°21.5'N further on.",
        [("N 48°21' W 4°33'", 48.35, LON), ("004°33'W 48°21.5'N", LAT, LON)],
        "en-prefix-then-lon-first",
    ),
]


@pytest.mark.parametrize(("text", "expected"), [c[:2] for c in FIND_CASES], ids=[c[2] for c in FIND_CASES])
def test_find_positions_in_sentences(text: str, expected: list[tuple[str, float, float]]) -> None:
    matches = find_positions(text)
    assert [m.text for m in matches] == [e[0] for e in expected]
    for match, (written, lat, lon) in zip(matches, expected, strict=True):
        assert isinstance(match, PositionMatch)
        assert text[match.start : match.end] == written
        assert_position(match.position, lat, lon)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "article 12, 3 milles",
        "Le feu est à 3 milles, 12 m de hauteur, secteur 045°-090°, portée 15 M.",
        "bearings between 045° and 090°, 2 cables, 10 ft",
        "Les navires de 48 m et 4 tonnes doivent passer à 2,5 milles.",
        "La bouée 48°21,5' N 4°33' est lumineuse.",  # lower-case "est" is French for "is"
        "position 48°60'N 4°33'W is wrong",  # minutes 60: skipped, no exception
        "entre 48°21'N et 48°25'N",  # two latitudes
        "-48°21'N 4°33'W",  # sign and letter
        "Version 1.2.3, 4.5.6 and 3,5 m",
        "the buoy 3 E of the pier, 12 N of the light",
    ],
    ids=[
        "empty",
        "article-numbers",
        "sector-and-range",
        "en-bearings",
        "fr-sizes",
        "missing-lon-letter-before-est",
        "invalid-minutes",
        "two-latitudes",
        "sign-and-letter",
        "version-numbers",
        "whole-numbers-with-letters",
    ],
)
def test_find_positions_ignores_what_is_not_a_position(text: str) -> None:
    assert find_positions(text) == []


def test_find_positions_skips_an_invalid_candidate_and_keeps_the_next() -> None:
    text = "position 48°60'N 4°33'W invalid, then 48°10'S 4°33'E"
    [match] = find_positions(text)
    assert match.text == "48°10'S 4°33'E"
    assert_position(match.position, -(48 + 10 / 60), 4.55)


def test_find_positions_prefers_letters_after_the_numbers_when_a_word_precedes() -> None:
    # "E" before 48° could be read as a prefix: E 48°21.5' / N 004°33' -- the trailing W forbids it.
    [match] = find_positions("Zone E 48°21.500'N 004°33.000'W")
    assert match.text == "48°21.500'N 004°33.000'W"
    assert_position(match.position, LAT, LON)


def test_find_positions_between_two_latitudes_takes_the_valid_pair() -> None:
    matches = find_positions("entre 48°21'N et 48°25'N, 4°33'W")
    assert [m.text for m in matches] == ["48°25'N, 4°33'W"]


# --------------------------------------------------------------------------------------------------
# format_position

P = Position(LAT, LON)

FORMAT_CASES = [
    (P, "en", "dm", None, "48°21.50'N 004°33.00'W", "en-dm"),
    (P, "fr", "dm", None, "48°21,50' N - 004°33,00' O", "fr-dm"),
    (P, "en", "dms", None, "48°21'30.0\"N 004°33'00.0\"W", "en-dms"),
    (P, "fr", "dms", None, "48°21'30,0\" N - 004°33'00,0\" O", "fr-dms"),
    (P, "en", "dd", None, "48.35833°N 4.55000°W", "en-dd"),
    (P, "fr", "dd", None, "48,35833° N - 4,55000° O", "fr-dd"),
    (P, "fr-FR", "dm", 3, "48°21,500' N - 004°33,000' O", "fr-FR-dm-3"),
    (P, "EN", "dm", 0, "48°22'N 004°33'W", "en-dm-0"),
    (P, "en", "dms", 0, "48°21'30\"N 004°33'00\"W", "en-dms-0"),
    (P, "en", "dd", 2, "48.36°N 4.55°W", "en-dd-2"),
    (Position(-33.5, 151.25), "en", "dm", None, "33°30.00'S 151°15.00'E", "south-east"),
    (Position(-33.5, 151.25), "fr", "dm", None, "33°30,00' S - 151°15,00' E", "fr-south-est"),
    (Position(47.9999999, 0.0), "en", "dm", None, "48°00.00'N 000°00.00'E", "carry-minutes-to-degree"),
    (Position(12 + 59.9999 / 60, -0.99999999), "en", "dm", 2, "13°00.00'N 001°00.00'W", "carry-59.9999"),
    (Position(12 + 59.99999 / 3600, 0.0), "en", "dms", 1, "12°01'00.0\"N 000°00'00.0\"E", "carry-seconds"),
    (Position(89.9999999, 179.9999999), "en", "dm", None, "90°00.00'N 180°00.00'E", "carry-to-limits"),
    (Position(-1e-12, -1e-12), "en", "dm", None, "00°00.00'N 000°00.00'E", "rounds-to-zero-is-north-east"),
    (Position(0.0, -180.0), "fr", "dd", 1, "0,0° N - 180,0° O", "fr-antimeridian-west"),
]


@pytest.mark.parametrize(
    ("pos", "language", "style", "decimals", "expected"),
    [c[:5] for c in FORMAT_CASES],
    ids=[c[5] for c in FORMAT_CASES],
)
def test_format_position(
    pos: Position, language: str, style: str, decimals: int | None, expected: str
) -> None:
    assert format_position(pos, language=language, style=style, decimals=decimals) == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"language": "de"}, "language 'de' is not supported"),
        ({"style": "utm"}, "style 'utm' is not supported"),
        ({"decimals": -1}, "decimals -1 must be a non-negative integer"),
        ({"decimals": 1.5}, "decimals 1.5 must be a non-negative integer"),
    ],
    ids=["language", "style", "negative-decimals", "float-decimals"],
)
def test_format_position_rejects_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        format_position(P, **kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Properties

positions = st.builds(
    Position,
    lat=st.floats(min_value=-90, max_value=90, allow_nan=False),
    lon=st.floats(min_value=-180, max_value=180, allow_nan=False),
)
STYLES = [
    ("en", "dm", 3),
    ("fr", "dm", 3),
    ("en", "dms", None),
    ("fr", "dms", None),
    ("en", "dd", None),
    ("fr", "dd", None),
]
STYLE_IDS = [f"{lang}-{style}" for lang, style, _ in STYLES]


@pytest.mark.parametrize(("language", "style", "decimals"), STYLES, ids=STYLE_IDS)
@given(p=positions)
def test_format_then_parse_round_trips_within_a_tenth_of_an_arc_second(
    p: Position, language: str, style: str, decimals: int | None
) -> None:
    written = format_position(p, language=language, style=style, decimals=decimals)
    back = parse_position(written)
    assert abs(back.lat - p.lat) <= TENTH_ARCSEC, written
    assert abs(back.lon - p.lon) <= TENTH_ARCSEC, written


WORDS = [
    # French
    "le", "feu", "est", "à", "par", "nord", "de", "la", "bouée", "et", "milles", "article", "ouest", "sud",
    "relèvement", "045°", "Nord", "Est", "O", "N", "E", "S",
    # English
    "the", "wreck", "lies", "in", "east", "west", "and", "of", "cables", "buoy", "W", "north", "light",
    # numbers that are not positions
    "3", "12,5", "12.5", "2024", "(art.", "12)", "-", "–", ";", ",",
]  # fmt: skip


@pytest.mark.parametrize(("language", "style", "decimals"), STYLES, ids=STYLE_IDS)
@settings(max_examples=60)
@given(
    p=positions,
    before=st.lists(st.sampled_from(WORDS), max_size=6),
    after=st.lists(st.sampled_from(WORDS), max_size=6),
)
def test_find_positions_finds_a_formatted_position_among_words(
    p: Position, before: list[str], after: list[str], language: str, style: str, decimals: int | None
) -> None:
    written = format_position(p, language=language, style=style, decimals=decimals)
    prefix = " ".join(before) + (" " if before else "")
    text = prefix + written + (" " if after else "") + " ".join(after)
    hits = [m for m in find_positions(text) if (m.start, m.end) == (len(prefix), len(prefix) + len(written))]
    assert len(hits) == 1, (text, find_positions(text))
    assert hits[0].text == written
    assert abs(hits[0].position.lat - p.lat) <= TENTH_ARCSEC
    assert abs(hits[0].position.lon - p.lon) <= TENTH_ARCSEC


@settings(max_examples=200)
@given(text=st.text(alphabet=st.sampled_from(list("0123456789 .,;-–°'\"′″NSEWOnsewoetaluid")), max_size=40))
def test_find_positions_never_raises_and_matches_are_ordered(text: str) -> None:
    matches = find_positions(text)
    for m in matches:
        assert text[m.start : m.end] == m.text
    for a, b in itertools.pairwise(matches):
        assert a.end <= b.start


@settings(max_examples=200)
@given(text=st.text(max_size=40))
def test_parse_position_raises_only_coordinate_error(text: str) -> None:
    with contextlib.suppress(CoordinateError):
        parse_position(text)


def test_module_docstring_examples() -> None:
    result = doctest.testmod(coordinates, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10
    assert result.failed == 0


@pytest.mark.parametrize(
    ("text", "lat", "lon"),
    [
        ("48-19.4N 004-46.6W", 48 + 19.4 / 60, -(4 + 46.6 / 60)),
        ("48-19,4N 004-46,6O", 48 + 19.4 / 60, -(4 + 46.6 / 60)),
        ("36-05.2S 174-30.0E", -(36 + 5.2 / 60), 174.5),
    ],
    ids=["navarea-en", "navarea-fr-comma-ouest", "navarea-south-east"],
)
def test_navarea_hyphen_notation(text: str, lat: float, lon: float) -> None:
    position = parse_position(text)
    assert position.lat == pytest.approx(lat, abs=1e-9)
    assert position.lon == pytest.approx(lon, abs=1e-9)
    found = find_positions(f"HYDROLANT: wreck in {text}, marked.")
    assert [m.text for m in found] == [text]
