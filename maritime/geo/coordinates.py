"""Positions as mariners write them, in French and in English: parse, find in free text, format.

A :class:`Position` is (lat, lon) in decimal degrees, WGS84. :meth:`Position.as_lonlat` is the one place
the order is flipped, for GeoJSON and shapely.

Notations read by :func:`parse_position` and :func:`find_positions`:

- degrees, minutes, seconds: ``48°21'30"N 4°33'00"W``; the symbols may be ``° º ˚``, ``' ′ ’`` and
  ``" ″ ” ''``, or plain spaces (``48 21 30 N``);
- degrees and decimal minutes: ``48°21.5'N 4°33'W``, ``48°21,50 N - 004°33,00 O``;
- decimal degrees: ``48.3583 -4.55``, ``48,3583° N 4,55° O``, ``N48.3583 W004.55``.

Hemispheres are the letters N, S, E, W and the French O (*ouest*, west; *est* is east), or the words
north, south, east, west, nord, sud, est, ouest, before or after the numbers, in any case. The letters
fix the order, so ``004°33'W 48°21'N`` is read longitude first. Without letters, only signed decimal
degrees are accepted, latitude first: degrees and minutes without a hemisphere are rejected rather than
guessed. A position is never returned in the wrong hemisphere: missing, doubled or contradictory
hemispheres, and a sign together with a letter, raise :class:`~maritime.errors.CoordinateError`.
Labels (``lat``, ``latitude``, ``lon``, ``long``, ``longitude``) may precede either part.
:func:`find_positions` is stricter than :func:`parse_position`; see its docstring.

Decimal comma rule
------------------
A ``.`` or ``,`` directly between two digits is a decimal mark, and a number has at most one. Any other
comma separates latitude from longitude: a comma followed by a space or a sign, or following a number
that already has its decimal mark. So ``48,3583, -4,55``, ``48,3583,-4,55``, ``48,3583 -4,55`` and
``48.3583, -4.55`` all read 48.3583 / -4.55, while ``48,4`` (one number with a decimal comma, or two
numbers?) is rejected as ambiguous.

A ``-`` is a minus sign when it is directly followed by a digit; it separates latitude from longitude
when it is followed by a space (``48°21,5' N - 004°33,0' O``) or directly follows a hemisphere letter
(``48°21'N-004°33'W``). Dashes ``– — −`` are read as ``-``.
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass
from typing import Literal

from maritime.errors import CoordinateError

__all__ = [
    "Position",
    "PositionMatch",
    "find_positions",
    "format_position",
    "parse_latitude",
    "parse_longitude",
    "parse_position",
]

Axis = Literal["lat", "lon"]

_AXIS_NAME: dict[Axis, str] = {"lat": "latitude", "lon": "longitude"}
_AXIS_LIMIT: dict[Axis, float] = {"lat": 90.0, "lon": 180.0}


# --------------------------------------------------------------------------------------------------
# Position


@dataclass(frozen=True, slots=True)
class Position:
    """A point on the WGS84 ellipsoid, in decimal degrees, latitude first.

    Parameters
    ----------
    lat : float
        Latitude in [-90, 90], positive north.
    lon : float
        Longitude in [-180, 180], positive east.

    Raises
    ------
    CoordinateError
        If a value is not a finite number or is out of range.

    Examples
    --------
    >>> Position(48.358333, -4.55)
    Position(lat=48.358333, lon=-4.55)
    >>> Position(48.358333, -4.55).as_lonlat()
    (-4.55, 48.358333)
    >>> Position(91, 0)
    Traceback (most recent call last):
    ...
    maritime.errors.CoordinateError: latitude 91.0 is outside [-90, 90]
    """

    lat: float
    lon: float

    def __post_init__(self) -> None:
        axes: tuple[Axis, Axis] = ("lat", "lon")
        for axis in axes:
            value = getattr(self, axis)
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise CoordinateError(
                    f"{_AXIS_NAME[axis]} {value!r} is not a number; use parse_position() for text"
                )
            value = float(value)
            if not math.isfinite(value):
                raise CoordinateError(f"{_AXIS_NAME[axis]} {value} is not a finite number")
            limit = _AXIS_LIMIT[axis]
            if abs(value) > limit:
                raise CoordinateError(f"{_AXIS_NAME[axis]} {value} is outside [-{limit:g}, {limit:g}]")
            # Frozen dataclass: normalise int and numpy scalars to a plain float.
            object.__setattr__(self, axis, value)

    def as_lonlat(self) -> tuple[float, float]:
        """Return ``(lon, lat)``, the order of GeoJSON, shapely and pyproj.

        Examples
        --------
        >>> Position(48.5, -4.5).as_lonlat()
        (-4.5, 48.5)
        """
        return (self.lon, self.lat)

    @classmethod
    def from_lonlat(cls, lon: float, lat: float) -> Position:
        """Build a position from ``(lon, lat)`` as found in GeoJSON or shapely.

        Examples
        --------
        >>> Position.from_lonlat(-4.5, 48.5)
        Position(lat=48.5, lon=-4.5)
        """
        return cls(lat=lat, lon=lon)


@dataclass(frozen=True, slots=True)
class PositionMatch:
    """A position found in free text by :func:`find_positions`.

    Attributes
    ----------
    position : Position
        The parsed position.
    start, end : int
        Offsets of the written position in the searched text (``text == source[start:end]``).
    text : str
        The position as written.
    """

    position: Position
    start: int
    end: int
    text: str


# --------------------------------------------------------------------------------------------------
# Grammar
#
# The text is first translated character for character (so offsets stay valid) to ASCII symbols: ° for
# degrees, ' for minutes, " or '' for seconds, - for every dash, a plain space for every space.

_TRANSLATION = str.maketrans(
    {
        "º": "°",
        "˚": "°",
        "′": "'",
        "’": "'",
        "‘": "'",
        "´": "'",
        "ʹ": "'",
        "″": '"',
        "”": '"',
        "“": '"',
        "ʺ": '"',
        "−": "-",
        "‐": "-",
        "‑": "-",
        "‒": "-",
        "–": "-",
        "—": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)

_HEMISPHERES = {
    "n": "N",
    "north": "N",
    "nord": "N",
    "s": "S",
    "south": "S",
    "sud": "S",
    "e": "E",
    "east": "E",
    "est": "E",
    "w": "W",
    "west": "W",
    "o": "W",  # ouest: never east
    "ouest": "W",
}
_HEMI_AXIS: dict[str, Axis] = {"N": "lat", "S": "lat", "E": "lon", "W": "lon"}

_NOT_LETTER_AFTER = r"(?![^\W\d_])"
_WORDS = "north|south|east|west|nord|sud|ouest|est"
# In a whole string any spelling is a hemisphere.
_HEMI_ANY = rf"(?i:{_WORDS}|[nsewo]){_NOT_LETTER_AFTER}"
# In free text, single letters must be capitals and lower-case "est" (French "is") is not east.
_HEMI_TEXT_AFTER = rf"(?:(?i:north|south|east|west|nord|sud|ouest)|E(?i:st)|[NSEWO]){_NOT_LETTER_AFTER}"
# Before the numbers, in free text, only a capital letter (N48°21', W004°33').
_HEMI_TEXT_BEFORE = rf"[NSEWO]{_NOT_LETTER_AFTER}"

_LABEL = r"(?i:latitude|longitude|lat|long|lon|lng)\.?(?!\w)\s*[:=]?\s*"

# Atomic numbers: "48,4" is one number, never "48" then "4".
_INT = r"(?>[0-9]+)"
_DEC = r"(?>[0-9]+(?:[.,][0-9]+)?)"
_DEG_SEP = r"(?:\s*°\s*|\s+)"
_MIN_SEP = r"(?:\s*'(?!')\s*|\s+)"

_SEP = r"(?:\s*(?:[,;/]|-(?=\s)|(?<=[^\W\d_])-)\s*|\s+(?i:et|and)\s+|\s*)"
_SEP_BARE_TEXT = r"(?:\s*[,;/]\s*|\s+)"


def _body(p: str) -> str:
    """Numbers of one component: DMS, DM or DD, each with its own groups."""
    # Atomic: the first reading that fits is kept whole, so a component never ends in the middle of its
    # numbers or before its own symbol ("004°33.000'W" is never cut to "004°" or "004°33").
    return (
        rf"(?>(?P<{p}d1>{_INT}){_DEG_SEP}(?P<{p}m1>{_INT}){_MIN_SEP}(?P<{p}s1>{_DEC})(?:\s*(?:''|\"))?(?!\s*°)"
        # "48-19.4N": the NAVAREA / NGA warnings notation, degrees and minutes joined by a hyphen.
        rf"|(?P<{p}d2>{_INT})(?:{_DEG_SEP}|-(?=[0-9]))(?P<{p}m2>{_DEC})(?:\s*'(?!'))?(?!\s*°)"
        rf"|(?P<{p}d3>{_DEC})(?:\s*°)?)"
    )


def _component(p: str, *, before: str | None, after: str | None, required: bool, sign: bool) -> str:
    """One latitude or longitude, in group ``p``, with its label, hemisphere and sign groups."""
    label = rf"(?:(?P<{p}label>{_LABEL}))?"
    pre = post = ""
    if before is not None:
        pre = rf"(?P<{p}pre>{before})\s*"
        if not required:
            pre = rf"(?:{pre})?"
    if after is not None:
        post = rf"\s*(?P<{p}post>{after})"
        if not required:
            post = rf"(?:{post})?"
    signed = rf"(?P<{p}sign>[+-](?=[0-9]))?" if sign else ""
    return rf"(?P<{p}>{label}{pre}{signed}{_body(p)}{post})"


def _pair(first: str, second: str, sep: str = _SEP) -> str:
    return rf"{first}(?P<sep>{sep}){second}"


# Whole-string patterns, tried in order by parse_position. Letters before the numbers are tried first,
# so that in "N 48°21' W 4°33'" the W is read as the prefix of the longitude.
_PARSE_PATTERNS = tuple(
    re.compile(rf"\s*{_pair(first, second)}\s*")
    for first, second in (
        (
            _component("a", before=_HEMI_ANY, after=None, required=True, sign=True),
            _component("b", before=_HEMI_ANY, after=None, required=True, sign=True),
        ),
        (
            _component("a", before=None, after=_HEMI_ANY, required=True, sign=True),
            _component("b", before=None, after=_HEMI_ANY, required=True, sign=True),
        ),
        (
            _component("a", before=None, after=None, required=True, sign=True),
            _component("b", before=None, after=None, required=True, sign=True),
        ),
        # Lenient: reaches the checks, which then say what is wrong (missing letter, sign and letter...).
        (
            _component("a", before=_HEMI_ANY, after=_HEMI_ANY, required=False, sign=True),
            _component("b", before=_HEMI_ANY, after=_HEMI_ANY, required=False, sign=True),
        ),
    )
)
_AMBIGUOUS_COMMA = re.compile(r"\s*[+-]?[0-9]+,[0-9]+\s*")

_START = r"(?<![\w+\-°'\"])(?<![0-9][.,])"
# Free-text patterns: hemispheres required (prefix or suffix), or decimal degrees with a degree sign.
_FIND_PRE = re.compile(
    _START
    + _pair(
        _component("a", before=_HEMI_TEXT_BEFORE, after=None, required=True, sign=False),
        _component("b", before=_HEMI_TEXT_BEFORE, after=None, required=True, sign=False),
    )
    # "E 48°21'N 004°33'W": the letter after the numbers belongs to them, so this is no prefix notation.
    + rf"(?!\s*{_HEMI_TEXT_BEFORE})"
)
_FIND_POST = re.compile(
    _START
    + _pair(
        _component("a", before=None, after=_HEMI_TEXT_AFTER, required=True, sign=False),
        _component("b", before=None, after=_HEMI_TEXT_AFTER, required=True, sign=False),
    )
)


def _bare_text_component(p: str) -> str:
    # A fraction and a degree sign on both parts, so that bearings ("entre 045° et 090°") are not taken.
    return (
        rf"(?P<{p}>(?:(?P<{p}label>{_LABEL}))?(?P<{p}sign>[+-](?=[0-9]))?"
        rf"(?P<{p}d3>[0-9]+[.,][0-9]+)(?![0-9])\s*°)"
    )


_FIND_BARE = re.compile(
    r"(?<![\w.,])"
    + _pair(_bare_text_component("a"), _bare_text_component("b"), _SEP_BARE_TEXT)
    # A hemisphere after the numbers means another notation ("48.35°, 4.55° W"): not a signed pair. Only
    # lower-case "est" (French "is") may follow.
    + rf"(?!\s*(?:{_HEMI_TEXT_AFTER}|[nsewo]{_NOT_LETTER_AFTER}))"
)
_FIND_PATTERNS = (_FIND_PRE, _FIND_POST, _FIND_BARE)

_SINGLE = re.compile(
    rf"\s*{_component('a', before=_HEMI_ANY, after=_HEMI_ANY, required=False, sign=True)}\s*"
)

_EXAMPLES = "e.g. 48°21.5'N 004°33.0'W, 48°21,5' N - 004°33,0' O or 48.3583, -4.55"


# --------------------------------------------------------------------------------------------------
# From a match to a position


@dataclass(frozen=True, slots=True)
class _Component:
    text: str  # as written, for messages
    hemisphere: str | None  # N, S, E or W
    label: Axis | None
    negative: bool
    degree_sign: bool
    kind: Literal["dms", "dm", "dd"]
    degrees: str
    minutes: str | None
    seconds: str | None

    @property
    def axis(self) -> Axis | None:
        return _HEMI_AXIS[self.hemisphere] if self.hemisphere else self.label


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _component_from(m: re.Match[str], p: str, source: str) -> _Component:
    groups = m.groupdict()
    start, end = m.span(p)
    text = source[start:end].strip()
    pre, post = groups.get(f"{p}pre"), groups.get(f"{p}post")
    if pre and post:
        raise CoordinateError(f'{text} has two hemisphere letters in "{source}"; write one')
    hemi = pre or post
    sign = groups.get(f"{p}sign")
    if sign and hemi:
        raise CoordinateError(
            f'{text} has both a sign and a hemisphere letter in "{source}"; use one or the other'
        )
    label = groups.get(f"{p}label")
    label_axis: Axis | None = None
    if label:
        label_axis = "lat" if label.strip().lower().startswith("lat") else "lon"
    if groups.get(f"{p}d1") is not None:
        kind: Literal["dms", "dm", "dd"] = "dms"
        degrees, minutes, seconds = groups[f"{p}d1"], groups[f"{p}m1"], groups[f"{p}s1"]
    elif groups.get(f"{p}d2") is not None:
        kind, degrees, minutes, seconds = "dm", groups[f"{p}d2"], groups[f"{p}m2"], None
    else:
        kind, degrees, minutes, seconds = "dd", groups[f"{p}d3"], None, None
    hemisphere = _HEMISPHERES[hemi.lower()] if hemi else None
    if hemisphere and label_axis and _HEMI_AXIS[hemisphere] != label_axis:
        raise CoordinateError(
            f"{text} is labelled {_AXIS_NAME[label_axis]} but its hemisphere {hemi} is a "
            f'{_AXIS_NAME[_HEMI_AXIS[hemisphere]]} in "{source}"'
        )
    return _Component(
        text=text,
        hemisphere=hemisphere,
        label=label_axis,
        negative=(hemisphere in ("S", "W")) or sign == "-",
        degree_sign="°" in m.group(p),
        kind=kind,
        degrees=degrees,
        minutes=minutes,
        seconds=seconds,
    )


def _value(c: _Component, axis: Axis, source: str) -> float:
    value = _number(c.degrees)
    for part, divisor, name in ((c.minutes, 60.0, "minutes"), (c.seconds, 3600.0, "seconds")):
        if part is None:
            continue
        number = _number(part)
        if number >= 60:
            raise CoordinateError(f'{name} {part} in {c.text} must be below 60 (in "{source}")')
        value += number / divisor
    limit = _AXIS_LIMIT[axis]
    if value > limit:
        raise CoordinateError(f'{_AXIS_NAME[axis]} {c.text} is outside [-{limit:g}, {limit:g}] in "{source}"')
    return -value if c.negative else value


def _position_from(m: re.Match[str], source: str, *, free_text: bool = False) -> Position:
    a = _component_from(m, "a", source)
    b = _component_from(m, "b", source)
    if free_text:
        for c in (a, b):
            # "3 east", "12 N": a lone whole number is a count or a distance, not a coordinate.
            if c.kind == "dd" and not c.degree_sign and not re.search(r"[.,]", c.degrees):
                raise CoordinateError(f'{c.text} is a whole number without a degree sign in "{source}"')
    if a.hemisphere is None and b.hemisphere is None:
        if a.kind != "dd" or b.kind != "dd":
            raise CoordinateError(
                f'no hemisphere letters in "{source}": degrees and minutes need N/S and E/W (O for ouest); '
                "only signed decimal degrees may omit them"
            )
        # Signed decimal degrees: latitude first, unless labels ("lon -4.55 lat 48.36") say otherwise.
        first: Axis = "lon" if a.label == "lon" or b.label == "lat" else "lat"
        second: Axis = "lat" if first == "lon" else "lon"
        if (a.label or first) != first or (b.label or second) != second:
            raise CoordinateError(f'both parts are labelled {_AXIS_NAME[a.label or first]} in "{source}"')
        lat_c, lon_c = (a, b) if first == "lat" else (b, a)
    else:
        for c in (a, b):
            if c.hemisphere is None:
                raise CoordinateError(
                    f'{c.text} has no hemisphere letter in "{source}": write N/S for a latitude, '
                    "E/W (or O for ouest) for a longitude"
                )
        if a.axis == b.axis:
            name = _AXIS_NAME[a.axis] if a.axis else ""
            raise CoordinateError(
                f'{a.text} and {b.text} are both {name}s in "{source}": one must be a latitude (N/S) and '
                "the other a longitude (E/W, O for ouest)"
            )
        lat_c, lon_c = (a, b) if a.axis == "lat" else (b, a)
    return Position(_value(lat_c, "lat", source), _value(lon_c, "lon", source))


# --------------------------------------------------------------------------------------------------
# Public functions


def _normalise(text: object, what: str) -> str:
    if not isinstance(text, str):
        raise CoordinateError(f"cannot read a {what} in {text!r}: expected a string")
    if not text.strip():
        raise CoordinateError(f'cannot read a {what} in "{text}": the text is empty')
    return text.translate(_TRANSLATION)


def parse_position(text: str) -> Position:
    """Parse one position written by a mariner, in French or English.

    See the module docstring for the notations read and the decimal comma rule.

    Parameters
    ----------
    text : str
        The position alone, e.g. ``"48°21,5' N - 004°33,0' O"``; surrounding spaces are ignored.

    Returns
    -------
    Position

    Raises
    ------
    CoordinateError
        If the text is empty or not a position, if a hemisphere is missing, doubled or contradictory,
        if a sign comes with a letter, if minutes or seconds reach 60, or if a value is out of range.
        The message quotes the text and says what is wrong.

    Examples
    --------
    >>> parse_position("48°21'30\\"N 4°33'00\\"W")
    Position(lat=48.358333333333334, lon=-4.55)
    >>> parse_position("48°21,5' N - 004°33,0' O")  # O is ouest: west
    Position(lat=48.358333333333334, lon=-4.55)
    >>> parse_position("004°33'W 48°21.5'N")  # the letters give the order
    Position(lat=48.358333333333334, lon=-4.55)
    >>> parse_position("48,3583, -4,55")  # decimal commas, then a separating comma
    Position(lat=48.3583, lon=-4.55)
    >>> parse_position("48°21'N 4°33'N")
    Traceback (most recent call last):
    ...
    maritime.errors.CoordinateError: 48°21'N and 4°33'N are both latitudes in "48°21'N 4°33'N": ...
    >>> parse_position("")
    Traceback (most recent call last):
    ...
    maritime.errors.CoordinateError: cannot read a position in "": the text is empty
    """
    normalised = _normalise(text, "position")
    first_error: CoordinateError | None = None
    for pattern in _PARSE_PATTERNS:
        m = pattern.fullmatch(normalised)
        if m is None:
            continue
        try:
            return _position_from(m, text)
        except CoordinateError as exc:
            first_error = first_error or exc
    if first_error is not None:
        raise first_error
    if _AMBIGUOUS_COMMA.fullmatch(normalised):
        raise CoordinateError(
            f'cannot read a position in "{text}": a comma between two digits is a decimal comma, so this is '
            "one number; separate latitude and longitude with a comma and a space, e.g. 48, -4"
        )
    raise CoordinateError(
        f'cannot read a position in "{text}": expected a latitude and a longitude, {_EXAMPLES}'
    )


def _parse_single(text: str, axis: Axis) -> float:
    name = _AXIS_NAME[axis]
    normalised = _normalise(text, name)
    m = _SINGLE.fullmatch(normalised)
    if m is None:
        example = "48°21.5'N" if axis == "lat" else "004°33.0'W"
        raise CoordinateError(f'cannot read a {name} in "{text}", e.g. {example}')
    c = _component_from(m, "a", text)
    if c.axis is None and c.kind != "dd":
        raise CoordinateError(
            f'{name} "{text}" has no hemisphere letter: degrees and minutes need '
            + ("N or S" if axis == "lat" else "E or W (O for ouest)")
        )
    if c.axis is not None and c.axis != axis:
        raise CoordinateError(f'"{text}" is a {_AXIS_NAME[c.axis]}, not a {name}')
    return _value(c, axis, text)


def parse_latitude(text: str) -> float:
    """Parse a latitude alone, in decimal degrees (positive north).

    Examples
    --------
    >>> parse_latitude("48°21,5' N")
    48.358333333333334
    >>> parse_latitude("-12.5")
    -12.5
    >>> parse_latitude("4°33' O")
    Traceback (most recent call last):
    ...
    maritime.errors.CoordinateError: "4°33' O" is a longitude, not a latitude
    """
    return _parse_single(text, "lat")


def parse_longitude(text: str) -> float:
    """Parse a longitude alone, in decimal degrees (positive east; O is ouest, west).

    Examples
    --------
    >>> parse_longitude("004°33,0' O")
    -4.55
    >>> parse_longitude("W004.55")
    -4.55
    """
    return _parse_single(text, "lon")


def find_positions(text: str) -> list[PositionMatch]:
    """Find every position written in free text (sailing directions, notices, regulations).

    In free text a position needs hemisphere letters or words on both parts (``48°21,5' N - 004°32,0'
    O``, ``N48.3583 W004.55``), or decimal degrees with a degree sign on both parts (``48.3583°,
    -4.55°``), so that ordinary numbers ("article 12, 3 milles") and bearings are not taken. Single
    letters must be capitals and the lower-case word "est" (French *is*) is not read as east. Invalid
    candidates (minutes 60, two latitudes...) are skipped, never raised.

    Parameters
    ----------
    text : str
        Any text; may be empty.

    Returns
    -------
    list of PositionMatch
        Non-overlapping matches, in order of appearance; empty if none.

    Examples
    --------
    >>> [m.position for m in find_positions("Le feu du Portzic (48°21,5' N - 004°32,0' O) est blanc.")]
    [Position(lat=48.358333333333334, lon=-4.533333333333333)]
    >>> find_positions("a wreck lies in 48°17.83'N 4°38.10'W, 3 cables off")[0].text
    "48°17.83'N 4°38.10'W"
    >>> find_positions("article 12, 3 milles")
    []
    >>> find_positions("")
    []
    """
    if not isinstance(text, str) or not text:
        return []
    normalised = text.translate(_TRANSLATION)
    scored: list[tuple[tuple[int, int], PositionMatch]] = []
    for pattern in _FIND_PATTERNS:
        pos = 0
        # Every start is tried, so that a reading hidden inside another one ("3 east 48°21'N 4°33'W")
        # is still a candidate.
        while (m := pattern.search(normalised, pos)) is not None:
            pos = m.start() + 1
            try:
                position = _position_from(m, text, free_text=True)
            except CoordinateError:
                continue
            start, end = m.span()
            scored.append((_strength(m), PositionMatch(position, start, end, text[start:end])))
    # Of overlapping readings the strongest wins, then the leftmost, then the longest.
    scored.sort(key=lambda item: (-item[0][0], -item[0][1], item[1].start, item[1].start - item[1].end))
    chosen: list[PositionMatch] = []
    for _, candidate in scored:
        if all(candidate.end <= c.start or candidate.start >= c.end for c in chosen):
            chosen.append(candidate)
    return sorted(chosen, key=lambda c: c.start)


def _strength(m: re.Match[str]) -> tuple[int, int]:
    """How surely a match is one position, to choose between overlapping readings.

    First the number of parts (0-2) written unmistakably as coordinates (a degree sign, a prefix letter,
    minutes), then 1 if both parts share a notation (same kind, same number of decimals), as writers do:
    in "045° W 43°18,0' S 006°08,8' E" the second and third parts make the position.
    """
    groups = m.groupdict()
    marked = sum(
        1 for p in ("a", "b") if "°" in m.group(p) or groups.get(f"{p}pre") or groups.get(f"{p}d3") is None
    )

    def notation(p: str) -> tuple[int, int]:
        last = next(groups[f"{p}{g}"] for g in ("s1", "m2", "d3") if groups.get(f"{p}{g}") is not None)
        kind = next(i for i, g in enumerate(("d1", "d2", "d3")) if groups.get(f"{p}{g}") is not None)
        decimals = len(re.split(r"[.,]", last)[1]) if re.search(r"[.,]", last) else 0
        return kind, decimals

    return marked, int(notation("a") == notation("b"))


# --------------------------------------------------------------------------------------------------
# Formatting

_DEFAULT_DECIMALS = {"dm": 2, "dms": 1, "dd": 5}


def _format_component(value: float, axis: Axis, french: bool, style: str, decimals: int) -> str:
    mark = "," if french else "."
    space = " " if french else ""
    scale = 10**decimals
    # Round once, as an integer count of the last digit shown, so that 59.999' carries into the degree.
    units_per_degree = {"dd": 1, "dm": 60, "dms": 3600}[style] * scale
    total = round(abs(value) * units_per_degree)
    negative = value < 0 and total > 0  # what rounds to zero is written N or E
    if axis == "lat":
        hemi, width = ("S" if negative else "N"), 2
    else:
        hemi, width = (("O" if french else "W") if negative else "E"), 3
    degrees, rest = divmod(total, units_per_degree)
    frac = rest % scale
    fraction = f"{mark}{frac:0{decimals}d}" if decimals else ""
    if style == "dd":
        return f"{degrees}{fraction}°{space}{hemi}"
    if style == "dm":
        return f"{degrees:0{width}d}°{rest // scale:02d}{fraction}'{space}{hemi}"
    minutes, seconds = divmod(rest // scale, 60)
    return f"{degrees:0{width}d}°{minutes:02d}'{seconds:02d}{fraction}\"{space}{hemi}"


def format_position(
    pos: Position, *, language: str = "en", style: str = "dm", decimals: int | None = None
) -> str:
    """Write a position in mariners' notation, in English or French.

    The result is read back by :func:`parse_position` and found by :func:`find_positions`.

    Parameters
    ----------
    pos : Position
    language : {"en", "fr"}
        French uses the decimal comma, O (ouest) for west, a space before the hemisphere and `` - ``
        between latitude and longitude. Regional tags such as ``"fr-FR"`` are accepted.
    style : {"dm", "dms", "dd"}
        Degrees and decimal minutes, degrees-minutes-seconds, or decimal degrees.
    decimals : int, optional
        Decimals of the last unit: minutes for "dm" (default 2), seconds for "dms" (default 1), degrees
        for "dd" (default 5). Three decimals of minutes resolve 0.06 arc-seconds.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        For an unknown language or style, or negative decimals.

    Examples
    --------
    >>> p = Position(48.358333, -4.55)
    >>> format_position(p)
    "48°21.50'N 004°33.00'W"
    >>> format_position(p, language="fr")
    "48°21,50' N - 004°33,00' O"
    >>> format_position(p, style="dms")
    '48°21\\'30.0"N 004°33\\'00.0"W'
    >>> format_position(p, language="fr", style="dd")
    '48,35833° N - 4,55000° O'
    >>> format_position(Position(47.9999999, 0.0))  # rounding carries into the degrees
    "48°00.00'N 000°00.00'E"
    """
    lang = re.split(r"[-_]", language.strip().lower(), maxsplit=1)[0]
    if lang not in ("en", "fr"):
        raise ValueError(f"language {language!r} is not supported; use 'en' or 'fr'")
    if style not in _DEFAULT_DECIMALS:
        raise ValueError(f"style {style!r} is not supported; use 'dm', 'dms' or 'dd'")
    if decimals is None:
        decimals = _DEFAULT_DECIMALS[style]
    if isinstance(decimals, bool) or not isinstance(decimals, int) or decimals < 0:
        raise ValueError(f"decimals {decimals!r} must be a non-negative integer")
    french = lang == "fr"
    lat = _format_component(pos.lat, "lat", french, style, decimals)
    lon = _format_component(pos.lon, "lon", french, style, decimals)
    return f"{lat} - {lon}" if french else f"{lat} {lon}"
