"""Turn chart query results (GeoDataFrame rows) into cited chart features with decoded descriptions."""

from __future__ import annotations

import json
import math
from typing import Any

import shapely
from shapely.geometry import mapping

from maritime.answer import ChartRef
from maritime.enc import model
from maritime.enc.catalogue import Catalogue
from maritime.enc.lights import describe_light
from maritime.geo.coordinates import Position, format_position

#: Attributes worth showing for each kind of feature (others stay in ``attributes`` only when short).
_DEPTH_CLASSES = {"DEPARE", "DRGARE"}
_SOUNDING_LIKE = {"SOUNDG", "WRECKS", "OBSTRN", "UWTROC"}


def _attrs(row: Any) -> dict[str, Any]:
    raw = row.get(model.COL_ATTRIBUTES) if hasattr(row, "get") else None
    if isinstance(raw, str) and raw:
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            return {}
        return value if isinstance(value, dict) else {}
    return dict(raw) if isinstance(raw, dict) else {}


def _num(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _fmt(value: float, language: str, decimals: int = 1) -> str:
    text = f"{value:.{decimals}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "fr" else text


def describe_feature(object_class: str, attrs: dict[str, Any], depth_m: float | None, language: str) -> str:
    """A short decoded description: a light's characteristic, a depth band, a wreck's depth ...

    Examples
    --------
    >>> describe_feature("DEPARE", {"DRVAL1": 5, "DRVAL2": 10}, 5.0, "fr")
    'profondeur 5–10 m'
    >>> describe_feature("WRECKS", {"VALSOU": 7.3, "CATWRK": 2}, 7.3, "en")
    'least depth 7.3 m, dangerous wreck'
    >>> describe_feature("BOYCAR", {}, None, "en")
    ''
    """
    catalogue = Catalogue.load()
    fr = language == "fr"
    if object_class == "LIGHTS":
        # The name is shown beside the description, not inside it.
        return describe_light({k: v for k, v in attrs.items() if k not in ("OBJNAM", "NOBJNM")}, language)
    if object_class in _DEPTH_CLASSES:
        d1, d2 = _num(attrs.get("DRVAL1")), _num(attrs.get("DRVAL2"))
        if d1 is not None and d2 is not None:
            return f"{'profondeur' if fr else 'depth'} {_fmt(d1, language)}–{_fmt(d2, language)} m"
        if d1 is not None:
            return f"{'profondeur' if fr else 'depth'} ≥ {_fmt(d1, language)} m"
        return ""
    parts: list[str] = []
    if object_class in _SOUNDING_LIKE:
        depth = depth_m if depth_m is not None else _num(attrs.get("VALSOU"))
        if depth is not None:
            label = (
                "sonde" if object_class == "SOUNDG" and fr else "depth" if object_class == "SOUNDG" else None
            )
            if label is None:
                label = "profondeur minimale" if fr else "least depth"
            parts.append(f"{label} {_fmt(depth, language)} m")
    for key in (
        "CATWRK",
        "CATOBS",
        "WATLEV",
        "CATREA",
        "RESTRN",
        "CATACH",
        "BOYSHP",
        "BCNSHP",
        "CATCAM",
        "CATLAM",
        "COLOUR",
    ):
        if key in attrs and attrs[key] not in (None, "", []):
            decoded = catalogue.decode_value(key, attrs[key], language)
            if decoded:
                parts.append(decoded)
    return ", ".join(parts)


def chart_refs(frame: Any, language: str, *, start: int = 1, query: Position | None = None) -> list[ChartRef]:
    """One :class:`ChartRef` per row of a ChartStore result, numbered C{start}, C{start+1} ...

    Lines and areas get as their point the one nearest to ``query`` when given (where the distance was
    measured), else a representative point inside them.
    """
    catalogue = Catalogue.load()
    refs: list[ChartRef] = []
    if frame is None or len(frame) == 0:
        return refs
    for offset, (_, row) in enumerate(frame.iterrows()):
        geom = row.geometry
        if geom is None or geom.is_empty:
            continue
        if geom.geom_type == "Point":
            point = geom
        elif query is not None:
            point = shapely.ops.nearest_points(geom, shapely.Point(query.lon, query.lat))[0]
        else:
            point = geom.representative_point()
        object_class = str(row.get(model.COL_CLASS))
        attrs = _attrs(row)
        depth = _num(row.get(model.COL_DEPTH_M))
        decoded = catalogue.decode_attributes(attrs, language)
        refs.append(
            ChartRef(
                id=f"C{start + offset}",
                object_class=object_class,
                lat=float(point.y),
                lon=float(point.x),
                cell=_str(row.get(model.COL_CELL)),
                feature_id=_str(row.get(model.COL_FEATURE_ID)),
                object_class_name=catalogue.class_name(object_class, language),
                name=_str(row.get(model.COL_NATIONAL_NAME))
                if language == "fr" and _str(row.get(model.COL_NATIONAL_NAME))
                else _str(row.get(model.COL_NAME)),
                distance_nm=_num(row.get("distance_nm")),
                bearing_deg=_num(row.get("bearing_deg")),
                description=describe_feature(object_class, attrs, depth, language) or None,
                attributes=decoded,
                geometry=mapping(geom) if geom.geom_type != "Point" else None,
            )
        )
    return refs


def _str(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def feature_fact(ref: ChartRef, language: str) -> str:
    """One line of text about a cited feature, for the model's context (data, not instructions)."""
    fr = language == "fr"
    parts = [ref.object_class_name or ref.object_class]
    if ref.name:
        parts.append(f"« {ref.name} »" if fr else f'"{ref.name}"')
    line = " ".join(parts)
    if ref.description:
        line += f" : {ref.description}" if fr else f": {ref.description}"
    line += (" ; position " if fr else "; position ") + format_position(
        Position(ref.lat, ref.lon), language=language
    )
    if ref.distance_nm is not None and ref.bearing_deg is not None:
        if fr:
            line += f" ; à {_fmt(ref.distance_nm, 'fr', 2)} M au {ref.bearing_deg:03.0f}° de la position de la question"
        else:
            line += f"; {_fmt(ref.distance_nm, 'en', 2)} NM bearing {ref.bearing_deg:03.0f}° from the query position"
    if ref.cell:
        line += f" ; cellule {ref.cell}" if fr else f"; cell {ref.cell}"
    return line
