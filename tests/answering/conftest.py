"""Fixtures of the answering tests: one index of the sample corpus and chart per session, the chart's
ground truth read straight from the S-57 cell, and the public answer contract.

Expected values are never taken from the code under test: distances and bearings come from
``pyproj.Geod`` on the cell's own coordinates, containment from shapely on the cell's own polygons.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
import shapely
from pyproj import Geod

from maritime import Assistant
from maritime.answer import Answer
from maritime.enc.s57 import read_dataset

REPO = Path(__file__).resolve().parents[2]
SAMPLE_CELL = REPO / "charts" / "FR_BREST_SAMPLE.000"
CONTRACT = (REPO / ".." / "shared" / "contracts" / "answer.schema.json").resolve()
#: Environment variables that would make ``ask`` use a local model instead of extractive mode.
LLM_ENV = ("MARITIME_LLM_URL", "MARITIME_LLM_MODEL", "MARITIME_GGUF")

GEOD = Geod(ellps="WGS84")
NM = 1852.0


def dm(degrees: int, minutes: float, hemisphere: str) -> float:
    """Decimal degrees of a degrees-and-minutes coordinate (hemisphere N, S, E, W or O)."""
    value = degrees + minutes / 60.0
    return -value if hemisphere in ("S", "W", "O") else value


@dataclass(frozen=True)
class Feature:
    """One feature of the sample cell as read from the file."""

    feature_id: str
    object_class: str
    name: str | None
    national_name: str | None
    attributes: dict[str, Any]
    geometry: Any

    @property
    def lat(self) -> float:
        return float(self.geometry.y)

    @property
    def lon(self) -> float:
        return float(self.geometry.x)


class ChartTruth:
    """Brute-force answers over every feature of the cell: the reference the assistant is checked against."""

    def __init__(self, frame: gpd.GeoDataFrame) -> None:
        self.frame = frame
        self.features: list[Feature] = []
        for _, row in frame.iterrows():
            raw = row["attributes"]
            attrs = json.loads(raw) if isinstance(raw, str) and raw else {}
            self.features.append(
                Feature(
                    feature_id=str(row["feature_id"]),
                    object_class=str(row["object_class"]),
                    name=row["name"] if isinstance(row["name"], str) else None,
                    national_name=row["national_name"] if isinstance(row["national_name"], str) else None,
                    attributes=attrs,
                    geometry=row.geometry,
                )
            )
        self._by_id = {f.feature_id: f for f in self.features}

    def of_class(self, acronym: str) -> list[Feature]:
        return [f for f in self.features if f.object_class == acronym]

    def by_id(self, feature_id: str) -> Feature:
        return self._by_id[feature_id]

    @staticmethod
    def geodesic(lat: float, lon: float, to_lat: float, to_lon: float) -> tuple[float, float]:
        """Distance (NM) and true bearing (degrees, [0, 360)) from (lat, lon) to (to_lat, to_lon)."""
        azimuth, _, metres = GEOD.inv(lon, lat, to_lon, to_lat)
        return metres / NM, azimuth % 360.0

    def ranked_points(self, lat: float, lon: float, acronym: str) -> list[tuple[float, float, Feature]]:
        """Point features of a class by geodesic distance: (distance NM, bearing, feature)."""
        out = []
        for feature in self.of_class(acronym):
            assert feature.geometry.geom_type == "Point", f"{feature.feature_id} is not a point"
            distance, bearing = self.geodesic(lat, lon, feature.lat, feature.lon)
            out.append((distance, bearing, feature))
        return sorted(out, key=lambda t: t[0])

    def nearest_ids(self, lat: float, lon: float, acronym: str) -> set[str]:
        """Ids of the nearest point feature(s) of a class (co-located sector lights tie)."""
        ranked = self.ranked_points(lat, lon, acronym)
        best = ranked[0][0]
        return {f.feature_id for d, _, f in ranked if d <= best + 1e-9}

    def within_ids(self, lat: float, lon: float, radius_nm: float, acronym: str) -> set[str]:
        return {f.feature_id for d, _, f in self.ranked_points(lat, lon, acronym) if d <= radius_nm}

    def containing(self, lat: float, lon: float, acronym: str) -> list[Feature]:
        """Areas of a class that cover the position (boundary included)."""
        point = shapely.Point(lon, lat)
        return [
            f
            for f in self.of_class(acronym)
            if f.geometry.geom_type in ("Polygon", "MultiPolygon") and f.geometry.covers(point)
        ]

    def distance_to_area_nm(self, lat: float, lon: float, feature: Feature) -> float:
        """Geodesic distance to the boundary of an area, from its vertices densified to ~5 m."""
        boundary = shapely.segmentize(feature.geometry.boundary, 0.00005)
        coords = shapely.get_coordinates(boundary)
        _, _, metres = GEOD.inv(
            [lon] * len(coords), [lat] * len(coords), coords[:, 0].tolist(), coords[:, 1].tolist()
        )
        return min(metres) / NM

    def structure_name(self, light: Feature, language: str) -> str | None:
        """Name shown for a light: its own, else that of the buoy or beacon at the same place."""
        for feature in [light, *self.features]:
            if feature.geometry.geom_type != "Point":
                continue
            if feature is not light and (
                feature.object_class == "LIGHTS"
                or math.dist((feature.lon, feature.lat), (light.lon, light.lat)) > 1e-7
            ):
                continue
            name = feature.national_name if language == "fr" and feature.national_name else feature.name
            if name:
                return name
        return None


def bearing_difference(a: float, b: float) -> float:
    """Smallest angle between two bearings, degrees."""
    return abs((a - b + 180.0) % 360.0 - 180.0)


@pytest.fixture(scope="session")
def sample_frame() -> gpd.GeoDataFrame:
    """Every feature of charts/FR_BREST_SAMPLE.000, read with the S-57 reader (the ground truth)."""
    if not SAMPLE_CELL.is_file():
        pytest.fail(f"{SAMPLE_CELL} is missing: run .venv/bin/python charts/make_sample_charts.py")
    frame, _ = read_dataset(SAMPLE_CELL)
    return frame


@pytest.fixture(scope="session")
def truth(sample_frame: gpd.GeoDataFrame) -> ChartTruth:
    return ChartTruth(sample_frame)


@pytest.fixture(scope="session")
def asst(tmp_path_factory: pytest.TempPathFactory, corpus_pdf_dir: Path) -> Iterator[Assistant]:
    """One index per session: the sample corpus and the sample chart, BM25 only, no local model."""
    with pytest.MonkeyPatch.context() as mp:
        for name in LLM_ENV:
            mp.delenv(name, raising=False)
        assistant = Assistant.open(tmp_path_factory.mktemp("answering-index"), embedder="none")
        report = assistant.ingest([corpus_pdf_dir, SAMPLE_CELL])
        assert [cell for cell, _ in report.charts_ingested] == ["FR_BREST_SAMPLE"], report
        assert report.ingested, report
        yield assistant
        assistant.close()


@pytest.fixture(scope="session")
def answer_schema() -> dict[str, Any] | None:
    """The public contract ../shared/contracts/answer.schema.json, or None when it is not checked out."""
    if not CONTRACT.is_file():
        return None
    return json.loads(CONTRACT.read_text(encoding="utf-8"))


def _validator(schema: dict[str, Any]) -> Callable[[Answer], dict[str, Any]]:
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)

    def validate(answer: Answer) -> dict[str, Any]:
        data = answer.to_dict()
        # What `maritime ask --json` prints: strict JSON, no NaN or infinity.
        data = json.loads(json.dumps(data, allow_nan=False, ensure_ascii=False))
        errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)
        return data

    return validate


@pytest.fixture(scope="session")
def validate_answer(answer_schema: dict[str, Any] | None) -> Callable[[Answer], dict[str, Any]]:
    """Validate ``answer.to_dict()`` against the contract (Draft 2020-12); returns the JSON dict."""
    if answer_schema is None:
        pytest.skip(f"answer contract not found at {CONTRACT} (../shared/contracts is not in this checkout)")
    return _validator(answer_schema)


@pytest.fixture(scope="session")
def schema_check(answer_schema: dict[str, Any] | None) -> Callable[[Answer], None]:
    """Like ``validate_answer`` for tests about something else: a no-op when the contract is absent."""
    if answer_schema is None:
        return lambda answer: None
    validate = _validator(answer_schema)

    def check(answer: Answer) -> None:
        validate(answer)

    return check
