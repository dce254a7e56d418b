"""Read chart datasets into maritime's chart frame (see :mod:`maritime.enc.model`).

Three inputs:

- **S-57 cells** (``.000``), read with GDAL's S-57 driver through ``pyogrio``. The update files
  ``.001``, ``.002``... found beside the cell (or in the ``<cell>/<edition>/<update>/`` folders of an
  exchange set) are applied by GDAL. The driver options (:data:`S57_OPEN_OPTIONS`) are passed as
  open options on every read (and as ``OGR_S57_OPTIONS`` only for the duration of the layer listing,
  which takes no open options), so a user's ``OGR_S57_OPTIONS`` cannot change the result.
- **GeoPackage** (``.gpkg``): one layer per object class, or any layer with a class column.
- **GeoJSON** (``.geojson``, ``.json``).

For GeoPackage and GeoJSON the object class comes from a column ``OBJL`` (code or acronym),
``object_class`` or ``class``, else from the layer name; attribute columns are S-57 acronyms. A layer
named ``DSID`` (columns as GDAL's S-57 ``DSID`` layer: ``DSID_EDTN``, ``DSPM_CSCL``...) carries the
metadata.

Decisions a hydrographer should know:

- **Missing update: the cell is refused.** With ``.002`` present and ``.001`` missing, GDAL silently
  stops at the gap; maritime raises :class:`~maritime.errors.IngestError` instead of serving a chart
  that is older than the files suggest (a deleted light would still show, a new wreck would not). The
  same happens when GDAL's update number after applying (DSID UPDN) differs from the last update file.
- **Invalid geometries**: in GeoJSON and GeoPackage (hand-made data) an invalid geometry refuses the
  file by default, naming the feature and GEOS's reason; ``invalid_geometry="repair"`` repairs it with
  ``shapely.make_valid`` and logs a warning, ``"skip"`` drops the feature with a warning. S-57 cells
  default to ``"repair"``: their topology was validated by the producer and GEOS only objects to how
  GDAL assembled the rings.
- **Soundings** are split into one row per sounding with ``depth_m``; their ``feature_id`` is
  ``"<LNAM>#<k>"`` (k counts the soundings of one SOUNDG object from 0) so that every row has its own
  identifier.
- **Collection objects** (C_AGGR, C_ASSO, C_STAC) have no geometry and are not rows of the frame.
- Geometries are 2D in EPSG:4326; depths are in ``depth_m`` only.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import math
import re
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from maritime.enc.catalogue import Catalogue, gdal_catalogue_dir
from maritime.enc.model import (
    COL_ATTRIBUTES,
    COL_CELL,
    COL_CLASS,
    COL_DEPTH_M,
    COL_FEATURE_ID,
    COL_GEOMETRY,
    COL_NAME,
    COL_NATIONAL_NAME,
    COL_SCALE,
    COLUMNS,
    CRS,
    CellMetadata,
)
from maritime.errors import IngestError

logger = logging.getLogger(__name__)

#: GDAL S-57 driver open options used for every cell (all are documented driver options).
S57_OPEN_OPTIONS: dict[str, str] = {
    "UPDATES": "APPLY",
    "SPLIT_MULTIPOINT": "ON",
    "ADD_SOUNDG_DEPTH": "ON",
    "RETURN_PRIMITIVES": "OFF",
    "RETURN_LINKAGES": "OFF",
    "LNAM_REFS": "ON",
    "RECODE_BY_DSSI": "ON",
    "LIST_AS_STRING": "OFF",
}

CELL_SUFFIXES = frozenset({".000"})
GEOPACKAGE_SUFFIXES = frozenset({".gpkg"})
GEOJSON_SUFFIXES = frozenset({".geojson", ".json"})
DATASET_SUFFIXES = CELL_SUFFIXES | GEOPACKAGE_SUFFIXES | GEOJSON_SUFFIXES

#: Layers of an S-57 dataset that are not object classes.
METADATA_LAYERS = frozenset({"DSID"})
PRIMITIVE_LAYERS = frozenset({"IsolatedNode", "ConnectedNode", "Edge", "Face"})
#: Collection objects: relations between features, without geometry.
COLLECTION_CLASSES = frozenset({"C_AGGR", "C_ASSO", "C_STAC"})

#: Record fields GDAL adds to every feature; not S-57 attributes. LNAM_REFS/FFPT_RIND are kept (links).
RECORD_FIELDS = frozenset(
    {"RCID", "PRIM", "GRUP", "OBJL", "RVER", "AGEN", "FIDN", "FIDS", "LNAM", "DEPTH"}
    | {"NAME_RCNM", "NAME_RCID", "ORNT", "USAG", "MASK"}
)
#: Where ``depth_m`` comes from, per object class (SOUNDG uses the sounding itself).
DEPTH_ATTRIBUTE = {
    "WRECKS": "VALSOU",
    "OBSTRN": "VALSOU",
    "UWTROC": "VALSOU",
    "DEPARE": "DRVAL1",
    "DRGARE": "DRVAL1",
    "DEPCNT": "VALDCO",
}
#: Columns naming the object class in GeoPackage / GeoJSON data, in order of preference.
CLASS_COLUMNS = ("OBJL", "object_class", "class")

InvalidGeometryPolicy = Literal["raise", "repair", "skip"]
_POLICIES = ("raise", "repair", "skip")
_UPDATE_SUFFIX = re.compile(r"^\.(\d{3})$")
# Depth units (DSPM_DUNI) -> metres per unit; 2 (fathoms and feet) cannot be converted from one value.
_DEPTH_UNITS_TO_M = {1: 1.0, 3: 0.3048, 4: 1.8288}


# --------------------------------------------------------------------------------------------- finding
def find_datasets(path: str | Path) -> list[Path]:
    """List the chart datasets under a folder, or the dataset a file belongs to.

    Parameters
    ----------
    path : str or Path
        A folder (plain folders, or an S-57 exchange set with ``CATALOG.031``: the cells are found by
        extension in either case), or a file. An update file (``.001``...) gives its base cell;
        ``CATALOG.031`` gives the cells of its exchange set.

    Returns
    -------
    list of Path
        Base cells ``.000``, ``.gpkg`` files and GeoJSON files, sorted; in a folder, ``.json`` files
        are kept only when they look like GeoJSON, and hidden folders are skipped. An unsupported
        file gives ``[]``.

    Raises
    ------
    IngestError
        When ``path`` does not exist.

    Examples
    --------
    >>> find_datasets("charts/")  # doctest: +SKIP
    [PosixPath('charts/FR_BREST_SAMPLE.000')]
    """
    root = Path(path)
    if not root.exists():
        raise IngestError(str(root), "no such file or folder")
    if root.is_file():
        if root.name.upper() == "CATALOG.031":
            return find_datasets(root.parent)
        suffix = root.suffix.lower()
        if _UPDATE_SUFFIX.match(suffix) and suffix != ".000":
            base = _base_for_update(root)
            return [base] if base is not None else []
        return [root] if suffix in DATASET_SUFFIXES else []
    found = []
    for candidate in sorted(root.rglob("*")):
        relative = candidate.relative_to(root)
        if any(part.startswith(".") for part in relative.parts) or not candidate.is_file():
            continue
        suffix = candidate.suffix.lower()
        # A folder may hold other JSON (metadata, tides...): keep .json files only when they are GeoJSON.
        keep = suffix in DATASET_SUFFIXES and (suffix != ".json" or _looks_like_geojson(candidate))
        if keep:
            found.append(candidate)
    return found


def _base_for_update(update: Path) -> Path | None:
    for folder in (update.parent, update.parent.parent / "0"):
        candidate = folder / f"{update.stem}.000"
        if candidate.is_file():
            return candidate
    return None


def _looks_like_geojson(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError:
        return False
    return b'"FeatureCollection"' in head or b'"Feature"' in head


def find_updates(cell: str | Path) -> list[Path]:
    """Update files of an S-57 base cell, in order, refusing a gap.

    Updates are looked for beside the cell (``US3DE01M.001``...) and, as GDAL does for exchange sets,
    in ``../<n>/`` folders next to the cell's folder.

    Parameters
    ----------
    cell : str or Path
        The base cell ``.000``.

    Returns
    -------
    list of Path
        ``.001`` ... ``.N`` in order; empty when there is none.

    Raises
    ------
    IngestError
        When an update number is missing before the last one present (``.002`` without ``.001``).
    """
    base = Path(cell)
    found: dict[int, Path] = {}
    folders = [base.parent]
    if base.parent.parent != base.parent:
        with contextlib.suppress(OSError):  # an unreadable parent folder: only the cell's own folder counts
            folders += sorted(p for p in base.parent.parent.iterdir() if p.is_dir() and p.name.isdigit())
    for folder in folders:
        for candidate in folder.glob(f"{base.stem}.*"):
            match = _UPDATE_SUFFIX.match(candidate.suffix)
            if match and candidate.is_file() and int(match.group(1)) > 0:
                found.setdefault(int(match.group(1)), candidate)
    if not found:
        return []
    last = max(found)
    missing = [n for n in range(1, last + 1) if n not in found]
    if missing:
        first = missing[0]
        later = min(n for n in found if n > first)
        raise IngestError(
            str(base),
            f"update .{later:03d} present but .{first:03d} missing; the cell was refused because GDAL "
            "would silently apply only the updates before the gap and show an out-of-date chart. Add the "
            f"missing update file(s) {', '.join(f'.{n:03d}' for n in missing)} or remove the later ones.",
        )
    return [found[n] for n in range(1, last + 1)]


# ------------------------------------------------------------------------------------------- reading
def read_dataset(
    path: str | Path, *, invalid_geometry: InvalidGeometryPolicy | None = None
) -> tuple[gpd.GeoDataFrame, CellMetadata]:
    """Read one chart dataset into the chart frame and its metadata.

    Parameters
    ----------
    path : str or Path
        An S-57 base cell ``.000`` (updates beside it are applied), a ``.gpkg`` or a GeoJSON file.
    invalid_geometry : {"raise", "repair", "skip"}, optional
        What to do with a geometry GEOS finds invalid. Default: ``"repair"`` for S-57 cells,
        ``"raise"`` for GeoPackage and GeoJSON.

    Returns
    -------
    (GeoDataFrame, CellMetadata)
        The frame has exactly :data:`maritime.enc.model.COLUMNS`, CRS EPSG:4326, one row per feature
        (one per sounding), rows ordered by object class then as read. ``CellMetadata.feature_counts``
        counts rows per class.

    Raises
    ------
    IngestError
        The file is missing, empty, truncated or corrupt, of the wrong type for its extension, has a
        missing update, or (with ``"raise"``) an invalid geometry. The message names the file and the
        problem.

    Examples
    --------
    >>> frame, meta = read_dataset("US3DE01M/US3DE01M.000")  # doctest: +SKIP
    >>> meta.update_number, len(meta.updates_applied)  # doctest: +SKIP
    (7, 7)
    """
    source = Path(path)
    if invalid_geometry is not None and invalid_geometry not in _POLICIES:
        raise ValueError(f"invalid_geometry must be one of {_POLICIES}, not {invalid_geometry!r}")
    if not source.exists():
        raise IngestError(str(source), "file not found")
    if not source.is_file():
        raise IngestError(str(source), "not a file (use find_datasets() for a folder)")
    if source.stat().st_size == 0:
        raise IngestError(str(source), "empty file (0 bytes)")
    suffix = source.suffix.lower()
    if suffix in CELL_SUFFIXES:
        return _read_s57(source, invalid_geometry or "repair")
    if suffix in GEOPACKAGE_SUFFIXES:
        return _read_ogr_dataset(source, "GeoPackage", invalid_geometry or "raise")
    if suffix in GEOJSON_SUFFIXES:
        return _read_ogr_dataset(source, "GeoJSON", invalid_geometry or "raise")
    if _UPDATE_SUFFIX.match(suffix):
        raise IngestError(str(source), "this is an S-57 update file; read its base cell (.000) instead")
    raise IngestError(
        str(source),
        f"unsupported chart format {suffix or '(no extension)'!r}; expected .000, .gpkg or .geojson",
    )


# -------------------------------------------------------------------------------------------- S-57
def check_iso8211(path: str | Path) -> int:
    """Check that a file is a complete ISO 8211 file (the encoding of S-57) and count its records.

    GDAL reads a truncated cell up to the cut without failing; walking the record lengths written in
    each record leader finds the cut.

    Parameters
    ----------
    path : str or Path
        An S-57 base cell or update file.

    Returns
    -------
    int
        Number of records, the descriptive record included.

    Raises
    ------
    IngestError
        Not an ISO 8211 file, or truncated, or a record leader is corrupt.
    """
    file = Path(path)
    data = file.read_bytes()
    size = len(data)
    if size < 24 or not data[:5].isdigit() or data[6:7] != b"L":
        raise IngestError(
            str(file),
            "not an S-57 file: it does not start with an ISO 8211 descriptive record leader "
            "(the file may be of another type renamed .000)",
        )
    position, records = 0, 0
    while position < size:
        leader = data[position : position + 24]
        if len(leader) < 24:
            raise IngestError(
                str(file),
                f"truncated or corrupt S-57 file: {size - position} stray bytes after record {records}",
            )
        if not leader[:5].isdigit():
            raise IngestError(
                str(file), f"corrupt S-57 file: record {records} at byte {position} has no valid length"
            )
        length = int(leader[:5]) or _length_from_directory(data, position)
        if length < 24:
            raise IngestError(
                str(file), f"corrupt S-57 file: record {records} at byte {position} has length {length}"
            )
        if position + length > size:
            raise IngestError(
                str(file),
                f"truncated S-57 file: record {records} at byte {position} needs {length} bytes but only "
                f"{size - position} remain ({size} bytes in the file); fetch the cell again",
            )
        position += length
        records += 1
    if records < 2:
        raise IngestError(str(file), "S-57 file has no data records (only the descriptive record)")
    return records


def _length_from_directory(data: bytes, position: int) -> int:
    # ISO 8211 allows a 0 record length for long records: the directory gives the field extents.
    leader = data[position : position + 24]
    try:
        base_address = int(leader[12:17])
        size_length, size_position, size_tag = int(leader[20:21]), int(leader[21:22]), int(leader[23:24])
    except ValueError:
        return 0
    entry = size_tag + size_length + size_position
    end, cursor = base_address, position + 24
    while cursor < len(data) and data[cursor] != 0x1E and entry > 0:
        raw = data[cursor : cursor + entry]
        try:
            field_length = int(raw[size_tag : size_tag + size_length])
            field_position = int(raw[size_tag + size_length : entry])
        except ValueError:
            return 0
        end = max(end, base_address + field_position + field_length)
        cursor += entry
    return end


def _read_s57(path: Path, policy: InvalidGeometryPolicy) -> tuple[gpd.GeoDataFrame, CellMetadata]:
    check_iso8211(path)
    updates = find_updates(path)
    for update in updates:
        check_iso8211(update)
    try:
        layers = _list_s57_layers(path)
        if "DSID" not in layers:
            raise IngestError(
                str(path), "not an S-57 cell: GDAL found no DSID (data set identification) record"
            )
        dsid = _read_layer(path, "DSID", read_geometry=False)
    except (DataSourceError, DataLayerError) as exc:
        if updates and _opens_without_updates(path):
            names = ", ".join(update.name for update in updates)
            raise IngestError(
                str(path),
                f"GDAL could not apply the update files ({names}): they may belong to another cell or "
                "edition, or be corrupt. The base cell alone opens; remove or replace the updates",
            ) from exc
        raise IngestError(
            str(path), f"GDAL's S-57 driver could not open the cell ({_gdal_message(exc)})"
        ) from exc
    fields = dsid.iloc[0].to_dict() if len(dsid) else {}
    update_number = _int(fields.get("DSID_UPDN"))
    if updates and update_number != _update_number(updates[-1]):
        raise IngestError(
            str(path),
            f"update files go up to {updates[-1].name} but the cell shows update {update_number} after "
            "applying them; an update is corrupt or belongs to another edition",
        )
    catalogue = Catalogue.load()
    metadata = _metadata(path, fields, catalogue, updates)
    depth_factor = _depth_factor(fields, path)

    parts = []
    for layer in layers:
        if layer in METADATA_LAYERS or layer in PRIMITIVE_LAYERS or layer in COLLECTION_CLASSES:
            continue
        try:
            frame = _read_layer(path, layer)
        except (DataSourceError, DataLayerError) as exc:
            raise IngestError(str(path), f"layer {layer} could not be read: {exc}") from exc
        if not isinstance(frame, gpd.GeoDataFrame) or len(frame) == 0:
            continue
        parts.append(_s57_rows(frame, layer, metadata, catalogue, depth_factor))
    chart = _finish(parts, path, policy)
    counts = chart[COL_CLASS].value_counts(sort=False).to_dict()
    return chart, replace(metadata, feature_counts={str(k): int(v) for k, v in sorted(counts.items())})


def _list_s57_layers(path: Path) -> list[str]:
    """Layer names with maritime's driver options (``list_layers`` takes no open options)."""
    # The only way to pass them is the OGR_S57_OPTIONS config option: set it for the call, then restore
    # the caller's value, so a user setting such as UPDATES=IGNORE cannot hide classes added by updates.
    previous = pyogrio.get_gdal_config_option("OGR_S57_OPTIONS")
    options = ",".join(f"{key}={value}" for key, value in S57_OPEN_OPTIONS.items())
    pyogrio.set_gdal_config_options({"OGR_S57_OPTIONS": options})
    try:
        return [str(name) for name, _ in pyogrio.list_layers(path)]
    finally:
        pyogrio.set_gdal_config_options({"OGR_S57_OPTIONS": previous})


def _gdal_message(exc: Exception) -> str:
    # GDAL appends "It might help to specify the correct driver..." to open failures: not useful here.
    return str(exc).split("; It might help")[0].strip()


def _opens_without_updates(path: Path) -> bool:
    try:
        options = {**S57_OPEN_OPTIONS, "UPDATES": "IGNORE"}
        pyogrio.read_dataframe(path, layer="DSID", read_geometry=False, **options)
    except (DataSourceError, DataLayerError):
        return False
    return True


def _read_layer(path: Path, layer: str, *, read_geometry: bool = True) -> pd.DataFrame:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        frame = pyogrio.read_dataframe(
            path, layer=layer, read_geometry=read_geometry, force_2d=True, **S57_OPEN_OPTIONS
        )
    for warning in caught:
        logger.debug("GDAL on %s layer %s: %s", path.name, layer, warning.message)
    return frame


def _update_number(update: Path) -> int:
    return int(update.suffix[1:])


def _int(value: Any) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    try:
        return int(float(str(value).strip()))
    except (ValueError, OverflowError):
        return None


def _iso_date(value: Any) -> str | None:
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
    if re.fullmatch(r"\d{8}", text):
        return f"{text[:4]}-{text[4:6]}-{text[6:]}"
    return text or None


def _decoded(catalogue: Catalogue, attribute: str, value: Any) -> str | None:
    code = _int(value)
    if code is None:
        return None
    return catalogue.enumeration(attribute).get(code, str(code))


@functools.cache
def _agencies() -> dict[int, tuple[str, str]]:
    # GDAL's s57agencies.csv: "#AgencyID,Token,Code,AgencyName", names with unquoted commas.
    agencies: dict[int, tuple[str, str]] = {}
    try:
        lines = (gdal_catalogue_dir() / "s57agencies.csv").read_text(encoding="latin-1").splitlines()
    except (OSError, FileNotFoundError):
        return agencies
    for line in lines:
        parts = line.split(",", 3)
        if len(parts) == 4 and parts[2].strip().isdigit():
            agencies[int(parts[2])] = (parts[1].strip(), parts[3].strip())
    return agencies


def _agency(value: Any) -> str | None:
    """Producing agency (S-62) as "<name> (<token>, <code>)", or the bare code when unknown.

    Examples: ``"Office of Coast Survey, USA (US, 550)"``, ``"unknown producer (0_, 65534)"``.
    """
    code = _int(value)
    if code is None:
        return None
    known = _agencies().get(code)
    return f"{known[1]} ({known[0]}, {code})" if known else str(code)


def _metadata(
    path: Path, fields: Mapping[str, Any], catalogue: Catalogue, updates: list[Path]
) -> CellMetadata:
    name = str(fields.get("DSID_DSNM") or "").strip()
    digest = hashlib.sha256()
    for file in [path, *updates]:
        digest.update(file.read_bytes())
    return CellMetadata(
        cell=Path(name).stem if name else path.stem,
        source_path=str(path.resolve()),
        edition=_int(fields.get("DSID_EDTN")),
        update_number=_int(fields.get("DSID_UPDN")),
        issue_date=_iso_date(fields.get("DSID_ISDT")),
        update_application_date=_iso_date(fields.get("DSID_UADT")),
        compilation_scale=_int(fields.get("DSPM_CSCL")),
        horizontal_datum=_decoded(catalogue, "HORDAT", fields.get("DSPM_HDAT")),
        vertical_datum=_decoded(catalogue, "VERDAT", fields.get("DSPM_VDAT")),
        sounding_datum=_decoded(catalogue, "VERDAT", fields.get("DSPM_SDAT")),
        producing_agency=_agency(fields.get("DSID_AGEN")),
        updates_applied=tuple(update.name for update in updates),
        file_sha256=digest.hexdigest(),
    )


def _depth_factor(fields: Mapping[str, Any], path: Path) -> float | None:
    unit = _int(fields.get("DSPM_DUNI"))
    if unit is None:
        return 1.0
    factor = _DEPTH_UNITS_TO_M.get(unit)
    if factor is None:
        logger.warning("%s: depth unit DUNI=%s cannot be converted to metres; depth_m left empty", path, unit)
    return factor


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a GDAL value, or None when empty (NaN, "", empty list)."""
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        items = [v for v in items if v is not None]
        return items or None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, (int, bool)):
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    return str(value)


def _typed(acronym: str, value: Any, catalogue: Catalogue) -> Any:
    # GDAL turns an integer column with nulls into floats; S-57 says which attributes are integers.
    if isinstance(value, float) and value.is_integer() and catalogue.attribute_type(acronym) in ("E", "I"):
        return int(value)
    return value


def _attributes(record: Mapping[str, Any], columns: Iterable[str], catalogue: Catalogue) -> dict[str, Any]:
    attrs: dict[str, Any] = {}
    for column in columns:
        value = _plain(record.get(column))
        if value is not None:
            attrs[column] = _typed(column, value, catalogue)
    return attrs


def _s57_rows(
    frame: gpd.GeoDataFrame,
    acronym: str,
    metadata: CellMetadata,
    catalogue: Catalogue,
    depth_factor: float | None,
) -> pd.DataFrame:
    attribute_columns = [c for c in frame.columns if c not in RECORD_FIELDS and c != frame.geometry.name]
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    sounding_index: dict[str, int] = {}
    rows = []
    for record in records:
        attrs = _attributes(record, attribute_columns, catalogue)
        lnam = _plain(record.get("LNAM"))
        if not lnam:
            lnam = f"{_int(record.get('AGEN'))}-{_int(record.get('FIDN'))}-{_int(record.get('FIDS'))}"
        feature_id = str(lnam)
        depth = None
        if acronym == "SOUNDG":
            k = sounding_index.get(feature_id, 0)
            sounding_index[feature_id] = k + 1
            feature_id = f"{feature_id}#{k}"
            depth = _plain(record.get("DEPTH"))
        elif acronym in DEPTH_ATTRIBUTE:
            depth = attrs.get(DEPTH_ATTRIBUTE[acronym])
        rows.append(
            {
                COL_CELL: metadata.cell,
                COL_CLASS: acronym,
                COL_FEATURE_ID: feature_id,
                COL_NAME: attrs.get("OBJNAM"),
                COL_NATIONAL_NAME: attrs.get("NOBJNM"),
                COL_DEPTH_M: _metres(depth, depth_factor),
                COL_ATTRIBUTES: json.dumps(attrs, ensure_ascii=False),
                COL_SCALE: metadata.compilation_scale,
            }
        )
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != COL_GEOMETRY])
    table[COL_GEOMETRY] = frame.geometry.to_numpy()
    return table


def _metres(value: Any, factor: float | None) -> float | None:
    if value is None or factor is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else round(number * factor, 6)


def _finish(parts: list[pd.DataFrame], path: Path, policy: InvalidGeometryPolicy) -> gpd.GeoDataFrame:
    filled = [part for part in parts if len(part)]
    table = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame({c: [] for c in COLUMNS})
    chart = gpd.GeoDataFrame(table, geometry=COL_GEOMETRY, crs=CRS)
    chart = _apply_policy(chart, path, policy)
    chart = chart.sort_values(COL_CLASS, kind="stable").reset_index(drop=True)
    chart[COL_DEPTH_M] = pd.to_numeric(chart[COL_DEPTH_M], errors="coerce").astype("float64")
    chart[COL_SCALE] = pd.array(chart[COL_SCALE], dtype="Int64")
    for column in (COL_CELL, COL_CLASS, COL_FEATURE_ID, COL_NAME, COL_NATIONAL_NAME, COL_ATTRIBUTES):
        chart[column] = chart[column].astype(object).where(chart[column].notna(), None)
    return gpd.GeoDataFrame(chart[list(COLUMNS)], geometry=COL_GEOMETRY, crs=CRS)


def _apply_policy(chart: gpd.GeoDataFrame, path: Path, policy: InvalidGeometryPolicy) -> gpd.GeoDataFrame:
    geometry = chart.geometry.values
    missing = shapely.is_missing(geometry) | shapely.is_empty(geometry)
    if missing.any():
        for _, row in chart[missing].iterrows():
            logger.warning("%s: %s %s has no geometry; skipped", path, row[COL_CLASS], row[COL_FEATURE_ID])
        chart = chart[~missing]
        geometry = chart.geometry.values
    invalid = ~shapely.is_valid(geometry)
    if not invalid.any():
        return chart
    bad = chart[invalid]
    reasons = shapely.is_valid_reason(bad.geometry.values)
    described = []
    for (_, row), reason in zip(bad.iterrows(), reasons, strict=True):
        name = f", {row[COL_NAME]!r}" if row[COL_NAME] else ""
        described.append(f"feature {row[COL_FEATURE_ID]} ({row[COL_CLASS]}{name}): {reason}")
    if policy == "raise":
        more = f" and {len(described) - 3} more" if len(described) > 3 else ""
        raise IngestError(
            str(path),
            f"invalid geometry in {'; '.join(described[:3])}{more}. Fix the data, or read with "
            "invalid_geometry='repair' (shapely.make_valid) or 'skip'",
        )
    for text in described:
        logger.warning(
            "%s: %s; %s", path, text, "repaired with make_valid" if policy == "repair" else "skipped"
        )
    if policy == "skip":
        return chart[~invalid]
    chart = chart.copy()
    chart.loc[invalid, COL_GEOMETRY] = shapely.make_valid(bad.geometry.values)
    return chart


# ------------------------------------------------------------------------------- GeoPackage, GeoJSON
def _read_ogr_dataset(
    path: Path, kind: str, policy: InvalidGeometryPolicy
) -> tuple[gpd.GeoDataFrame, CellMetadata]:
    try:
        layers = [str(name) for name, _ in pyogrio.list_layers(path)]
    except (DataSourceError, DataLayerError) as exc:
        raise IngestError(str(path), f"not a readable {kind} file ({_gdal_message(exc)})") from exc
    catalogue = Catalogue.load()
    fields: dict[str, Any] = {}
    frames: list[tuple[str, gpd.GeoDataFrame]] = []
    for layer in layers:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=layer.upper() != "DSID")
            for warning in caught:
                logger.debug("reading %s layer %s: %s", path.name, layer, warning.message)
        except (DataSourceError, DataLayerError) as exc:
            raise IngestError(str(path), f"{kind} layer {layer!r} could not be read: {exc}") from exc
        if layer.upper() in METADATA_LAYERS:
            fields = frame.iloc[0].to_dict() if len(frame) else {}
            continue
        if layer in PRIMITIVE_LAYERS or not isinstance(frame, gpd.GeoDataFrame):
            logger.debug("%s: layer %s has no geometry; skipped", path, layer)
            continue
        if frame.crs is not None and not frame.crs.equals(CRS):
            frame = frame.to_crs(CRS)
        frames.append((layer, frame))
    metadata = _metadata(path, fields, catalogue, []) if fields else _plain_metadata(path)
    parts = [_generic_rows(frame, layer, metadata, catalogue) for layer, frame in frames if len(frame)]
    chart = _finish(parts, path, policy)
    counts = chart[COL_CLASS].value_counts(sort=False).to_dict()
    return chart, replace(metadata, feature_counts={str(k): int(v) for k, v in sorted(counts.items())})


def _plain_metadata(path: Path) -> CellMetadata:
    return CellMetadata(
        cell=path.stem,
        source_path=str(path.resolve()),
        file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
    )


def _class_of(value: Any, fallback: str, catalogue: Catalogue) -> str:
    plain = _plain(value)
    if plain is None:
        return fallback
    if isinstance(plain, (int, float)) or str(plain).strip().isdigit():
        return catalogue.class_acronym(int(float(plain))) or str(plain)
    text = str(plain).strip()
    return text.upper() if text.upper() in catalogue.classes else text


_MODEL_COLUMNS = frozenset(
    {COL_CELL, COL_FEATURE_ID, COL_NAME, COL_NATIONAL_NAME, COL_DEPTH_M, COL_SCALE, "id"}
)


def _generic_rows(
    frame: gpd.GeoDataFrame, layer: str, metadata: CellMetadata, catalogue: Catalogue
) -> pd.DataFrame:
    class_columns = [c for c in CLASS_COLUMNS if c in frame.columns]
    fallback = layer.upper() if layer.upper() in catalogue.classes else layer
    skip = {frame.geometry.name, *RECORD_FIELDS, *_MODEL_COLUMNS, *CLASS_COLUMNS, COL_ATTRIBUTES}
    attribute_columns = [c for c in frame.columns if c not in skip]
    records = frame.drop(columns=frame.geometry.name).to_dict("records")
    rows, geometries = [], []
    for index, (record, geometry) in enumerate(zip(records, frame.geometry.values, strict=True)):
        given = next((record.get(c) for c in class_columns if _plain(record.get(c)) is not None), None)
        acronym = _class_of(given, fallback, catalogue)
        attrs = _embedded_attributes(record.get(COL_ATTRIBUTES))
        attrs.update(_attributes(record, attribute_columns, catalogue))
        feature_id = _generic_id(record, layer, index)
        name = attrs.get("OBJNAM", _plain(record.get(COL_NAME)))
        national = attrs.get("NOBJNM", _plain(record.get(COL_NATIONAL_NAME)))
        points = _sounding_points(geometry) if acronym == "SOUNDG" else [(geometry, None)]
        for k, (part, z) in enumerate(points):
            depth: Any = None
            if acronym == "SOUNDG":
                depth = z if z is not None else attrs.get("DEPTH", _plain(record.get(COL_DEPTH_M)))
            elif acronym in DEPTH_ATTRIBUTE:
                depth = attrs.get(DEPTH_ATTRIBUTE[acronym])
            rows.append(
                {
                    COL_CELL: metadata.cell,
                    COL_CLASS: acronym,
                    COL_FEATURE_ID: f"{feature_id}#{k}" if len(points) > 1 else feature_id,
                    COL_NAME: name,
                    COL_NATIONAL_NAME: national,
                    COL_DEPTH_M: _metres(depth, 1.0),
                    COL_ATTRIBUTES: json.dumps(attrs, ensure_ascii=False),
                    COL_SCALE: metadata.compilation_scale,
                }
            )
            geometries.append(None if part is None else shapely.force_2d(part))
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != COL_GEOMETRY])
    table[COL_GEOMETRY] = geometries
    return table


def _embedded_attributes(value: Any) -> dict[str, Any]:
    # A frame written back by maritime keeps its S-57 attributes as one JSON column.
    plain = _plain(value)
    if isinstance(plain, str) and plain.startswith("{"):
        try:
            decoded = json.loads(plain)
        except ValueError:
            return {}
        return dict(decoded) if isinstance(decoded, dict) else {}
    return {}


def _generic_id(record: Mapping[str, Any], layer: str, index: int) -> str:
    lnam = _plain(record.get("LNAM"))
    if lnam:
        return str(lnam)
    agen, fidn, fids = (_int(record.get(k)) for k in ("AGEN", "FIDN", "FIDS"))
    if agen is not None and fidn is not None and fids is not None:
        return f"{agen}-{fidn}-{fids}"
    for key in (COL_FEATURE_ID, "id"):
        given = _plain(record.get(key))
        if given is not None:
            return str(given)
    return f"{layer}:{index}"


def _sounding_points(geometry: Any) -> list[tuple[Any, float | None]]:
    if geometry is None or shapely.is_empty(geometry):
        return [(geometry, None)]
    parts = list(geometry.geoms) if geometry.geom_type == "MultiPoint" else [geometry]
    return [(part, float(part.z) if part.has_z else None) for part in parts]


__all__ = [
    "COLLECTION_CLASSES",
    "DATASET_SUFFIXES",
    "METADATA_LAYERS",
    "PRIMITIVE_LAYERS",
    "S57_OPEN_OPTIONS",
    "InvalidGeometryPolicy",
    "check_iso8211",
    "find_datasets",
    "find_updates",
    "read_dataset",
]
