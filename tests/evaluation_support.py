"""Checks of evaluation question files against the data they are about, computed independently of
maritime's query code (pyproj and shapely on the cells, every passage of the index from its store).

Used by tests/test_evaluation.py (sample data) and tests/test_evaluation_real.py (../shared/data).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from pyproj import Geod
from shapely.geometry import Point
from shapely.ops import nearest_points

from maritime import Assistant
from maritime.enc.s57 import read_dataset
from maritime.evaluation import load_questions
from maritime.geo import find_positions, parse_position


def reference_position(geometry: Any, asked: tuple[float, float] | None) -> tuple[float, float]:
    """Where an answer should place a feature: a point where it is, an area containing the asked
    position at that position, another area or line at its point nearest the asked position."""
    if geometry.geom_type == "Point":
        return geometry.y, geometry.x
    if asked is None:
        point = geometry.representative_point()
        return point.y, point.x
    here = Point(asked[1], asked[0])
    if geometry.geom_type in ("Polygon", "MultiPolygon") and geometry.contains(here):
        return asked
    nearest = nearest_points(geometry, here)[0]
    return nearest.y, nearest.x


def unmatched_chart_expectations(path: Path, cells: list[Path]) -> list[str]:
    """Expected chart features of a question file that no feature of the cells is within 20 m of."""
    frame = pd.concat([read_dataset(cell)[0] for cell in cells])
    geod = Geod(ellps="WGS84")
    problems = []
    for q in load_questions(path):
        found = find_positions(q.question)
        asked = parse_position(q.near) if q.near else (found[0].position if found else None)
        where = (asked.lat, asked.lon) if asked else None
        for exp in q.expected_chart:
            candidates = frame[frame["object_class"] == exp.object_class].geometry
            gaps = [
                geod.inv(exp.lon, exp.lat, lon, lat)[2]
                for lat, lon in (reference_position(g, where) for g in candidates)
            ]
            if not gaps or min(gaps) > 20.0:
                problems.append(f"{q.id}: no {exp.object_class} at {exp.lat}, {exp.lon}")
    return problems


def _collapse(text: str) -> str:
    return " ".join(text.split()).lower()


def unmatched_passage_expectations(path: Path, index_dir: Path) -> list[str]:
    """Expected passages of a question file that the index does not hold, and key facts that are in
    none of a question's expected passages (source, and page and section where given)."""
    asst = Assistant.open(index_dir)
    try:
        passages = [(doc.meta, doc.content or "") for doc in asst.store.filter_documents()]
    finally:
        asst.close()
    problems = []
    for q in load_questions(path):
        texts: list[str] = []
        for exp in q.expected:
            hits = [
                content
                for meta, content in passages
                if meta.get("source") == exp.source
                and (exp.page is None or meta.get("page") == exp.page)
                and (exp.section is None or meta.get("section") == exp.section)
            ]
            if not hits:
                problems.append(f"{q.id}: no passage {exp.source} p.{exp.page} [{exp.section}] in the index")
            texts += hits
        if q.expected:
            problems += [
                f"{q.id}: key fact {fact!r} is in no expected passage"
                for fact in q.key_facts
                if not any(_collapse(fact) in _collapse(text) for text in texts)
            ]
    return problems
