"""Fuzzing: the coordinate parser and the query analyser, 10 000 generated inputs each, never crash.

Hypothesis, derandomized and without an example database, so that every run (and CI) tries the same
inputs. The inputs mix random unicode text (lone surrogates and control characters included),
"near-miss" coordinates built from the pieces mariners write (degrees out of range, minutes of 60 and
more, doubled or missing hemispheres, stray signs, dashes, decimal commas, labels, odd separators, then
a character inserted, deleted or swapped), and such coordinates inside random text.

Properties:

- ``parse_position`` returns a valid :class:`Position` or raises :class:`CoordinateError`, never
  another exception;
- ``find_positions`` never raises, and returns valid positions whose spans are ordered, do not
  overlap and give back the text as written;
- ``QueryAnalyzer.analyze`` (real S-57 catalogue, the sample chart's gazetteer) never raises on any
  text, alone or as a follow-up, and returns a coherent analysis.
"""

from __future__ import annotations

import math
import os
import random
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from maritime.answering.query import QueryAnalysis, QueryAnalyzer
from maritime.enc.catalogue import Catalogue
from maritime.enc.store import ChartStore
from maritime.errors import CoordinateError
from maritime.geo.coordinates import Position, find_positions, format_position, parse_position

from .helpers import SAMPLE_CELL

#: 10 000 cases, reproducible: derandomized, no example database, no deadline (CI machines vary).
FUZZ = settings(
    max_examples=int(os.environ.get("MARITIME_FUZZ_EXAMPLES", "10000")),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

# --------------------------------------------------------------------------------------------------
# strategies
#
# The structured inputs are built in plain Python from a seed that Hypothesis draws: composite
# strategies cost ten times more per example than the functions under test, and 2 x 10 000 cases
# must stay well inside the suite's time budget.

#: Every character, lone surrogates and control characters included.
ANY_CHAR = st.characters(exclude_categories=())
RANDOM_TEXT = st.text(ANY_CHAR, max_size=60)
#: Characters that matter to the grammar, so that random text often comes close to a position.
GRAMMAR_CHARS = "0123456789.,;:/-+ °º˚'′’\"″”NSEWOnsewo\u00a0\u2009–—−\t\n"
NEAR_TEXT = st.text(st.sampled_from(list(GRAMMAR_CHARS)), max_size=40)
SEEDS = st.integers(0, 2**64 - 1)

HEMISPHERES = [
    *"NSEWOnsewo",
    "",
    "nord",
    "sud",
    "est",
    "ouest",
    "north",
    "south",
    "east",
    "west",
    "Est",
    "NS",
]
SEPARATORS = [" ", ", ", ",", " - ", "-", " / ", ";", " et ", " and ", "", "  ", " ,"]


def _number(rng: random.Random, high: int, decimals: float = 0.3) -> str:
    """Mostly in range (below ``high``), sometimes just over it or far beyond."""
    value = rng.choice([rng.randint(0, high - 1)] * 8 + [high + rng.randint(0, 2), rng.randint(0, 999)])
    text = f"{value:0{rng.choice([0, 2, 3])}d}"
    if rng.random() < decimals:
        text += rng.choice(".,") + str(rng.randint(0, 99999))
    return text


def _char(rng: random.Random) -> str:
    if rng.random() < 0.5:
        return rng.choice(GRAMMAR_CHARS)
    return chr(rng.choice([rng.randint(0, 0x7F), rng.randint(0x80, 0x2FFF), rng.randint(0xD800, 0xDFFF)]))


def component(rng: random.Random, axis: str) -> str:
    """One latitude (``axis`` "lat") or longitude as a mariner might write it, mostly right."""
    kind = rng.choice(["dms", "dm", "dm", "dd"])
    text = _number(rng, 90 if axis == "lat" else 180, 0.6 if kind == "dd" else 0.05)
    if kind in ("dm", "dms"):
        text += rng.choice(["°", "°", "°", "º", "˚", " ", "", "-", "° "]) + _number(
            rng, 60, 0.5 if kind == "dm" else 0
        )
        text += rng.choice(["'", "'", "′", "’", "", " ", "''"])
    else:
        text += rng.choice(["°", "", " °"])
    if kind == "dms":
        text += _number(rng, 60) + rng.choice(['"', '"', "''", "″", "”", ""])
    right = rng.choice("NS" if axis == "lat" else "EWO")
    hemi = right if rng.random() < 0.7 else rng.choice(HEMISPHERES)
    sign = rng.choice(["", "", "", "", "-", "+", "−", "–", "--"])
    space = rng.choice(["", " ", " ", "  "])
    where = rng.choice(["before", "after", "after", "after", "both", "none"])
    if where == "before":
        text = hemi + space + sign + text
    elif where == "after":
        text = sign + text + space + hemi
    elif where == "both":
        text = hemi + space + text + space + hemi
    else:
        text = sign + text
    label = rng.choice(["", "", "", "", "", "", "lat ", "Lat: ", "latitude=", "lon ", "long. ", "lng "])
    return label + text


def valid_position(rng: random.Random) -> str:
    """A position written correctly, in one of the notations the parser reads."""
    lat, lon = rng.uniform(-90, 90), rng.uniform(-180, 180)
    style = rng.choice(["dm", "dm", "dms", "dd", "signed"])
    if style == "signed":
        sep = rng.choice([", ", " ", ";", " / "])
        text = f"{lat:.{rng.randint(0, 6)}f}{sep}{lon:.{rng.randint(0, 6)}f}"
        return text.replace(".", ",") if sep == ", " and rng.random() < 0.5 else text
    language = rng.choice(["en", "fr"])
    decimals = rng.choice([None, 0, 1, 3])
    text = format_position(Position(lat, lon), language=language, style=style, decimals=decimals)
    if rng.random() < 0.2:  # longitude first: the letters give the order
        a, b = re.split(r" - | (?=\d)", text, maxsplit=1)
        text = f"{b} {a}"
    return text


_EDITS = (
    "number",
    "hemisphere",
    "drop-letter",
    "sign",
    "separator",
    "swap",
    "char",
    "decimal",
    "label",
    "degree",
)


def _edit(rng: random.Random, text: str) -> str:
    """One mistake a person or an OCR could make."""
    edit = rng.choice(_EDITS)
    numbers = list(re.finditer(r"\d+", text))
    letters = list(re.finditer(r"[NSEWO]", text))
    if edit == "number" and numbers:
        m = rng.choice(numbers)
        value = rng.choice([rng.randint(0, 999), 60, 90, 91, 180, 181, 360, rng.randint(0, 10**9)])
        return text[: m.start()] + str(value) + text[m.end() :]
    if edit == "hemisphere" and letters:
        m = rng.choice(letters)
        return text[: m.start()] + rng.choice(HEMISPHERES) + text[m.end() :]
    if edit == "drop-letter" and letters:
        m = rng.choice(letters)
        return text[: m.start()] + text[m.end() :]
    if edit == "sign" and numbers:
        m = rng.choice(numbers)
        return text[: m.start()] + rng.choice(["-", "+", "−", "–"]) + text[m.start() :]
    if edit == "separator":
        return re.sub(r" - |, | (?=\d)", lambda _: rng.choice(SEPARATORS), text, count=1)
    if edit == "swap":
        half = len(text) // 2
        return text[half:] + rng.choice(SEPARATORS) + text[:half]
    if edit == "decimal":
        return text.translate(str.maketrans(".,", ",.")) if rng.random() < 0.5 else text.replace(", ", ",")
    if edit == "label":
        return rng.choice(["lat ", "Lat: ", "latitude=", "lon ", "long. ", "lng "]) + text
    if edit == "degree":
        return text.replace("°", rng.choice(["", " ", "º", "˚", "o", "-"]), rng.randint(1, 2))
    if text:  # "char": insert, delete or replace one character
        i = rng.randrange(len(text))
        c = _char(rng)
        return rng.choice([text[:i] + c + text[i:], text[:i] + text[i + 1 :], text[:i] + c + text[i + 1 :]])
    return text


def near_miss(rng: random.Random) -> str:
    """A position written correctly, then none to three mistakes; or one assembled from loose parts."""
    if rng.random() < 0.25:
        axes = ["lat", "lon"] if rng.random() < 0.8 else [rng.choice(["lat", "lon"]) for _ in range(2)]
        return component(rng, axes[0]) + rng.choice(SEPARATORS) + component(rng, axes[1])
    text = valid_position(rng)
    for _ in range(rng.choice([0, 1, 1, 2, 3])):
        text = _edit(rng, text)
    return text


def _noise(rng: random.Random) -> str:
    return "".join(_char(rng) for _ in range(rng.randint(0, 20)))


def in_text(rng: random.Random) -> str:
    """Near-miss positions among words and noise."""
    words = ["le feu", "par", "the wreck lies in", "3 east", "article 12,", "entre 045° et 090°", "(", ")"]
    parts = [
        rng.choice([near_miss, _noise, lambda r: r.choice(words)])(rng) for _ in range(rng.randint(2, 5))
    ]
    return rng.choice([" ", "", "\n", " (", ") "]).join(parts)


NEAR_MISS = SEEDS.map(lambda seed: near_miss(random.Random(seed)))
IN_TEXT = SEEDS.map(lambda seed: in_text(random.Random(seed)))
COORDINATE_INPUTS = st.one_of(NEAR_MISS, NEAR_MISS, IN_TEXT, RANDOM_TEXT, NEAR_TEXT)


def _valid(position: Position) -> bool:
    return (
        isinstance(position, Position)
        and math.isfinite(position.lat)
        and math.isfinite(position.lon)
        and -90.0 <= position.lat <= 90.0
        and -180.0 <= position.lon <= 180.0
    )


# --------------------------------------------------------------------------------------------------
# coordinates


@pytest.mark.slow
@FUZZ
@given(COORDINATE_INPUTS)
def test_parse_and_find_positions_never_crash(text: str) -> None:
    try:
        position = parse_position(text)
    except CoordinateError as exc:
        assert str(exc)  # a message, never an empty error
    else:
        assert _valid(position), (text, position)

    matches = find_positions(text)
    end = 0
    for match in matches:
        assert _valid(match.position), (text, match)
        assert end <= match.start < match.end <= len(text), (text, matches)
        assert match.text == text[match.start : match.end]
        end = match.end


# --------------------------------------------------------------------------------------------------
# the query analyser


@pytest.fixture(scope="module")
def analyzer(tmp_path_factory: pytest.TempPathFactory) -> QueryAnalyzer:
    """The real S-57 catalogue and a small real gazetteer: the names of the sample chart."""
    store = ChartStore.open(Path(tmp_path_factory.mktemp("fuzz-charts")))
    report = store.ingest([SAMPLE_CELL])
    assert report.ingested, report
    gazetteer = store.gazetteer
    assert len(gazetteer) > 10
    return QueryAnalyzer(Catalogue.load(), gazetteer)


@pytest.fixture(scope="module")
def previous(analyzer: QueryAnalyzer) -> QueryAnalysis:
    """A first question, for the follow-ups."""
    first = analyzer.analyze("Quel est le feu le plus proche de 48°21,5'N 004°33'O ?")
    assert first.chart_task == "nearest" and first.positions
    return first


QUESTION_WORDS = [
    "Quel",
    "est",
    "le feu",
    "les feux",
    "épaves",
    "wrecks",
    "lights",
    "nearest",
    "le plus proche de",
    "à moins de",
    "within",
    "3 M",
    "2 encablures",
    "0,5 NM",
    "12 m",
    "5 km",
    "1e308 NM",
    "0 cables",
    "et le suivant ?",
    "what about",
    "there",
    "Goulet de Brest",
    "Brest Narrows",
    "Rade de Brest",
    "Portzic",
    "Kermorvan",
    "Ushant",
    "Île d'Ouessant",
    "zone réglementée",
    "restricted area",
    "profondeur",
    "how deep",
    "visible",
    "vitesse",
    "?",
    "¿",
    "Wo ist",
    "¿Dónde está",
]


def question(rng: random.Random) -> str:
    """Words of real questions, places of the chart, distances and near-miss positions, shuffled."""
    pick = [lambda r: r.choice(QUESTION_WORDS)] * 3 + [near_miss, _noise]
    return " ".join(rng.choice(pick)(rng) for _ in range(rng.randint(1, 8)))


QUESTION_INPUTS = st.one_of(SEEDS.map(lambda seed: question(random.Random(seed))), IN_TEXT, RANDOM_TEXT)


@pytest.mark.slow
@FUZZ
@given(
    text=QUESTION_INPUTS,
    language=st.sampled_from([None, None, "fr", "en"]),
    follow_up=st.booleans(),
)
def test_query_analyzer_never_crashes(
    analyzer: QueryAnalyzer, previous: QueryAnalysis, text: str, language: str | None, follow_up: bool
) -> None:
    analysis = analyzer.analyze(text, language=language, previous=previous if follow_up else None)
    assert isinstance(analysis, QueryAnalysis)
    assert analysis.language in ("fr", "en")
    assert all(_valid(p) for p in analysis.positions)
    assert analysis.radius_nm is None or (math.isfinite(analysis.radius_nm) or analysis.radius_nm == math.inf)
    assert analysis.intent in ("chart", "document", "both")
    assert analysis.chart_task in ("nearest", "within", "inside", "containing", "visible", "none")
    assert analysis.count >= 1
