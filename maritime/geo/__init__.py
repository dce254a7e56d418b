"""Pure geo layer: positions as mariners write them (FR/EN), distance units, WGS84 geodesy.

No Haystack, no Gradio: plain functions over :class:`Position` (lat, lon), usable anywhere.

Examples
--------
>>> from maritime.geo import parse_position, format_position, distance_nm
>>> portzic = parse_position("48°21,5' N - 004°32,0' O")
>>> format_position(portzic)
"48°21.50'N 004°32.00'W"
"""

from __future__ import annotations

from maritime.geo.coordinates import (
    Position,
    PositionMatch,
    find_positions,
    format_position,
    parse_latitude,
    parse_longitude,
    parse_position,
)
from maritime.geo.geodesy import (
    bbox_around,
    bearing_deg,
    destination,
    distance_bearing,
    distance_nm,
    distances_nm,
)
from maritime.geo.units import (
    CABLE_NM,
    METRES_PER_CABLE,
    METRES_PER_FATHOM,
    METRES_PER_FOOT,
    METRES_PER_KM,
    METRES_PER_NM,
    DistanceError,
    from_metres,
    m_to_nm,
    nm_to_m,
    parse_distance,
    to_metres,
)

__all__ = [
    "CABLE_NM",
    "METRES_PER_CABLE",
    "METRES_PER_FATHOM",
    "METRES_PER_FOOT",
    "METRES_PER_KM",
    "METRES_PER_NM",
    "DistanceError",
    "Position",
    "PositionMatch",
    "bbox_around",
    "bearing_deg",
    "destination",
    "distance_bearing",
    "distance_nm",
    "distances_nm",
    "find_positions",
    "format_position",
    "from_metres",
    "m_to_nm",
    "nm_to_m",
    "parse_distance",
    "parse_latitude",
    "parse_longitude",
    "parse_position",
    "to_metres",
]
