"""The answer maritime gives: text with markers, the passages and chart features they point at, a map.

``Answer.to_dict()`` is exactly what ``maritime ask --json`` prints and matches the public contract
``answer.schema.json`` (``../shared/contracts``). Beyond it, as optional fields the contract allows,
each citation and chart feature carries the ``marking`` of its source, and the answer the highest of
them (:mod:`maritime.access`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

Mode = Literal["llm", "extractive"]


@dataclass(frozen=True)
class Citation:
    """A passage cited as ``[id]`` in the answer text."""

    id: str
    source: str
    quote: str
    title: str | None = None
    page: int | None = None
    section: str | None = None
    language: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    score: float | None = None
    #: Positions written in the passage, (lat, lon); drawn on the map, not part of the JSON citation.
    positions: tuple[tuple[float, float], ...] = ()
    #: Classification of the passage's publication (maritime.access); None when it carries none.
    marking: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "title": self.title,
            "page": self.page,
            "section": self.section,
            "quote": self.quote,
            "language": self.language,
            "bbox": list(self.bbox) if self.bbox is not None else None,
            "score": _finite(self.score),
            **({"marking": self.marking} if self.marking else {}),
        }


@dataclass(frozen=True)
class ChartRef:
    """A chart feature cited as ``[Cn]`` in the answer text."""

    id: str
    object_class: str
    lat: float
    lon: float
    cell: str | None = None
    feature_id: str | None = None
    object_class_name: str | None = None
    name: str | None = None
    distance_nm: float | None = None
    bearing_deg: float | None = None
    description: str | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    #: GeoJSON geometry of the whole feature (lines and areas), for the map; lat/lon is its point.
    geometry: dict[str, Any] | None = None
    #: Classification of the chart dataset it comes from (maritime.access).
    marking: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "cell": self.cell,
            "feature_id": self.feature_id,
            "object_class": self.object_class,
            "object_class_name": self.object_class_name,
            "name": self.name,
            "lat": self.lat,
            "lon": self.lon,
            "distance_nm": _finite(self.distance_nm),
            "bearing_deg": _finite(self.bearing_deg),
            "description": self.description,
            "attributes": dict(self.attributes),
            **({"marking": self.marking} if self.marking else {}),
        }


@dataclass
class Answer:
    """What :meth:`maritime.Assistant.ask` returns."""

    question: str
    language: str
    answer: str
    mode: Mode
    citations: list[Citation] = field(default_factory=list)
    chart_features: list[ChartRef] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    model: str | None = None
    #: Query position (lat, lon) and radius, when the question had one; drawn on the map.
    query_position: tuple[float, float] | None = None
    query_radius_nm: float | None = None
    #: Query area as a GeoJSON geometry (a named area, a bounding box), when the question had one.
    query_area: dict[str, Any] | None = None
    timings_ms: dict[str, float] = field(default_factory=dict)
    #: Classification of the answer: the highest marking of the passages and chart datasets it was
    #: made from (all those offered to the model, cited or not). None when not computed.
    marking: str | None = None

    def geojson(self) -> dict[str, Any]:
        """RFC 7946 FeatureCollection: the query position/area, each cited chart feature, each geotagged passage."""
        features: list[dict[str, Any]] = []
        if self.query_position is not None:
            lat, lon = self.query_position
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [lon, lat]},
                    "properties": {"id": "query", "role": "query", "radius_nm": self.query_radius_nm},
                }
            )
        if self.query_area is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": self.query_area,
                    "properties": {"id": "query-area", "role": "query"},
                }
            )
        for ref in self.chart_features:
            geometry = ref.geometry or {"type": "Point", "coordinates": [ref.lon, ref.lat]}
            features.append(
                {
                    "type": "Feature",
                    "geometry": geometry,
                    "properties": {
                        "id": ref.id,
                        "role": "chart_feature",
                        "object_class": ref.object_class,
                        "name": ref.name,
                        "description": ref.description,
                        "cell": ref.cell,
                        **({"marking": ref.marking} if ref.marking else {}),
                    },
                }
            )
        for cit in self.citations:
            for lat, lon in cit.positions:
                features.append(
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [lon, lat]},
                        "properties": {
                            "id": cit.id,
                            "role": "citation",
                            "source": cit.source,
                            "page": cit.page,
                            "section": cit.section,
                            **({"marking": cit.marking} if cit.marking else {}),
                        },
                    }
                )
        return {"type": "FeatureCollection", "features": features}

    def to_dict(self) -> dict[str, Any]:
        """The public JSON contract (``answer.schema.json``)."""
        out: dict[str, Any] = {
            "question": self.question,
            "language": self.language,
            "answer": self.answer,
            "mode": self.mode,
            "model": self.model,
            "citations": [c.to_dict() for c in self.citations],
            "chart_features": [r.to_dict() for r in self.chart_features],
            "geojson": self.geojson(),
            "warnings": list(self.warnings),
        }
        if self.marking:
            out["marking"] = self.marking
        if self.timings_ms:
            out["timings_ms"] = {k: round(float(v), 3) for k, v in self.timings_ms.items()}
        return out


def _finite(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)
