"""Static maps of an answer, drawn from the chart data itself: no tile server, nothing fetched.

The background is the index's own land areas, depth areas and coastline; on it the query position
(and radius), every cited chart feature with its marker, and every position written in a cited
passage. The same drawing serves the CLI (``maritime ask --map``), reports and notebooks.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt
from shapely.geometry import shape

from maritime.geo.coordinates import Position
from maritime.geo.geodesy import destination

if TYPE_CHECKING:
    from maritime.answer import Answer

BACKGROUND_CLASSES = ("DEPARE", "LNDARE", "COALNE")
DEPTH_COLOURS = [(0, "#b9dcf2"), (5, "#cfe7f7"), (10, "#e2f1fb"), (20, "#eef7fd"), (50, "#f7fbfe")]
CLASS_STYLE = {
    "LIGHTS": ("*", "#d400d4", 140),
    "WRECKS": ("X", "#202020", 70),
    "OBSTRN": ("x", "#202020", 60),
    "UWTROC": ("+", "#202020", 60),
    "SOUNDG": (".", "#003a80", 40),
}


def answer_points(answer: Answer) -> tuple[list[float], list[float]]:
    """Longitudes and latitudes the map of ``answer`` must show: its features and the query circle."""
    lons: list[float] = []
    lats: list[float] = []
    for feature in answer.geojson()["features"]:
        minx, miny, maxx, maxy = shape(feature["geometry"]).bounds
        lons += [minx, maxx]
        lats += [miny, maxy]
    if answer.query_position is not None and answer.query_radius_nm:
        centre = Position(*answer.query_position)
        for bearing in (0, 90, 180, 270):
            p = destination(centre, bearing, answer.query_radius_nm)
            lons.append(p.lon)
            lats.append(p.lat)
    return lons, lats


def padded_extent(lons: list[float], lats: list[float]) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) around the points, square-ish on the ground, with a margin."""
    min_lon, max_lon, min_lat, max_lat = min(lons), max(lons), min(lats), max(lats)
    span = max(
        max_lon - min_lon,
        (max_lat - min_lat) / max(math.cos(math.radians((min_lat + max_lat) / 2)), 0.1),
        0.04,
    )
    pad = span * 0.25
    return (min_lon - pad, min_lat - pad / 2, max_lon + pad, max_lat + pad / 2)


def _bounds(answer: Answer) -> tuple[float, float, float, float]:
    """(min_lon, min_lat, max_lon, max_lat) around everything the answer shows, with a margin."""
    lons, lats = answer_points(answer)
    if not lons:
        return (-180.0, -80.0, 180.0, 80.0)
    return padded_extent(lons, lats)


def depth_colour(value: Any) -> str:
    try:
        depth = float(value)
    except (TypeError, ValueError):
        return DEPTH_COLOURS[-1][1]
    colour = DEPTH_COLOURS[0][1]
    for limit, c in DEPTH_COLOURS:
        if depth >= limit:
            colour = c
    return colour


def render_png(answer: Answer, charts: Any, path: str | Path, *, size_px: int = 1000) -> Path:
    """Draw ``answer`` on its chart background and save it as a PNG at ``path``.

    Parameters
    ----------
    answer:
        An :class:`~maritime.answer.Answer`.
    charts:
        The index's :class:`~maritime.enc.store.ChartStore` (its land and depth areas are the
        background), or None for a plain background.
    """
    import json

    min_lon, min_lat, max_lon, max_lat = _bounds(answer)
    fig, ax = plt.subplots(figsize=(size_px / 100, size_px / 100), dpi=100)
    ax.set_facecolor("#f7fbfe")
    if charts is not None and charts.datasets():
        background = charts.inside((min_lat, min_lon, max_lat, max_lon), classes=list(BACKGROUND_CLASSES))
        if len(background):
            depare = background[background["object_class"] == "DEPARE"]
            for _, row in depare.iterrows():
                attrs = json.loads(row["attributes"]) if isinstance(row["attributes"], str) else {}
                _plot_geom(
                    ax,
                    row.geometry,
                    facecolor=depth_colour(attrs.get("DRVAL1")),
                    edgecolor="#9cc3e0",
                    lw=0.3,
                )
            for _, row in background[background["object_class"] == "LNDARE"].iterrows():
                _plot_geom(ax, row.geometry, facecolor="#f1e1b0", edgecolor="#8a7a4a", lw=0.6)
            for _, row in background[background["object_class"] == "COALNE"].iterrows():
                _plot_geom(ax, row.geometry, facecolor="none", edgecolor="#5a4a1a", lw=0.8)
    if answer.query_position is not None:
        lat, lon = answer.query_position
        ax.plot(lon, lat, marker="+", color="red", markersize=18, mew=2, zorder=5)
        if answer.query_radius_nm:
            ring = [destination(Position(lat, lon), b, answer.query_radius_nm) for b in range(0, 361, 5)]
            ax.plot([p.lon for p in ring], [p.lat for p in ring], color="red", lw=1, ls="--", zorder=4)
    for ref in answer.chart_features:
        if ref.geometry is not None:
            _plot_geom(ax, shape(ref.geometry), facecolor="#ff000022", edgecolor="#c00000", lw=1.2)
        marker, colour, size = CLASS_STYLE.get(ref.object_class, ("o", "#c06000", 50))
        ax.scatter([ref.lon], [ref.lat], marker=marker, color=colour, s=size, zorder=6)
        label = f"[{ref.id}] {ref.name or ref.object_class}"
        ax.annotate(
            label, (ref.lon, ref.lat), xytext=(6, 6), textcoords="offset points", fontsize=9, zorder=7
        )
    for cit in answer.citations:
        for lat, lon in cit.positions:
            ax.scatter([lon], [lat], marker="s", color="#006000", s=30, zorder=6)
            ax.annotate(
                f"[{cit.id}]",
                (lon, lat),
                xytext=(5, -12),
                textcoords="offset points",
                fontsize=8,
                color="#006000",
            )
    ax.set_xlim(min_lon, max_lon)
    ax.set_ylim(min_lat, max_lat)
    ax.set_aspect(1 / max(math.cos(math.radians((min_lat + max_lat) / 2)), 0.1))
    ax.set_xlabel("longitude")
    ax.set_ylabel("latitude")
    title = answer.question if len(answer.question) <= 90 else answer.question[:87] + "..."
    ax.set_title(title, fontsize=10)
    note = "Ne pas utiliser pour la navigation" if answer.language == "fr" else "Not for navigation"
    ax.text(0.01, 0.01, note, transform=ax.transAxes, fontsize=8, color="#a00000")
    metadata = {"Title": answer.question, "Software": "maritime"}
    if answer.marking:
        # The map is marked like the answer it illustrates: on the image, and in the file (a PNG text
        # chunk) for tools that file or filter documents by classification.
        label = ("Marquage : " if answer.language == "fr" else "Marking: ") + answer.marking.upper()
        fig.suptitle(label, fontsize=11, fontweight="bold", color="#b00020")
        metadata["Marking"] = answer.marking
    out = Path(path)
    fig.savefig(out, format="png", bbox_inches="tight", metadata=metadata)
    plt.close(fig)
    return out


def _plot_geom(ax: Any, geom: Any, *, facecolor: str, edgecolor: str, lw: float) -> None:
    kind = geom.geom_type
    if kind == "Polygon":
        xs, ys = geom.exterior.xy
        ax.fill(xs, ys, facecolor=facecolor, edgecolor=edgecolor, linewidth=lw, zorder=2)
    elif kind in ("MultiPolygon", "GeometryCollection", "MultiLineString"):
        for part in geom.geoms:
            _plot_geom(ax, part, facecolor=facecolor, edgecolor=edgecolor, lw=lw)
    elif kind in ("LineString", "LinearRing"):
        xs, ys = geom.xy
        ax.plot(xs, ys, color=edgecolor, linewidth=lw, zorder=3)
    elif kind == "Point":
        ax.scatter([geom.x], [geom.y], color=edgecolor, s=8, zorder=3)
