"""check_answer: markers resolve, numbers have a source, empty and "nothing found" answers."""

from __future__ import annotations

import pytest

from maritime.answer import ChartRef, Citation
from maritime.answering.citations import check_answer

SPEED = Citation(
    id="1",
    source="instructions_nautiques_brest.pdf",
    quote="La vitesse est limitée à 12 nœuds dans la Rade de Brest.",
    page=4,
    section="2.21",
    language="fr",
)
PILOT = Citation(
    id="2",
    source="sailing_directions_brest.pdf",
    quote="Pilots board 1.5 NM west of Pointe du Petit Minou, VHF channel 72.",
    page=3,
    section="1.19",
    language="en",
)
LIGHT = ChartRef(
    id="C1",
    object_class="LIGHTS",
    lat=48.3303,
    lon=-4.7714,
    cell="FR_BREST_SAMPLE",
    feature_id="FFFE0000005E0001",
    name="Saint-Mathieu",
    distance_nm=1.234,
    bearing_deg=44.6,
    description="Fl W 15s 56m 29M",
    attributes={"HEIGHT": "56 m", "VALNMR": "29 M"},
)
WRECK = ChartRef(
    id="C2",
    object_class="WRECKS",
    lat=48.295,
    lon=-4.675,
    cell="FR_BREST_SAMPLE",
    feature_id="FFFE0000004B0001",
    distance_nm=2.5,
    bearing_deg=260.2,
    description="least depth 8.4 m, dangerous wreck",
    attributes={"VALSOU": "8.4 m"},
)
SOURCES = ([SPEED, PILOT], [LIGHT, WRECK])


def _check(text: str, language: str = "en", **kw):
    return check_answer(text, *SOURCES, language=language, **kw)


# --------------------------------------------------------------------------------------------------
# markers

MARKERS = [
    ("Speed 12 knots [1].", "Speed 12 knots [1].", ["1"], [], "one-document-marker"),
    ("Light [C1] and wreck [C2].", "Light [C1] and wreck [C2].", [], ["C1", "C2"], "two-chart-markers"),
    ("Speed 12 knots [1, C2].", "Speed 12 knots [1][C2].", ["1"], ["C2"], "list-comma"),
    ("Speed 12 knots [1; 2].", "Speed 12 knots [1][2].", ["1", "2"], [], "list-semicolon"),
    ("Light [ c1 ].", "Light [C1].", [], ["C1"], "lower-case-and-spaces"),
    (
        "Wreck [C2] then speed [1], wreck again [C2].",
        "Wreck [C2] then speed [1], wreck again [C2].",
        ["1"],
        ["C2"],
        "order-of-use",
    ),
]


@pytest.mark.parametrize(
    ("text", "checked", "docs", "refs"), [m[:4] for m in MARKERS], ids=[m[4] for m in MARKERS]
)
def test_markers_that_resolve_are_kept(text: str, checked: str, docs: list[str], refs: list[str]) -> None:
    result = _check(text)
    assert result.text == checked
    assert [c.id for c in result.citations] == docs
    assert [r.id for r in result.chart_features] == refs
    assert result.warnings == []


DANGLING = [
    ("Speed 12 knots [1] and 15 knots [7].", "Speed 12 knots [1] and 15 knots.", ["[7]"], "en-number"),
    ("Light [C1] and buoy [C9].", "Light [C1] and buoy.", ["[C9]"], "en-chart"),
    ("Speed 12 knots [1, C9].", "Speed 12 knots [1].", ["[C9]"], "en-in-a-list"),
    ("Light [C3, 4] here [C1].", "Light here [C1].", ["[C3]", "[4]"], "en-whole-list"),
]


@pytest.mark.parametrize(
    ("text", "checked", "removed"), [d[:3] for d in DANGLING], ids=[d[3] for d in DANGLING]
)
def test_dangling_markers_are_removed_with_a_warning(text: str, checked: str, removed: list[str]) -> None:
    result = _check(text)
    assert result.text == checked
    dangling = [w for w in result.warnings if w.startswith("Markers that point to no source were removed")]
    assert len(dangling) == 1
    for marker in removed:
        assert marker in dangling[0]


def test_dangling_marker_warning_in_french() -> None:
    result = _check("Vitesse limitée à 12 nœuds [1] [5].", language="fr")
    assert result.text == "Vitesse limitée à 12 nœuds [1]."
    assert result.warnings == ["Renvois sans source supprimés : [5]."]


def test_only_sources_the_text_uses_are_cited() -> None:
    result = _check("Speed 12 knots [1].")
    assert [c.id for c in result.citations] == ["1"]
    assert result.chart_features == []


# --------------------------------------------------------------------------------------------------
# numbers

SUPPORTED = [
    ("La vitesse est limitée à 12 nœuds [1].", "fr", "quote-integer"),
    ("Pilots board 1.5 NM west [2].", "en", "quote-decimal"),
    ("Les pilotes embarquent à 1,5 M dans l'ouest [2].", "fr", "quote-decimal-comma-in-french"),
    ("Saint-Mathieu shows Fl W 15s, 56 m high, range 29 M [C1].", "en", "chart-description"),
    ("Least depth 8.4 m [C2].", "en", "chart-attribute"),
    ("Le feu est à 1,234 M au 045° [C1].", "fr", "computed-exact"),
    ("Le feu est à 1,23 M au 045° [C1].", "fr", "computed-rounded-2"),
    ("The light is 1.2 NM away, bearing 045° [C1].", "en", "computed-rounded-1"),
    ("The light is about 1 NM away [C1].", "en", "computed-rounded-0"),
    ("The wreck bears 260° [C2].", "en", "bearing-rounded"),
    ("Saint-Mathieu, 48°19,8'N 004°46,3'O [C1].", "fr", "feature-position-minutes"),
    ("Saint-Mathieu at 48.3303, -4.7714 [C1].", "en", "feature-position-decimal"),
    ("Speed 12 knots (instructions_nautiques_brest.pdf, p. 4, 2.21) [1].", "en", "page-and-section"),
    ("Vitesse 12 nœuds [1] (p. 4, § 2.21).", "fr", "page-and-section-fr"),
    ("Within 3 NM of your position: the light [C1].", "en", "number-from-the-question"),
]


@pytest.mark.parametrize(("text", "language"), [s[:2] for s in SUPPORTED], ids=[s[2] for s in SUPPORTED])
def test_numbers_with_a_source_are_not_flagged(text: str, language: str) -> None:
    result = _check(
        text, language, computed=[1.234, 44.6, 2.5, 260.2], extra_known_text="feux à moins de 3 M"
    )
    assert result.unsupported_numbers == []
    assert result.warnings == []


UNSUPPORTED = [
    ("La vitesse est limitée à 12,4 nœuds [1].", "12,4", "more-digits-than-the-quote"),
    ("La vitesse est limitée à 15 nœuds [1].", "15", "quote-has-another-number"),
    ("Le feu est à 1,24 M [C1].", "1,24", "rounded-wrongly"),
    ("Le feu est à 1,3 M [C1].", "1,3", "rounded-wrongly-1-decimal"),
    ("Le feu porte à 31 M [C1].", "31", "not-in-attributes"),
    ("Pilots board on channel 72 [1].", "72", "number-of-a-passage-not-cited"),
    ("Least depth 7.8 m.", "7.8", "no-marker-at-all"),
]


@pytest.mark.parametrize(("text", "token"), [u[:2] for u in UNSUPPORTED], ids=[u[2] for u in UNSUPPORTED])
def test_numbers_without_a_source_are_flagged(text: str, token: str) -> None:
    result = _check(text, computed=[1.234, 44.6])
    assert token in result.unsupported_numbers
    assert any(token in w for w in result.warnings if w.startswith("Numbers not found in the cited sources"))


def test_unsupported_number_warning_in_both_languages() -> None:
    en = _check("Speed 15 knots [1].", "en")
    fr = _check("Vitesse 15 nœuds [1].", "fr")
    assert en.warnings == ["Numbers not found in the cited sources: 15; check them."]
    assert fr.warnings == ["Nombres absents des sources citées : 15 ; à vérifier."]


def test_marker_digits_are_not_numbers() -> None:
    result = check_answer("Speed limit [1] here [C1].", *SOURCES)
    assert result.unsupported_numbers == []


def test_each_unsupported_number_is_listed_once() -> None:
    result = _check("Depth 7.8 m, then 7.8 m again, and 99 m [C2].")
    assert result.unsupported_numbers == ["7.8", "99"]


BEARING_WRAP = [
    (359.8, "000", "written-000-for-359.8"),
    (0.2, "360", "written-360-for-0.2"),
]


@pytest.mark.parametrize(
    ("bearing", "written"), [b[:2] for b in BEARING_WRAP], ids=[b[2] for b in BEARING_WRAP]
)
def test_bearings_round_across_north(bearing: float, written: str) -> None:
    ref = ChartRef(
        id="C1", object_class="LIGHTS", lat=48.5231, lon=-4.8056, distance_nm=1.2, bearing_deg=bearing
    )
    result = check_answer(
        f"The light is 1.20 NM away, bearing {written}° [C1].", [], [ref], computed=[1.2, bearing]
    )
    assert result.unsupported_numbers == []


# --------------------------------------------------------------------------------------------------
# empty answers and answers that cite nothing


@pytest.mark.parametrize(
    ("text", "language", "warning"),
    [
        ("", "en", "The answer is empty."),
        ("   \n ", "en", "The answer is empty."),
        ("", "fr", "La réponse est vide."),
    ],
    ids=["en-empty", "en-blank", "fr-empty"],
)
def test_empty_answer(text: str, language: str, warning: str) -> None:
    result = _check(text, language)
    assert result.text == ""
    assert result.warnings == [warning]
    assert result.citations == [] and result.chart_features == []


def test_answer_made_only_of_dangling_markers_is_empty() -> None:
    result = _check("[7] [C9]")
    assert result.text == ""
    assert result.warnings[-1] == "The answer is empty."
    assert "[7]" in result.warnings[0] and "[C9]" in result.warnings[0]


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The available sources do not answer this question.", "en"),
        ("Les sources disponibles ne répondent pas à cette question.", "fr"),
        ("Nothing relevant was found in the publications or on the chart.", "en"),
        ("Je n'ai rien trouvé sur ce sujet.", "fr"),
    ],
    ids=["en-extractive-wording", "fr-extractive-wording", "en-nothing-relevant", "fr-rien-trouve"],
)
def test_nothing_found_answers_are_not_warned(text: str, language: str) -> None:
    result = check_answer(text, [], [], language=language)
    assert result.text == text
    assert result.warnings == []


@pytest.mark.parametrize(
    ("text", "language", "warning"),
    [
        ("The light is white.", "en", "The answer cites no source."),
        ("Le feu est blanc.", "fr", "La réponse ne cite aucune source."),
    ],
    ids=["en", "fr"],
)
def test_uncited_claims_are_warned(text: str, language: str, warning: str) -> None:
    result = _check(text, language)
    assert result.warnings == [warning]


def test_spaces_left_by_a_removed_marker_are_tidied() -> None:
    result = _check("Vitesse 12 nœuds [1] [8] , puis [C1] .", "fr")
    assert result.text == "Vitesse 12 nœuds [1], puis [C1]."
