"""The answer's map as inline SVG, drawn from the chart data itself: no tile, no script, nothing fetched.

Same drawing as the static PNG of :func:`maritime.maps.render_png` (land, coastline, depth areas shaded
by depth; the query position and radius; each cited chart feature with a symbol by class; each position
written in a cited passage), made for the browser: every marker is a ``<g>`` with an id (``map-C1``,
``map-1``) and a ``data-ref`` the page uses to highlight it, and a ``<title>`` tooltip (a light's
characteristic, a wreck's least depth).

>>> svg = render_svg(None, None)
>>> svg.startswith('<div class="maritime-map') and "<svg" in svg
True
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Sequence
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import box, shape
from shapely.geometry.base import BaseGeometry

from maritime.geo.coordinates import Position, format_position
from maritime.geo.geodesy import destination
from maritime.maps import BACKGROUND_CLASSES, CLASS_STYLE, answer_points, depth_colour, padded_extent

if TYPE_CHECKING:
    from maritime.answer import Answer, ChartRef

logger = logging.getLogger(__name__)

#: Width of the drawing in SVG units (it is scaled to the panel's width by the browser).
WIDTH = 640
_MIN_ASPECT, _MAX_ASPECT = 0.45, 1.1  # height / width
_LAND = ("#f1e1b0", "#8a7a4a")
_COAST = "#5a4a1a"
_SEA = "#f7fbfe"
_QUERY = "#d00000"
_PASSAGE = "#006000"
_FEATURE_EDGE = "#c00000"
_NICE_NM = (0.05, 0.1, 0.2, 0.25, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500)
_NOTE = {"fr": "Ne pas utiliser pour la navigation", "en": "Not for navigation"}


class _Frame:
    """Lon/lat to SVG units: equirectangular, true to scale at the middle latitude (as the PNG)."""

    def __init__(self, min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> None:
        mid = math.radians((min_lat + max_lat) / 2)
        self.cos = max(math.cos(mid), 0.1)
        # Widen the short side so the picture keeps a usable shape whatever the content.
        width_deg = max(max_lon - min_lon, 1e-4)
        height_deg = max(max_lat - min_lat, 1e-4)
        aspect = height_deg / (width_deg * self.cos)
        if aspect < _MIN_ASPECT:
            extra = (_MIN_ASPECT * width_deg * self.cos - height_deg) / 2
            min_lat, max_lat = min_lat - extra, max_lat + extra
        elif aspect > _MAX_ASPECT:
            extra = (height_deg / (_MAX_ASPECT * self.cos) - width_deg) / 2
            min_lon, max_lon = min_lon - extra, max_lon + extra
        self.min_lon, self.min_lat, self.max_lon, self.max_lat = min_lon, min_lat, max_lon, max_lat
        self.sx = WIDTH / (max_lon - min_lon)
        self.sy = self.sx / self.cos
        self.height = round((max_lat - min_lat) * self.sy)
        #: Half an SVG unit in degrees of longitude: the simplification tolerance.
        self.tolerance_deg = 0.5 / self.sx

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (lon - self.min_lon) * self.sx, (self.max_lat - lat) * self.sy

    def ring(self, coords: Any) -> str:
        arr = np.asarray(coords, dtype=float)
        if len(arr) == 0:
            return ""
        xs = (arr[:, 0] - self.min_lon) * self.sx
        ys = (self.max_lat - arr[:, 1]) * self.sy
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(xs, ys, strict=True))
        return "M" + points

    def path(self, geom: BaseGeometry) -> str:
        """SVG path data of a (multi)polygon or (multi)line; points give nothing."""
        kind = geom.geom_type
        if kind == "Polygon":
            rings = [geom.exterior, *geom.interiors]
            return " ".join(self.ring(r.coords) + "Z" for r in rings if len(r.coords))
        if kind in ("LineString", "LinearRing"):
            return self.ring(geom.coords)
        if kind.startswith("Multi") or kind == "GeometryCollection":
            return " ".join(p for p in (self.path(g) for g in geom.geoms) if p)
        return ""

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(min_lat, min_lon, max_lat, max_lon) of the drawing, as the chart store takes it."""
        return (self.min_lat, self.min_lon, self.max_lat, self.max_lon)


def _extent(
    answer: Answer | None, charts: Any, area_bbox: Sequence[float] | None
) -> tuple[float, float, float, float] | None:
    """(min_lon, min_lat, max_lon, max_lat) around what the answer shows, padded like the PNG's."""
    lons, lats = answer_points(answer) if answer is not None else ([], [])
    if area_bbox is not None:
        lats += [area_bbox[0], area_bbox[2]]
        lons += [area_bbox[1], area_bbox[3]]
    if not lons and charts is not None:
        # Nothing geographic in the answer: show the charts' coverage.
        for meta in charts.datasets():
            bounds = charts.dataset_info(meta.cell).get("bounds")
            if bounds:
                lons += [bounds[0], bounds[2]]
                lats += [bounds[1], bounds[3]]
        if lons:
            return (min(lons), min(lats), max(lons), max(lats))
    if not lons:
        return None
    return padded_extent(lons, lats)


def _background(frame: _Frame, charts: Any) -> list[str]:
    """Depth areas shaded by depth, land, coastline: the chart store's own features."""
    if charts is None or not charts.datasets():
        return []
    try:
        found = charts.inside(frame.bbox, classes=list(BACKGROUND_CLASSES))
    except Exception as exc:  # the map is a help: a damaged chart store must not lose the answer
        logger.warning("map background unavailable: %s", exc)
        return []
    if not len(found):
        return []
    clip = box(frame.min_lon, frame.min_lat, frame.max_lon, frame.max_lat).buffer(frame.tolerance_deg * 4)
    out: list[str] = []
    classes = found["object_class"].to_numpy()
    for cls in ("DEPARE", "LNDARE", "COALNE"):
        rows = found[classes == cls]
        for geom, raw in zip(rows.geometry, rows["attributes"], strict=True):
            if geom is None or geom.is_empty:
                continue
            geom = shapely.intersection(geom, clip).simplify(frame.tolerance_deg, preserve_topology=True)
            d = frame.path(geom)
            if not d:
                continue
            if cls == "DEPARE":
                attrs = json.loads(raw) if isinstance(raw, str) and raw else {}
                drval1 = attrs.get("DRVAL1")
                out.append(
                    f'<path class="depare" d="{d}" fill="{depth_colour(drval1)}" '
                    f'data-drval1="{escape(str(drval1))}"/>'
                )
            elif cls == "LNDARE":
                out.append(f'<path class="lndare" d="{d}" fill="{_LAND[0]}" stroke="{_LAND[1]}"/>')
            else:
                out.append(f'<path class="coalne" d="{d}" fill="none" stroke="{_COAST}"/>')
    return out


def _star(x: float, y: float, r: float) -> str:
    points = []
    for i in range(10):
        radius = r if i % 2 == 0 else r * 0.45
        angle = math.pi / 2 + i * math.pi / 5
        points.append(f"{x + radius * math.cos(angle):.1f},{y - radius * math.sin(angle):.1f}")
    return "M" + " ".join(points) + "Z"


def _symbol(object_class: str, x: float, y: float) -> str:
    """The marker of a chart feature, by class (the PNG's markers, drawn in SVG)."""
    _, colour, _ = CLASS_STYLE.get(object_class, ("o", "#c06000", 50))
    if object_class == "LIGHTS":
        return f'<path class="sym" d="{_star(x, y, 8)}" fill="{colour}" stroke="#fff" stroke-width="1"/>'
    if object_class in ("WRECKS", "OBSTRN"):
        s = 6 if object_class == "WRECKS" else 4.5
        return (
            f'<path class="sym" d="M{x - s:.1f},{y - s:.1f}L{x + s:.1f},{y + s:.1f}'
            f'M{x - s:.1f},{y + s:.1f}L{x + s:.1f},{y - s:.1f}" stroke="{colour}" stroke-width="2.2"/>'
        )
    if object_class == "UWTROC":
        return (
            f'<path class="sym" d="M{x - 6:.1f},{y:.1f}H{x + 6:.1f}M{x:.1f},{y - 6:.1f}V{y + 6:.1f}" '
            f'stroke="{colour}" stroke-width="2.2"/>'
        )
    if object_class.startswith(("BOY", "BCN")):
        return (
            f'<path class="sym" d="M{x:.1f},{y - 7:.1f}L{x + 6:.1f},{y + 5:.1f}L{x - 6:.1f},{y + 5:.1f}Z" '
            f'fill="{colour}" stroke="#fff" stroke-width="1"/>'
        )
    return f'<circle class="sym" cx="{x:.1f}" cy="{y:.1f}" r="5" fill="{colour}" stroke="#fff" stroke-width="1"/>'


def feature_tooltip(ref: ChartRef, language: str) -> str:
    """Tooltip text of a chart feature: id, class, name, characteristic or description, position."""
    parts = [f"[{ref.id}]", ref.object_class_name or ref.object_class]
    if ref.name:
        parts.append(ref.name)
    text = " ".join(parts)
    if ref.description:
        text += f" — {ref.description}"
    text += " — " + format_position(Position(ref.lat, ref.lon), language=_lang(language))
    if ref.distance_nm is not None and math.isfinite(ref.distance_nm):
        distance = f"{ref.distance_nm:.2f}"
        if language == "fr":
            distance = distance.replace(".", ",")
        text += f" — {distance} M"
        if ref.bearing_deg is not None and math.isfinite(ref.bearing_deg):
            text += f" {'au' if language == 'fr' else 'bearing'} {ref.bearing_deg:03.0f}°"
    return text


def _lang(language: str) -> str:
    return "fr" if language == "fr" else "en"


def _features(frame: _Frame, refs: Iterable[ChartRef], language: str) -> list[str]:
    out: list[str] = []
    for ref in refs:
        body: list[str] = []
        if ref.geometry is not None and ref.geometry.get("type") != "Point":
            geom = shape(ref.geometry).simplify(frame.tolerance_deg, preserve_topology=True)
            d = frame.path(geom)
            if d:
                fill = "none" if "Line" in geom.geom_type else "#ff000022"
                body.append(f'<path class="geom" d="{d}" fill="{fill}" stroke="{_FEATURE_EDGE}"/>')
        x, y = frame.xy(ref.lon, ref.lat)
        body.append(_symbol(ref.object_class, x, y))
        label = f"[{ref.id}] {ref.name or ref.object_class_name or ref.object_class}"
        body.append(f'<text class="lbl" x="{x + 8:.1f}" y="{y - 8:.1f}">{escape(label)}</text>')
        out.append(
            f'<g id="map-{escape(ref.id)}" class="mk mk-feature mk-{escape(ref.object_class)}" '
            f'data-ref="{escape(ref.id)}" tabindex="0"><title>{escape(feature_tooltip(ref, language))}</title>'
            + "".join(body)
            + "</g>"
        )
    return out


def _passages(frame: _Frame, answer: Answer) -> list[str]:
    out: list[str] = []
    for cit in answer.citations:
        for n, (lat, lon) in enumerate(cit.positions, start=1):
            x, y = frame.xy(lon, lat)
            marker_id = f"map-{cit.id}" if n == 1 else f"map-{cit.id}-{n}"
            where = (
                cit.source
                + (f", p. {cit.page}" if cit.page else "")
                + (f", {cit.section}" if cit.section else "")
            )
            tip = (
                f"[{cit.id}] {where} — {format_position(Position(lat, lon), language=_lang(answer.language))}"
            )
            out.append(
                f'<g id="{escape(marker_id)}" class="mk mk-passage" data-ref="{escape(cit.id)}" tabindex="0">'
                f"<title>{escape(tip)}</title>"
                f'<rect class="sym" x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{_PASSAGE}" '
                f'stroke="#fff" stroke-width="1"/>'
                f'<text class="lbl lbl-passage" x="{x + 6:.1f}" y="{y + 14:.1f}">[{escape(cit.id)}]</text></g>'
            )
    return out


def _query(frame: _Frame, answer: Answer | None, area_bbox: Sequence[float] | None) -> list[str]:
    out: list[str] = []
    if area_bbox is not None:
        x0, y0 = frame.xy(area_bbox[1], area_bbox[2])
        x1, y1 = frame.xy(area_bbox[3], area_bbox[0])
        out.append(
            f'<rect class="area" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}" '
            f'fill="none" stroke="{_QUERY}" stroke-dasharray="6 4"><title>filter area</title></rect>'
        )
    if answer is None:
        return out
    if answer.query_area is not None:
        d = frame.path(shape(answer.query_area))
        if d:
            out.append(
                f'<path class="area" d="{d}" fill="#d0000011" stroke="{_QUERY}" stroke-dasharray="6 4"/>'
            )
    if answer.query_position is not None:
        lat, lon = answer.query_position
        x, y = frame.xy(lon, lat)
        tip = format_position(Position(lat, lon), language=_lang(answer.language))
        if answer.query_radius_nm:
            ring = [destination(Position(lat, lon), b, answer.query_radius_nm) for b in range(0, 361, 5)]
            d = frame.ring([(p.lon, p.lat) for p in ring])
            out.append(f'<path class="radius" d="{d}" fill="none" stroke="{_QUERY}" stroke-dasharray="6 4"/>')
            radius = f"{answer.query_radius_nm:g}"
            tip += f" — {radius.replace('.', ',') if answer.language == 'fr' else radius} M"
        out.append(
            f'<g id="map-query" class="mk mk-query" data-ref="query"><title>{escape(tip)}</title>'
            f'<path d="M{x - 10:.1f},{y:.1f}H{x + 10:.1f}M{x:.1f},{y - 10:.1f}V{y + 10:.1f}" '
            f'stroke="{_QUERY}" stroke-width="2.5"/></g>'
        )
    return out


def _furniture(frame: _Frame, language: str) -> list[str]:
    """Scale bar in nautical miles, north arrow, the not-for-navigation note."""
    px_per_nm = frame.sy / 60.0
    target = WIDTH / 5 / px_per_nm
    nm = max((v for v in _NICE_NM if v <= target), default=_NICE_NM[0])
    length = nm * px_per_nm
    y = frame.height - 14
    label = f"{nm:g}".replace(".", ",") if language == "fr" else f"{nm:g}"
    h = frame.height
    return [
        f'<g class="scale"><path d="M10,{y}h{length:.1f}" stroke="#222" stroke-width="3"/>'
        f'<text x="10" y="{y - 6}" class="furn">{label} M</text></g>',
        f'<g class="north"><path d="M{WIDTH - 18},10l6,16h-12z" fill="#222"/>'
        f'<text x="{WIDTH - 22}" y="40" class="furn">N</text></g>',
        f'<text x="{WIDTH - 8}" y="{h - 8}" text-anchor="end" class="note">{_NOTE[_lang(language)]}</text>',
    ]


def render_svg(
    answer: Answer | None,
    charts: Any,
    *,
    area_bbox: Sequence[float] | None = None,
    language: str | None = None,
) -> str:
    """The answer's map as an HTML fragment holding one inline SVG.

    Parameters
    ----------
    answer:
        The :class:`~maritime.answer.Answer` to draw, or None for the charts' coverage alone.
    charts:
        The index's :class:`~maritime.enc.store.ChartStore` (its depth areas, land and coastline are
        the background), or None.
    area_bbox:
        A filter area (min_lat, min_lon, max_lat, max_lon), drawn dashed.
    language:
        Language of the labels; defaults to the answer's.

    Returns
    -------
    str
        ``<div class="maritime-map">`` with the ``<svg>``; markers ``map-<id>`` with ``data-ref``.
    """
    lang = language or (answer.language if answer is not None else "en")
    extent = _extent(answer, charts, area_bbox)
    if extent is None:
        empty = "Pas de carte pour cette réponse" if lang == "fr" else "No map for this answer"
        return (
            f'<div class="maritime-map maritime-map-empty"><svg xmlns="http://www.w3.org/2000/svg" '
            f'viewBox="0 0 {WIDTH} 120" role="img"><text x="{WIDTH // 2}" y="60" text-anchor="middle" '
            f'class="furn">{escape(empty)}</text></svg></div>'
        )
    frame = _Frame(*extent)
    layers = [f'<rect width="{WIDTH}" height="{frame.height}" fill="{_SEA}"/>']
    layers.append('<g class="background">' + "".join(_background(frame, charts)) + "</g>")
    layers.append('<g class="query">' + "".join(_query(frame, answer, area_bbox)) + "</g>")
    if answer is not None:
        layers.append(
            '<g class="features">' + "".join(_features(frame, answer.chart_features, lang)) + "</g>"
        )
        layers.append('<g class="passages">' + "".join(_passages(frame, answer)) + "</g>")
    layers += _furniture(frame, lang)
    title = answer.question if answer is not None else "charts"
    return (
        f'<div class="maritime-map"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {frame.height}" '
        f'role="img" aria-label="{escape(title)}" preserveAspectRatio="xMidYMid meet">'
        + "".join(layers)
        + "</svg></div>"
    )
