"""Geodesic distances, true bearings and search boxes on the WGS84 ellipsoid.

Everything goes through :class:`pyproj.Geod` (Karney's algorithms, accurate to a few nanometres):
never planar degrees, whose east-west error at 48°N is already a factor of 1.5. Distances are in
international nautical miles (1852 m), bearings in degrees true, clockwise from north, in [0, 360).
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from pyproj import Geod

from maritime.errors import CoordinateError
from maritime.geo.coordinates import Position
from maritime.geo.units import METRES_PER_NM, DistanceError

__all__ = [
    "bbox_around",
    "bearing_deg",
    "destination",
    "distance_bearing",
    "distance_nm",
    "distances_nm",
]

_GEOD = Geod(ellps="WGS84")

#: Slack added to bounding boxes, in degrees (about 0.1 mm): containment must survive rounding.
_BBOX_SLACK_DEG = 1e-9


def _normalise_bearing(azimuth: float) -> float:
    bearing = azimuth % 360.0
    # -1e-15 % 360 is 360.0 in floating point.
    return 0.0 if bearing >= 360.0 else bearing


def distance_bearing(a: Position, b: Position) -> tuple[float, float]:
    """Geodesic distance and initial true bearing from ``a`` to ``b``, in one computation.

    Parameters
    ----------
    a, b : Position
        Start and end.

    Returns
    -------
    tuple of float
        ``(distance_nm, bearing_deg)``; the bearing is 0.0 when ``a`` and ``b`` coincide.

    Examples
    --------
    >>> d, brg = distance_bearing(Position(48.0, -5.0), Position(49.0, -5.0))
    >>> round(d, 2), round(brg, 6)
    (60.04, 0.0)
    """
    azimuth, _, metres = _GEOD.inv(a.lon, a.lat, b.lon, b.lat)
    if metres == 0.0:
        return 0.0, 0.0
    return metres / METRES_PER_NM, _normalise_bearing(azimuth)


def distance_nm(a: Position, b: Position) -> float:
    """Geodesic distance between two positions, in nautical miles.

    Examples
    --------
    >>> round(distance_nm(Position(0.0, 0.0), Position(0.0, 1.0)), 3)  # 1° of the equator
    60.108
    >>> distance_nm(Position(48.0, -5.0), Position(48.0, -5.0))
    0.0
    """
    return distance_bearing(a, b)[0]


def bearing_deg(a: Position, b: Position) -> float:
    """Initial true bearing from ``a`` to ``b``, in degrees [0, 360); 0.0 when they coincide.

    Examples
    --------
    >>> round(bearing_deg(Position(0.0, 0.0), Position(0.0, 1.0)), 6)  # due east
    90.0
    >>> round(bearing_deg(Position(48.0, -4.0), Position(47.0, -4.0)), 6)  # due south
    180.0
    """
    return distance_bearing(a, b)[1]


def destination(a: Position, bearing_deg: float, distance_nm: float) -> Position:
    """Position reached from ``a`` along a geodesic on an initial true bearing.

    Parameters
    ----------
    a : Position
        Start.
    bearing_deg : float
        Initial true bearing, in degrees (any value; taken modulo 360).
    distance_nm : float
        Distance to run, in nautical miles, >= 0.

    Returns
    -------
    Position
        Longitude wrapped to [-180, 180].

    Raises
    ------
    DistanceError
        If the distance is negative or not finite.
    ValueError
        If the bearing is not finite.

    Examples
    --------
    >>> p = destination(Position(48.0, -5.0), 0.0, 60.0)
    >>> round(p.lat, 4), p.lon
    (48.9993, -5.0)
    >>> destination(Position(48.0, -5.0), 123.0, 0.0)
    Position(lat=48.0, lon=-5.0)
    """
    if not math.isfinite(distance_nm) or distance_nm < 0:
        raise DistanceError(f"distance_nm {distance_nm!r} must be a finite number >= 0")
    if not math.isfinite(bearing_deg):
        raise ValueError(f"bearing_deg {bearing_deg!r} must be a finite number")
    if distance_nm == 0:
        return a
    lon, lat, _ = _GEOD.fwd(a.lon, a.lat, bearing_deg, distance_nm * METRES_PER_NM)
    lon = (lon + 180.0) % 360.0 - 180.0 if abs(lon) > 180.0 else lon
    return Position(lat=max(-90.0, min(90.0, lat)), lon=lon)


def distances_nm(origin: Position, lats: npt.ArrayLike, lons: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Geodesic distances from one origin to many points, vectorised, in nautical miles.

    Parameters
    ----------
    origin : Position
    lats, lons : array_like
        Latitudes and longitudes in decimal degrees, of shapes that broadcast together. NaN gives NaN.

    Returns
    -------
    numpy.ndarray
        float64, of the broadcast shape (empty in, empty out).

    Raises
    ------
    CoordinateError
        If a latitude is outside [-90, 90] or a longitude outside [-180, 180].

    Examples
    --------
    >>> distances_nm(Position(0.0, 0.0), [0.0, 1.0], [1.0, 0.0]).round(3)
    array([60.108, 59.705])
    >>> distances_nm(Position(0.0, 0.0), [], [])
    array([], dtype=float64)
    """
    lat_arr, lon_arr = np.broadcast_arrays(
        np.asarray(lats, dtype=np.float64), np.asarray(lons, dtype=np.float64)
    )
    for name, values, limit in (("latitude", lat_arr, 90.0), ("longitude", lon_arr, 180.0)):
        bad = np.abs(values) > limit
        if bad.any():
            index = int(np.flatnonzero(bad)[0])
            raise CoordinateError(
                f"{name} {float(values.flat[index])!r} at flat index {index} is outside "
                f"[-{limit:g}, {limit:g}] ({int(bad.sum())} value(s) out of range)"
            )
    if lat_arr.size == 0:
        return np.zeros(lat_arr.shape, dtype=np.float64)
    flat_lat, flat_lon = lat_arr.ravel(), lon_arr.ravel()
    if flat_lat.size == 1:  # pyproj takes its scalar path for one point; give it scalars
        _, _, one = _GEOD.inv(origin.lon, origin.lat, float(flat_lon[0]), float(flat_lat[0]))
        return (np.array([one], dtype=np.float64) / METRES_PER_NM).reshape(lat_arr.shape)
    _, _, metres = _GEOD.inv(
        np.full(flat_lon.shape, origin.lon), np.full(flat_lat.shape, origin.lat), flat_lon, flat_lat
    )
    return (np.asarray(metres, dtype=np.float64) / METRES_PER_NM).reshape(lat_arr.shape)


def _max_longitude_offset(pos: Position, radius_m: float) -> float:
    """Largest |longitude - pos.lon| on the geodesic circle, for a circle that contains no pole."""

    def offsets(azimuths: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        n = azimuths.size
        lons, _, _ = _GEOD.fwd(np.full(n, pos.lon), np.full(n, pos.lat), azimuths, np.full(n, radius_m))
        return np.asarray((np.asarray(lons) - pos.lon + 180.0) % 360.0 - 180.0, dtype=np.float64)

    # The circle is symmetric about the meridian, so the eastern half suffices. A coarse pass finds the
    # bearing of the extreme, a fine pass around it pins the value (error ~1e-9 of the offset).
    coarse = np.linspace(0.0, 180.0, 361)
    i = int(np.argmax(offsets(coarse)))
    fine = np.linspace(coarse[max(i - 1, 0)], coarse[min(i + 1, coarse.size - 1)], 201)
    return float(offsets(fine).max())


def bbox_around(pos: Position, radius_nm: float) -> tuple[float, float, float, float]:
    """Latitude-longitude box that contains the geodesic circle of ``radius_nm`` around ``pos``.

    Use it to pre-filter candidates (an R-tree, an SQL ``BETWEEN``), then keep those within
    :func:`distances_nm`. Latitudes are clamped to [-90, 90]. When the circle contains a pole, or when
    the box would cross the antimeridian, the full longitude range -180..180 is returned rather than a
    wrapped box.

    Parameters
    ----------
    pos : Position
        Centre.
    radius_nm : float
        Radius in nautical miles, >= 0.

    Returns
    -------
    tuple of float
        ``(min_lat, min_lon, max_lat, max_lon)``.

    Raises
    ------
    DistanceError
        If the radius is negative or not finite.

    Examples
    --------
    >>> [round(v, 4) for v in bbox_around(Position(48.0, -5.0), 60.0)]
    [47.0005, -6.4891, 48.9993, -3.5109]
    >>> bbox_around(Position(48.0, -5.0), 0.0)
    (48.0, -5.0, 48.0, -5.0)
    >>> bbox_around(Position(89.5, 0.0), 60.0)  # contains the pole
    (88.50..., -180.0, 90.0, 180.0)
    >>> bbox_around(Position(0.0, 179.5), 60.0)[1::2]  # would cross the antimeridian
    (-180.0, 180.0)
    """
    if not math.isfinite(radius_nm) or radius_nm < 0:
        raise DistanceError(f"radius_nm {radius_nm!r} must be a finite number >= 0")
    if radius_nm == 0:
        return (pos.lat, pos.lon, pos.lat, pos.lon)
    radius_m = radius_nm * METRES_PER_NM

    # The meridian is the shortest way between two parallels, so the northern and southern extremes of
    # the circle lie on it, unless the circle reaches over a pole.
    _, _, to_north_pole = _GEOD.inv(pos.lon, pos.lat, pos.lon, 90.0)
    _, _, to_south_pole = _GEOD.inv(pos.lon, pos.lat, pos.lon, -90.0)
    covers_pole = radius_m >= to_north_pole or radius_m >= to_south_pole
    if radius_m >= to_north_pole:
        max_lat = 90.0
    else:
        max_lat = min(90.0, _GEOD.fwd(pos.lon, pos.lat, 0.0, radius_m)[1] + _BBOX_SLACK_DEG)
    if radius_m >= to_south_pole:
        min_lat = -90.0
    else:
        min_lat = max(-90.0, _GEOD.fwd(pos.lon, pos.lat, 180.0, radius_m)[1] - _BBOX_SLACK_DEG)
    if covers_pole:
        return (min_lat, -180.0, max_lat, 180.0)

    offset = _max_longitude_offset(pos, radius_m)
    offset += offset * 1e-7 + _BBOX_SLACK_DEG
    min_lon, max_lon = pos.lon - offset, pos.lon + offset
    if min_lon < -180.0 or max_lon > 180.0:
        return (min_lat, -180.0, max_lat, 180.0)
    return (min_lat, min_lon, max_lat, max_lon)
