"""ChartStore: chart features kept as one GeoParquet file per dataset and queried geodesically.

Layout of the store folder (``<index>/charts/`` in the CLI)::

    <folder>/catalog.json        every dataset's CellMetadata, file hash, feature count
    <folder>/<cell>.parquet      the dataset's features in the columns of :mod:`maritime.enc.model`
    <folder>/gazetteer.parquet   names from the charts and from ingested place lists

Every file is written to a temporary name and moved into place with :func:`os.replace`, so a crash or a
corrupt dataset never leaves a half-written index behind.

A change touches several files (the dataset's parquet, the gazetteer, the catalogue), so it is committed
through the catalogue: the new files are first written under hidden staged names, then catalog.json is
replaced with the new entry and a ``pending`` map (final name -> staged name), then the staged files are
moved into place and ``pending`` is dropped. Readers take a staged file while it is pending. A process
killed at any point thus leaves the old state (before the catalogue is replaced) or the new one (after),
never the new features under the old catalogue entry; the next writer finishes the moves. Writers
(:meth:`ChartStore.ingest`, :meth:`~ChartStore.add_dataset`, :meth:`~ChartStore.remove`) hold an
exclusive ``fcntl`` lock on ``<folder>/.lock`` and re-read the catalogue under it, so two ingests into
one store, from two processes, run one after the other and neither loses the other's datasets.

Geometry rules. Coordinates are (lon, lat) in EPSG:4326 and S-57 edges are straight lines in lon/lat,
as stored. Distances are geodesic on the WGS84 ellipsoid (``pyproj.Geod``), in nautical miles of
1852 m; bearings are true, from the query position to the nearest point of the feature (0 when the
position is inside an area). The STRtree only pre-filters candidates with a bounding box that is
guaranteed to contain the whole geodesic circle; the distance to a line or an area is measured in an
azimuthal equidistant frame centred on the query position (built from ``Geod.inv``, so distances from
the centre are exact) after densifying the edges to 0.005 degrees, and is within a few centimetres of
the true geodesic distance for queries up to several hundred nautical miles.

Overlapping cells. Where several datasets cover the same place, the most detailed one (smallest
compilation-scale number, CSCL) wins, as on an ECDIS: the part of a less detailed dataset that lies
inside the coverage (M_COVR with CATCOV=1, else the dataset's bounds) of a more detailed one is not
queried. Every result frame says which cells answered in ``frame.attrs["answered_by"]`` (best first).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import logging
import math
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Geod
from shapely.geometry import Point, box
from shapely.geometry.base import BaseGeometry

from maritime.access import allowed_markings, markings, resolve_marking
from maritime.digest import update_with_file
from maritime.enc import lights, model
from maritime.enc.model import CellMetadata
from maritime.errors import ChartQueryError, CoordinateError, IndexStoreError, IngestError
from maritime.geo.coordinates import Position, parse_position

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: writers are not serialised across processes
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    from maritime.enc.gazetteer import Gazetteer

log = logging.getLogger(__name__)

#: Metres in one international nautical mile.
NM_M = 1852.0
#: Name of the catalogue file in the store folder.
CATALOG_FILE = "catalog.json"
#: Lock file held by writers (hidden: dataset discovery skips it).
LOCK_FILE = ".lock"
#: Suffix of files written by a change that is not committed yet.
_STAGED_SUFFIX = ".staged"
#: Attempts at reading a consistent set of files while another process commits.
_LOAD_ATTEMPTS = 5
CATALOG_VERSION = 1
#: Extra columns of every query result.
COL_DISTANCE_NM = "distance_nm"
COL_BEARING_DEG = "bearing_deg"
#: Extra column of :meth:`ChartStore.along_route`: distance along the route to the feature's abeam point.
COL_ALONG_NM = "along_nm"
#: Extra column of :meth:`ChartStore.visible_lights`: nominal range (VALNMR).
COL_RANGE_NM = "range_nm"
#: Column of query results naming the structure a light, fog signal or topmark took its name from.
COL_NAMED_AFTER = "named_after"
#: Objects that carry no name of their own in S-57 (a light on a buoy or in a lighthouse)...
_NAMED_BY_STRUCTURE = frozenset({"LIGHTS", "FOGSIG", "TOPMAR", "RTPBCN", "RADSTA"})
#: ... and the structures whose name they take when one stands at the same place (within 10 m).
_STRUCTURES = (
    "BOYLAT", "BOYCAR", "BOYISD", "BOYSAW", "BOYSPP", "BCNLAT", "BCNCAR", "BCNISD", "BCNSAW", "BCNSPP",
    "LNDMRK", "LIGHTS", "PILPNT",
)  # fmt: skip
_SAME_PLACE_M = 10.0
#: Classes that give a depth to :meth:`ChartStore.least_depth_along` (``depth_m``: DRVAL1, sounding, VALSOU).
LEAST_DEPTH_CLASSES = ("DEPARE", "DRGARE", "SOUNDG", "WRECKS", "OBSTRN", "UWTROC")
#: Dangers whose VALSOU may be unknown; reported separately by least_depth_along when it is.
DANGER_CLASSES = ("WRECKS", "OBSTRN", "UWTROC")
#: Meta-object and collection classes (M_COVR, M_QUAL, C_AGGR ...) are left out unless asked for by name.
META_CLASS_PREFIXES = ("M_", "C_")

_GEOD = Geod(ellps="WGS84")
#: Longest edge, in degrees, before distances to lines and areas are measured (see module docstring).
_DENSIFY_DEG = 0.005
#: Beyond this radius the safe bounding box is the whole world (a quarter meridian, in metres).
_WORLD_RADIUS_M = 9_900_000.0
_HALF_CIRCUMFERENCE_M = 20_003_931.0
_ORIGIN = Point(0.0, 0.0)
_POLYGONAL = (3, 6)  # shapely type ids of Polygon and MultiPolygon
_WORLD_BOX = (-180.0, -90.0, 180.0, 90.0)
_TEXT_COLUMNS = (
    model.COL_CELL,
    model.COL_CLASS,
    model.COL_FEATURE_ID,
    model.COL_NAME,
    model.COL_NATIONAL_NAME,
    model.COL_ATTRIBUTES,
)
#: A dataset name becomes a file name: no path separator, no leading dot.
_CELL_NAME = re.compile(r"^[^./\\\x00][^/\\\x00]*$")
_CHART_SUFFIXES = (".000", ".gpkg", ".geojson")

Bounds = tuple[float, float, float, float]
#: What :meth:`ChartStore.inside` accepts: a lon/lat polygon, (min_lat, min_lon, max_lat, max_lon), or a name.
Area: TypeAlias = BaseGeometry | tuple[float, float, float, float] | str
#: ``progress(done, total, label)`` is called after each dataset of an ingest.
ProgressCallback = Callable[[int, int, str], None]


@dataclass
class ChartIngestReport:
    """What one :meth:`ChartStore.ingest` call did.

    Attributes
    ----------
    ingested:
        ``(cell, number of features)`` for each dataset (or place list) written.
    unchanged:
        Cells (or place lists) whose files have the same SHA-256 as the stored copy.
    skipped:
        ``(path, reason)`` for each dataset that could not be read; the stored copy, if any, is untouched.
    """

    ingested: list[tuple[str, int]] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class LeastDepth:
    """The least charted depth found in a route corridor.

    Attributes
    ----------
    depth_m:
        Least depth in metres below the sounding datum (negative when the least depth dries).
    position:
        Where it is: the sounding or danger, or the first point where the route meets the depth area.
    source_class:
        Object class that gave it (DEPARE = DRVAL1, SOUNDG, WRECKS/OBSTRN/UWTROC = VALSOU).
    cell:
        Dataset that gave it.
    features:
        The feature row(s) at that depth, in :meth:`ChartStore.along_route` columns (ties kept).
    unknown_depth:
        Wrecks, obstructions and rocks inside the corridor whose depth (VALSOU) is not charted. They are
        not part of ``depth_m`` and deserve a look.
    """

    depth_m: float
    position: Position
    source_class: str
    cell: str
    features: gpd.GeoDataFrame = field(compare=False)
    unknown_depth: gpd.GeoDataFrame = field(compare=False)


# --------------------------------------------------------------------------------------------------
# geodesy helpers (vectorised; the geo package has the scalar ones)


def _check_latlon(lat: float, lon: float) -> tuple[float, float]:
    try:
        lat_f, lon_f = float(lat), float(lon)
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"position ({lat!r}, {lon!r}) is not a pair of numbers") from exc
    if not math.isfinite(lat_f) or not -90.0 <= lat_f <= 90.0:
        raise CoordinateError(f"latitude {lat!r} is outside [-90, 90]; give the latitude first (lat, lon)")
    if not math.isfinite(lon_f) or not -180.0 <= lon_f <= 180.0:
        raise CoordinateError(f"longitude {lon!r} is outside [-180, 180]")
    return lat_f, lon_f


def _latlon(position: Position | tuple[float, float] | str) -> tuple[float, float]:
    """Return (lat, lon) of a :class:`Position`, a ``(lat, lon)`` pair or a position as mariners write
    it ("48°21,5'N 004°33'O"), checking the ranges."""
    if isinstance(position, Position):
        return _check_latlon(position.lat, position.lon)
    if isinstance(position, str):
        parsed = parse_position(position)
        return parsed.lat, parsed.lon
    try:
        lat, lon = position
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"{position!r} is not a position: give a Position or (lat, lon)") from exc
    return _check_latlon(lat, lon)


def _check_distance_nm(value: float, what: str, *, allow_zero: bool = True) -> float:
    try:
        val = float(value)
    except (TypeError, ValueError) as exc:
        raise ChartQueryError(f"{what} {value!r} is not a number of nautical miles") from exc
    if not math.isfinite(val) or val < 0 or (val == 0 and not allow_zero):
        raise ChartQueryError(
            f"{what} {value!r} must be a {'non-negative' if allow_zero else 'positive'} "
            "finite number of nautical miles"
        )
    return val


def _full(value: float, n: int) -> np.ndarray:
    return np.full(n, value, dtype=float)


def _geod(method: str, *args: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``Geod.inv``/``Geod.fwd`` on arrays of any length (pyproj treats length-1 arrays as scalars)."""
    arrays = [np.atleast_1d(np.asarray(a, dtype=float)) for a in args]
    if arrays[0].size == 1:
        out = getattr(_GEOD, method)(*(float(a[0]) for a in arrays))
        return tuple(np.array([v], dtype=float) for v in out)  # type: ignore[return-value]
    out = getattr(_GEOD, method)(*arrays)
    return tuple(np.asarray(v, dtype=float) for v in out)  # type: ignore[return-value]


def _inv(lon0: float, lat0: float, lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distance (m) and true azimuth (degrees in [0, 360)) from one point to many."""
    n = len(lons)
    if n == 0:
        return np.empty(0), np.empty(0)
    az, _, dist = _geod("inv", _full(lon0, n), _full(lat0, n), lons, lats)
    az = _norm_bearing(az)
    az[dist == 0] = 0.0
    return dist, az


def _norm_bearing(az: np.ndarray) -> np.ndarray:
    out = np.mod(az, 360.0)
    out[out >= 360.0] = 0.0  # -1e-15 % 360 is 360.0
    return out


def _fwd(lon0: float, lat0: float, az: np.ndarray, dist: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(az)
    if n == 0:
        return np.empty(0), np.empty(0)
    lons, lats, _ = _geod("fwd", _full(lon0, n), _full(lat0, n), az, dist)
    return lons, lats


def _aeqd(lon0: float, lat0: float) -> Callable[[np.ndarray], np.ndarray]:
    """(lon, lat) -> (x, y) metres in the ellipsoidal azimuthal equidistant frame centred on (lon0, lat0).

    The polar coordinates of a point are its geodesic distance and azimuth from the centre, so the
    distance from the centre to any transformed point is exact.
    """

    def transform(coords: np.ndarray) -> np.ndarray:
        dist, az = _inv(lon0, lat0, coords[:, 0], coords[:, 1])
        rad = np.radians(az)
        return np.column_stack([dist * np.sin(rad), dist * np.cos(rad)])

    return transform


def _from_aeqd(lon0: float, lat0: float, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    az = np.mod(np.degrees(np.arctan2(xs, ys)), 360.0)
    return _fwd(lon0, lat0, az, np.hypot(xs, ys))


def safe_boxes(lat: float, lon: float, radius_m: float) -> list[Bounds]:
    """Lon/lat boxes ``(min_lon, min_lat, max_lon, max_lat)`` that together contain the geodesic circle.

    Two boxes when the circle crosses the antimeridian; the whole world when it holds a pole or is
    larger than a quarter meridian. A 1 % margin covers the sampling of the circle's outline.

    >>> safe_boxes(0.0, 0.0, 0.0)[0][0] <= 0.0
    True
    """
    if radius_m >= _WORLD_RADIUS_M:
        return [_WORLD_BOX]
    to_poles, _ = _inv(lon, lat, np.array([lon, lon]), np.array([90.0, -90.0]))
    az = np.arange(0.0, 360.0, 5.0)
    lons, lats = _fwd(lon, lat, az, _full(radius_m, len(az)))
    margin = 1e-7
    dlat_n = (lats.max() - lat) * 1.01 + margin
    dlat_s = (lat - lats.min()) * 1.01 + margin
    max_lat = 90.0 if to_poles[0] <= radius_m * 1.01 else min(90.0, lat + dlat_n)
    min_lat = -90.0 if to_poles[1] <= radius_m * 1.01 else max(-90.0, lat - dlat_s)
    if max_lat >= 90.0 or min_lat <= -90.0:
        return [(-180.0, min_lat, 180.0, max_lat)]
    dlon = np.mod(lons - lon + 180.0, 360.0) - 180.0
    east = lon + dlon.max() * 1.01 + margin
    west = lon + dlon.min() * 1.01 - margin
    if east - west >= 360.0:
        return [(-180.0, min_lat, 180.0, max_lat)]
    if west < -180.0:
        return [(west + 360.0, min_lat, 180.0, max_lat), (-180.0, min_lat, east, max_lat)]
    if east > 180.0:
        return [(west, min_lat, 180.0, max_lat), (-180.0, min_lat, east - 360.0, max_lat)]
    return [(west, min_lat, east, max_lat)]


def _clip(geoms: np.ndarray, boxes: Sequence[Bounds] | None) -> np.ndarray:
    if boxes is None or (len(boxes) == 1 and boxes[0] == _WORLD_BOX):
        return geoms
    out = shapely.clip_by_rect(geoms, *boxes[0])
    for bounds in boxes[1:]:
        out = shapely.union(out, shapely.clip_by_rect(geoms, *bounds))
    return np.asarray(out)


def _measure(
    lat0: float, lon0: float, geoms: np.ndarray, boxes: Sequence[Bounds] | None
) -> tuple[np.ndarray, np.ndarray]:
    """Geodesic distance (m) and bearing (deg) from (lat0, lon0) to the nearest point of each geometry.

    ``boxes`` (from :func:`safe_boxes`) clip the geometries first: exact for every feature closer than
    the radius the boxes were made for, and at least that radius for the others. Empty geometries get inf.
    """
    n = len(geoms)
    dist = np.full(n, np.inf)
    bearing = np.zeros(n)
    if n == 0:
        return dist, bearing
    type_ids = shapely.get_type_id(geoms)
    points = type_ids == 0
    if points.any():
        dist[points], bearing[points] = _inv(
            lon0, lat0, shapely.get_x(geoms[points]), shapely.get_y(geoms[points])
        )
    polygonal = np.isin(type_ids, _POLYGONAL)
    inside = np.zeros(n, dtype=bool)
    if polygonal.any():
        inside[polygonal] = shapely.intersects_xy(geoms[polygonal], lon0, lat0)
    dist[inside] = 0.0
    rest = ~(points | inside)
    if not rest.any():
        return dist, bearing
    sub = _clip(geoms[rest], boxes)
    sub = np.where(np.isin(shapely.get_type_id(sub), _POLYGONAL), shapely.boundary(sub), sub)
    proj = shapely.transform(shapely.segmentize(sub, _DENSIFY_DEG), _aeqd(lon0, lat0))
    d = np.asarray(shapely.distance(proj, _ORIGIN), dtype=float)
    ok = np.isfinite(d)
    near = shapely.get_coordinates(shapely.shortest_line(proj[ok], _ORIGIN))[::2]
    d_rest = np.full(len(sub), np.inf)
    b_rest = np.zeros(len(sub))
    d_rest[ok] = np.hypot(near[:, 0], near[:, 1])
    b_rest[ok] = _norm_bearing(np.degrees(np.arctan2(near[:, 0], near[:, 1])))
    b_rest[d_rest == 0] = 0.0
    dist[rest], bearing[rest] = d_rest, b_rest
    return dist, bearing


# --------------------------------------------------------------------------------------------------
# files


def _sha256_files(paths: Iterable[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        update_with_file(digest, path)
    return digest.hexdigest()


def dataset_files(path: Path) -> list[Path]:
    """The files whose bytes make a dataset: an S-57 base cell and its updates, or the file itself.

    Raises
    ------
    IngestError
        An S-57 update is missing before the last one present.
    """
    if path.suffix.lower() == ".000":
        from maritime.enc import s57

        return [path, *s57.find_updates(path)]
    return [path]


def _without_links_out(root: Path, found: list[Path], report: ChartIngestReport) -> list[Path]:
    """``found`` (files under the folder ``root``) less the symbolic links that lead out of ``root``.

    As for publications (:func:`maritime.publications.ingest.discover`): a link inside an ingested
    folder is not followed out of it; it is reported in ``skipped``. A path given directly is used
    as given.
    """
    base = root.resolve()
    kept = []
    for path in found:
        target = path.resolve()
        if path.is_symlink() and not target.is_relative_to(base):
            report.skipped.append(
                (
                    str(path),
                    f"symbolic link to {target}, outside the ingested folder {root}: not followed "
                    "(ingest the target itself if you mean it)",
                )
            )
            continue
        kept.append(path)
    return kept


#: DSSI fields counting the records of each kind in an S-57 file (meta, cartographic, geo, collection,
#: isolated nodes, connected nodes, edges, faces).
_DSSI_COUNTS = ("NOMR", "NOCR", "NOGR", "NOLR", "NOIN", "NOCN", "NOED", "NOFA")


def _check_declared_records(path: Path) -> None:
    """Refuse a base cell that holds fewer records than its DSSI field declares.

    A cell cut exactly at a record boundary is a valid ISO 8211 file, and GDAL reads it without a
    word: it then replaced the stored cell with a part of it (robustness tests). The DSSI field of
    the DSID record counts the records of each kind; with the descriptive record, the DSID record and
    the DSPM record the file holds at least that many.

    Raises
    ------
    IngestError
        The file holds fewer records than declared.
    """
    import pyogrio

    from maritime.enc import s57

    records = s57.check_iso8211(path)
    try:
        dsid = pyogrio.read_dataframe(
            path, layer="DSID", read_geometry=False, **{**s57.S57_OPEN_OPTIONS, "UPDATES": "IGNORE"}
        )
    except Exception:  # not readable: the reader says why
        return
    if not len(dsid):
        return
    fields = dsid.iloc[0].to_dict()
    declared = 0
    for name in _DSSI_COUNTS:
        value = fields.get(f"DSSI_{name}")
        try:
            declared += int(value) if value is not None and not pd.isna(value) else 0
        except (TypeError, ValueError):
            return  # a DSSI we cannot read: no check
    has_dspm = any(k.startswith("DSPM_") and v is not None and not pd.isna(v) for k, v in fields.items())
    expected = declared + 2 + int(has_dspm)  # + descriptive record, DSID (and DSPM)
    if records < expected:
        raise IngestError(
            str(path),
            f"truncated S-57 cell: it ends after {records - 1} of the {expected - 1} records its DSID "
            "declares; the end of the file is missing, fetch the cell again",
        )


def _atomic_write(path: Path, write: Callable[[Path], object]) -> None:
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def _atomic_write_text(path: Path, text: str) -> None:
    _atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _metadata_to_dict(meta: CellMetadata) -> dict[str, Any]:
    out = asdict(meta)
    out["updates_applied"] = list(meta.updates_applied)
    return out


def _metadata_from_dict(data: dict[str, Any]) -> CellMetadata:
    known = {f.name for f in fields(CellMetadata)}
    kwargs = {k: v for k, v in data.items() if k in known}
    kwargs["updates_applied"] = tuple(kwargs.get("updates_applied") or ())
    kwargs["feature_counts"] = dict(kwargs.get("feature_counts") or {})
    return CellMetadata(**kwargs)


def _attributes(value: object) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str) or not value:
        return {}
    try:
        parsed = json.loads(value)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _marking_of(entry: dict[str, Any]) -> str:
    """The marking of a catalogue entry (entries written before markings existed: the lowest)."""
    return str(entry.get("marking") or markings().lowest)


def _as_float(value: object) -> float | None:
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def _is_meta_class(acronym: str) -> bool:
    return acronym.startswith(META_CLASS_PREFIXES)


# --------------------------------------------------------------------------------------------------
# the loaded index


@dataclass
class _ClassIndex:
    rows: np.ndarray  # row numbers in _Loaded.frame
    geoms: np.ndarray  # geometry queried (the part not covered by a more detailed cell)
    tree: shapely.STRtree
    points: np.ndarray  # True where geoms is a Point
    xs: np.ndarray  # lon of points (NaN elsewhere)
    ys: np.ndarray
    polygonal: np.ndarray


@dataclass
class _Loaded:
    frame: gpd.GeoDataFrame
    class_rows: dict[str, np.ndarray]
    scales: dict[str, float]
    coverage: dict[str, BaseGeometry]
    better: dict[str, BaseGeometry | None]  # union of the coverages of more detailed cells
    classes: dict[str, _ClassIndex] = field(default_factory=dict)

    def index(self, acronym: str) -> _ClassIndex | None:
        if acronym in self.classes:
            return self.classes[acronym]
        rows = self.class_rows.get(acronym)
        if rows is None:
            return None
        geoms = np.asarray(self.frame.geometry.array, dtype=object)[rows]
        if not _is_meta_class(acronym):
            cells = self.frame[model.COL_CELL].to_numpy()[rows]
            for cell in np.unique(cells):
                better = self.better.get(cell)
                if better is None:
                    continue
                sel = np.flatnonzero(cells == cell)
                hit = shapely.intersects(geoms[sel], better)
                if hit.any():
                    idx = sel[hit]
                    geoms[idx] = shapely.difference(geoms[idx], better)
        keep = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
        rows, geoms = rows[keep], geoms[keep]
        type_ids = shapely.get_type_id(geoms)
        points = type_ids == 0
        xs = np.full(len(geoms), np.nan)
        ys = np.full(len(geoms), np.nan)
        xs[points] = shapely.get_x(geoms[points])
        ys[points] = shapely.get_y(geoms[points])
        built = _ClassIndex(
            rows, geoms, shapely.STRtree(geoms), points, xs, ys, np.isin(type_ids, _POLYGONAL)
        )
        self.classes[acronym] = built
        return built

    def select(self, classes: Iterable[str] | None) -> list[tuple[str, _ClassIndex]]:
        if classes is None:
            names = [c for c in self.class_rows if not _is_meta_class(c)]
        else:
            names = list(dict.fromkeys(str(c).strip().upper() for c in classes if str(c).strip()))
        out = []
        for name in names:
            built = self.index(name)
            if built is not None and len(built.rows):
                out.append((name, built))
        return out

    def cells_at(self, lat: float, lon: float) -> list[str]:
        """Cells whose coverage holds the position, most detailed first."""
        covering = [c for c, cov in self.coverage.items() if shapely.intersects_xy(cov, lon, lat)]
        return sorted(covering, key=lambda c: (self.scales[c], c))


def _name_from_structures(loaded: _Loaded, out: gpd.GeoDataFrame, rows: np.ndarray) -> None:
    """Name the unnamed lights, fog signals and topmarks of a result after the structure they stand on.

    S-57 puts the name on the buoy, beacon or landmark (OBJNAM), not on the light it carries, so a
    NOAA light reads "Light" with no name. When a named structure (or named light) is charted within
    10 m, its name and national name are given to the object, and :data:`COL_NAMED_AFTER` says which
    ("LNDMRK <feature_id>"); the raw attributes are unchanged.
    """
    named_after = np.full(len(out), None, dtype=object)
    # Only those few rows are looked at (by row number: a radius query may return tens of thousands of
    # soundings, whose class strings cost more to compare than the query).
    classes_rows = [loaded.class_rows[c] for c in _NAMED_BY_STRUCTURE if c in loaded.class_rows]
    candidates = (
        np.flatnonzero(np.isin(rows, np.concatenate(classes_rows))) if classes_rows else np.empty(0, int)
    )
    if len(candidates):
        names = out[model.COL_NAME].to_numpy()
        geoms = np.asarray(out.geometry.array, dtype=object)
        frame_names = loaded.frame[model.COL_NAME].to_numpy()
        frame_national = loaded.frame[model.COL_NATIONAL_NAME].to_numpy()
        frame_ids = loaded.frame[model.COL_FEATURE_ID].to_numpy()
        frame_classes = loaded.frame[model.COL_CLASS].to_numpy()
        pad = _SAME_PLACE_M / 100_000  # degrees: more than 10 m in latitude and, below 60°, in longitude
        for i in candidates:
            geom = geoms[i]
            if isinstance(names[i], str) and names[i].strip():
                continue
            if geom is None or geom.geom_type != "Point":
                continue
            reach = box(geom.x - pad / max(math.cos(math.radians(geom.y)), 0.1), geom.y - pad,
                        geom.x + pad / max(math.cos(math.radians(geom.y)), 0.1), geom.y + pad)  # fmt: skip
            best: tuple[float, int] | None = None
            for _, idx in loaded.select(_STRUCTURES):
                for c in idx.tree.query(reach):
                    row = int(idx.rows[c])
                    name = frame_names[row]
                    if row == rows[i] or not (isinstance(name, str) and name.strip()) or not idx.points[c]:
                        continue
                    metres = float(_inv(geom.x, geom.y, np.array([idx.xs[c]]), np.array([idx.ys[c]]))[0][0])
                    if metres <= _SAME_PLACE_M and (best is None or metres < best[0]):
                        best = (metres, row)
            if best is None:
                continue
            row = best[1]
            out.at[i, model.COL_NAME] = str(frame_names[row]).strip()
            national = frame_national[row]
            if isinstance(national, str) and national.strip():
                out.at[i, model.COL_NATIONAL_NAME] = national.strip()
            named_after[i] = f"{frame_classes[row]} {frame_ids[row]}"
    out[COL_NAMED_AFTER] = named_after


def _coverage(frame: gpd.GeoDataFrame) -> BaseGeometry:
    covr = frame[frame[model.COL_CLASS] == "M_COVR"]
    polys = [
        geom
        for geom, attrs in zip(covr.geometry, covr[model.COL_ATTRIBUTES], strict=True)
        if geom is not None
        and geom.geom_type in ("Polygon", "MultiPolygon")
        and _as_float(_attributes(attrs).get("CATCOV", 1)) == 1
    ]
    if polys:
        return shapely.make_valid(shapely.union_all(polys))
    if len(frame) == 0:
        return shapely.Polygon()
    return box(*frame.total_bounds)


# --------------------------------------------------------------------------------------------------
# the store


class ChartStore:
    """Chart features of ingested datasets, persisted per dataset and queried geodesically.

    >>> store = ChartStore.open(Path("index/charts"))          # doctest: +SKIP
    >>> store.ingest([Path("enc/US5WA22M")]).ingested          # doctest: +SKIP
    [('US5WA22M', 9871)]
    >>> store.within(Position(47.27, -122.42), 1.0, classes=["LIGHTS"])  # doctest: +SKIP
    """

    def __init__(self, folder: Path, *, clearance: str | None = None) -> None:
        self.folder = Path(folder)
        #: What queries see (:mod:`maritime.access`): the datasets and place lists marked at or below
        #: it. None = ``MARITIME_CLEARANCE``, else the lowest marking. Writes are not limited by it.
        self.clearance = markings().check(clearance) if clearance else None
        self._view: tuple[str | None, tuple[str, ...], Gazetteer] | None = None
        self._catalog: dict[str, Any] = {"version": CATALOG_VERSION, "datasets": {}, "gazetteers": {}}
        self._loaded: _Loaded | None = None
        self._gazetteer: Gazetteer | None = None
        self._write_mutex = threading.RLock()
        self._write_depth = 0
        self._writer: int | None = None  # thread holding the write lock
        self._catalog_text: str | None = None  # catalog.json as last read or written

    # ---------------------------------------------------------------- lifecycle

    @classmethod
    def open(cls, folder: Path | str, *, clearance: str | None = None) -> ChartStore:
        """Open the store in ``folder``, creating the folder when it does not exist.

        Its queries, dataset list and gazetteer only see what ``clearance`` allows (default:
        ``MARITIME_CLEARANCE``, else the lowest marking); see :mod:`maritime.access`.

        Raises
        ------
        IndexStoreError
            ``folder`` is a file, or its catalog.json is not a maritime chart catalogue.
        """
        store = cls(Path(folder), clearance=clearance)
        if store.folder.exists() and not store.folder.is_dir():
            raise IndexStoreError(f"{store.folder} is a file; the chart store needs a folder")
        try:
            store.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise IndexStoreError(f"cannot create the chart store folder {store.folder}: {exc}") from exc
        store._read_catalog()
        return store

    def _read_catalog(self) -> None:
        """(Re)load catalog.json from the folder (kept as is when there is none yet)."""
        catalog_path = self.folder / CATALOG_FILE
        if not catalog_path.exists():
            return
        try:
            text = catalog_path.read_text(encoding="utf-8")
            catalog = json.loads(text)
        except (OSError, ValueError) as exc:
            raise IndexStoreError(
                f"{catalog_path} is not readable JSON ({exc}); remove the folder and ingest again"
            ) from exc
        if not isinstance(catalog, dict) or not isinstance(catalog.get("datasets"), dict):
            raise IndexStoreError(f"{catalog_path} is not a maritime chart catalogue")
        catalog.setdefault("gazetteers", {})
        self._catalog_text = text
        if catalog != self._catalog:
            # What was loaded belonged to the previous catalogue: features and names follow the new one.
            self._catalog = catalog
            self._loaded = None
            self._gazetteer = None
            self._view = None

    def _catalog_stamp(self) -> str | None:
        """The text of catalog.json, which changes with every save (its ``generation`` counts them)."""
        try:
            return (self.folder / CATALOG_FILE).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None

    # ---------------------------------------------------------------- writing: lock and commit

    @contextlib.contextmanager
    def _writing(self) -> Any:
        """Hold the store's write lock (threads of this process, then other processes through fcntl).

        Re-entrant. On taking it the catalogue is re-read, since another process may have committed
        since this store was opened, and a change that a killed writer left half moved is finished.
        """
        with self._write_mutex:
            if self._write_depth:
                self._write_depth += 1
                try:
                    yield
                finally:
                    self._write_depth -= 1
                return
            with open(self.folder / LOCK_FILE, "a+b") as handle:
                if fcntl is not None:
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # waits for the other writer
                self._write_depth, self._writer = 1, threading.get_ident()
                try:
                    self._read_catalog()
                    self._finish_pending()
                    self._remove_orphans()
                    yield
                finally:
                    self._write_depth, self._writer = 0, None
                    if fcntl is not None:
                        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _stage(self, name: str, write: Callable[[Path], object]) -> str:
        """Write a file under a hidden staged name; return that name (see :meth:`_commit`)."""
        fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=_STAGED_SUFFIX, dir=self.folder)
        os.close(fd)
        try:
            write(Path(tmp_name))
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        return Path(tmp_name).name

    def _stage_gazetteer(self) -> str:
        from maritime.enc.gazetteer import GAZETTEER_FILE

        entries = self._names().entries
        return self._stage(GAZETTEER_FILE, lambda tmp: entries.to_parquet(tmp, index=False))

    def _commit(self, moves: dict[str, str]) -> None:
        """Make the catalogue in memory and the staged files ``moves`` (final -> staged) the store's.

        Replacing catalog.json (with ``pending`` = ``moves``) is the commit point; the moves after it
        are finished by the next writer if this process dies first.
        """
        self._catalog["pending"] = dict(moves)
        self._save_catalog()
        self._finish_pending()

    def _finish_pending(self) -> None:
        pending = self._catalog.get("pending")
        if not pending:
            self._catalog.pop("pending", None)
            return
        for final, staged in pending.items():
            # Already moved when a previous writer died after some of the moves.
            with contextlib.suppress(FileNotFoundError):
                os.replace(self.folder / staged, self.folder / final)
        del self._catalog["pending"]
        self._save_catalog()

    def _remove_orphans(self) -> None:
        """Staged and temporary files of writers killed before their commit (the lock is held)."""
        for pattern in (f".*{_STAGED_SUFFIX}", ".*.tmp"):
            for orphan in self.folder.glob(pattern):
                with contextlib.suppress(OSError):
                    orphan.unlink()

    def _file(self, name: str) -> Path:
        """Where to read ``name`` from: its staged copy while a commit is being finished."""
        staged = (self._catalog.get("pending") or {}).get(name)
        if staged and (self.folder / staged).exists():
            return self.folder / staged
        return self.folder / name

    @staticmethod
    def is_chart_path(path: Path | str) -> bool:
        """True for an S-57 base cell (.000), a GeoPackage, a GeoJSON file, or a folder holding any of
        those or an exchange-set catalogue (CATALOG.031).

        >>> ChartStore.is_chart_path("US5WA22M.000"), ChartStore.is_chart_path("notes.pdf")
        (True, False)
        """
        path = Path(path)
        if path.suffix.lower() in _CHART_SUFFIXES:
            return not path.is_dir()
        if not path.is_dir():
            return False
        for child in path.rglob("*"):
            if child.name.upper() == "CATALOG.031" or child.suffix.lower() in _CHART_SUFFIXES:
                return True
        return False

    @staticmethod
    def is_gazetteer_path(path: Path | str) -> bool:
        """True for a CSV place list the gazetteer can read (ports, undersea features, name/lat/lon)."""
        from maritime.enc.gazetteer import is_place_list

        return is_place_list(Path(path))

    # ---------------------------------------------------------------- ingest

    def ingest(
        self,
        paths: Iterable[Path | str],
        *,
        progress: ProgressCallback | None = None,
        marking: str | None = None,
    ) -> ChartIngestReport:
        """Read the chart datasets (and CSV place lists) found under ``paths`` into the store.

        Idempotent: a dataset whose files (base cell and updates) have the SHA-256 of the stored copy is
        reported unchanged and not read. A dataset that cannot be read is reported in ``skipped`` with
        the reason, its stored copy (if any) stays as it was, and the others go on.

        Parameters
        ----------
        paths:
            Files or folders: S-57 cells (.000 with their .001... updates beside them), GeoPackage,
            GeoJSON, exchange sets, or CSV place lists for the gazetteer.
        progress:
            Called as ``progress(done, total, label)`` after each dataset.
        marking:
            Classification of what is ingested (:mod:`maritime.access`; default the lowest level). An
            unchanged dataset ingested with another marking keeps its features and takes the new one.
        """
        level = resolve_marking(marking)
        with self._writing():
            return self._ingest(paths, progress, level)

    def _ingest(
        self, paths: Iterable[Path | str], progress: ProgressCallback | None, marking: str
    ) -> ChartIngestReport:
        from maritime.enc import s57

        report = ChartIngestReport()
        todo: list[Path] = []
        for raw in paths:
            path = Path(raw)
            if not path.exists():
                report.skipped.append((str(path), "no such file or folder"))
                continue
            if path.is_file() and self.is_gazetteer_path(path):
                todo.append(path)
                continue
            try:
                found = s57.find_datasets(path)
            except Exception as exc:  # a bad folder must not stop the batch
                report.skipped.append((str(path), f"cannot list datasets: {exc}"))
                continue
            if not found:
                report.skipped.append((str(path), "no chart dataset (.000, .gpkg, .geojson) found"))
            if path.is_dir():
                found = [*found, *(p for p in sorted(path.rglob("*.csv")) if self.is_gazetteer_path(p))]
                found = _without_links_out(path, [Path(p) for p in found], report)
            todo.extend(Path(p) for p in found)
        for done, path in enumerate(todo, start=1):
            label = path.name
            try:
                if path.suffix.lower() == ".csv":
                    self._ingest_place_list(path, report, marking)
                else:
                    self._ingest_dataset(path, report, s57.read_dataset, marking)
            except Exception as exc:  # reported, the stored copy is untouched
                reason = exc.reason if isinstance(exc, IngestError) else f"{type(exc).__name__}: {exc}"
                log.warning("skipped %s: %s", path, reason)
                report.skipped.append((str(path), reason))
            if progress is not None:
                progress(done, len(todo), label)
        return report

    def _find_by_hash(self, digest: str) -> str | None:
        for cell, entry in self._catalog["datasets"].items():
            if entry.get("dataset_sha256") == digest:
                return str(cell)
        return None

    def _ingest_dataset(
        self,
        path: Path,
        report: ChartIngestReport,
        read: Callable[[Path], tuple[gpd.GeoDataFrame, CellMetadata]],
        marking: str,
    ) -> None:
        digest = _sha256_files(dataset_files(path))
        same = self._find_by_hash(digest)
        if same is not None and self._file(f"{same}.parquet").exists():
            entry = self._catalog["datasets"][same]
            if _marking_of(entry) == marking:
                report.unchanged.append(same)
            else:  # the same features under another marking: only the catalogue changes
                entry["marking"] = marking
                self._commit({})
                self._loaded = None
                report.ingested.append((same, int(entry.get("n_features", 0))))
            return
        if path.suffix.lower() == ".000":
            _check_declared_records(path)
        frame, meta = read(path)
        n = self.add_dataset(frame, meta, dataset_sha256=digest, marking=marking)
        report.ingested.append((meta.cell, n))

    def _ingest_place_list(self, path: Path, report: ChartIngestReport, marking: str) -> None:
        digest = _sha256_files([path])
        source = path.stem
        entry = self._catalog["gazetteers"].get(source)
        if entry and entry.get("file_sha256") == digest and _marking_of(entry) == marking:
            report.unchanged.append(source)
            return
        with self._writing():
            try:
                n = self._names().add_place_list(path, source=source)
            except BaseException:
                # Drop what was added in memory: reloaded from the folder.
                self._gazetteer = None
                self._view = None
                raise
            self._catalog["gazetteers"][source] = {
                "path": str(path),
                "file_sha256": digest,
                "n_entries": n,
                "marking": marking,
            }
            from maritime.enc.gazetteer import GAZETTEER_FILE

            self._commit({GAZETTEER_FILE: self._stage_gazetteer()})
        report.ingested.append((source, n))

    def add_dataset(
        self,
        frame: gpd.GeoDataFrame,
        metadata: CellMetadata,
        *,
        dataset_sha256: str | None = None,
        marking: str | None = None,
    ) -> int:
        """Store one dataset given as a frame in :mod:`maritime.enc.model` columns; return its row count.

        A dataset with the same cell name is replaced. ``marking``: its classification (default the
        lowest level). This is what :meth:`ingest` calls after reading a
        file; it also takes frames made by other means (tests, benchmarks, converters).
        """
        cell = metadata.cell
        if not cell or not _CELL_NAME.match(cell):
            raise IngestError(metadata.source_path, f"dataset name {cell!r} is not a valid cell name")
        missing = [c for c in model.COLUMNS if c not in frame.columns]
        if missing:
            raise IngestError(metadata.source_path, f"the frame lacks the columns {missing}")
        out = gpd.GeoDataFrame(frame.loc[:, list(model.COLUMNS)].copy(), geometry=model.COL_GEOMETRY)
        if out.crs is None:
            out = out.set_crs(model.CRS)
        elif not out.crs.equals(model.CRS):
            out = out.to_crs(model.CRS)
        out[model.COL_CELL] = cell
        out = out.reset_index(drop=True)
        counts = out[model.COL_CLASS].value_counts().to_dict()
        bounds = [float(v) for v in out.total_bounds] if len(out) else None
        entry = {
            "metadata": _metadata_to_dict(metadata),
            "dataset_sha256": dataset_sha256 or metadata.file_sha256,
            "n_features": len(out),
            "feature_counts": {str(k): int(v) for k, v in counts.items()},
            "bounds": bounds,
            "marking": resolve_marking(marking),
        }
        from maritime.enc.gazetteer import GAZETTEER_FILE

        with self._writing():
            staged = self._stage(f"{cell}.parquet", lambda tmp: out.to_parquet(tmp, index=False))
            try:
                self._names().set_chart_names(cell, out)
                moves = {f"{cell}.parquet": staged, GAZETTEER_FILE: self._stage_gazetteer()}
            except BaseException:
                self._gazetteer = None
                self._view = None
                with contextlib.suppress(OSError):
                    (self.folder / staged).unlink()
                raise
            self._catalog["datasets"][cell] = entry
            self._commit(moves)
            self._loaded = None
        return len(out)

    def remove(self, cell: str) -> None:
        """Remove a dataset (its features, catalogue entry and gazetteer names).

        Raises
        ------
        ChartQueryError
            No dataset of that name is stored.
        """
        from maritime.enc.gazetteer import GAZETTEER_FILE

        with self._writing():
            if cell not in self._catalog["datasets"]:
                known = ", ".join(sorted(self._visible_cells())) or "none"
                raise ChartQueryError(f"no dataset {cell!r} in {self.folder} (stored: {known})")
            self._names().remove_cell(cell)
            moves = {GAZETTEER_FILE: self._stage_gazetteer()}
            del self._catalog["datasets"][cell]
            self._commit(moves)
            # After the commit: a crash before this line leaves a file no entry points to.
            with contextlib.suppress(FileNotFoundError):
                (self.folder / f"{cell}.parquet").unlink()
            self._loaded = None

    def _save_catalog(self) -> None:
        # Counted, so that a reader can tell that the store changed while it read it (_read_frames).
        self._catalog["generation"] = int(self._catalog.get("generation") or 0) + 1
        text = json.dumps(self._catalog, indent=1, sort_keys=True, ensure_ascii=False)
        _atomic_write_text(self.folder / CATALOG_FILE, text)
        self._catalog_text = text

    # ---------------------------------------------------------------- reading

    def _allowed(self) -> tuple[str, ...]:
        return allowed_markings(self.clearance)

    def _visible_datasets(self) -> dict[str, dict[str, Any]]:
        """The catalogue entries of the datasets this store's clearance allows."""
        allowed = self._allowed()
        return {c: e for c, e in self._catalog["datasets"].items() if _marking_of(e) in allowed}

    def _visible_cells(self) -> set[str]:
        return set(self._visible_datasets())

    def datasets(self) -> list[CellMetadata]:
        """Metadata of every dataset the clearance allows, most detailed (smallest scale number) first."""
        metas = [_metadata_from_dict(e["metadata"]) for e in self._visible_datasets().values()]
        return sorted(metas, key=lambda m: (m.compilation_scale or math.inf, m.cell))

    def dataset_info(self, cell: str) -> dict[str, Any]:
        """The catalogue entry of a dataset: metadata, SHA-256, feature counts, bounds (lon/lat),
        marking."""
        entry = self._visible_datasets().get(cell)
        if entry is None:
            raise ChartQueryError(f"no dataset {cell!r} in {self.folder}")
        return {**entry, "marking": _marking_of(entry)}

    def __len__(self) -> int:
        return sum(int(e.get("n_features", 0)) for e in self._visible_datasets().values())

    @property
    def gazetteer(self) -> Gazetteer:
        """The names this clearance may see: those of the allowed charts and place lists."""
        names = self._names()
        allowed = self._allowed()
        if self._view is not None and self._view[0] == self._catalog_text and self._view[1] == allowed:
            return self._view[2]
        from maritime.enc.gazetteer import Gazetteer

        entries = names.entries
        visible_sources = {s for s, e in self._catalog["gazetteers"].items() if _marking_of(e) in allowed}
        cells = entries["cell"]
        keep = (cells.notna() & cells.isin(self._visible_cells())) | (
            cells.isna() & entries["source"].isin(visible_sources)
        )
        view = names if bool(keep.all()) else Gazetteer(entries[keep.to_numpy()].reset_index(drop=True))
        self._view = (self._catalog_text, allowed, view)
        return view

    def _names(self) -> Gazetteer:
        """Every name of the store's charts and place lists (loaded on first use): what writes change."""
        if self._gazetteer is None:
            from maritime.enc.gazetteer import GAZETTEER_FILE, Gazetteer

            # Read with the catalogue now on disk, and again if another process commits meanwhile, so
            # that the names are those of the datasets the store serves (as in _read_frames).
            writing = self._writer == threading.get_ident()
            for _ in range(_LOAD_ATTEMPTS):
                stamp = self._catalog_stamp()
                if not writing and stamp != self._catalog_text:
                    self._read_catalog()
                path = self._file(GAZETTEER_FILE)
                try:
                    entries = gpd.read_parquet(path) if path.exists() else None
                except FileNotFoundError:
                    if writing:
                        raise
                    continue  # moved by a commit of another process: read again
                except Exception as exc:  # pyarrow raises several types for a damaged file
                    raise IndexStoreError(
                        f"cannot read the gazetteer in {self.folder} ({exc}); delete gazetteer.parquet and "
                        "ingest again"
                    ) from exc
                if writing or self._catalog_stamp() == stamp:
                    self._gazetteer = Gazetteer(entries, self.folder)
                    return self._gazetteer
            raise IndexStoreError(f"the chart store {self.folder} kept changing while it was read; try again")
        return self._gazetteer

    def features(
        self, classes: Iterable[str] | None = None, cells: Iterable[str] | None = None
    ) -> gpd.GeoDataFrame:
        """Every stored feature (optionally of some classes or cells), without the overlap rule."""
        frame = self._load().frame
        mask = np.ones(len(frame), dtype=bool)
        if classes is not None:
            mask &= frame[model.COL_CLASS].isin([c.upper() for c in classes]).to_numpy()
        if cells is not None:
            mask &= frame[model.COL_CELL].isin(list(cells)).to_numpy()
        return frame[mask].reset_index(drop=True)

    def _read_frames(self) -> tuple[list[gpd.GeoDataFrame], dict[str, float]]:
        """The stored datasets, read together with the catalogue that describes them.

        Another process may commit meanwhile: when catalog.json is replaced during the read, the read
        starts again, so that the features always match their catalogue entries (robustness tests).
        The writer holding the lock reads its own catalogue in memory.
        """
        writing = self._writer == threading.get_ident()
        for _ in range(_LOAD_ATTEMPTS):
            stamp = self._catalog_stamp()
            if not writing:
                self._read_catalog()
            frames = []
            scales: dict[str, float] = {}
            cell = ""
            try:
                for cell, entry in sorted(self._visible_datasets().items()):
                    path = self._file(f"{cell}.parquet")
                    try:
                        frames.append(gpd.read_parquet(path))
                    except FileNotFoundError:
                        raise
                    except Exception as exc:
                        raise IndexStoreError(f"cannot read {path} ({exc}); ingest {cell} again") from exc
                    scale = entry["metadata"].get("compilation_scale")
                    scales[cell] = float(scale) if scale else math.inf
            except FileNotFoundError as exc:
                if writing or self._catalog_stamp() == stamp:
                    raise IndexStoreError(
                        f"cannot read {exc.filename or cell} (missing); ingest {cell} again"
                    ) from exc
                continue  # moved or removed by a commit of another process: read again
            if writing or self._catalog_stamp() == stamp:
                return frames, scales
        raise IndexStoreError(f"the chart store {self.folder} kept changing while it was read; try again")

    def _load(self) -> _Loaded:
        if self._loaded is not None:
            return self._loaded
        frames, scales = self._read_frames()
        if frames:
            frame = gpd.GeoDataFrame(
                pd.concat(frames, ignore_index=True), geometry=model.COL_GEOMETRY, crs=model.CRS
            )
        else:
            frame = gpd.GeoDataFrame(
                {c: [] for c in model.COLUMNS}, geometry=model.COL_GEOMETRY, crs=model.CRS
            )
        for col in _TEXT_COLUMNS:  # numpy objects: taking rows from Arrow strings is slow at 1e6 rows
            frame[col] = frame[col].astype(object).where(frame[col].notna(), None)
        frame.columns = pd.Index(list(frame.columns), dtype=object)
        classes = frame[model.COL_CLASS].to_numpy()
        class_rows = {str(k): v for k, v in pd.Series(np.arange(len(frame))).groupby(classes).groups.items()}
        class_rows = {k: np.asarray(v, dtype=np.int64) for k, v in class_rows.items()}
        cell_values = frame[model.COL_CELL].to_numpy()
        coverage = {cell: _coverage(frame[cell_values == cell]) for cell in scales}
        better: dict[str, BaseGeometry | None] = {}
        for cell, scale in scales.items():
            finer = [
                coverage[c]
                for c, s in scales.items()
                if s < scale and c != cell and coverage[c].intersects(coverage[cell])
            ]
            better[cell] = shapely.union_all(finer) if finer else None
            if better[cell] is not None:
                shapely.prepare(better[cell])
        self._loaded = _Loaded(frame, class_rows, scales, coverage, better)
        return self._loaded

    # ---------------------------------------------------------------- queries

    def _result(
        self,
        loaded: _Loaded,
        rows: np.ndarray,
        extra: dict[str, np.ndarray],
        sort_by: Sequence[str],
        lat: float,
        lon: float,
    ) -> gpd.GeoDataFrame:
        # Sort with numpy (the store's row order breaks ties: cell, then class as read) and take the rows
        # once: sorting or iterating the frame's string columns costs more than the query itself.
        order = np.lexsort((rows, *(extra[k] for k in reversed(sort_by))))
        out = loaded.frame.take(rows[order]).reset_index(drop=True)
        for name, values in extra.items():
            out[name] = np.asarray(values)[order]
        _name_from_structures(loaded, out, rows[order])
        cells = list(dict.fromkeys(out[model.COL_CELL].to_numpy().tolist()))
        answered = sorted(cells, key=lambda c: (loaded.scales.get(c, math.inf), c))
        if not answered:
            answered = loaded.cells_at(lat, lon)[:1]
        out.attrs["answered_by"] = answered
        out.attrs["query_position"] = (lat, lon)
        return out

    def _scan(
        self, loaded: _Loaded, lat: float, lon: float, radius_m: float, classes: Iterable[str] | None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        boxes = safe_boxes(lat, lon, radius_m)
        box_geoms = [box(*b) for b in boxes]
        all_rows, all_dist, all_az = [], [], []
        for _, idx in loaded.select(classes):
            if len(box_geoms) == 1:
                cand = idx.tree.query(box_geoms[0])
            else:
                cand = np.unique(np.concatenate([idx.tree.query(g) for g in box_geoms]))
            if len(cand) == 0:
                continue
            dist = np.empty(len(cand))
            az = np.empty(len(cand))
            pts = idx.points[cand]
            if pts.any():
                dist[pts], az[pts] = _inv(lon, lat, idx.xs[cand[pts]], idx.ys[cand[pts]])
            if not pts.all():
                other = cand[~pts]
                dist[~pts], az[~pts] = _measure(lat, lon, idx.geoms[other], boxes)
            keep = dist <= radius_m
            all_rows.append(idx.rows[cand[keep]])
            all_dist.append(dist[keep])
            all_az.append(az[keep])
        if not all_rows:
            return np.empty(0, dtype=np.int64), np.empty(0), np.empty(0)
        return np.concatenate(all_rows), np.concatenate(all_dist), np.concatenate(all_az)

    def within(
        self,
        position: Position | tuple[float, float] | str,
        radius_nm: float,
        classes: Iterable[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Features at most ``radius_nm`` (geodesic) from the position, nearest first.

        Parameters
        ----------
        position:
            Query position, a :class:`Position` or ``(lat, lon)``.
        radius_nm:
            Radius in nautical miles (1852 m), measured to the nearest point of each feature.
        classes:
            S-57 acronyms to keep (e.g. ``["LIGHTS", "WRECKS"]``); None = every class except the meta
            and collection classes (M_*, C_*).

        Returns
        -------
        GeoDataFrame
            The model columns plus ``distance_nm`` and ``bearing_deg`` (true, from the position), in
            EPSG:4326, sorted by distance; ``attrs["answered_by"]`` lists the cells used. Empty (with
            the same columns) when nothing is in range.

        Raises
        ------
        CoordinateError
            The position is outside [-90, 90] x [-180, 180].
        """
        lat, lon = _latlon(position)
        radius_m = _check_distance_nm(radius_nm, "radius") * NM_M
        loaded = self._load()
        rows, dist, az = self._scan(loaded, lat, lon, radius_m, classes)
        extra = {COL_DISTANCE_NM: dist / NM_M, COL_BEARING_DEG: az}
        return self._result(loaded, rows, extra, [COL_DISTANCE_NM], lat, lon)

    def nearest(
        self,
        position: Position | tuple[float, float] | str,
        n: int = 1,
        classes: Iterable[str] | None = None,
        max_radius_nm: float | None = None,
    ) -> gpd.GeoDataFrame:
        """The ``n`` features nearest to the position (geodesic, exact), nearest first.

        The search starts at the geodesic distance of the planar-nearest candidate of each class (an
        upper bound of the true nearest distance) and grows until ``n`` features are found, the whole
        store has been searched, or ``max_radius_nm`` is reached. Columns as :meth:`within`; fewer than
        ``n`` rows when the store (or the radius) holds fewer features.
        """
        lat, lon = _latlon(position)
        if not isinstance(n, int | np.integer) or n < 1:
            raise ChartQueryError(f"n={n!r}: ask for at least one feature")
        cap_m = math.inf if max_radius_nm is None else _check_distance_nm(max_radius_nm, "max radius") * NM_M
        loaded = self._load()
        selected = loaded.select(classes)
        start = math.inf
        here = Point(lon, lat)
        for _, idx in selected:
            cand = idx.tree.query_nearest(here)
            if len(cand):
                dist, _ = _measure(lat, lon, idx.geoms[cand], None)
                start = min(start, float(dist.min()))
        radius = min(start * (1 + 1e-9) + 1e-3, cap_m)
        if not math.isfinite(radius):  # empty store or class absent
            radius = 0.0
        class_names = [name for name, _ in selected]
        while True:
            rows, dist, az = self._scan(loaded, lat, lon, radius, class_names)
            if len(rows) >= n or radius >= min(cap_m, _HALF_CIRCUMFERENCE_M) or not class_names:
                break
            grow = max(2.0, math.sqrt(n / max(len(rows), 1)) * 1.2)
            radius = min(radius * grow if radius > 0 else NM_M, cap_m, _HALF_CIRCUMFERENCE_M)
        order = np.lexsort((rows, dist))[:n]
        extra = {COL_DISTANCE_NM: dist[order] / NM_M, COL_BEARING_DEG: az[order]}
        return self._result(loaded, rows[order], extra, [COL_DISTANCE_NM], lat, lon)

    def containing(
        self, position: Position | tuple[float, float] | str, classes: Iterable[str] | None = None
    ) -> gpd.GeoDataFrame:
        """Areas (DEPARE, RESARE, ACHARE, LNDARE ...) that contain the position, boundary included.

        Only the most detailed cell covering the position answers (see the module docstring).
        ``distance_nm`` and ``bearing_deg`` are 0. Rows in store order (cell, then class).
        """
        lat, lon = _latlon(position)
        loaded = self._load()
        here = Point(lon, lat)
        found = []
        for _, idx in loaded.select(classes):
            if not idx.polygonal.any():
                continue
            cand = idx.tree.query(here, predicate="intersects")
            cand = cand[idx.polygonal[cand]]
            found.append(idx.rows[cand])
        rows = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        extra = {COL_DISTANCE_NM: np.zeros(len(rows)), COL_BEARING_DEG: np.zeros(len(rows))}
        return self._result(loaded, rows, extra, [], lat, lon)

    def resolve_area(self, area: Area) -> BaseGeometry:
        """Turn a polygon, a ``(min_lat, min_lon, max_lat, max_lon)`` box or a place name into a lon/lat
        polygon. A box whose min_lon is greater than its max_lon crosses the antimeridian."""
        if isinstance(area, BaseGeometry):
            if area.is_empty or area.geom_type not in ("Polygon", "MultiPolygon"):
                raise ChartQueryError(f"area {area.wkt[:60]!r} is not a polygon")
            return area
        if isinstance(area, str):
            hits = self.gazetteer.lookup(area, limit=5)  # the names this clearance may see
            areas = [h for h in hits if h.geometry.geom_type in ("Polygon", "MultiPolygon")]
            if not areas:
                if hits:
                    raise ChartQueryError(
                        f"{area!r} resolves to {hits[0].name!r} ({hits[0].object_class}), which is not an area;"
                        " ask for features within a radius of it instead"
                    )
                raise ChartQueryError(f"no place named {area!r} in the gazetteer of {self.folder}")
            return areas[0].geometry
        try:
            min_lat, min_lon, max_lat, max_lon = (float(v) for v in area)
        except (TypeError, ValueError) as exc:
            raise ChartQueryError(
                f"area {area!r} is not a polygon, a place name or (min_lat, min_lon, max_lat, max_lon)"
            ) from exc
        _check_latlon(min_lat, min_lon)
        _check_latlon(max_lat, max_lon)
        if min_lat > max_lat:
            raise ChartQueryError(f"area {area!r}: min_lat {min_lat} is north of max_lat {max_lat}")
        if min_lon > max_lon:
            return shapely.MultiPolygon(
                [box(min_lon, min_lat, 180.0, max_lat), box(-180.0, min_lat, max_lon, max_lat)]
            )
        return box(min_lon, min_lat, max_lon, max_lat)

    def inside(self, area: Area, classes: Iterable[str] | None = None) -> gpd.GeoDataFrame:
        """Features that intersect an area (polygon in lon/lat, (min_lat, min_lon, max_lat, max_lon) box,
        or a place name resolved through the gazetteer to an area).

        ``distance_nm`` and ``bearing_deg`` are measured from the area's representative point to the
        nearest point of the part of each feature inside the area's bounding box; rows are sorted by
        that distance.
        """
        polygon = self.resolve_area(area)
        ref = polygon.representative_point()
        lat, lon = ref.y, ref.x
        loaded = self._load()
        shapely.prepare(polygon)
        found, dist_all, az_all = [], [], []
        bounds = [tuple(float(v) for v in part.bounds) for part in getattr(polygon, "geoms", [polygon])]
        for _, idx in loaded.select(classes):
            cand = idx.tree.query(polygon, predicate="intersects")
            if len(cand) == 0:
                continue
            dist, az = _measure(lat, lon, idx.geoms[cand], bounds)  # type: ignore[arg-type]
            found.append(idx.rows[cand])
            dist_all.append(dist)
            az_all.append(az)
        rows = np.concatenate(found) if found else np.empty(0, dtype=np.int64)
        dist = np.concatenate(dist_all) if dist_all else np.empty(0)
        az = np.concatenate(az_all) if az_all else np.empty(0)
        extra = {COL_DISTANCE_NM: dist / NM_M, COL_BEARING_DEG: az}
        out = self._result(loaded, rows, extra, [COL_DISTANCE_NM], lat, lon)
        out.attrs["area"] = polygon.wkt
        return out

    # ---------------------------------------------------------------- routes

    def _route_scan(
        self, route: Sequence[Position | tuple[float, float]], width_nm: float, classes: Iterable[str] | None
    ) -> tuple[_Loaded, dict[int, tuple[float, float, float, float, float]], tuple[float, float]]:
        """Per frame row: (off-track m, along-track m, bearing deg, nearest lat, nearest lon)."""
        points = [_latlon(p) for p in route]
        if len(points) < 2:
            raise ChartQueryError(f"a route needs at least two positions, got {len(points)}")
        half_m = _check_distance_nm(width_nm, "corridor width", allow_zero=False) * NM_M / 2.0
        loaded = self._load()
        selected = loaded.select(classes)
        piece_max = min(max(4.0 * half_m, NM_M), 10.0 * NM_M)
        best: dict[int, tuple[float, float, float, float, float]] = {}
        along0 = 0.0
        for (lat_a, lon_a), (lat_b, lon_b) in itertools.pairwise(points):
            az_ab, _, leg_m = _GEOD.inv(lon_a, lat_a, lon_b, lat_b)
            k = max(1, math.ceil(leg_m / piece_max))
            for j in range(k):
                s0, s1 = leg_m * j / k, leg_m * (j + 1) / k
                lon_c, lat_c, _ = _GEOD.fwd(lon_a, lat_a, az_ab, (s0 + s1) / 2)
                lons, lats, _ = _GEOD.fwd([lon_a, lon_a], [lat_a, lat_a], [az_ab, az_ab], [s0, s1])
                ends = _aeqd(lon_c, lat_c)(np.column_stack([lons, lats]))
                self._scan_piece(selected, lat_c, lon_c, ends, along0 + s0, s1 - s0, half_m, best)
            along0 += leg_m
        return loaded, best, points[0]

    @staticmethod
    def _scan_piece(
        selected: list[tuple[str, _ClassIndex]],
        lat_c: float,
        lon_c: float,
        ends: np.ndarray,
        along_start: float,
        length: float,
        half_m: float,
        best: dict[int, tuple[float, float, float, float, float]],
    ) -> None:
        boxes = safe_boxes(lat_c, lon_c, length / 2.0 + half_m)
        box_geoms = [box(*b) for b in boxes]
        start, end = ends[0], ends[1]
        seg = end - start
        seg_len2 = float(seg @ seg) or 1.0
        segment = shapely.LineString(ends)
        to_plane = _aeqd(lon_c, lat_c)
        for _, idx in selected:
            cand = np.unique(np.concatenate([idx.tree.query(g) for g in box_geoms]))
            if len(cand) == 0:
                continue
            near_route = np.empty((len(cand), 2))
            near_feat = np.empty((len(cand), 2))
            pts = idx.points[cand]
            if pts.any():
                xy = to_plane(np.column_stack([idx.xs[cand[pts]], idx.ys[cand[pts]]]))
                t = np.clip(((xy - start) @ seg) / seg_len2, 0.0, 1.0)
                near_route[pts] = start + t[:, None] * seg
                near_feat[pts] = xy
            if not pts.all():
                sub = _clip(idx.geoms[cand[~pts]], boxes)
                proj = shapely.transform(shapely.segmentize(sub, _DENSIFY_DEG), to_plane)
                ok = ~shapely.is_empty(proj)
                lines = shapely.shortest_line(segment, proj[ok])
                coords = shapely.get_coordinates(lines).reshape(-1, 2, 2)
                nr = np.full((len(proj), 2), np.inf)
                nf = np.full((len(proj), 2), np.inf)
                nr[ok], nf[ok] = coords[:, 0, :], coords[:, 1, :]
                near_route[~pts], near_feat[~pts] = nr, nf
            with np.errstate(invalid="ignore"):  # inf - inf for geometries clipped away
                off = np.hypot(*(near_feat - near_route).T)
            inside = off <= half_m
            if not inside.any():
                continue
            rows = idx.rows[cand[inside]]
            t = np.clip(((near_route[inside] - start) @ seg) / seg_len2, 0.0, 1.0)
            along = along_start + t * length
            r_lon, r_lat = _from_aeqd(lon_c, lat_c, near_route[inside, 0], near_route[inside, 1])
            f_lon, f_lat = _from_aeqd(lon_c, lat_c, near_feat[inside, 0], near_feat[inside, 1])
            exact = pts[inside]  # a point feature is where it is, not its round trip through the plane
            f_lon[exact] = idx.xs[cand[inside][exact]]
            f_lat[exact] = idx.ys[cand[inside][exact]]
            az, _, dist = _geod("inv", r_lon, r_lat, f_lon, f_lat)
            az = np.where(dist > 0, _norm_bearing(az), 0.0)
            for i, row in enumerate(rows.tolist()):
                cur = best.get(row)
                value = (float(dist[i]), float(along[i]), float(az[i]), float(f_lat[i]), float(f_lon[i]))
                if cur is None or (value[0], value[1]) < (cur[0], cur[1]):
                    best[row] = value

    def along_route(
        self,
        route: Sequence[Position | tuple[float, float]],
        width_nm: float,
        classes: Iterable[str] | None = None,
    ) -> gpd.GeoDataFrame:
        """Features in the corridor of a route.

        The route is a sequence of geodesic legs between the positions. ``width_nm`` is the FULL width
        of the corridor: a feature is kept when its nearest point is at most ``width_nm / 2`` from the
        track (so ``--width-nm 0.5`` keeps what lies within 0.25 NM either side).

        Returns
        -------
        GeoDataFrame
            The model columns plus ``distance_nm`` (off-track distance), ``bearing_deg`` (true bearing
            from the nearest point of the track to the feature, 0 on the track) and ``along_nm``
            (distance along the route from its first position to the feature's abeam point), sorted by
            ``along_nm`` then ``distance_nm``, i.e. in the order met on passage.
        """
        loaded, best, (lat0, lon0) = self._route_scan(route, width_nm, classes)
        rows = np.fromiter(best.keys(), dtype=np.int64, count=len(best))
        vals = np.array(list(best.values()), dtype=float).reshape(-1, 5)
        return self._route_result(loaded, rows, vals, lat0, lon0)

    def _route_result(
        self, loaded: _Loaded, rows: np.ndarray, vals: np.ndarray, lat0: float, lon0: float
    ) -> gpd.GeoDataFrame:
        extra = {
            COL_DISTANCE_NM: vals[:, 0] / NM_M,
            COL_BEARING_DEG: vals[:, 2],
            COL_ALONG_NM: vals[:, 1] / NM_M,
            "_near_lat": vals[:, 3],
            "_near_lon": vals[:, 4],
        }
        out = self._result(loaded, rows, extra, [COL_ALONG_NM, COL_DISTANCE_NM], lat0, lon0)
        near = zip(out.pop("_near_lat").tolist(), out.pop("_near_lon").tolist(), strict=True)
        # nearest point of each feature to the track, in the order of the rows
        out.attrs["nearest_points"] = list(near)
        return out

    def least_depth_along(
        self, route: Sequence[Position | tuple[float, float]], width_nm: float
    ) -> LeastDepth | None:
        """The least charted depth in the corridor of a route (``width_nm`` is the full width).

        Depths come from DEPARE and DRGARE (DRVAL1), SOUNDG (the sounding) and WRECKS, OBSTRN, UWTROC
        (VALSOU), all in metres below the sounding datum of their cell. None when the corridor holds no
        charted depth at all (outside chart coverage): absence of data is not deep water.
        """
        loaded, best, (lat0, lon0) = self._route_scan(route, width_nm, LEAST_DEPTH_CLASSES)
        if not best:
            return None
        rows = np.fromiter(best.keys(), dtype=np.int64, count=len(best))
        vals = np.array(list(best.values()), dtype=float).reshape(-1, 5)
        frame = loaded.frame
        depth = pd.to_numeric(frame[model.COL_DEPTH_M].iloc[rows], errors="coerce").to_numpy(dtype=float)
        classes = frame[model.COL_CLASS].to_numpy()[rows]
        unknown = np.isin(classes, DANGER_CLASSES) & ~np.isfinite(depth)

        def _frame(mask: np.ndarray) -> gpd.GeoDataFrame:
            return self._route_result(loaded, rows[mask], vals[mask], lat0, lon0)

        known = np.isfinite(depth)
        if not known.any():
            return None
        least = float(depth[known].min())
        at = known & (depth == least)
        features = _frame(at)
        first = int(np.flatnonzero(at)[np.argmin(vals[at, 1])])
        return LeastDepth(
            depth_m=least,
            position=Position(float(vals[first, 3]), float(vals[first, 4])),
            source_class=str(classes[first]),
            cell=str(frame[model.COL_CELL].iloc[rows[first]]),
            features=features,
            unknown_depth=_frame(unknown),
        )

    # ---------------------------------------------------------------- lights

    def visible_lights(self, position: Position | tuple[float, float]) -> gpd.GeoDataFrame:
        """Lights whose nominal range reaches the position and whose sector holds it.

        A light is kept when its nominal range (VALNMR, NM) is at least its geodesic distance and, for a
        sector light, the observer's true bearing to the light lies in the sector SECTR1 -> SECTR2
        (clockwise, bearings taken from seaward toward the light). All-round lights have no sector.
        Lights without VALNMR are left out (their range is not charted). Columns as :meth:`within` plus
        ``range_nm``; ``bearing_deg`` is the bearing from the observer to the light.
        """
        lat, lon = _latlon(position)
        loaded = self._load()
        rows = loaded.class_rows.get("LIGHTS")
        max_range = 0.0
        if rows is not None and len(rows):
            ranges = [
                _as_float(_attributes(a).get("VALNMR")) for a in loaded.frame[model.COL_ATTRIBUTES].iloc[rows]
            ]
            max_range = max((r for r in ranges if r is not None), default=0.0)
        near = self.within((lat, lon), max_range, classes=["LIGHTS"])
        keep = np.zeros(len(near), dtype=bool)
        range_nm = np.full(len(near), np.nan)
        for i, (attrs_raw, dist, bearing) in enumerate(
            zip(near[model.COL_ATTRIBUTES], near[COL_DISTANCE_NM], near[COL_BEARING_DEG], strict=True)
        ):
            attrs = _attributes(attrs_raw)
            rng = _as_float(attrs.get("VALNMR"))
            if rng is None:
                continue
            range_nm[i] = rng
            if dist > rng:
                continue
            limits = lights.sectors(attrs)
            # SECTR1/2 are bearings toward the light; sector_contains wants the bearing from the light.
            keep[i] = limits is None or lights.sector_contains(*limits, (float(bearing) + 180.0) % 360.0)
        near[COL_RANGE_NM] = range_nm
        out = near[keep].reset_index(drop=True)
        out.attrs = dict(near.attrs)
        out.attrs["answered_by"] = sorted(
            set(out[model.COL_CELL]), key=lambda c: (loaded.scales.get(c, math.inf), c)
        ) or near.attrs.get("answered_by", [])
        return out
