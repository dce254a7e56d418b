"""``maritime chart``: chart queries from the command line, a thin layer over :class:`ChartStore`.

Every command takes ``--index DIR`` (the chart store is ``DIR/charts``), ``--json`` (machine output on
stdout), ``--geojson FILE`` (the features as a GeoJSON FeatureCollection) and ``--language fr|en``
(class names and descriptions). Errors go to stderr with exit code 2, without a traceback.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import click
import geopandas as gpd
import shapely

from maritime import config
from maritime.enc import lights, model
from maritime.enc.catalogue import Catalogue
from maritime.enc.store import (
    COL_ALONG_NM,
    COL_BEARING_DEG,
    COL_DISTANCE_NM,
    COL_RANGE_NM,
    ChartStore,
    LeastDepth,
)
from maritime.errors import MaritimeError
from maritime.geo.coordinates import Position, format_position, parse_position
from maritime.geo.geodesy import destination

F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger(__name__)

CHARTS_SUBDIR = "charts"
#: Attributes worth a word in the table's description column (the rest is in --json).
_DESCRIBED = (
    "CATWRK",
    "CATOBS",
    "WATLEV",
    "VALSOU",
    "DRVAL1",
    "DRVAL2",
    "CATREA",
    "RESTRN",
    "CATACH",
    "BOYSHP",
    "BCNSHP",
    "CATLAM",
    "CATCAM",
    "CATSPM",
    "COLOUR",
    "CATCBL",
    "CATZOC",
)
_WORDS = {
    "en": {
        "position": "Position",
        "distance": "Dist NM",
        "bearing": "Brg",
        "class": "Class",
        "name": "Name",
        "description": "Description",
        "cell": "Cell",
        "along": "Along NM",
        "sounding": "sounding",
        "none": "No feature found.",
        "answered": "Answered by",
        "least": "Least depth",
        "no_depth": "No charted depth in the corridor (outside chart coverage?): do not assume deep water.",
        "unknown": "dangers of unknown depth in the corridor",
        "corridor": "corridor {width} NM wide ({half} NM either side of the track)",
        "not_nav": "Not for navigation.",
    },
    "fr": {
        "position": "Position",
        "distance": "Dist M",
        "bearing": "Rlt",
        "class": "Classe",
        "name": "Nom",
        "description": "Description",
        "cell": "Cellule",
        "along": "Parcours M",
        "sounding": "sonde",
        "none": "Aucun objet trouvé.",
        "answered": "Réponse de",
        "least": "Profondeur minimale",
        "no_depth": "Aucune profondeur cartographiée dans le couloir (hors couverture ?) : ne pas supposer "
        "de l'eau profonde.",
        "unknown": "dangers de profondeur inconnue dans le couloir",
        "corridor": "couloir de {width} M de large ({half} M de part et d'autre de la route)",
        "not_nav": "Ne pas utiliser pour la navigation.",
    },
}


class ChartCommandError(click.ClickException):
    """A chart command failed for a reason the user can fix; exit code 2, message on stderr."""

    exit_code = 2


# --------------------------------------------------------------------------------------------------
# shared options and helpers


def _common_options(func: F) -> F:
    func = click.option(
        "--language",
        type=click.Choice(["en", "fr"]),
        default="en",
        show_default=True,
        help="Language of class names and descriptions.",
    )(func)
    func = click.option(
        "--geojson",
        "geojson_path",
        type=click.Path(dir_okay=False, writable=True, path_type=Path),
        help="Also write the features to this GeoJSON file.",
    )(func)
    func = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")(func)
    func = click.option(
        "--index",
        "index_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help="Index folder (the chart store is INDEX/charts). Default: $MARITIME_INDEX or the user data folder.",
    )(func)
    return func


def _classes_option(func: F) -> F:
    return click.option(
        "--classes",
        default=None,
        metavar="ACR,ACR",
        help="S-57 object classes to keep, comma-separated (e.g. LIGHTS,WRECKS). Default: all.",
    )(func)


def _charts_dir(index_dir: Path | None) -> Path:
    return (index_dir or config.default_index_dir()) / CHARTS_SUBDIR


def _open_store(index_dir: Path | None, *, must_exist: bool = True) -> ChartStore:
    folder = _charts_dir(index_dir)
    if must_exist and not (folder / "catalog.json").exists():
        raise ChartCommandError(
            f"no chart ingested in {folder}; run `maritime chart ingest PATH --index {folder.parent}` first"
        )
    ctx = click.get_current_context(silent=True)
    clearance = ctx.meta.get(_CLEARANCE_META) if ctx is not None else None
    try:
        return ChartStore.open(folder, clearance=clearance)
    except MaritimeError as exc:
        raise ChartCommandError(str(exc)) from exc


def _position(text: str) -> Position:
    try:
        return parse_position(text)
    except MaritimeError as exc:
        raise ChartCommandError(f"position {text!r}: {exc}") from exc


def _classes(text: str | None) -> list[str] | None:
    if text is None:
        return None
    names = [c.strip().upper() for c in text.split(",") if c.strip()]
    if not names:
        raise ChartCommandError(f"--classes {text!r} names no class; give acronyms such as LIGHTS,WRECKS")
    return names


def _run(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except MaritimeError as exc:
        raise ChartCommandError(str(exc)) from exc


def _number(value: float, language: str, decimals: int = 2) -> str:
    text = f"{value:.{decimals}f}"
    return text.replace(".", ",") if language == "fr" else text


def _bearing(value: float) -> str:
    return f"{round(value) % 360:03d}°"


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item"):
        return _clean(value.item())
    return value


def _attrs(raw: Any) -> dict[str, Any]:
    try:
        parsed = json.loads(raw) if isinstance(raw, str) and raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _describe(catalogue: Catalogue, row: Any, language: str) -> str:
    attrs = _attrs(row[model.COL_ATTRIBUTES])
    cls = row[model.COL_CLASS]
    if cls == "LIGHTS":
        try:
            return lights.describe_light(attrs, language)
        except (TypeError, ValueError):  # an attribute shape describe_light does not know: keep the basics
            log.debug("describe_light failed on %s", attrs, exc_info=True)
            return lights.characteristic(attrs)
    if cls == "SOUNDG":
        depth = _clean(row[model.COL_DEPTH_M])
        return "" if depth is None else f"{_WORDS[language]['sounding']} {_number(depth, language, 1)} m"
    decoded = catalogue.decode_attributes({k: attrs[k] for k in _DESCRIBED if k in attrs}, language)
    return "; ".join(f"{k}: {v}" for k, v in list(decoded.items())[:3])


def _feature_position(row: Any, query: Position | None, nearest: tuple[float, float] | None) -> Position:
    """Where to show a feature: the point itself, else its nearest point to the query."""
    geom = row[model.COL_GEOMETRY]
    if geom.geom_type == "Point":
        return Position(geom.y, geom.x)
    if nearest is not None:
        return Position(*nearest)
    if query is not None and COL_DISTANCE_NM in row and COL_BEARING_DEG in row:
        return destination(query, float(row[COL_BEARING_DEG]), float(row[COL_DISTANCE_NM]))
    rep = geom.representative_point()
    return Position(rep.y, rep.x)


def _records(frame: gpd.GeoDataFrame, language: str, query: Position | None) -> list[dict[str, Any]]:
    catalogue = Catalogue.load()
    nearest_points: list[tuple[float, float]] = list(frame.attrs.get("nearest_points") or [])
    out = []
    for i, (_, row) in enumerate(frame.iterrows()):
        pos = _feature_position(row, query, nearest_points[i] if i < len(nearest_points) else None)
        record: dict[str, Any] = {
            "cell": row[model.COL_CELL],
            "object_class": row[model.COL_CLASS],
            "class_name": catalogue.class_name(row[model.COL_CLASS], language),
            "feature_id": row[model.COL_FEATURE_ID],
            "name": _clean(row[model.COL_NAME]),
            "national_name": _clean(row[model.COL_NATIONAL_NAME]),
            "depth_m": _clean(row[model.COL_DEPTH_M]),
            "scale": _clean(row[model.COL_SCALE]),
            "position": {"lat": round(pos.lat, 7), "lon": round(pos.lon, 7)},
            "description": _describe(catalogue, row, language),
            "attributes": _attrs(row[model.COL_ATTRIBUTES]),
        }
        for col in (COL_DISTANCE_NM, COL_BEARING_DEG, COL_ALONG_NM, COL_RANGE_NM):
            if col in frame.columns:
                record[col] = _clean(row[col])
        record["geometry"] = shapely.geometry.mapping(row[model.COL_GEOMETRY])
        out.append(record)
    return out


def _write_geojson(path: Path, records: list[dict[str, Any]]) -> None:
    features = [
        {
            "type": "Feature",
            "geometry": rec["geometry"],
            "properties": {k: v for k, v in rec.items() if k != "geometry"},
        }
        for rec in records
    ]
    try:
        path.write_text(
            json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, default=str),
            encoding="utf-8",
        )
    except OSError as exc:
        raise ChartCommandError(f"cannot write {path}: {exc}") from exc


def _table(rows: list[list[str]], header: list[str]) -> str:
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(header))]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines.extend("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)
    return "\n".join(lines)


def _print_features(
    records: list[dict[str, Any]], language: str, answered_by: Iterable[str], *, along: bool = False
) -> None:
    words = _WORDS[language]
    if not records:
        click.echo(words["none"])
    else:
        header = [words["position"], words["distance"], words["bearing"], words["class"], words["name"]]
        if along:
            header.insert(1, words["along"])
        header += [words["description"], words["cell"]]
        rows = []
        for rec in records:
            pos = Position(rec["position"]["lat"], rec["position"]["lon"])
            name = rec["name"] or rec["national_name"] or ""
            desc = rec["description"]
            row = [
                format_position(pos, language=language),
                _number(rec.get(COL_DISTANCE_NM) or 0.0, language),
                _bearing(rec.get(COL_BEARING_DEG) or 0.0),
                rec["class_name"],
                name if len(name) <= 40 else name[:39] + "…",
                desc if len(desc) <= 60 else desc[:59] + "…",
                rec["cell"],
            ]
            if along:
                row.insert(1, _number(rec.get(COL_ALONG_NM) or 0.0, language))
            rows.append(row)
        click.echo(_table(rows, header))
    cells = list(answered_by)
    if cells:
        click.echo(f"{words['answered']}: {', '.join(cells)}")
    click.echo(words["not_nav"])


def _emit(
    frame: gpd.GeoDataFrame,
    *,
    language: str,
    as_json: bool,
    geojson_path: Path | None,
    query: Position | None,
    extra: dict[str, Any] | None = None,
    along: bool = False,
) -> None:
    records = _records(frame, language, query)
    if geojson_path is not None:
        _write_geojson(geojson_path, records)
    answered = list(frame.attrs.get("answered_by", []))
    if as_json:
        payload: dict[str, Any] = {
            "query": {"position": None if query is None else {"lat": query.lat, "lon": query.lon}},
            "answered_by": answered,
            "features": records,
        }
        payload.update(extra or {})
        click.echo(json.dumps(payload, ensure_ascii=False, default=str, indent=1))
        return
    _print_features(records, language, answered, along=along)


# --------------------------------------------------------------------------------------------------
# the group and its commands


#: A southern or western position in decimal degrees ("-33.9, 18.4") starts with a minus sign: read
#: it as the position it is, not as an unknown option.
_POSITION_ARGS = {"ignore_unknown_options": True}


#: Where the group's --clearance is kept for its commands (click's meta is shared by the contexts).
_CLEARANCE_META = "maritime.clearance"


@click.group("chart")
@click.option(
    "--clearance",
    default=None,
    help="Use only datasets and place lists marked at or below this level [default: "
    "$MARITIME_CLEARANCE, else the lowest marking, public].",
)
@click.pass_context
def chart(ctx: click.Context, clearance: str | None) -> None:
    """Query the ingested nautical charts (S-57 ENC): features near a position, along a route, lights.

    Distances are geodesic nautical miles (1852 m), bearings true. Where cells overlap, the most
    detailed one answers (among the datasets the clearance allows). Not for navigation.

    Example: maritime chart near "48°21,5'N 004°33'O" --radius-nm 3 --classes LIGHTS,WRECKS
    """
    ctx.meta[_CLEARANCE_META] = clearance


@chart.command("near", context_settings=_POSITION_ARGS)
@click.argument("position")
@click.option(
    "--radius-nm", type=float, default=1.0, show_default=True, help="Search radius in nautical miles."
)
@_classes_option
@_common_options
def near_cmd(
    position: str,
    radius_nm: float,
    classes: str | None,
    index_dir: Path | None,
    as_json: bool,
    geojson_path: Path | None,
    language: str,
) -> None:
    """Features within a radius of POSITION, nearest first.

    Example: maritime chart near "48°21,5'N 004°33'O" --radius-nm 3 --classes LIGHTS,WRECKS
    """
    pos = _position(position)
    store = _open_store(index_dir)
    frame = _run(lambda: store.within(pos, radius_nm, _classes(classes)))
    _emit(
        frame,
        language=language,
        as_json=as_json,
        geojson_path=geojson_path,
        query=pos,
        extra={"radius_nm": radius_nm},
    )


@chart.command("nearest", context_settings=_POSITION_ARGS)
@click.argument("position")
@click.option("-n", "count", type=int, default=1, show_default=True, help="How many features.")
@click.option("--max-radius-nm", type=float, default=None, help="Do not look further than this (NM).")
@_classes_option
@_common_options
def nearest_cmd(
    position: str,
    count: int,
    max_radius_nm: float | None,
    classes: str | None,
    index_dir: Path | None,
    as_json: bool,
    geojson_path: Path | None,
    language: str,
) -> None:
    """The N features nearest to POSITION.

    Example: maritime chart nearest "47°16,2'N 122°25,2'W" --classes LIGHTS -n 3
    """
    pos = _position(position)
    store = _open_store(index_dir)
    frame = _run(lambda: store.nearest(pos, count, _classes(classes), max_radius_nm))
    _emit(frame, language=language, as_json=as_json, geojson_path=geojson_path, query=pos)


@chart.command("at", context_settings=_POSITION_ARGS)
@click.argument("position")
@_classes_option
@_common_options
def at_cmd(
    position: str,
    classes: str | None,
    index_dir: Path | None,
    as_json: bool,
    geojson_path: Path | None,
    language: str,
) -> None:
    """Areas that contain POSITION (depth area, restricted area, anchorage, land ...).

    Example: maritime chart at "47.2700 -122.4200" --classes DEPARE,RESARE --language fr
    """
    pos = _position(position)
    store = _open_store(index_dir)
    frame = _run(lambda: store.containing(pos, _classes(classes)))
    _emit(frame, language=language, as_json=as_json, geojson_path=geojson_path, query=pos)


@chart.command("inside")
@click.argument("name", required=False)
@click.option(
    "--bbox",
    nargs=4,
    type=float,
    default=None,
    metavar="MIN_LAT MIN_LON MAX_LAT MAX_LON",
    help="An area given as a box in decimal degrees instead of a place name.",
)
@_classes_option
@_common_options
def inside_cmd(
    name: str | None,
    bbox: tuple[float, float, float, float] | None,
    classes: str | None,
    index_dir: Path | None,
    as_json: bool,
    geojson_path: Path | None,
    language: str,
) -> None:
    """Features inside an area: a place name from the gazetteer (NAME) or --bbox.

    Example: maritime chart inside "Commencement Bay" --classes WRECKS,OBSTRN
    """
    if (name is None) == (bbox is None):
        raise ChartCommandError("give either a place NAME or --bbox MIN_LAT MIN_LON MAX_LAT MAX_LON")
    area: Any = name if name is not None else tuple(bbox or ())
    store = _open_store(index_dir)
    frame = _run(lambda: store.inside(area, _classes(classes)))
    lat, lon = frame.attrs["query_position"]
    _emit(
        frame,
        language=language,
        as_json=as_json,
        geojson_path=geojson_path,
        query=Position(lat, lon),
        extra={"area": frame.attrs.get("area")},
    )


def _least_depth_json(least: LeastDepth | None) -> dict[str, Any] | None:
    if least is None:
        return None
    return {
        "depth_m": least.depth_m,
        "position": {"lat": least.position.lat, "lon": least.position.lon},
        "source_class": least.source_class,
        "cell": least.cell,
        "feature_ids": list(least.features[model.COL_FEATURE_ID]),
        "unknown_depth_feature_ids": list(least.unknown_depth[model.COL_FEATURE_ID]),
    }


@chart.command("route", context_settings=_POSITION_ARGS)
@click.argument("positions", nargs=-1, required=True)
@click.option(
    "--width-nm",
    type=float,
    default=0.5,
    show_default=True,
    help="FULL width of the corridor in NM: features up to half of it either side of the track are kept.",
)
@_classes_option
@_common_options
def route_cmd(
    positions: tuple[str, ...],
    width_nm: float,
    classes: str | None,
    index_dir: Path | None,
    as_json: bool,
    geojson_path: Path | None,
    language: str,
) -> None:
    """Features in the corridor of a route through POSITIONS, and the least charted depth.

    The legs are geodesics between the positions. --width-nm is the full corridor width: 0.5 keeps
    what lies within 0.25 NM either side of the track. The least depth comes from depth areas
    (DRVAL1), soundings, and wrecks, obstructions and rocks (VALSOU).

    Example: maritime chart route "47.275 -122.44" "47.29 -122.425" "47.30 -122.43" --width-nm 0.5
    """
    if len(positions) < 2:
        raise ChartCommandError("a route needs at least two positions")
    route = [_position(p) for p in positions]
    store = _open_store(index_dir)
    frame = _run(lambda: store.along_route(route, width_nm, _classes(classes)))
    least = _run(lambda: store.least_depth_along(route, width_nm))
    words = _WORDS[language]
    extra = {"width_nm": width_nm, "half_width_nm": width_nm / 2, "least_depth": _least_depth_json(least)}
    _emit(
        frame,
        language=language,
        as_json=as_json,
        geojson_path=geojson_path,
        query=route[0],
        extra=extra,
        along=True,
    )
    if as_json:
        return
    click.echo(
        words["corridor"].format(width=_number(width_nm, language), half=_number(width_nm / 2, language))
    )
    if least is None:
        click.echo(words["no_depth"])
        return
    catalogue = Catalogue.load()
    click.echo(
        f"{words['least']}: {_number(least.depth_m, language, 1)} m "
        f"({catalogue.class_name(least.source_class, language)}, {least.cell}) "
        f"{format_position(least.position, language=language)}"
    )
    if len(least.unknown_depth):
        click.echo(f"{len(least.unknown_depth)} {words['unknown']}")


@chart.command("lights-visible", context_settings=_POSITION_ARGS)
@click.argument("position")
@_common_options
def lights_visible_cmd(
    position: str,
    index_dir: Path | None,
    as_json: bool,
    geojson_path: Path | None,
    language: str,
) -> None:
    """Lights whose nominal range reaches POSITION and whose sector covers it.

    Example: maritime chart lights-visible "54°42'N 163°15'W" --language fr
    """
    pos = _position(position)
    store = _open_store(index_dir)
    frame = _run(lambda: store.visible_lights(pos))
    _emit(frame, language=language, as_json=as_json, geojson_path=geojson_path, query=pos)


@chart.command("info")
@_common_options
def info_cmd(index_dir: Path | None, as_json: bool, geojson_path: Path | None, language: str) -> None:
    """The ingested datasets: cell, edition, update, issue date, scale, datums, feature count.

    --geojson writes each dataset's bounds as a polygon.

    Example: maritime chart info --json
    """
    store = _open_store(index_dir)
    rows: list[dict[str, Any]] = []
    for meta in store.datasets():
        entry = store.dataset_info(meta.cell)
        rows.append(
            {
                "cell": meta.cell,
                "edition": meta.edition,
                "update_number": meta.update_number,
                "issue_date": meta.issue_date,
                "update_application_date": meta.update_application_date,
                "compilation_scale": meta.compilation_scale,
                "horizontal_datum": meta.horizontal_datum,
                "vertical_datum": meta.vertical_datum,
                "sounding_datum": meta.sounding_datum,
                "producing_agency": meta.producing_agency,
                "updates_applied": list(meta.updates_applied),
                "n_features": entry.get("n_features"),
                "bounds": entry.get("bounds"),
                "source_path": meta.source_path,
            }
        )
    if geojson_path is not None:
        records = [
            {"geometry": shapely.geometry.mapping(shapely.box(*r["bounds"])), **r}
            for r in rows
            if r["bounds"]
        ]
        _write_geojson(geojson_path, records)
    if as_json:
        click.echo(json.dumps({"datasets": rows}, ensure_ascii=False, indent=1))
        return
    header = ["Cell", "Ed", "Upd", "Issued", "Scale", "H datum", "V datum", "Sounding datum", "Features"]
    table = [
        [
            str(r["cell"]),
            str(r["edition"] or ""),
            str(r["update_number"] if r["update_number"] is not None else ""),
            str(r["issue_date"] or ""),
            f"1:{r['compilation_scale']:,}".replace(",", " ") if r["compilation_scale"] else "",
            str(r["horizontal_datum"] or ""),
            str(r["vertical_datum"] or ""),
            str(r["sounding_datum"] or ""),
            str(r["n_features"] or 0),
        ]
        for r in rows
    ]
    click.echo(_table(table, header) if table else _WORDS[language]["none"])


@chart.command("lookup")
@click.argument("name")
@click.option("-n", "count", type=int, default=5, show_default=True, help="How many places.")
@_common_options
def lookup_cmd(
    name: str, count: int, index_dir: Path | None, as_json: bool, geojson_path: Path | None, language: str
) -> None:
    """Places whose name matches NAME in the gazetteer (charts, ports, undersea features), FR or EN.

    Example: maritime chart lookup "goulet de brest"
    """
    store = _open_store(index_dir)
    hits = store.gazetteer.lookup(name, limit=count)
    records = [
        {
            "name": h.name,
            "other_names": list(h.other_names),
            "object_class": h.object_class,
            "cell": h.cell,
            "source": h.source,
            "score": h.score,
            "position": {"lat": h.position.lat, "lon": h.position.lon},
            "details": dict(h.details),
            "geometry": shapely.geometry.mapping(h.geometry),
        }
        for h in hits
    ]
    if geojson_path is not None:
        _write_geojson(geojson_path, records)
    if as_json:
        click.echo(json.dumps({"query": name, "hits": records}, ensure_ascii=False, indent=1))
        return
    if not hits:
        click.echo(_WORDS[language]["none"])
        return
    header = ["Name", "Class", "Source", "Position", "Score"]
    table = [
        [h.name, h.object_class, h.source, format_position(h.position, language=language), f"{h.score:.2f}"]
        for h in hits
    ]
    click.echo(_table(table, header))


@chart.command("ingest")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index folder (the chart store is INDEX/charts).",
)
@click.option(
    "--marking",
    default=None,
    help="Classification of what is ingested (default: the lowest marking, public).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def ingest_cmd(paths: tuple[Path, ...], index_dir: Path | None, marking: str | None, as_json: bool) -> None:
    """Read chart datasets (S-57 cells with their updates, GeoPackage, GeoJSON) and CSV place lists.

    Idempotent: unchanged files are not read again. A dataset that cannot be read is reported and the
    others go on; the exit code is 2 when nothing could be ingested.

    Example: maritime chart ingest enc/US5WA22M enc/US3DE01M gazetteer/nga_world_port_index_pub150.csv
    """
    store = _open_store(index_dir, must_exist=False)
    try:
        report = store.ingest(list(paths), marking=marking)
    except MaritimeError as exc:
        raise ChartCommandError(str(exc)) from exc
    if as_json:
        click.echo(
            json.dumps(
                {"ingested": report.ingested, "unchanged": report.unchanged, "skipped": report.skipped},
                indent=1,
            )
        )
    else:
        for cell, n in report.ingested:
            click.echo(f"ingested  {cell}  ({n} features)")
        for cell in report.unchanged:
            click.echo(f"unchanged {cell}")
        for path, reason in report.skipped:
            click.echo(f"skipped   {path}: {reason}", err=True)
    if report.skipped and not report.ingested and not report.unchanged:
        raise ChartCommandError("nothing could be ingested")


@chart.command("remove")
@click.argument("cell")
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Index folder (the chart store is INDEX/charts).",
)
def remove_cmd(cell: str, index_dir: Path | None) -> None:
    """Remove a dataset (features and gazetteer names) from the chart store.

    Example: maritime chart remove US5WA22M
    """
    store = _open_store(index_dir)
    _run(lambda: store.remove(cell))
    click.echo(f"removed {cell}")
