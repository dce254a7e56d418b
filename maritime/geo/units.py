"""Distance units of nautical publications, in French and English.

The nautical mile is 1852 m (international, 1929) and the cable a tenth of it, 185.2 m, as on SHOM and
UKHO charts (not the 720 ft US cable). The fathom is 6 ft, 1.8288 m; the French *brasse* is read as
the fathom, as in translations of Admiralty charts (the old French brasse of 1.624 m is not supported).

Unit names are case-insensitive except one: ``M`` is the nautical mile (SHOM, IHO S-4) and ``m`` the
metre. ``mile``/``miles`` alone are nautical miles, as everywhere at sea.
"""

from __future__ import annotations

import re

from maritime.errors import MaritimeError

__all__ = [
    "CABLE_NM",
    "METRES_PER_CABLE",
    "METRES_PER_FATHOM",
    "METRES_PER_FOOT",
    "METRES_PER_KM",
    "METRES_PER_NM",
    "DistanceError",
    "from_metres",
    "m_to_nm",
    "nm_to_m",
    "parse_distance",
    "to_metres",
]

#: International nautical mile, in metres.
METRES_PER_NM = 1852.0
#: One cable (encablure), in nautical miles.
CABLE_NM = 0.1
#: One cable, in metres: CABLE_NM * METRES_PER_NM, written out to avoid 185.20000000000002.
METRES_PER_CABLE = 185.2
#: International foot, in metres.
METRES_PER_FOOT = 0.3048
#: Fathom (brasse): 6 ft, in metres.
METRES_PER_FATHOM = 1.8288
#: Kilometre, in metres.
METRES_PER_KM = 1000.0


class DistanceError(MaritimeError, ValueError):
    """A distance or a unit could not be read, or a distance is negative where it cannot be."""


_METRES_PER_UNIT = {
    "nm": METRES_PER_NM,
    "cable": METRES_PER_CABLE,
    "m": 1.0,
    "km": METRES_PER_KM,
    "ft": METRES_PER_FOOT,
    "fathom": METRES_PER_FATHOM,
}

_ALIASES = {
    "nm": (
        "nm",
        "nmi",
        "mile",
        "miles",
        "nautical mile",
        "nautical miles",
        "sea mile",
        "sea miles",
        "mille",
        "milles",
        "mille marin",
        "milles marins",
        "mille nautique",
        "milles nautiques",
    ),
    "cable": ("cable", "cables", "cbl", "cbls", "encablure", "encablures", "encâblure", "encâblures"),
    "m": ("m", "metre", "metres", "meter", "meters", "mètre", "mètres"),
    "km": ("km", "kilometre", "kilometres", "kilometer", "kilometers", "kilomètre", "kilomètres"),
    "ft": ("ft", "foot", "feet", "pied", "pieds"),
    "fathom": ("fathom", "fathoms", "fm", "fms", "ftm", "brasse", "brasses"),
}
_UNIT_KEYS = {alias: key for key, aliases in _ALIASES.items() for alias in aliases}
_KNOWN = "M, NM, milles, nautical miles, cables, encablures, m, km, ft, fathoms, brasses"


def _unit_key(unit: str) -> str:
    cleaned = " ".join(unit.split()).rstrip(".")
    if cleaned == "M":
        return "nm"
    key = _UNIT_KEYS.get(cleaned.lower())
    if key is None:
        raise DistanceError(f"unknown distance unit {unit!r}; use one of {_KNOWN}")
    return key


def to_metres(value: float, unit: str) -> float:
    """Convert a distance in ``unit`` to metres.

    Parameters
    ----------
    value : float
        The distance in ``unit``.
    unit : str
        Any name accepted by :func:`parse_distance`: "M", "NM", "milles", "cables", "km", "ft"...

    Returns
    -------
    float
        Metres.

    Raises
    ------
    DistanceError
        For an unknown unit.

    Examples
    --------
    >>> to_metres(2, "cables")
    370.4
    >>> to_metres(1, "M"), to_metres(1, "m")
    (1852.0, 1.0)
    """
    return float(value) * _METRES_PER_UNIT[_unit_key(unit)]


def from_metres(metres: float, unit: str) -> float:
    """Convert metres to ``unit`` (see :func:`to_metres`).

    Examples
    --------
    >>> from_metres(1852, "NM")
    1.0
    >>> from_metres(3.6576, "brasses")
    2.0
    """
    return float(metres) / _METRES_PER_UNIT[_unit_key(unit)]


def nm_to_m(nm: float) -> float:
    """Nautical miles to metres.

    Examples
    --------
    >>> nm_to_m(0.5)
    926.0
    """
    return nm * METRES_PER_NM


def m_to_nm(m: float) -> float:
    """Metres to nautical miles.

    Examples
    --------
    >>> m_to_nm(3704)
    2.0
    """
    return m / METRES_PER_NM


_DISTANCE = re.compile(
    r"\s*(?P<sign>[-+−])?\s*"
    # 1 852 (thin or non-breaking spaces too), 0,5, 1.5, .5
    r"(?P<value>[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+(?:[.,][0-9]+)?|[0-9]+(?:[.,][0-9]+)?|[.,][0-9]+)"
    r"\s*(?P<unit>[^\W\d_][^\W\d]*(?:\s+[^\W\d_]+)?)?\s*\.?\s*"
)


def parse_distance(text: str) -> float:
    """Read a distance as written in sailing directions or notices, and return it in metres.

    Parameters
    ----------
    text : str
        A number (decimal point or decimal comma) and a unit, e.g. "3 M", "0,5 mille", "2 encablures",
        "5 NM", "1.5 km", "10 ft", "3 brasses", "1 852 m".

    Returns
    -------
    float
        Metres.

    Raises
    ------
    DistanceError
        If the text is empty, has no number or no unit, an unknown unit, or a negative value.

    Examples
    --------
    >>> parse_distance("3 M")
    5556.0
    >>> parse_distance("0,5 mille")
    926.0
    >>> parse_distance("2 encablures")
    370.4
    >>> parse_distance("200 m")
    200.0
    >>> parse_distance("3 furlongs")
    Traceback (most recent call last):
    ...
    maritime.geo.units.DistanceError: cannot read a distance in "3 furlongs": unknown unit "furlongs"; ...
    """
    if not isinstance(text, str):
        raise DistanceError(f"cannot read a distance in {text!r}: expected a string")
    if not text.strip():
        raise DistanceError(f'cannot read a distance in "{text}": the text is empty')
    m = _DISTANCE.fullmatch(text)
    if m is None:
        raise DistanceError(f'cannot read a distance in "{text}": expected a number and a unit, e.g. 3 M')
    unit = m.group("unit")
    if not unit:
        raise DistanceError(f'cannot read a distance in "{text}": the unit is missing ({_KNOWN})')
    if m.group("sign") in ("-", "−"):
        raise DistanceError(f'cannot read a distance in "{text}": a distance cannot be negative')
    value = float(re.sub(r"[ \u00a0\u202f]", "", m.group("value")).replace(",", "."))
    try:
        return to_metres(value, unit)
    except DistanceError:
        raise DistanceError(
            f'cannot read a distance in "{text}": unknown unit "{unit}"; use one of {_KNOWN}'
        ) from None
