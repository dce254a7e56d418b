"""Answers written by a model appear in the chat as they come.

The model is the outermost client, so it is the one thing replaced: a Haystack chat generator that
streams a scripted reply piece by piece, in the same pipeline slot as the local Mistral.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from haystack import component
from haystack.dataclasses import ChatMessage, StreamingChunk

from maritime import Assistant
from maritime.app import handlers
from tests.app.conftest import ASK_DEFAULTS, FR_QUESTION, running

pytestmark = pytest.mark.filterwarnings(
    "ignore:.*no_silent_downcasting.*", "ignore:The copy keyword is deprecated"
)
PIECES = ["Le feu ", "le plus proche ", "est indiqué ", "sur la carte ", "[C1]."]


@component
class ScriptedGenerator:
    """Streams ``pieces`` with a pause between them, then replies with their concatenation."""

    def __init__(self, pieces: list[str], delay_s: float = 0.15) -> None:
        self.pieces = pieces
        self.delay_s = delay_s
        self.n_ctx = 4096
        self.max_tokens = 256

    @component.output_types(replies=list[ChatMessage], model=str | None, error=str | None)
    def run(self, messages: list[ChatMessage], streaming_callback: Any = None) -> dict[str, Any]:
        for piece in self.pieces:
            if streaming_callback is not None:
                streaming_callback(StreamingChunk(content=piece))
            time.sleep(self.delay_s)
        return {
            "replies": [ChatMessage.from_assistant("".join(self.pieces))],
            "model": "scripted",
            "error": None,
        }


@pytest.fixture()
def model_asst(asst: Assistant) -> Iterator[Assistant]:
    """A second Assistant over the session index, answering with the scripted model."""
    scripted = Assistant.open(asst.index_dir, embedder="none", generator=ScriptedGenerator(PIECES))
    yield scripted
    scripted.close()


def test_handler_passes_tokens_as_they_come(model_asst: Assistant) -> None:
    pieces: list[str] = []
    view = handlers.ask(model_asst, FR_QUESTION, on_token=pieces.append)
    assert pieces == PIECES
    assert view.mode == "llm" and view.model == "scripted"
    assert view.markdown.endswith("[\\[C1\\]](#feat-C1).")
    assert "Mistral" in view.mode_label


@pytest.mark.slow
def test_chat_shows_the_answer_growing(model_asst: Assistant, tmp_path: Path) -> None:
    from gradio_client import Client

    from maritime.app import build_app

    with running(build_app(assistant=model_asst, work_dir=tmp_path)) as url:
        client = Client(url + "/", verbose=False)
        job = client.submit(question=FR_QUESTION, api_name="/ask", **ASK_DEFAULTS)
        job.result(timeout=120)
        texts = []
        for output in job.outputs():
            chat = output[0]
            if chat and chat[-1]["role"] == "assistant":
                texts.append(chat[-1]["content"][0]["text"])
    partial = [t for t in texts if t not in ("…",) and "feat-C1" not in t]
    assert len(set(partial)) >= 3, texts  # several growing states before the final answer
    assert all(b.startswith(a) for a, b in itertools.pairwise(partial))
    assert texts[-1].endswith("[\\[C1\\]](#feat-C1).")
