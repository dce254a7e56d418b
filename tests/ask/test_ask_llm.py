"""``Assistant.ask`` end to end on the sample index, with a real local model or without one.

The model is the tiny random-weight Mistral GGUF of ``tests/llm``: llama.cpp in process, or served by
``python -m llama_cpp.server`` behind a recording proxy. Its replies are gibberish, so the tests check
the mode, the model name, streaming, what the model was sent, and how the citation checker treats a
reply that cites nothing; chart answers are checked in extractive mode against an independent ranking
of the cell's features (pyogrio + pyproj).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from maritime import Assistant
from maritime.answer import Answer
from maritime.components.generators import MaritimeChatGenerator
from maritime.llm.prompting import system_prompt

from .conftest import QUERY_LAT, QUERY_LON, QUERY_POS_EN, QUERY_POS_FR, ranked_features

NEAREST_LIGHT_FR = f"Quel est le feu le plus proche de {QUERY_POS_FR} ?"
NEAREST_LIGHT_EN = f"What is the nearest light to {QUERY_POS_EN}?"
NO_SOURCE = {"fr": "La réponse ne cite aucune source.", "en": "The answer cites no source."}
UNSUPPORTED = {"fr": "Nombres absents des sources citées", "en": "Numbers not found in the cited sources"}
_MARKER = re.compile(r"\[\s*(C?\d+)\s*\]")


def _assert_markers_resolve(answer: Answer) -> None:
    """Every [n] / [Cn] left in the text points at a citation or chart feature of the answer."""
    ids = {c.id for c in answer.citations} | {r.id for r in answer.chart_features}
    assert set(_MARKER.findall(answer.answer)) <= ids, answer.answer


@pytest.fixture()
def open_assistant(ask_index: Path) -> Iterator[Callable[[MaritimeChatGenerator], Assistant]]:
    opened: list[Assistant] = []

    def open_with(generator: MaritimeChatGenerator) -> Assistant:
        asst = Assistant.open(ask_index, embedder="none", generator=generator)
        opened.append(asst)
        return asst

    yield open_with
    for asst in opened:
        asst.close()


# --- llama.cpp in process ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "question"),
    [("fr", NEAREST_LIGHT_FR), ("en", "What is the speed limit within 300 m of the shore?")],
    ids=["fr-chart", "en-document"],
)
def test_in_process_llama_writes_the_answer(
    open_assistant: Any,
    tiny_gguf: Path,
    llama_cpp_module: Any,
    validate_answer: Any,
    language: str,
    question: str,
) -> None:
    asst = open_assistant(MaritimeChatGenerator(backend="llama_cpp", gguf_path=str(tiny_gguf), max_tokens=16))
    pieces: list[str] = []
    answer = asst.ask(question, on_token=pieces.append)
    assert answer.mode == "llm"
    assert answer.model == f"llama.cpp:{tiny_gguf}"
    assert answer.language == language
    # Streaming: the pieces are the reply, as written (it has no marker for the checker to remove).
    assert 1 <= len(pieces) <= 16
    assert "".join(pieces).strip() == answer.answer
    # The random text cites no valid marker: nothing is cited, the checker says so.
    assert answer.citations == [] and answer.chart_features == []
    assert NO_SOURCE[language] in answer.warnings or any(
        w.startswith(UNSUPPORTED[language]) for w in answer.warnings
    )
    assert not any(w.startswith(("Réponse extractive", "Extractive answer")) for w in answer.warnings)
    _assert_markers_resolve(answer)
    if language == "fr":
        assert answer.query_position == pytest.approx((QUERY_LAT, QUERY_LON))
    else:
        assert answer.query_position is None
    validate_answer(answer.to_dict())


# --- an OpenAI-compatible server ---------------------------------------------------------------------------


@pytest.mark.slow
def test_openai_compatible_server_writes_the_answer(
    open_assistant: Any, ask_llama_server: str, validate_answer: Any
) -> None:
    from tests.llm.conftest import recording_proxy

    with recording_proxy(ask_llama_server) as proxy:
        generator = MaritimeChatGenerator(
            backend="openai", url=proxy.url, model="tiny-mistral", max_tokens=16, timeout_s=60
        )
        asst = open_assistant(generator)
        pieces: list[str] = []
        answer = asst.ask("What is the speed limit within 300 m of the shore?", on_token=pieces.append)
    assert answer.mode == "llm"
    assert answer.model == f"tiny-mistral @ {proxy.url}"
    assert proxy.url.startswith("http://127.0.0.1:")
    assert answer.answer and "".join(pieces).strip() == answer.answer
    # What went over the wire: the system rules unchanged, the sources in the user message.
    [body] = proxy.chat_bodies
    assert body["model"] == "tiny-mistral" and body["max_tokens"] == 16 and body["stream"] is True
    roles = [m["role"] for m in body["messages"]]
    assert roles == ["system", "user"]
    assert body["messages"][0]["content"] == system_prompt("en")
    user = body["messages"][1]["content"]
    assert user.startswith("Question: What is the speed limit within 300 m of the shore?")
    assert user.count("<document marker=") == user.count("</document>") >= 1
    _assert_markers_resolve(answer)
    validate_answer(answer.to_dict())


def test_endpoint_down_falls_back_to_an_extractive_answer(
    open_assistant: Any, closed_port_url: str, validate_answer: Any
) -> None:
    generator = MaritimeChatGenerator(backend="openai", url=closed_port_url, model="mistral", timeout_s=5)
    asst = open_assistant(generator)
    started = time.monotonic()
    answer = asst.ask(NEAREST_LIGHT_FR)
    assert time.monotonic() - started < 15
    assert answer.mode == "extractive" and answer.model is None
    down = [w for w in answer.warnings if closed_port_url in w]
    assert len(down) == 1 and down[0].startswith("Réponse extractive")
    # The chart question is still answered, from the chart.
    nearest = ranked_features("LIGHTS", QUERY_LAT, QUERY_LON)[0]
    assert [r.id for r in answer.chart_features] == ["C1"]
    ref = answer.chart_features[0]
    assert (ref.object_class, ref.feature_id) == ("LIGHTS", nearest.lnam)
    assert ref.distance_nm == pytest.approx(nearest.distance_nm, abs=1e-3)
    assert ref.bearing_deg == pytest.approx(nearest.bearing_deg, abs=0.1)
    assert (ref.lat, ref.lon) == pytest.approx((nearest.lat, nearest.lon))
    assert "[C1]" in answer.answer and "0,263 M" in answer.answer
    _assert_markers_resolve(answer)
    validate_answer(answer.to_dict())


# --- a conversation -----------------------------------------------------------------------------------------


def test_follow_up_questions_keep_the_place_and_subject(open_assistant: Any, validate_answer: Any) -> None:
    asst = open_assistant(MaritimeChatGenerator(backend="none"))
    conversation = asst.conversation()
    lights = ranked_features("LIGHTS", QUERY_LAT, QUERY_LON)
    assert lights[1].distance_nm - lights[0].distance_nm > 0.1  # a clear first and second

    first = asst.ask(NEAREST_LIGHT_FR, conversation=conversation)
    assert [(r.object_class, r.feature_id) for r in first.chart_features] == [("LIGHTS", lights[0].lnam)]

    second = asst.ask("et le suivant ?", conversation=conversation)
    assert second.language == "fr"
    assert second.query_position == pytest.approx((QUERY_LAT, QUERY_LON))
    [ref] = second.chart_features
    # The second nearest light: two sector lights share the Portzic position, either is right.
    same_place = {f.lnam for f in lights if abs(f.distance_nm - lights[1].distance_nm) < 1e-9}
    assert ref.object_class == "LIGHTS" and ref.feature_id in same_place
    assert ref.feature_id != lights[0].lnam
    assert ref.distance_nm == pytest.approx(lights[1].distance_nm, abs=1e-3)
    assert f"[{ref.id}]" in second.answer

    third = asst.ask("what about wrecks there?", conversation=conversation)
    assert third.language == "en"
    assert third.query_position == pytest.approx((QUERY_LAT, QUERY_LON))
    assert third.chart_features and {r.object_class for r in third.chart_features} == {"WRECKS"}
    radius = third.query_radius_nm
    assert radius is not None and radius > 0
    wrecks = [f.lnam for f in ranked_features("WRECKS", QUERY_LAT, QUERY_LON) if f.distance_nm <= radius]
    assert [r.feature_id for r in third.chart_features] == wrecks
    assert all(f"[{r.id}]" in third.answer for r in third.chart_features)

    assert conversation.answers == [first, second, third]
    for answer in conversation.answers:
        _assert_markers_resolve(answer)
        validate_answer(answer.to_dict())


# --- bugs ---------------------------------------------------------------------------------------------------


def test_one_assistant_with_a_generator_answers_with_two_top_k(
    open_assistant: Any, tiny_gguf: Path, llama_cpp_module: Any
) -> None:
    asst = open_assistant(MaritimeChatGenerator(backend="llama_cpp", gguf_path=str(tiny_gguf), max_tokens=4))
    first = asst.ask(NEAREST_LIGHT_FR, top_k=5)
    assert first.mode == "llm"
    second = asst.ask(NEAREST_LIGHT_FR, top_k=3)
    assert second.mode == "llm"


def test_the_prompt_fits_the_in_process_model_context(
    open_assistant: Any, tiny_gguf: Path, llama_cpp_module: Any
) -> None:
    asst = open_assistant(MaritimeChatGenerator(backend="llama_cpp", gguf_path=str(tiny_gguf), max_tokens=16))
    answer = asst.ask(
        "Quels feux et quelles règles de navigation dans le Goulet de Brest et la rade de Brest ?", top_k=20
    )
    assert not any("does not fit the context" in w for w in answer.warnings), answer.warnings
    assert answer.mode == "llm"


def test_an_extractive_chart_answer_has_no_unsupported_number(open_assistant: Any) -> None:
    asst = open_assistant(MaritimeChatGenerator(backend="none"))
    answer = asst.ask(f"Quelles épaves à moins de 3 M de {QUERY_POS_FR} ?")
    if not (answer.mode == "extractive" and answer.chart_features):
        raise RuntimeError(f"precondition: an extractive answer with chart features, got {answer}")
    assert not any(w.startswith(UNSUPPORTED["fr"]) for w in answer.warnings), answer.warnings
