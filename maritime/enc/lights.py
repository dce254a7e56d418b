"""Light characteristics in chart notation, and light sectors.

Style (one, used everywhere in maritime), after IHO INT 1 / S-4 section P with spaces instead of the
dots some charts print::

    [n ][Dir |Aero ]<character>[(<group>)]<colours> <period>s <height>m <range>M[ (vert)|(hor)]

- the colour letters follow a closing parenthesis directly and are otherwise separated by a space:
  ``Fl(2)WR 10s 28m 20M``, ``Fl G 4s``, ``Q R``, ``Mo(A)W 8s``, ``Q(6)+LFl W 15s``;
- a single-flash group ``(1)`` is not written, white is always written (``Fl W 5s``), missing parts are
  left out, numbers carry no trailing zero (``2.5s``, ``47.5m``, ``18M``);
- no period for a fixed light nor for a continuous quick, very quick or ultra quick light (``Q R``),
  as in INT 1: their SIGPER (often 1s in ENCs) is not a period a mariner times;
- ``n`` is MLTYLT when greater than one; ``Dir`` / ``Aero`` come from CATLIT 1 / 5; ``(vert)`` /
  ``(hor)`` from CATLIT 20 / 19.

Sector limits SECTR1 and SECTR2 are, as in S-57, true bearings of the light *seen from seaward*, the
sector running clockwise from SECTR1 to SECTR2.

This module is pure: it imports no GDAL, geopandas, Haystack nor Gradio.

Examples
--------
>>> characteristic({"LITCHR": 2, "SIGGRP": "(2)", "COLOUR": ["1", "3"], "SIGPER": 10,
...                 "HEIGHT": 28, "VALNMR": 20})
'Fl(2)WR 10s 28m 20M'
>>> sector_contains(100, 130, 295)
True
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from maritime.enc.catalogue import Catalogue

#: LITCHR code -> abbreviation (IHO INT 1, P 10). Composite characters use "+" between the parts.
LITCHR_ABBREVIATIONS: dict[int, str] = {
    1: "F",
    2: "Fl",
    3: "LFl",
    4: "Q",
    5: "VQ",
    6: "UQ",
    7: "Iso",
    8: "Oc",
    9: "IQ",
    10: "IVQ",
    11: "IUQ",
    12: "Mo",
    13: "FFl",
    14: "Fl+LFl",
    15: "Oc+Fl",
    16: "FLFl",
    17: "Al.Oc",
    18: "Al.LFl",
    19: "Al.Fl",
    20: "Al.Fl",
    25: "Q+LFl",
    26: "VQ+LFl",
    27: "UQ+LFl",
    28: "Al",
    29: "F+Al.Fl",
}

#: COLOUR code -> letter(s) used in a light characteristic.
COLOUR_ABBREVIATIONS: dict[int, str] = {
    1: "W",
    2: "B",
    3: "R",
    4: "G",
    5: "Bu",
    6: "Y",
    7: "Gy",
    8: "Br",
    9: "Am",
    10: "Vi",
    11: "Or",
    12: "Mag",
    13: "Pk",
}

_GROUP = re.compile(r"\(([^()]*)\)")
#: Characters without a period in chart notation when not grouped: F, Q, VQ, UQ.
_CONTINUOUS = frozenset({1, 4, 5, 6})


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    return True


def _number(value: Any) -> float | None:
    if not _present(value):
        return None
    try:
        number = float(str(value).strip().replace(",", "."))
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _codes(value: Any) -> list[int]:
    if not _present(value):
        return []
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, (list, tuple, set)):
        items = list(value)
    elif hasattr(value, "tolist"):  # numpy scalars and arrays
        converted = value.tolist()
        items = converted if isinstance(converted, list) else [converted]
    else:
        items = [value]
    codes = []
    for item in items:
        try:
            codes.append(int(float(str(item).strip())))
        except (ValueError, OverflowError):  # "", "INF", "nan"...
            continue
    return codes


def _fmt(value: float, language: str = "en") -> str:
    text = str(int(value)) if float(value).is_integer() else f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if language == "fr" else text


def _bearing(value: float, language: str = "en") -> str:
    """A bearing written the nautical way, three digits: 7 -> "007", 127.5 -> "127.5" ("127,5" in French)."""
    value = value % 360.0
    whole = int(value)
    text = f"{whole:03d}" if float(value).is_integer() else f"{whole:03d}" + _fmt(value - whole, language)[1:]
    return text


def _groups(siggrp: Any) -> list[str]:
    if not _present(siggrp):
        return []
    return [g.strip() for g in _GROUP.findall(str(siggrp))]


def _with_group(abbreviation: str, group: str | None) -> str:
    if group is None or group in ("", "1"):
        return abbreviation
    return f"{abbreviation}({group})"


def _character(litchr: int | None, groups: list[str]) -> str:
    if litchr is None:
        return ""
    abbreviation = LITCHR_ABBREVIATIONS.get(litchr, "")
    if not abbreviation:
        return ""
    if "+" in abbreviation:
        parts = abbreviation.split("+")
        return "+".join(
            _with_group(part, groups[i] if i < len(groups) else None) for i, part in enumerate(parts)
        )
    if abbreviation == "Mo":
        # Morse code letters are the group and always written: Mo(A).
        return f"Mo({groups[0]})" if groups and groups[0] else "Mo"
    return _with_group(abbreviation, groups[0] if groups else None)


def characteristic(attrs: Mapping[str, Any]) -> str:
    """Light characteristic in chart notation from a LIGHTS feature's S-57 attributes.

    Parameters
    ----------
    attrs : Mapping[str, Any]
        Raw S-57 attributes as the reader keeps them (LITCHR, SIGGRP, COLOUR, SIGPER, HEIGHT, VALNMR,
        and CATLIT, MLTYLT when present). Numbers may be given as numbers or strings; COLOUR and
        CATLIT as lists or comma-separated strings.

    Returns
    -------
    str
        E.g. ``"Fl(2)WR 10s 28m 20M"``; ``""`` when nothing describes the light.

    Examples
    --------
    >>> characteristic({"LITCHR": "2", "SIGGRP": "(1)", "COLOUR": "4", "SIGPER": 4.0})
    'Fl G 4s'
    >>> characteristic({"LITCHR": 12, "SIGGRP": "(A)", "COLOUR": ["1"], "SIGPER": 8})
    'Mo(A)W 8s'
    >>> characteristic({})
    ''
    """
    litchr_number = _number(attrs.get("LITCHR"))
    litchr = int(litchr_number) if litchr_number is not None else None
    groups = _groups(attrs.get("SIGGRP"))
    character = _character(litchr, groups)
    colours = "".join(COLOUR_ABBREVIATIONS.get(code, "") for code in _codes(attrs.get("COLOUR")))
    catlit = set(_codes(attrs.get("CATLIT")))

    prefix = []
    multiplicity = _number(attrs.get("MLTYLT"))
    if multiplicity is not None and multiplicity > 1:
        prefix.append(_fmt(multiplicity))
    if 1 in catlit:
        prefix.append("Dir")
    if 5 in catlit:
        prefix.append("Aero")

    if character and colours:
        head = f"{character}{colours}" if character.endswith(")") else f"{character} {colours}"
    else:
        head = character or colours
    parts = [*prefix, head] if head else list(prefix)
    continuous = litchr in _CONTINUOUS and (not groups or groups[0] in ("", "1"))
    for key, unit in (("SIGPER", "s"), ("HEIGHT", "m"), ("VALNMR", "M")):
        value = None if key == "SIGPER" and continuous else _number(attrs.get(key))
        if value is not None:
            parts.append(f"{_fmt(value)}{unit}")
    if 20 in catlit:
        parts.append("(vert)")
    elif 19 in catlit:
        parts.append("(hor)")
    return " ".join(parts)


def sectors(attrs: Mapping[str, Any]) -> tuple[float, float] | None:
    """Sector limits (SECTR1, SECTR2) of a sector light, or None for an all-round light.

    Examples
    --------
    >>> sectors({"SECTR1": 351.0, "SECTR2": 127.0})
    (351.0, 127.0)
    >>> sectors({"SECTR1": None, "SECTR2": 127.0}) is None
    True
    """
    first, second = _number(attrs.get("SECTR1")), _number(attrs.get("SECTR2"))
    if first is None or second is None:
        return None
    return first, second


def sector_contains(sectr1: float, sectr2: float, bearing_from_light_deg: float) -> bool:
    """Whether an observer on ``bearing_from_light_deg`` (true, from the light) sees this sector.

    S-57 gives sector limits as bearings *towards* the light from seaward, clockwise from SECTR1 to
    SECTR2; the observer sees the light on the reciprocal of their bearing from it. Limits are
    inclusive; equal limits (or 0 and 360) mean all round. The 360° wrap is handled.

    Parameters
    ----------
    sectr1, sectr2 : float
        Sector limits in degrees.
    bearing_from_light_deg : float
        True bearing from the light to the observer, degrees.

    Returns
    -------
    bool

    Examples
    --------
    >>> sector_contains(351, 127, 180)   # light seen on 000°, inside 351°-127°
    True
    >>> sector_contains(351, 127, 0)     # light seen on 180°
    False
    """
    seen_on = (bearing_from_light_deg + 180.0) % 360.0
    width = (sectr2 - sectr1) % 360.0
    if math.isclose(width, 0.0, abs_tol=1e-9):
        return True
    return (seen_on - sectr1) % 360.0 <= width + 1e-9


_WORDS = {
    "en": {"sector": "sector", "directional": "directional on", "period": "period"},
    "fr": {"sector": "secteur", "directional": "direction", "period": "période"},
}


def describe_light(attrs: Mapping[str, Any], language: str = "en") -> str:
    """One line describing a light: characteristic, sector, direction, category and status.

    Parameters
    ----------
    attrs : Mapping[str, Any]
        Raw S-57 attributes of a LIGHTS feature.
    language : str
        ``"en"`` or ``"fr"``.

    Returns
    -------
    str
        E.g. ``"Fl(2)WR 10s 28m 20M, red sector 100°–130°"`` or, in French,
        ``"Fl(2)WR 10s 28m 20M, secteur rouge 100°–130°"``; the name (OBJNAM, or NOBJNM in French when
        given) leads when present. ``""`` for an empty mapping.

    Examples
    --------
    >>> describe_light({"LITCHR": 2, "COLOUR": ["3"], "SIGPER": 10, "SECTR1": 100, "SECTR2": 130}, "fr")
    'Fl R 10s, secteur rouge 100°–130°'
    >>> describe_light({})
    ''
    """
    language = language if language in _WORDS else "en"
    words = _WORDS[language]
    catalogue = Catalogue.load()
    parts = []
    text = characteristic(attrs)
    if text:
        parts.append(text)

    limits = sectors(attrs)
    if limits is not None:
        colour_codes = _codes(attrs.get("COLOUR"))
        colour = (
            catalogue.decode_value("COLOUR", [str(c) for c in colour_codes], language) if colour_codes else ""
        )
        span = f"{_bearing(limits[0], language)}°–{_bearing(limits[1], language)}°"
        if language == "fr":
            parts.append(" ".join(p for p in (words["sector"], colour, span) if p))
        else:
            parts.append(" ".join(p for p in (colour, words["sector"], span) if p))

    orientation = _number(attrs.get("ORIENT"))
    if orientation is not None:
        parts.append(f"{words['directional']} {_bearing(orientation, language)}°")

    catlit = [str(c) for c in _codes(attrs.get("CATLIT")) if c not in (1, 5, 19, 20)]
    if catlit:
        parts.append(catalogue.decode_value("CATLIT", catlit, language))
    status = [str(c) for c in _codes(attrs.get("STATUS")) if c != 1]
    if status:
        parts.append(catalogue.decode_value("STATUS", status, language))
    exclit = _codes(attrs.get("EXCLIT"))
    if exclit and exclit[0] in (2, 3):
        parts.append(catalogue.decode_value("EXCLIT", [str(exclit[0])], language))

    description = ", ".join(parts)
    name = attrs.get("NOBJNM") if language == "fr" and _present(attrs.get("NOBJNM")) else attrs.get("OBJNAM")
    if _present(name):
        return f"{name}: {description}" if description else str(name)
    return description


__all__ = [
    "COLOUR_ABBREVIATIONS",
    "LITCHR_ABBREVIATIONS",
    "characteristic",
    "describe_light",
    "sector_contains",
    "sectors",
]
