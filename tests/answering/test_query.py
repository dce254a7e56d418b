"""QueryAnalyzer on real questions, with the real S-57 catalogue and the sample chart's gazetteer."""

from __future__ import annotations

import pytest
import shapely

from maritime import Assistant
from maritime.answering.query import QueryAnalysis, QueryAnalyzer, question_language
from maritime.enc.catalogue import Catalogue

from .conftest import ChartTruth, dm

BUOYS = {"BOYCAR", "BOYLAT"}  # the buoy classes the sample chart has


@pytest.fixture(scope="module")
def analyzer(asst: Assistant) -> QueryAnalyzer:
    return QueryAnalyzer(Catalogue.load(), asst.charts.gazetteer)


# --------------------------------------------------------------------------------------------------
# language

LANGUAGE = [
    ("Quels feux à moins de 3 M de 48°21,5'N 004°33,0'O ?", "fr", "fr-lights-within"),
    ("Which lights are within 3 NM of 48°21.5'N 004°33.0'W?", "en", "en-lights-within"),
    ("feux ?", "fr", "fr-one-word-feux"),
    ("Lights?", "en", "en-one-word-lights"),
    ("Épaves ?", "fr", "fr-one-word-epaves"),
    ("Wrecks?", "en", "en-one-word-wrecks"),
    ("Profondeur ?", "fr", "fr-one-word-profondeur"),
    ("Depth?", "en", "en-one-word-depth"),
    ("bouées", "fr", "fr-bouees-no-punctuation"),
    ("buoys", "en", "en-buoys-no-punctuation"),
    ("Où est le phare du Four ?", "fr", "fr-ou-est"),
    ("Where is Le Four lighthouse?", "en", "en-where-is-french-name"),
    ("Y a-t-il des épaves près du Goulet de Brest ?", "fr", "fr-y-a-t-il"),
    ("Are there wrecks near the Brest Narrows?", "en", "en-are-there"),
    ("Combien de bouées ?", "fr", "fr-combien"),
    ("How many buoys?", "en", "en-how-many"),
    ("Quelle est la vitesse maximale autorisée ?", "fr", "fr-vitesse"),
    ("What is the speed limit?", "en", "en-speed-limit"),
    ("Le mouillage est-il autorisé ici ?", "fr", "fr-mouillage-autorise"),
    ("Is anchoring allowed here?", "en", "en-anchoring-allowed"),
    ("et le suivant ?", "fr", "fr-follow-up"),
    ("what about wrecks there?", "en", "en-follow-up"),
    ("Montre-moi les feux", "fr", "fr-montre-moi"),
    ("Show me the lights", "en", "en-show-me"),
    ("Quelle est la profondeur par 48°20'N 004°36'O ?", "fr", "fr-profondeur-position"),
    ("How deep is it at 48°20'N 004°36'W?", "en", "en-how-deep"),
]


@pytest.mark.parametrize(("question", "expected"), [c[:2] for c in LANGUAGE], ids=[c[2] for c in LANGUAGE])
def test_language(analyzer: QueryAnalyzer, question: str, expected: str) -> None:
    assert question_language(question) == expected
    assert analyzer.analyze(question).language == expected


LANGUAGE_BUGS = [
    ("mouillages de la rade de Brest", "fr", "fr-de-la-tie-with-spanish"),
    ("Quand faut-il demander un pilote ?", "fr", "fr-un-tie-with-spanish"),
    ("Puis-je mouiller en baie de Camaret ?", "fr", "fr-en-de-tie"),
    ("What VHF channel do pilots use?", "en", "en-read-as-portuguese"),
    ("Do I need a pilot?", "en", "en-do-a-read-as-portuguese"),
]


@pytest.mark.parametrize(
    ("question", "expected"), [c[:2] for c in LANGUAGE_BUGS], ids=[c[2] for c in LANGUAGE_BUGS]
)
def test_language_of_questions_sharing_words_with_other_languages(
    analyzer: QueryAnalyzer, question: str, expected: str
) -> None:
    assert analyzer.analyze(question).language == expected


def test_language_argument_wins(analyzer: QueryAnalyzer) -> None:
    assert analyzer.analyze("Quels feux près de Brest ?", language="en").language == "en"


# --------------------------------------------------------------------------------------------------
# positions

POSITIONS = [
    ("Quels feux près de 48°21,5'N 004°33,0'O ?", (48, 21.5, "N"), (4, 33.0, "O"), "fr-dm-comma-O"),
    ("Lights near 48°21.5'N 4°33'W?", (48, 21.5, "N"), (4, 33.0, "W"), "en-dm-dot-W"),
    ("Feux près de 48°21,50' N - 004°33,00' O ?", (48, 21.5, "N"), (4, 33.0, "O"), "fr-dm-dash-separated"),
    ("Lights near N 48°21.5' W 004°33.0'?", (48, 21.5, "N"), (4, 33.0, "W"), "en-hemisphere-first"),
    ("Lights at 48 21.5N 004 33.0W", (48, 21.5, "N"), (4, 33.0, "W"), "en-spaces-no-symbols"),
    ("Épaves près de 48° 20' 07\" N, 004° 36' 30\" O", (48, 20 + 7 / 60, "N"), (4, 36.5, "O"), "fr-dms"),
    ("Lights near 48.35N 4.55W", (48, 0.35 * 60, "N"), (4, 0.55 * 60, "W"), "en-decimal-degrees"),
    ("Feux par 48,35 N 4,55 O", (48, 0.35 * 60, "N"), (4, 0.55 * 60, "O"), "fr-decimal-comma-degrees"),
    ("Sonde par 48°20'00\"N 004°36'00\"O ?", (48, 20.0, "N"), (4, 36.0, "O"), "fr-dms-zero-seconds"),
    ("Depth at 004°36.0'W 48°20.0'N?", (48, 20.0, "N"), (4, 36.0, "W"), "en-longitude-first"),
]


@pytest.mark.parametrize(
    ("question", "lat", "lon"), [c[:3] for c in POSITIONS], ids=[c[3] for c in POSITIONS]
)
def test_positions(
    analyzer: QueryAnalyzer, question: str, lat: tuple[int, float, str], lon: tuple[int, float, str]
) -> None:
    analysis = analyzer.analyze(question)
    assert len(analysis.positions) == 1
    assert analysis.position is not None
    assert analysis.position.lat == pytest.approx(dm(*lat), abs=1e-9)
    assert analysis.position.lon == pytest.approx(dm(*lon), abs=1e-9)
    assert analysis.position.lon < 0  # O (ouest) and W are west


def test_two_positions_keep_their_order(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Distance de 48°20'N 004°36'O à 48°21,5'N 004°33'O ?")
    assert [(round(p.lat, 6), round(p.lon, 6)) for p in analysis.positions] == [
        (round(dm(48, 20, "N"), 6), round(dm(4, 36, "O"), 6)),
        (round(dm(48, 21.5, "N"), 6), round(dm(4, 33, "O"), 6)),
    ]


def test_near_argument_comes_first(analyzer: QueryAnalyzer) -> None:
    from maritime.geo.coordinates import Position

    near = Position(48.3, -4.6)
    analysis = analyzer.analyze("Feux près de 48°21,5'N 004°33,0'O ?", near=near)
    assert analysis.position == near
    assert len(analysis.positions) == 2


def test_numbers_are_not_positions(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Article 12, 3 milles, vitesse 10 nœuds au 045°")
    assert analysis.positions == ()


def test_position_in_warning_notation(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Wrecks near 48-19.4N 004-46.6W?")
    assert analysis.position is not None
    assert analysis.position.lat == pytest.approx(dm(48, 19.4, "N"))
    assert analysis.position.lon == pytest.approx(dm(4, 46.6, "W"))


# --------------------------------------------------------------------------------------------------
# place names through the gazetteer


def _sea_area(truth: ChartTruth, name: str) -> shapely.Geometry:
    (feature,) = [f for f in truth.of_class("SEAARE") if name in (f.name, f.national_name)]
    return feature.geometry


def test_sample_chart_names_the_narrows_in_both_languages(truth: ChartTruth) -> None:
    (narrows,) = [f for f in truth.of_class("SEAARE") if f.name == "Brest Narrows"]
    assert narrows.national_name == "Goulet de Brest"
    # No feature of the cell is called just "Goulet".
    assert not [
        f for f in truth.features if "goulet" in {(f.name or "").lower(), (f.national_name or "").lower()}
    ]


PLACES = [
    ("Quels feux dans le Goulet de Brest ?", "SEAARE", "Brest Narrows", "fr-goulet-de-brest"),
    ("Feux du goulet de Brest ?", "SEAARE", "Brest Narrows", "fr-goulet-lower-case"),
    ("Which lights are in the Brest Narrows?", "SEAARE", "Brest Narrows", "en-brest-narrows"),
    ("Mouillages de la Rade de Brest ?", "SEAARE", "Brest Roads", "fr-rade-de-brest"),
    ("Can I anchor in Camaret Bay?", "SEAARE", "Camaret Bay", "en-camaret-bay"),
    ("Peut-on mouiller en anse de Camaret ?", "SEAARE", "Camaret Bay", "fr-anse-de-camaret"),
    ("Wrecks off Ushant?", "LNDARE", "Ushant", "en-ushant"),
    ("Épaves au large de l'île d'Ouessant ?", "LNDARE", "Ushant", "fr-ile-d-ouessant"),
    ("Où est l'épave du Drummond Castle ?", "WRECKS", "Drummond Castle", "fr-wreck-name"),
]


@pytest.mark.parametrize(
    ("question", "object_class", "name"), [c[:3] for c in PLACES], ids=[c[3] for c in PLACES]
)
def test_places(
    analyzer: QueryAnalyzer, truth: ChartTruth, question: str, object_class: str, name: str
) -> None:
    analysis = analyzer.analyze(question)
    assert analysis.places, question
    hit = analysis.places[0]
    assert (hit.name, hit.object_class, hit.cell) == (name, object_class, "FR_BREST_SAMPLE")
    (feature,) = [f for f in truth.of_class(object_class) if f.name == name]
    # The place's position is the feature's own: on the point, or inside the area.
    assert analysis.position is not None
    here = shapely.Point(analysis.position.lon, analysis.position.lat)
    assert feature.geometry.buffer(1e-9).covers(here)


def test_goulet_alone_is_not_a_chart_name(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Quels feux dans le goulet ?")
    assert analysis.places == ()
    assert analysis.position is None
    assert analysis.chart_task == "none"


def test_narrows_in_french_and_english_is_one_place(analyzer: QueryAnalyzer, truth: ChartTruth) -> None:
    french = analyzer.analyze("Feux du Goulet de Brest ?")
    english = analyzer.analyze("Lights of the Brest Narrows?")
    assert french.position == english.position
    assert french.position is not None
    assert _sea_area(truth, "Goulet de Brest").contains(
        shapely.Point(french.position.lon, french.position.lat)
    )


# --------------------------------------------------------------------------------------------------
# distances

CABLE_NM = 0.1
RADII = [
    ("Quels feux à moins de 3 milles de 48°21,5'N 004°33,0'O ?", 3.0, "fr-a-moins-de-3-milles"),
    ("Épaves dans un rayon de 2 M de 48°20'N 004°35'O ?", 2.0, "fr-rayon-2-M"),
    ("Feux dans un rayon de 1,5 M de 48°20'N 004°35'O ?", 1.5, "fr-decimal-comma-M"),
    ("Feux à moins de 4 milles nautiques de 48°20'N 004°35'O", 4.0, "fr-milles-nautiques"),
    ("Épaves à moins de 2 encablures de 48°20'N 004°35'O", 2 * CABLE_NM, "fr-encablures"),
    ("Wrecks within 2 cables of 48°20.0'N 004°35.0'W?", 2 * CABLE_NM, "en-2-cables"),
    ("Lights 5 NM around 48°20'N 004°35'W", 5.0, "en-5-NM-no-cue"),
    ("Lights within 5 NM of 48.35N 4.55W", 5.0, "en-within-5-NM"),
    ("Lights within 1.5 nautical miles of 48°20'N 004°35'W", 1.5, "en-nautical-miles"),
    ("Obstructions within 500 m of 48°20'N 004°35'W?", 500 / 1852, "en-500-m"),
    ("Épaves à moins de 500 m de 48°20'N 004°35'O ?", 500 / 1852, "fr-500-m"),
    ("Wrecks within 3 km of 48°20'N 004°35'W", 3000 / 1852, "en-3-km"),
    ("Wrecks with a least depth of 8 m within 2 NM of 48°20'N 004°35'W", 2.0, "en-depth-then-radius"),
    ("Quelles épaves à moins d'un mille de 48°20'N 004°35'O ?", 1.0, "fr-d-un-mille"),
    ("Feux à moins de deux encablures de 48°20'N 004°35'O", 2 * CABLE_NM, "fr-deux-encablures"),
    ("Épaves dans un rayon d'un demi-mille de 48°20'N 004°35'O", 0.5, "fr-demi-mille"),
    ("Wrecks within a mile of 48°20'N 004°35'W", 1.0, "en-a-mile"),
    ("Lights within half a nautical mile of 48°20'N 004°35'W", 0.5, "en-half-a-mile"),
]


@pytest.mark.parametrize(("question", "radius_nm"), [c[:2] for c in RADII], ids=[c[2] for c in RADII])
def test_radius(analyzer: QueryAnalyzer, question: str, radius_nm: float) -> None:
    analysis = analyzer.analyze(question)
    assert analysis.radius_nm == pytest.approx(radius_nm, rel=1e-5)
    assert analysis.chart_task == "within"


def test_no_distance_no_radius(analyzer: QueryAnalyzer) -> None:
    assert analyzer.analyze("Quelle est la profondeur par 48°20'N 004°36'O ?").radius_nm is None
    # "a cable" is the thing asked about, not a distance of one cable.
    cable = analyzer.analyze("Is there a cable near 48°20'N 004°35'W?")
    assert "CBLSUB" in cable.classes and cable.radius_nm != pytest.approx(CABLE_NM)


def test_named_area_without_a_distance_asks_for_what_is_inside(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Lights of the Brest Narrows?")
    assert analysis.chart_task == "inside"
    assert analysis.radius_nm is None


def test_named_point_without_a_distance_uses_a_default_radius(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Wrecks near the Drummond Castle?")
    assert analysis.chart_task == "within"
    assert analysis.radius_nm is not None and analysis.radius_nm > 0


def test_named_area_with_a_distance_is_a_radius_search(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Lights within 2 NM of the Brest Narrows")
    assert (analysis.chart_task, analysis.radius_nm) == ("within", 2.0)


def test_radius_argument_wins(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Wrecks within 2 NM of 48°20'N 004°35'W", radius_nm=0.7)
    assert analysis.radius_nm == 0.7


def test_cables_are_not_submarine_cables(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Wrecks within 2 cables of 48°20.0'N 004°35.0'W?")
    assert analysis.classes == ("WRECKS",)


DEPTH_NOT_RADIUS = [
    ("Is the depth more than 12 m at 48°20'N 004°36'W?", "en-12-m-depth"),
    ("Y a-t-il plus de 5 m de profondeur par 48°20'N 004°36'O ?", "fr-5-m-profondeur"),
]


@pytest.mark.parametrize("question", [c[0] for c in DEPTH_NOT_RADIUS], ids=[c[1] for c in DEPTH_NOT_RADIUS])
def test_a_depth_is_not_a_radius(analyzer: QueryAnalyzer, question: str) -> None:
    analysis = analyzer.analyze(question)
    assert analysis.radius_nm is None
    assert analysis.chart_task == "containing"


# --------------------------------------------------------------------------------------------------
# object classes

CLASSES = [
    ("Quels feux à moins de 3 M de 48°20'N 004°36'O ?", {"LIGHTS"}, "fr-feux"),
    ("Quel est le phare le plus proche de 48°20'N 004°46'O ?", {"LIGHTS"}, "fr-phare"),
    ("Quels phares à moins de 5 M de 48°20'N 004°46'O ?", {"LIGHTS"}, "fr-phares"),
    ("Quelles épaves à moins de 3 M de 48°18'N 004°38'O ?", {"WRECKS"}, "fr-epaves"),
    ("Quelles obstructions à moins de 2 M de 48°18'N 004°32'O ?", {"OBSTRN"}, "fr-obstructions"),
    ("Quelles zones réglementées à moins de 2 M de 48°18'N 004°32'O ?", {"RESARE"}, "fr-zones-reglementees"),
    ("Quels mouillages à moins de 2 M de 48°17'N 004°36'O ?", {"ACHARE"}, "fr-mouillages"),
    ("Quelle est la profondeur par 48°20'N 004°36'O ?", {"DEPARE"}, "fr-profondeur"),
    ("Quelle est la sonde la plus proche de 48°20'N 004°36'O ?", {"SOUNDG"}, "fr-sonde"),
    ("Which lights are within 3 NM of 48°20'N 004°36'W?", {"LIGHTS"}, "en-lights"),
    ("Wrecks within 2 NM of 48°18'N 004°38'W?", {"WRECKS"}, "en-wrecks"),
    ("Obstructions within 2 NM of 48°18'N 004°32'W?", {"OBSTRN"}, "en-obstructions"),
    ("Anchorage areas within 2 NM of 48°17'N 004°36'W?", {"ACHARE"}, "en-anchorage-areas"),
    ("Which anchorage is nearest to 48°17'N 004°36'W?", {"ACHARE"}, "en-anchorage"),
    ("Am I in a restricted area at 48°18'N 004°32'W?", {"RESARE"}, "en-restricted-area"),
    ("What is the depth at 48°20'N 004°36'W?", {"DEPARE"}, "en-depth"),
]


@pytest.mark.parametrize(("question", "expected"), [c[:2] for c in CLASSES], ids=[c[2] for c in CLASSES])
def test_classes(analyzer: QueryAnalyzer, question: str, expected: set[str]) -> None:
    classes = set(analyzer.analyze(question).classes)
    assert expected <= classes
    # Nothing unrelated: French "profondeur" may add soundings to depth areas, nothing else.
    assert classes - expected <= {"SOUNDG"}


@pytest.mark.parametrize(
    "question",
    ["Quelles bouées à moins de 1 M de 48°20'N 004°36'O ?", "Buoys within 1 NM of 48°20'N 004°36'W?"],
    ids=["fr-bouees", "en-buoys"],
)
def test_buoy_words_name_every_buoy_class(analyzer: QueryAnalyzer, question: str) -> None:
    classes = set(analyzer.analyze(question).classes)
    assert classes >= BUOYS
    assert all(c.startswith("BOY") for c in classes)


PLACE_WORDS = [
    ("Feux du Goulet de Brest ?", ("LIGHTS",), "fr-goulet-is-not-SEAARE"),
    ("Quelles épaves à moins de 3 milles du Goulet de Brest ?", ("WRECKS",), "fr-epaves-goulet"),
    ("Quelle est la vitesse maximale autorisée en rade de Brest ?", (), "fr-rade-is-not-SEAARE"),
    ("Is 48°18'N 004°32'W inside the Ile Longue naval base?", (), "en-ile-is-not-LNDARE"),
]


@pytest.mark.parametrize(
    ("question", "expected"), [c[:2] for c in PLACE_WORDS], ids=[c[2] for c in PLACE_WORDS]
)
def test_words_of_a_place_name_are_not_classes(
    analyzer: QueryAnalyzer, question: str, expected: tuple[str, ...]
) -> None:
    analysis = analyzer.analyze(question)
    assert analysis.places
    assert analysis.classes == expected


# --------------------------------------------------------------------------------------------------
# intent and chart task

INTENTS = [
    ("Quel est le feu le plus proche de 48°20'N 004°36'O ?", "chart", "nearest", "fr-nearest-light"),
    ("Which is the closest wreck to 48°18'N 004°38'W?", "chart", "nearest", "en-closest-wreck"),
    ("Quelle est l'épave la plus proche de 48°18'N 004°38'O ?", "chart", "nearest", "fr-epave-plus-proche"),
    ("Quelles épaves à moins de 3 milles de 48°18'N 004°38'O ?", "chart", "within", "fr-wrecks-within"),
    ("Buoys within 1 NM of 48°20'N 004°36'W?", "chart", "within", "en-buoys-within"),
    ("Lights within 2 NM of the Brest Narrows", "chart", "within", "en-lights-within-of-place"),
    ("Feux du Goulet de Brest ?", "chart", "inside", "fr-lights-of-named-area"),
    ("Lights of the Brest Narrows?", "chart", "inside", "en-lights-of-named-area"),
    ("Quelle est la profondeur par 48°20'N 004°36'O ?", "chart", "containing", "fr-depth"),
    ("What is the depth at 48°20'N 004°36'W?", "chart", "containing", "en-depth"),
    ("Suis-je dans une zone réglementée par 48°18'N 004°32'O ?", "chart", "containing", "fr-suis-je"),
    ("Am I in a restricted area at 48°18'N 004°32'W?", "chart", "containing", "en-am-i"),
    ("Quels feux sont visibles depuis 48°20'N 004°45'O ?", "chart", "visible", "fr-visibles"),
    ("Which lights can be seen from 48°20'N 004°45'W?", "chart", "visible", "en-seen-from"),
    ("Is anchoring prohibited in the restricted area at 48°18'N 004°32'W?", "both", "containing", "en-both"),
    (
        "Le mouillage est-il interdit dans la zone réglementée par 48°18'N 004°32'O ?",
        "both",
        "containing",
        "fr-both",
    ),
    ("Quelle est la vitesse maximale autorisée ?", "document", "none", "fr-speed-limit"),
    ("What is the speed limit for pleasure craft?", "document", "none", "en-speed-limit"),
    ("When must a pilot be requested?", "document", "none", "en-pilot"),
    ("Quels feux dans le goulet ?", "document", "none", "fr-no-known-place"),
]


@pytest.mark.parametrize(
    ("question", "intent", "task"), [c[:3] for c in INTENTS], ids=[c[3] for c in INTENTS]
)
def test_intent_and_chart_task(analyzer: QueryAnalyzer, question: str, intent: str, task: str) -> None:
    analysis = analyzer.analyze(question)
    assert (analysis.intent, analysis.chart_task) == (intent, task)
    assert not analysis.follow_up


def test_chart_task_without_a_place_is_noted(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("Quel est le feu le plus proche ?")
    assert analysis.chart_task == "nearest"
    assert analysis.position is None
    assert analysis.notes


# --------------------------------------------------------------------------------------------------
# follow-ups


def _chain(analyzer: QueryAnalyzer, *questions: str) -> list[QueryAnalysis]:
    out: list[QueryAnalysis] = []
    for question in questions:
        out.append(analyzer.analyze(question, previous=out[-1] if out else None))
    return out


def test_et_le_suivant_increments_count(analyzer: QueryAnalyzer) -> None:
    first, second, third = _chain(
        analyzer, "Quel est le feu le plus proche de 48°20'N 004°36'O ?", "et le suivant ?", "et le suivant ?"
    )
    assert (first.count, second.count, third.count) == (1, 2, 3)
    assert not first.follow_up and second.follow_up and third.follow_up
    for later in (second, third):
        assert later.position == first.position
        assert later.classes == ("LIGHTS",)
        assert later.chart_task == "nearest"
        assert later.language == "fr"


def test_next_one_in_english(analyzer: QueryAnalyzer) -> None:
    first, second = _chain(analyzer, "Nearest light to 48°20'N 004°36'W?", "next one?")
    assert second.follow_up and second.count == 2
    assert second.position == first.position and second.classes == ("LIGHTS",)


def test_what_about_wrecks_there_keeps_the_place_and_switches_class(analyzer: QueryAnalyzer) -> None:
    first, second = _chain(analyzer, "Nearest light to 48°20'N 004°36'W?", "what about wrecks there?")
    assert second.follow_up
    assert second.position == first.position
    assert second.classes == ("WRECKS",)
    assert second.chart_task == "within"
    assert second.radius_nm is not None and second.radius_nm > 0
    assert second.count == 1


def test_and_lights_keeps_the_radius(analyzer: QueryAnalyzer) -> None:
    first, second = _chain(analyzer, "Wrecks within 2 NM of 48°20'N 004°36'W", "and lights?")
    assert second.follow_up
    assert (second.position, second.radius_nm, second.classes, second.chart_task) == (
        first.position,
        2.0,
        ("LIGHTS",),
        "within",
    )


def test_french_follow_up_switches_class(analyzer: QueryAnalyzer) -> None:
    first, second = _chain(
        analyzer, "Quelles épaves à moins de 2 M de 48°18'N 004°38'O ?", "et les obstructions là-bas ?"
    )
    assert second.follow_up
    assert second.position == first.position
    assert second.classes == ("OBSTRN",)
    assert second.radius_nm == 2.0


@pytest.mark.parametrize(
    "question",
    [
        "Quelle est la vitesse maximale autorisée en rade de Brest ?",
        "What VHF channel should ships call when entering the port of Brest?",
        "Quelles épaves à moins de 1 M de 48°25,5'N 005°02,4'O ?",
    ],
    ids=["fr-speed-new-place", "en-vhf-long", "fr-new-position"],
)
def test_a_new_question_is_not_a_follow_up(analyzer: QueryAnalyzer, question: str) -> None:
    previous = analyzer.analyze("Quel est le feu le plus proche de 48°20'N 004°36'O ?")
    analysis = analyzer.analyze(question, previous=previous)
    assert not analysis.follow_up
    assert analysis.count == 1
    assert analysis.position != previous.position


def test_a_short_unrelated_question_is_not_a_follow_up(analyzer: QueryAnalyzer) -> None:
    previous = analyzer.analyze("Quel est le feu le plus proche de 48°20'N 004°36'O ?")
    analysis = analyzer.analyze("Quel temps fera-t-il demain ?", previous=previous)
    assert not analysis.follow_up
    assert analysis.chart_task == "none"


def test_follow_up_words_without_previous_are_plain_questions(analyzer: QueryAnalyzer) -> None:
    analysis = analyzer.analyze("et le suivant ?")
    assert not analysis.follow_up
    assert analysis.count == 1
    assert analysis.position is None


def test_a_named_charted_point_is_cited_with_what_its_name_says(
    analyzer: QueryAnalyzer, asst: Assistant
) -> None:
    """The name swallowed the class word ("Saint-Mathieu lighthouse" is a LNDMRK): the landmark and the
    light charted at its position answer, not nothing."""
    analysis = analyzer.analyze("What is the characteristic of Saint-Mathieu lighthouse?")
    assert analysis.chart_task == "nearest" and analysis.classes[0] == "LIGHTS"
    assert analysis.places[0].object_class == "LNDMRK"
    answer = asst.ask("What is the characteristic of Saint-Mathieu lighthouse?")
    light = answer.chart_features[0]
    assert light.object_class == "LIGHTS" and light.distance_nm is not None and light.distance_nm < 0.01
    assert "Saint-Mathieu" in (light.name or "") and "[C1]" in answer.answer
    # A named area is no such feature: a document question about it stays a document question.
    assert analyzer.analyze("Peut-on mouiller en rade de Brest ?").chart_task == "none"
