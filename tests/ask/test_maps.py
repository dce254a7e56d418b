"""``maritime.maps.render_png``: the answer drawn on the index's own chart data, offline."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from maritime import Assistant
from maritime.answer import Answer
from maritime.components.generators import MaritimeChatGenerator

from .conftest import QUERY_POS_FR

Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")

LAND_RGB = (0xF1, 0xE1, 0xB0)  # the LNDARE fill of maritime.maps
LIGHT_RGB = (0xD4, 0x00, 0xD4)  # the LIGHTS marker
WRECK_QUESTION = f"Quelles épaves et quels feux à moins de 3 M de {QUERY_POS_FR} ?"


@pytest.fixture(scope="module")
def asst(ask_index: Path) -> Iterator[Assistant]:
    assistant = Assistant.open(ask_index, embedder="none", generator=MaritimeChatGenerator(backend="none"))
    yield assistant
    assistant.close()


@pytest.fixture(scope="module")
def chart_answer(asst: Assistant) -> Answer:
    answer = asst.ask(WRECK_QUESTION)
    classes = {r.object_class for r in answer.chart_features}
    assert {"LIGHTS", "WRECKS"} <= classes, classes
    assert answer.query_position is not None and answer.query_radius_nm == 3.0
    return answer


@pytest.fixture()
def no_connections(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Record (and refuse) every socket connection made while the test runs."""
    attempts: list[Any] = []

    def refuse(self: socket.socket, address: Any) -> Any:
        attempts.append(address)
        raise OSError(f"test: no connection allowed (to {address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def _pixels_near(path: Path, rgb: tuple[int, int, int], tolerance: int = 6) -> int:
    with Image.open(path) as image:
        pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    return int((np.abs(pixels - np.array(rgb, dtype=np.int16)).max(axis=2) <= tolerance).sum())


def test_maps_use_the_agg_backend() -> None:
    import matplotlib

    import maritime.maps  # noqa: F401  (selects the backend)

    assert matplotlib.get_backend().lower() == "agg"


def test_map_is_drawn_from_the_chart_data(
    asst: Assistant, chart_answer: Answer, tmp_path: Path, no_connections: list[Any]
) -> None:
    from maritime.maps import render_png

    out = render_png(chart_answer, asst.charts, tmp_path / "map.png")
    assert out == tmp_path / "map.png"
    raw = out.read_bytes()
    assert raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) > 10_000
    with Image.open(out) as image:
        width, height = image.size
    total = width * height
    land = _pixels_near(out, LAND_RGB)
    # The background is the cell's land areas: a good part of the picture around Brest is land.
    assert 0.02 * total < land < 0.9 * total
    # The cited lights are drawn with their marker colour.
    assert _pixels_near(out, LIGHT_RGB, tolerance=10) > 20
    assert no_connections == []


def test_without_chart_data_there_is_no_land(
    chart_answer: Answer, tmp_path: Path, no_connections: list[Any]
) -> None:
    from maritime.maps import render_png

    out = render_png(chart_answer, None, tmp_path / "plain.png")
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert _pixels_near(out, LAND_RGB) == 0
    assert _pixels_near(out, LIGHT_RGB, tolerance=10) > 20
    assert no_connections == []


def test_size_px_sets_the_picture_size(asst: Assistant, chart_answer: Answer, tmp_path: Path) -> None:
    from maritime.maps import render_png

    small = render_png(chart_answer, asst.charts, tmp_path / "small.png", size_px=400)
    large = render_png(chart_answer, asst.charts, tmp_path / "large.png", size_px=1000)
    with Image.open(small) as a, Image.open(large) as b:
        assert max(a.size) < max(b.size)
        assert max(b.size) <= 1000 and max(a.size) >= 200
