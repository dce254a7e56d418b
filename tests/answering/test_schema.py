"""Every answer validates against ../shared/contracts/answer.schema.json, and its map is right."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from maritime import Assistant
from maritime.answer import Answer

from .conftest import LLM_ENV, ChartTruth, dm

#: (question, keyword arguments of ask, language of the answer)
QUESTIONS = [
    ("Quel est le feu le plus proche de 48°20,5'N 004°46,0'O ?", {}, "fr", "fr-chart-nearest-light"),
    ("Which wrecks are within 3 NM of 48°18.0'N 004°38.0'W?", {}, "en", "en-chart-wrecks-within"),
    ("Quelle est la profondeur par 48°16,0'N 004°52,5'O ?", {}, "fr", "fr-chart-depth"),
    ("Is 48°19.2'N 004°31.0'W in a restricted area?", {}, "en", "en-chart-restricted"),
    ("Quelle est la vitesse maximale autorisée en rade de Brest ?", {}, "fr", "fr-document-speed"),
    ("Where do pilots board for the Goulet?", {}, "en", "en-document-pilots"),
    ("xyzzy plugh frobozz", {}, "en", "en-nothing-found"),
    (
        "Quels feux\x00 à moins de\x07 2 M de\x1b 48°20,0'N 004°36,0'O ?\x7f",
        {},
        "fr",
        "fr-control-characters",
    ),
    ("Which wreck is nearest?", {"near": "48°18,0'N 004°38,0'O"}, "en", "en-near-argument"),
    ("Quels feux dans le Goulet de Brest ?", {}, "fr", "fr-named-area"),
    ("Quel est le feu le plus proche de 48°20,0'N 004°36,0'O ?", {"language": "en"}, "en", "forced-language"),
]


@pytest.fixture(autouse=True)
def _no_local_model(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LLM_ENV:
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="module")
def answers(asst: Assistant) -> dict[str, Answer]:
    out = {}
    for question, kwargs, _, case_id in QUESTIONS:
        out[case_id] = asst.ask(question, **kwargs)
    return out


def _features_by_id(data: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for feature in data["geojson"]["features"]:
        out.setdefault(feature["properties"]["id"], []).append(feature)
    return out


@pytest.mark.parametrize(
    ("case_id", "language"), [(q[3], q[2]) for q in QUESTIONS], ids=[q[3] for q in QUESTIONS]
)
def test_answer_validates(
    answers: dict[str, Answer],
    validate_answer: Callable[[Answer], dict[str, Any]],
    case_id: str,
    language: str,
) -> None:
    answer = answers[case_id]
    data = validate_answer(answer)
    assert data["language"] == language
    assert data["mode"] == "extractive" and data["model"] is None
    assert data["answer"].strip()
    # Marker ids in the text are those of the JSON's sources.
    assert set(re.findall(r"\[(C\d+)\]", data["answer"])) == {c["id"] for c in data["chart_features"]}
    assert set(re.findall(r"\[(\d+)\]", data["answer"])) == {c["id"] for c in data["citations"]}


@pytest.mark.parametrize("case_id", [q[3] for q in QUESTIONS], ids=[q[3] for q in QUESTIONS])
def test_geojson_carries_every_cited_feature_and_geotagged_passage(
    answers: dict[str, Answer], validate_answer: Callable[[Answer], dict[str, Any]], case_id: str
) -> None:
    answer = answers[case_id]
    data = validate_answer(answer)
    geojson = data["geojson"]
    assert geojson["type"] == "FeatureCollection"
    by_id = _features_by_id(data)
    for feature in geojson["features"]:
        assert feature["type"] == "Feature"
        assert feature["geometry"]["type"] in (
            "Point",
            "LineString",
            "Polygon",
            "MultiPolygon",
            "MultiLineString",
        )
    for ref in data["chart_features"]:
        assert ref["id"] in by_id, ref["id"]
        (feature,) = by_id[ref["id"]]
        assert feature["properties"]["object_class"] == ref["object_class"]
        if feature["geometry"]["type"] == "Point":
            assert feature["geometry"]["coordinates"] == pytest.approx([ref["lon"], ref["lat"]])
    for citation in answer.citations:
        placed = [f for f in by_id.get(citation.id, []) if f["properties"].get("role") == "citation"]
        assert len(placed) == len(citation.positions)
        for feature, (lat, lon) in zip(placed, citation.positions, strict=True):
            assert feature["geometry"]["coordinates"] == pytest.approx([lon, lat])
    if answer.query_position is not None:
        (query,) = by_id["query"]
        lat, lon = answer.query_position
        assert query["geometry"]["coordinates"] == pytest.approx([lon, lat])


def test_geojson_is_lon_lat_against_the_cell(
    answers: dict[str, Answer], validate_answer: Callable[[Answer], dict[str, Any]], truth: ChartTruth
) -> None:
    data = validate_answer(answers["fr-chart-nearest-light"])
    (ref,) = data["chart_features"]
    light = truth.by_id(ref["feature_id"])
    assert light.name == "Saint-Mathieu"  # 48°19.818'N 004°46.284'W in the cell
    (feature,) = _features_by_id(data)[ref["id"]]
    lon, lat = feature["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx((light.lon, light.lat), abs=1e-9)
    assert lon == pytest.approx(-4.7714, abs=1e-9) and lat == pytest.approx(48.3303, abs=1e-9)


def test_control_characters_are_cleaned(
    answers: dict[str, Answer], validate_answer: Callable[[Answer], dict[str, Any]]
) -> None:
    data = validate_answer(answers["fr-control-characters"])
    assert data["question"] == "Quels feux à moins de 2 M de 48°20,0'N 004°36,0'O ?"
    assert all(ch.isprintable() for ch in data["question"] + data["answer"])
    assert data["chart_features"] and {c["object_class"] for c in data["chart_features"]} == {"LIGHTS"}


def test_near_argument_is_the_query_point(
    answers: dict[str, Answer], validate_answer: Callable[[Answer], dict[str, Any]], truth: ChartTruth
) -> None:
    data = validate_answer(answers["en-near-argument"])
    lat, lon = dm(48, 18.0, "N"), dm(4, 38.0, "O")
    (query,) = _features_by_id(data)["query"]
    assert query["geometry"]["coordinates"] == pytest.approx([lon, lat])
    (ref,) = data["chart_features"]
    ranked = truth.ranked_points(lat, lon, "WRECKS")
    assert ref["feature_id"] == ranked[0][2].feature_id
    assert ref["distance_nm"] == pytest.approx(ranked[0][0], rel=1e-6)


def test_nothing_found_cites_nothing_and_says_so(
    answers: dict[str, Answer], validate_answer: Callable[[Answer], dict[str, Any]]
) -> None:
    data = validate_answer(answers["en-nothing-found"])
    assert data["citations"] == [] and data["chart_features"] == []
    assert data["geojson"]["features"] == []
    assert "No relevant source was found." in data["warnings"]


def test_named_area_is_drawn(
    answers: dict[str, Answer], validate_answer: Callable[[Answer], dict[str, Any]]
) -> None:
    data = validate_answer(answers["fr-named-area"])
    areas = [f for f in data["geojson"]["features"] if f["properties"]["id"] == "query-area"]
    assert len(areas) == 1 and areas[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    ring = areas[0]["geometry"]["coordinates"][0]
    assert all(-5.2 < lon < -4.2 and 48.1 < lat < 48.6 for lon, lat in ring)  # lon, lat order


def test_follow_up_answer_validates(
    asst: Assistant, validate_answer: Callable[[Answer], dict[str, Any]], truth: ChartTruth
) -> None:
    conversation = asst.conversation()
    first = asst.ask("Quel est le feu le plus proche de 48°20,5'N 004°46,0'O ?", conversation=conversation)
    second = asst.ask("et le suivant ?", conversation=conversation)
    for answer in (first, second):
        validate_answer(answer)
    assert second.language == "fr"
    assert second.query_position == first.query_position
    ranked = truth.ranked_points(dm(48, 20.5, "N"), dm(4, 46.0, "O"), "LIGHTS")
    assert [r.feature_id for r in first.chart_features] == [ranked[0][2].feature_id]
    assert [r.feature_id for r in second.chart_features] == [ranked[1][2].feature_id]
    assert second.answer.startswith("Le suivant")
