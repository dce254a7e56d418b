"""Light characteristics in chart notation, sectors, and one-line descriptions."""

from __future__ import annotations

import doctest
import json
from collections.abc import Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from maritime.enc import lights as lights_module
from maritime.enc.lights import characteristic, describe_light, sector_contains, sectors
from maritime.enc.model import COL_ATTRIBUTES, COL_CLASS, COL_FEATURE_ID

# Real LIGHTS features, identified by LNAM, with the characteristic written by hand from the attributes
# read in the cell (after updates): LITCHR / SIGGRP / COLOUR / SIGPER / HEIGHT / VALNMR (+ others).
REAL_LIGHTS = [
    # US3DE01M
    ("US3DE01M", "022619CE20A71013", "Fl(2)W 30s 47.5m 18M"),  # 2 / (2) / 1 / 30 / 47.5 / 18
    ("US3DE01M", "0226023B53510032", "Fl(4)Y 20s"),  # 2 / (4) / 6 / 20 / - / -
    ("US3DE01M", "02261ACE560507EE", "Fl(5)Y 20s"),  # 2 / (5) / 6 / 20
    ("US3DE01M", "0226160678551C98", "3 Fl Y 5s 18.8m"),  # 2 / (1) / 6 / 5 / 18.8 / -, MLTYLT 3
    ("US3DE01M", "0226002C7BDF1016", "Mo(A)W 8s"),  # 12 (morse) / (A) / 1 / 8
    ("US3DE01M", "022606DDDD270FF0", "Fl G 4s"),  # 2 / (1) / 4 / 4
    ("US3DE01M", "022600BF8D38FB25", "Fl R 4s"),  # 2 / (1) / 3 / 4
    ("US3DE01M", "022600BF8D43FB25", "Fl R 2.5s"),  # 2 / (1) / 3 / 2.5
    ("US3DE01M", "022606DDDD370FF0", "Fl R 10s 21.9m 16M"),  # 2 / (1) / 3 / 10 / 21.9 / 16, sector 325-351
    ("US3DE01M", "022606DDDD3A0FF0", "Fl W 10s 21.9m 19M"),  # 2 / (1) / 1 / 10 / 21.9 / 19, sector 351-127
    ("US3DE01M", "022600FDB28A0032", "Fl W 10s 21.9m 19M"),  # 2 / (1) / 1 / 10 / 21.9 / 19, sector 175-325
    ("US3DE01M", "022619F7150A1035", "Fl W 20s 48.1m 18M"),  # 2 / (1) / 1 / 20 / 48.1 / 18
    ("US3DE01M", "022600BF8D70FB25", "Iso W 8s 25.2m"),  # 7 (isophase) / (1) / 1 / 8 / 25.2
    ("US3DE01M", "022601388E240032", "Fl(2)W 5s 46.9m 22M"),  # 2 / (2) / 1 / 5 / 46.9 / 22, CATLIT 17
    ("US3DE01M", "022606DDDD420FF0", "Q R"),  # 4 (quick) / (1) / 3 / SIGPER 1 not written
    ("US3DE01M", "0226011FDCE60032", "Iso W 6s 11.5m 6M"),  # 7 / (1) / 1 / 6 / 11.5 / 6
    ("US3DE01M", "0226023156E40032", "Fl G 4s 11.5m 6M"),  # 2 / (1) / 4 / 4 / 11.5 / 6
    ("US3DE01M", "022602340B8E0032", "Fl W 15s 50.2m 22M"),  # 2 / (1) / 1 / 15 / 50.2 / 22
    ("US3DE01M", "022609BB97ED07EE", "Fl Y 4s"),  # 2 / (1) / 6 / 4; inserted by an update
    # US5WA22M
    ("US5WA22M", "02263C1469013039", "F Y 3.3m"),  # 1 (fixed) / - / 6 / - / 3.3
    ("US5WA22M", "022600019FD20001", "Iso R 6s"),  # 7 / (1) / 3 / 6, CATLIT 4,13 (leading, rear)
    ("US5WA22M", "02260001A0020001", "Q Y 4.8m"),  # 4 / (1) / 6 / 1 / 4.8
    ("US5WA22M", "022600019FFA0001", "Fl W 5s 11.5m 14M"),  # 2 / (1) / 1 / 5 / 11.5 / 14, sector 2-217
    ("US5WA22M", "022622AC04503039", "Oc G 4s"),  # 8 (occulting) / (1) / 4 / 4
    ("US5WA22M", "02260EE6D4F53039", "Fl G 4s 4M"),  # 2 / (1) / 4 / 4 / - / 4
    ("US5WA22M", "022617C7B20D3039", "Fl W 6s 7m 7M"),  # 2 / (1) / 1 / 6 / 7 / 7
    ("US5WA22M", "022664DC7D653039", "Fl G 10s"),  # 2 / (1) / 4 / 10
    ("US5WA22M", "022600019FD90001", "Q R"),  # 4 / (1) / 3 / 1, CATLIT 4,12 (leading, front)
]


@pytest.mark.integration
@pytest.mark.parametrize(
    ("cell", "lnam", "expected"), REAL_LIGHTS, ids=[f"{c}-{n}" for c, n, _ in REAL_LIGHTS]
)
def test_real_light_characteristics(read_cell: Callable, cell: str, lnam: str, expected: str) -> None:
    frame, _ = read_cell(cell)
    rows = frame[(frame[COL_CLASS] == "LIGHTS") & (frame[COL_FEATURE_ID] == lnam)]
    assert len(rows) == 1
    assert characteristic(json.loads(rows.iloc[0][COL_ATTRIBUTES])) == expected


@pytest.mark.integration
def test_real_sector_lights(read_cell: Callable) -> None:
    frame, _ = read_cell("US3DE01M")
    by_id = frame[frame[COL_CLASS] == "LIGHTS"].set_index(COL_FEATURE_ID)
    white = json.loads(by_id.loc["022606DDDD3A0FF0", COL_ATTRIBUTES])
    assert sectors(white) == (351.0, 127.0)
    assert describe_light(white, "en") == "Fl W 10s 21.9m 19M, white sector 351°–127°"
    # The characteristic is chart notation, the same in both languages (decimal point included).
    assert describe_light(white, "fr") == "Fl W 10s 21.9m 19M, secteur blanc 351°–127°"
    assert sectors(json.loads(by_id.loc["022619CE20A71013", COL_ATTRIBUTES])) is None


@pytest.mark.parametrize(
    ("attrs", "expected"),
    [
        ({"LITCHR": 2, "SIGGRP": "(2)", "COLOUR": ["1", "3"], "SIGPER": 10, "HEIGHT": 28, "VALNMR": 20},
         "Fl(2)WR 10s 28m 20M"),
        ({"LITCHR": "2", "SIGGRP": "(2+1)", "COLOUR": "4", "SIGPER": "15.0"}, "Fl(2+1)G 15s"),
        ({"LITCHR": 8, "SIGGRP": "(3)", "COLOUR": [1], "SIGPER": 12}, "Oc(3)W 12s"),
        ({"LITCHR": 25, "SIGGRP": "(6)(1)", "COLOUR": ["1"], "SIGPER": 15}, "Q(6)+LFl W 15s"),
        ({"LITCHR": 5, "SIGGRP": "(9)", "COLOUR": ["1"], "SIGPER": 10}, "VQ(9)W 10s"),
        ({"LITCHR": 4, "SIGGRP": "(3)", "COLOUR": ["1"], "SIGPER": 10}, "Q(3)W 10s"),
        ({"LITCHR": 3, "SIGGRP": "(1)", "COLOUR": ["1"], "SIGPER": 10}, "LFl W 10s"),
        ({"LITCHR": 19, "SIGGRP": "(1)", "COLOUR": ["1", "3"], "SIGPER": 10}, "Al.Fl WR 10s"),
        ({"LITCHR": 28, "COLOUR": ["1", "4"], "SIGPER": 6}, "Al WG 6s"),
        ({"LITCHR": 1, "COLOUR": ["3"], "CATLIT": ["20"], "MLTYLT": 2}, "2 F R (vert)"),
        ({"LITCHR": 4, "COLOUR": ["1"], "CATLIT": "1", "HEIGHT": 32, "VALNMR": 23}, "Dir Q W 32m 23M"),
        ({"LITCHR": 2, "COLOUR": ["1", "4"], "CATLIT": [5], "SIGPER": 5}, "Aero Fl WG 5s"),
        ({"LITCHR": 12, "SIGGRP": "(U)", "COLOUR": ["1"], "SIGPER": 15}, "Mo(U)W 15s"),
        ({"LITCHR": 2, "COLOUR": ["6"], "SIGPER": float("nan"), "HEIGHT": None}, "Fl Y"),
        ({"COLOUR": ["3"], "HEIGHT": 5}, "R 5m"),
        ({"LITCHR": 99, "SIGPER": 4}, "4s"),
        ({}, ""),
    ],
    ids=["two-colours", "composite-group", "occulting", "q-plus-lfl", "vq9", "q3", "lfl", "alternating-fl",
         "alternating", "vertical-pair", "directional", "aero", "morse", "nan-and-none", "no-character",
         "unknown-character", "empty"],
)  # fmt: skip
def test_characteristic_notation(attrs: dict, expected: str) -> None:
    assert characteristic(attrs) == expected


@pytest.mark.parametrize(
    ("sectr1", "sectr2", "bearing_from_light", "inside"),
    [
        (100, 130, 295, True),  # seen on 115°
        (100, 130, 280, True),  # seen on 100°: limit included
        (100, 130, 310, True),  # seen on 130°: limit included
        (100, 130, 279, False),
        (100, 130, 115, False),  # the other side of the light
        (351, 127, 180, True),  # seen on 000°: inside across north
        (351, 127, 175, True),  # seen on 355°
        (351, 127, 300, True),  # seen on 120°
        (351, 127, 0, False),  # seen on 180°
        (0, 360, 42, True),  # all round
        (45, 45, 200, True),  # equal limits: all round
        (-10, 10, 180, True),  # negative limit wraps
    ],
)
def test_sector_contains(sectr1: float, sectr2: float, bearing_from_light: float, inside: bool) -> None:
    assert sector_contains(sectr1, sectr2, bearing_from_light) is inside


@given(
    st.floats(0, 359.9, allow_nan=False),
    st.floats(0, 359.9, allow_nan=False),
    st.floats(0, 360, allow_nan=False),
)
def test_complementary_sectors_cover_every_bearing(a: float, b: float, bearing: float) -> None:
    assert sector_contains(a, b, bearing) or sector_contains(b, a, bearing)


def test_sectors() -> None:
    assert sectors({"SECTR1": 219.0, "SECTR2": 259.0}) == (219.0, 259.0)
    assert sectors({"SECTR1": "15", "SECTR2": "252"}) == (15.0, 252.0)
    assert sectors({"SECTR1": float("nan"), "SECTR2": 259.0}) is None
    assert sectors({}) is None


def test_describe_light_in_both_languages() -> None:
    portzic_red = {
        "OBJNAM": "Le Portzic", "NOBJNM": "Phare du Portzic", "LITCHR": 8, "SIGGRP": "(2)", "COLOUR": ["3"],
        "SIGPER": 12.0, "HEIGHT": 56.0, "VALNMR": 15.0, "SECTR1": 259.0, "SECTR2": 338.0,
    }  # fmt: skip
    assert describe_light(portzic_red, "en") == "Le Portzic: Oc(2)R 12s 56m 15M, red sector 259°–338°"
    assert (
        describe_light(portzic_red, "fr") == "Phare du Portzic: Oc(2)R 12s 56m 15M, secteur rouge 259°–338°"
    )
    leading = {"LITCHR": 8, "SIGGRP": "(2)", "COLOUR": ["1"], "SIGPER": 6, "CATLIT": [4, 13], "ORIENT": 7.0}
    assert describe_light(leading, "en") == "Oc(2)W 6s, directional on 007°, leading light, rear"
    assert describe_light(leading, "fr") == "Oc(2)W 6s, direction 007°, feu d'alignement, feu postérieur"
    assert describe_light({"LITCHR": 2, "COLOUR": ["3"], "SECTR1": 127.5, "SECTR2": 5}, "fr") == (
        "Fl R, secteur rouge 127,5°–005°"
    )
    assert describe_light({"LITCHR": 1, "COLOUR": ["1"], "STATUS": ["11"]}, "fr") == "F W, éteint"
    assert describe_light({"LITCHR": 1, "COLOUR": ["6"], "EXCLIT": 3}, "en") == "F Y, fog light"
    assert describe_light({"OBJNAM": "Nameless"}, "en") == "Nameless"
    assert describe_light({}, "fr") == ""


_VALUES = st.one_of(
    st.none(),
    st.integers(-5, 400),
    st.floats(allow_nan=True, allow_infinity=False),
    st.text(max_size=8),
    st.lists(st.text(max_size=3), max_size=3),
    st.lists(st.integers(0, 30), max_size=3),
)


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "LITCHR",
                "SIGGRP",
                "COLOUR",
                "SIGPER",
                "HEIGHT",
                "VALNMR",
                "CATLIT",
                "MLTYLT",
                "SECTR1",
                "SECTR2",
                "ORIENT",
                "STATUS",
                "EXCLIT",
                "OBJNAM",
            ]
        ),
        _VALUES,
    )
)
def test_describe_light_never_fails(attrs: dict) -> None:
    assert isinstance(characteristic(attrs), str)
    assert isinstance(describe_light(attrs, "fr"), str)


def test_docstring_examples() -> None:
    result = doctest.testmod(lights_module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(
    "exclit",
    [2, "2", ["2"], np.int64(2)],
    ids=["int", "str", "list", "numpy-int"],
)
def test_describe_light_accepts_exclit_as_the_reader_gives_it(exclit: object) -> None:
    text = describe_light({"LITCHR": 2, "COLOUR": ["1"], "SIGPER": 5, "EXCLIT": exclit}, "en")
    assert text.startswith("Fl W 5s")
    assert "day" in text.lower()
