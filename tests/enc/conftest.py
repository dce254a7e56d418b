"""Fixtures for the chart tests: the real NOAA cells in ../shared/data and the repository's sample cell."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import geopandas as gpd
import pytest

from maritime.enc.model import CellMetadata

REPO = Path(__file__).resolve().parents[2]
SHARED_DATA = REPO / ".." / "shared" / "data"
ENC_DIR = SHARED_DATA / "enc"
SAMPLE_CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"

#: The real cells of ../shared/data/enc (see its SOURCES.md).
CELLS = ("US1AK90M", "US2AK5FM", "US3DE01M", "US4AK3SB", "US5AK3MM", "US5OH10M", "US5WA22M", "US6LGBDE")


@pytest.fixture(scope="session")
def enc_dir() -> Path:
    """../shared/data/enc, or skip: the real ENC cells are not part of the repository."""
    if not (ENC_DIR / "US3DE01M" / "US3DE01M.000").is_file():
        pytest.skip(
            f"real ENC cells not found at {ENC_DIR.resolve()} (../shared/data is not in this checkout)"
        )
    return ENC_DIR.resolve()


@pytest.fixture(scope="session")
def cell_path(enc_dir: Path) -> Callable[[str], Path]:
    """Path of a real base cell by name, e.g. ``cell_path("US3DE01M")``."""

    def path(name: str) -> Path:
        return enc_dir / name / f"{name}.000"

    return path


@functools.cache
def _read(path: str) -> tuple[gpd.GeoDataFrame, CellMetadata]:
    from maritime.enc.s57 import read_dataset

    return read_dataset(path)


@pytest.fixture(scope="session")
def read_cell(cell_path: Callable[[str], Path]) -> Callable[[str], tuple[gpd.GeoDataFrame, CellMetadata]]:
    """Read a real cell once per session (the frame is shared: do not modify it)."""
    return lambda name: _read(str(cell_path(name)))


@pytest.fixture(scope="session")
def sample_cell() -> Path:
    """The committed demo cell charts/FR_BREST_SAMPLE.000."""
    if not SAMPLE_CELL.is_file():
        pytest.fail(f"{SAMPLE_CELL} is missing: run .venv/bin/python charts/make_sample_charts.py")
    return SAMPLE_CELL


@pytest.fixture(scope="session")
def sample_chart(sample_cell: Path) -> tuple[gpd.GeoDataFrame, CellMetadata]:
    return _read(str(sample_cell))
