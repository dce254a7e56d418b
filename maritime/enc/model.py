"""The shape of chart features as maritime keeps them, shared by the reader and the ChartStore.

A dataset (an S-57 cell with its updates applied, a GeoPackage or a GeoJSON file) becomes one
GeoDataFrame in EPSG:4326 with one row per feature (one row per sounding for SOUNDG) and these columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CRS = "EPSG:4326"

#: Dataset (cell) name, e.g. "US3DE01M".
COL_CELL = "cell"
#: S-57 object class acronym, e.g. "LIGHTS".
COL_CLASS = "object_class"
#: Stable identifier in the dataset: LNAM, else "FIDN-FIDS" (or the row number for non-S-57 data).
COL_FEATURE_ID = "feature_id"
#: OBJNAM, or None.
COL_NAME = "name"
#: NOBJNM (national-language name), or None.
COL_NATIONAL_NAME = "national_name"
#: Depth in metres for SOUNDG points (the sounding), WRECKS/OBSTRN/UWTROC (VALSOU) and DEPARE (DRVAL1).
COL_DEPTH_M = "depth_m"
#: Raw S-57 attributes of the feature as a JSON object string (acronym -> value; lists as JSON lists).
COL_ATTRIBUTES = "attributes"
#: Compilation scale of the dataset (CSCL), repeated per row so a merged frame can prefer larger scales.
COL_SCALE = "scale"
COL_GEOMETRY = "geometry"

COLUMNS = (
    COL_CELL,
    COL_CLASS,
    COL_FEATURE_ID,
    COL_NAME,
    COL_NATIONAL_NAME,
    COL_DEPTH_M,
    COL_ATTRIBUTES,
    COL_SCALE,
    COL_GEOMETRY,
)


@dataclass(frozen=True)
class CellMetadata:
    """What a hydrographer asks about a dataset before trusting it."""

    cell: str
    source_path: str
    edition: int | None = None
    update_number: int | None = None
    issue_date: str | None = None
    update_application_date: str | None = None
    compilation_scale: int | None = None
    horizontal_datum: str | None = None
    vertical_datum: str | None = None
    sounding_datum: str | None = None
    producing_agency: str | None = None
    updates_applied: tuple[str, ...] = field(default_factory=tuple)
    feature_counts: dict[str, int] = field(default_factory=dict)
    file_sha256: str | None = None
