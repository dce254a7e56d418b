"""Chart queries take positions the way notebooks and the CLI write them."""

from __future__ import annotations

from pathlib import Path

import pytest

from maritime.enc.store import ChartStore
from maritime.errors import CoordinateError
from maritime.geo.coordinates import Position

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> ChartStore:
    s = ChartStore.open(tmp_path_factory.mktemp("charts"))
    report = s.ingest([REPO / "charts" / "FR_BREST_SAMPLE.000"])
    assert report.ingested and not report.skipped
    return s


def test_string_tuple_and_position_give_the_same_answer(store: ChartStore) -> None:
    written = store.within("48°21,5'N 004°33,0'O", 3, classes=["LIGHTS"])
    pair = store.within((48 + 21.5 / 60, -4.55), 3, classes=["LIGHTS"])
    position = store.within(Position(48 + 21.5 / 60, -4.55), 3, classes=["LIGHTS"])
    assert len(written) > 0
    assert list(written["feature_id"]) == list(pair["feature_id"]) == list(position["feature_id"])


def test_bad_written_position_names_the_value(store: ChartStore) -> None:
    with pytest.raises(CoordinateError, match="91°"):
        store.nearest("91°00'N 004°33'W", n=1)
