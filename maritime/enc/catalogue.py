"""The S-57 object catalogue: acronyms and codes turned into words, in English and French.

English names come from the S-57 catalogue tables that GDAL ships (``s57objectclasses.csv``,
``s57attributes.csv``, ``s57expectedinput.csv``), read from the copy inside the installed ``pyogrio``
wheel so that the names always match the reader. French names, enumeration meanings and search
keywords are maritime's own, in ``maritime/data/s57_fr.csv`` (columns ``kind``, ``acronym``, ``code``,
``fr``, ``keywords``; ``kind`` is ``class``, ``attribute`` or ``value``).

This module is pure: it imports neither GDAL nor geopandas.

Examples
--------
>>> cat = Catalogue.load()
>>> cat.class_name("WRECKS", "fr")
'épave'
>>> cat.decode_value("COLOUR", "1,3", "fr")
'blanc, rouge'
>>> cat.classes_for_word("feux")
['LIGHTS']
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import math
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maritime.text import fold

#: Languages the catalogue speaks. Anything else falls back to English.
LANGUAGES = ("en", "fr")

#: Name of the French table shipped in ``maritime/data``.
FRENCH_TABLE = Path(__file__).resolve().parents[1] / "data" / "s57_fr.csv"

#: Codes of the standard S-57 edition 3.1 tables; GDAL's files append Inland-ENC and AML extensions
#: (codes >= 17000, lower-case acronyms) that ENCs do not use.
_MAX_STANDARD_CODE = 16999

#: Keys the reader stores in ``attributes`` that are feature-to-feature links, not S-57 attributes.
LINK_KEYS = frozenset({"LNAM_REFS", "FFPT_RIND"})

#: Attribute types (S-57 Appendix A): enumerated (E) and list (L) values are coded.
CODED_TYPES = frozenset({"E", "L"})

# Units shown after a decoded value, per language. Depths and heights are metres in an ENC (DUNI/HUNI=1).
_UNITS: dict[str, tuple[str, str]] = {
    "HEIGHT": ("m", "m"),
    "ELEVAT": ("m", "m"),
    "VERLEN": ("m", "m"),
    "VERCLR": ("m", "m"),
    "VERCCL": ("m", "m"),
    "VERCOP": ("m", "m"),
    "VERCSA": ("m", "m"),
    "HORCLR": ("m", "m"),
    "HORLEN": ("m", "m"),
    "HORWID": ("m", "m"),
    "VALSOU": ("m", "m"),
    "DRVAL1": ("m", "m"),
    "DRVAL2": ("m", "m"),
    "VALDCO": ("m", "m"),
    "SOUACC": ("m", "m"),
    "BURDEP": ("m", "m"),
    "VERACC": ("m", "m"),
    "HORACC": ("m", "m"),
    "DEPTH": ("m", "m"),
    "VALNMR": ("M", "M"),
    "SIGPER": ("s", "s"),
    "ORIENT": ("°", "°"),
    "SECTR1": ("°", "°"),
    "SECTR2": ("°", "°"),
    "VALMAG": ("°", "°"),
    "CURVEL": ("kn", "nd"),
}

_ARTICLES = frozenset({"le", "la", "les", "l", "un", "une", "des", "du", "de", "d", "the", "a", "an"})


@dataclass(frozen=True)
class ObjectClass:
    """One S-57 object class (feature, meta, collection or cartographic)."""

    code: int
    acronym: str
    name_en: str
    name_fr: str | None = None
    primitives: tuple[str, ...] = ()
    attributes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Attribute:
    """One S-57 attribute with, for coded types, its enumeration in both languages."""

    code: int
    acronym: str
    name_en: str
    name_fr: str | None = None
    type: str = "S"
    values_en: Mapping[int, str] = field(default_factory=dict)
    values_fr: Mapping[int, str] = field(default_factory=dict)


def gdal_catalogue_dir() -> Path:
    """Return the folder holding GDAL's S-57 CSV tables inside the installed ``pyogrio`` wheel.

    The package is located without importing it (``importlib.util.find_spec``), so this module stays
    free of GDAL at import time. ``GDAL_DATA`` is used when the wheel carries no data folder.

    Returns
    -------
    Path
        A folder containing ``s57objectclasses.csv``.

    Raises
    ------
    FileNotFoundError
        When no folder with the S-57 tables can be found.
    """
    candidates: list[Path] = []
    spec = importlib.util.find_spec("pyogrio")
    if spec is not None and spec.submodule_search_locations:
        candidates += [Path(p) / "gdal_data" for p in spec.submodule_search_locations]
    if os.environ.get("GDAL_DATA"):
        candidates.append(Path(os.environ["GDAL_DATA"]))
    for folder in candidates:
        if (folder / "s57objectclasses.csv").is_file():
            return folder
    raise FileNotFoundError(
        "GDAL's S-57 tables (s57objectclasses.csv) were not found in the pyogrio wheel nor in GDAL_DATA; "
        "reinstall pyogrio or set GDAL_DATA"
    )


def _read_csv(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # GDAL's s57expectedinput.csv is Latin-1 ("moiré effect").
        text = raw.decode("latin-1")
    return list(csv.DictReader(io.StringIO(text)))


def _code(value: str | None) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def normalize_words(text: str) -> str:
    """Fold a word or phrase for lookup: lower case, no accents, no punctuation, singular tokens.

    The same folding is applied to the catalogue's names and to the query, so plural and accented
    forms meet (``"Bouées"`` and ``"bouee"`` both give ``"bouee"``).

    Parameters
    ----------
    text : str
        A word or short phrase in French or English.

    Returns
    -------
    str
        Space-separated folded tokens; ``""`` for an empty or punctuation-only input.

    Examples
    --------
    >>> normalize_words("Feux")
    'feu'
    >>> normalize_words("Épaves")
    'epave'
    >>> normalize_words("")
    ''
    """
    tokens = re.split(r"[^a-z0-9]+", fold(text))
    return " ".join(_singular(t) for t in tokens if t)


def _singular(token: str) -> str:
    if len(token) <= 3:
        return token
    for plural, singular in (("eaux", "eau"), ("eux", "eu"), ("aux", "al"), ("ies", "y")):
        if token.endswith(plural):
            return token[: -len(plural)] + singular
    if token.endswith(("s", "x")) and not token.endswith("ss"):
        return token[:-1]
    return token


def _format_number(value: float, language: str) -> str:
    text = f"{value:.6f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))
    return text.replace(".", ",") if language == "fr" else text


def _split_coded(raw: Any) -> list[str]:
    if isinstance(raw, str):
        return [part.strip() for part in raw.split(",") if part.strip()]
    if isinstance(raw, Iterable):
        return [str(part).strip() for part in raw if str(part).strip()]
    return [str(raw).strip()]


def _is_empty(raw: Any) -> bool:
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    if isinstance(raw, str):
        return raw.strip() == ""
    if isinstance(raw, (list, tuple)):
        return len(raw) == 0
    return False


class Catalogue:
    """Object classes and attributes of S-57, with English and French names.

    Build it with :meth:`load` (cached); the constructor takes already parsed tables.

    Parameters
    ----------
    classes : Mapping[str, ObjectClass]
        Object classes by acronym.
    attributes : Mapping[str, Attribute]
        Attributes by acronym.
    """

    def __init__(self, *, classes: Mapping[str, ObjectClass], attributes: Mapping[str, Attribute]) -> None:
        self.classes: dict[str, ObjectClass] = dict(classes)
        self.attributes: dict[str, Attribute] = dict(attributes)
        self._class_by_code = {c.code: c.acronym for c in self.classes.values()}
        self._attribute_by_code = {a.code: a.acronym for a in self.attributes.values()}
        self._exact: dict[str, set[str]] = {}
        self._head: dict[str, set[str]] = {}
        for oc in self.classes.values():
            names = [oc.acronym, oc.name_en, *(n for n in (oc.name_fr,) if n), *oc.keywords]
            if ", " in oc.name_en:  # "Buoy, lateral" is also "lateral buoy"
                head, _, rest = oc.name_en.partition(", ")
                names.append(f"{rest} {head}")
            for name in names:
                folded = normalize_words(name)
                if folded:
                    self._exact.setdefault(folded, set()).add(oc.acronym)
            for heading in (oc.name_en, oc.name_fr or ""):
                folded = normalize_words(heading)
                if folded:
                    self._head.setdefault(folded.split()[0], set()).add(oc.acronym)

    # ----------------------------------------------------------------------------------------- loading
    @classmethod
    def load(cls, data_dir: str | Path | None = None, french_table: str | Path | None = None) -> Catalogue:
        """Load the catalogue (cached per pair of paths).

        Parameters
        ----------
        data_dir : str or Path, optional
            Folder with GDAL's ``s57objectclasses.csv``, ``s57attributes.csv`` and
            ``s57expectedinput.csv``; by default the copy inside the installed ``pyogrio`` wheel.
        french_table : str or Path, optional
            maritime's French table; by default ``maritime/data/s57_fr.csv``.

        Returns
        -------
        Catalogue
            The same object for the same paths.
        """
        folder = Path(data_dir) if data_dir is not None else gdal_catalogue_dir()
        french = Path(french_table) if french_table is not None else FRENCH_TABLE
        return _load_cached(str(folder.resolve()), str(french.resolve()))

    # ----------------------------------------------------------------------------------------- classes
    def class_name(self, acronym: str, language: str = "en") -> str:
        """Name of an object class, e.g. ``"Wreck"`` / ``"épave"``; the acronym itself when unknown.

        A class without a French name falls back to its English name.
        """
        oc = self.classes.get(acronym.upper()) if acronym else None
        if oc is None:
            return acronym
        if language == "fr" and oc.name_fr:
            return oc.name_fr
        return oc.name_en

    def class_acronym(self, code: int | str) -> str | None:
        """Acronym of the object class with numeric code ``code`` (OBJL), e.g. 75 -> ``"LIGHTS"``."""
        number = _code(str(code))
        return None if number is None else self._class_by_code.get(number)

    def classes_for_word(self, word: str) -> list[str]:
        """Object classes a French or English word or phrase refers to.

        Matching is accent- and case-insensitive and plural-tolerant. A phrase that is the name (or a
        keyword) of one or more classes returns exactly those; otherwise a word that heads class names
        (``"bouée"`` heads ``"bouée latérale"``, ``"bouée cardinale"``...) returns all of them.

        Parameters
        ----------
        word : str
            E.g. ``"feux"``, ``"wrecks"``, ``"bouées"``, ``"zone de mouillage"``.

        Returns
        -------
        list of str
            Sorted acronyms; empty when nothing matches or ``word`` is empty.

        Examples
        --------
        >>> Catalogue.load().classes_for_word("Épaves")
        ['WRECKS']
        >>> Catalogue.load().classes_for_word("")
        []
        """
        folded = normalize_words(word or "")
        tokens = folded.split()
        while len(tokens) > 1 and tokens[0] in _ARTICLES:
            tokens = tokens[1:]
        if not tokens:
            return []
        phrase = " ".join(tokens)
        if phrase in self._exact:
            return sorted(self._exact[phrase])
        if len(tokens) == 1:
            return sorted(self._head.get(tokens[0], set()))
        return []

    # -------------------------------------------------------------------------------------- attributes
    def attribute_name(self, acronym: str, language: str = "en") -> str:
        """Name of an attribute, e.g. ``"Colour"`` / ``"couleur"``; the acronym itself when unknown."""
        attribute = self.attributes.get(acronym.upper()) if acronym else None
        if attribute is None:
            return acronym
        if language == "fr" and attribute.name_fr:
            return attribute.name_fr
        return attribute.name_en

    def attribute_type(self, acronym: str) -> str | None:
        """S-57 type letter of an attribute (E, L, I, F, A, S), or None when unknown."""
        attribute = self.attributes.get(acronym.upper())
        return attribute.type if attribute else None

    def enumeration(self, acronym: str, language: str = "en") -> dict[int, str]:
        """Code -> meaning of an enumerated or list attribute (French falls back to English per code)."""
        attribute = self.attributes.get(acronym.upper())
        if attribute is None:
            return {}
        meanings = dict(attribute.values_en)
        if language == "fr":
            meanings.update(attribute.values_fr)
        return meanings

    def decode_value(self, attr_acronym: str, raw_value: Any, language: str = "en") -> str:
        """Turn a raw attribute value into words.

        Parameters
        ----------
        attr_acronym : str
            Attribute acronym, e.g. ``"COLOUR"``.
        raw_value : Any
            As GDAL gives it: ``"1,3"``, ``["1", "3"]``, ``3``, ``12.5``, ``"Le Four"``; None or an empty
            list gives ``""``.
        language : str
            ``"en"`` or ``"fr"``.

        Returns
        -------
        str
            For coded attributes the meanings joined with ``", "`` (an unknown code is kept as is); for
            numbers the value with its unit where the attribute has one (French uses a decimal comma);
            otherwise the text.

        Examples
        --------
        >>> cat = Catalogue.load()
        >>> cat.decode_value("COLOUR", ["1", "3"], "en")
        'white, red'
        >>> cat.decode_value("HEIGHT", 12.5, "fr")
        '12,5 m'
        >>> cat.decode_value("COLOUR", None)
        ''
        """
        if _is_empty(raw_value):
            return ""
        acronym = attr_acronym.upper()
        attribute = self.attributes.get(acronym)
        if attribute is not None and attribute.type in CODED_TYPES:
            meanings = self.enumeration(acronym, language)
            words = []
            for item in _split_coded(raw_value):
                number = _code(item)
                words.append(meanings.get(number, item) if number is not None else item)
            return ", ".join(words)
        if isinstance(raw_value, bool):
            return str(raw_value)
        if isinstance(raw_value, (int, float)):
            text = _format_number(float(raw_value), language)
            unit = _UNITS.get(acronym)
            if unit is None:
                return text
            symbol = unit[1] if language == "fr" else unit[0]
            return f"{text}{symbol}" if symbol == "°" else f"{text} {symbol}"
        if isinstance(raw_value, (list, tuple)):
            return ", ".join(str(v) for v in raw_value)
        return str(raw_value)

    def decode_attributes(self, attrs: Mapping[str, Any], language: str = "en") -> dict[str, str]:
        """Decode a feature's attributes: human attribute name -> human value.

        Empty values and feature-to-feature links (``LNAM_REFS``, ``FFPT_RIND``) are left out. Order
        follows ``attrs``.

        Examples
        --------
        >>> Catalogue.load().decode_attributes({"CATWRK": 2, "VALSOU": 4.2}, "fr")
        {"catégorie d'épave": 'épave dangereuse', 'valeur de la sonde': '4,2 m'}
        >>> Catalogue.load().decode_attributes({})
        {}
        """
        decoded: dict[str, str] = {}
        for acronym, raw in attrs.items():
            if acronym.upper() in LINK_KEYS or _is_empty(raw):
                continue
            name = self.attribute_name(acronym, language)
            if name in decoded:
                name = f"{name} ({acronym})"
            decoded[name] = self.decode_value(acronym, raw, language)
        return decoded


@functools.lru_cache(maxsize=4)
def _load_cached(folder: str, french: str) -> Catalogue:
    base = Path(folder)
    fr_classes: dict[str, tuple[str, tuple[str, ...]]] = {}
    fr_attributes: dict[str, str] = {}
    fr_values: dict[str, dict[int, str]] = {}
    if Path(french).is_file():
        for row in _read_csv(Path(french)):
            kind = (row.get("kind") or "").strip()
            acronym = (row.get("acronym") or "").strip().upper()
            text = (row.get("fr") or "").strip()
            if not acronym or not text:
                continue
            if kind == "class":
                keywords = tuple(k.strip() for k in (row.get("keywords") or "").split(";") if k.strip())
                fr_classes[acronym] = (text, keywords)
            elif kind == "attribute":
                fr_attributes[acronym] = text
            elif kind == "value":
                number = _code(row.get("code"))
                if number is not None:
                    fr_values.setdefault(acronym, {})[number] = text

    classes: dict[str, ObjectClass] = {}
    for row in _read_csv(base / "s57objectclasses.csv"):
        number = _code(row.get("Code"))
        acronym = (row.get("Acronym") or "").strip()
        if number is None or not 0 < number <= _MAX_STANDARD_CODE or not acronym:
            continue
        attrs = ";".join(row.get(k) or "" for k in ("Attribute_A", "Attribute_B", "Attribute_C"))
        name_fr, keywords = fr_classes.get(acronym, (None, ()))
        classes[acronym] = ObjectClass(
            code=number,
            acronym=acronym,
            name_en=" ".join((row.get("ObjectClass") or acronym).split()),
            name_fr=name_fr,
            primitives=tuple(p for p in (row.get("Primitives") or "").split(";") if p),
            attributes=tuple(a for a in attrs.split(";") if a),
            keywords=keywords,
        )

    values_en: dict[int, dict[int, str]] = {}
    for row in _read_csv(base / "s57expectedinput.csv"):
        attribute_code, value_code = _code(row.get("Code")), _code(row.get("ID"))
        meaning = " ".join((row.get("Meaning") or "").split())
        if attribute_code is not None and value_code is not None and meaning:
            values_en.setdefault(attribute_code, {})[value_code] = meaning

    attributes: dict[str, Attribute] = {}
    for row in _read_csv(base / "s57attributes.csv"):
        number = _code(row.get("Code"))
        acronym = (row.get("Acronym") or "").strip()
        if number is None or not 0 < number <= _MAX_STANDARD_CODE or not acronym:
            continue
        attributes[acronym] = Attribute(
            code=number,
            acronym=acronym,
            name_en=" ".join((row.get("Attribute") or acronym).split()),
            name_fr=fr_attributes.get(acronym),
            type=(row.get("Attributetype") or "S").strip(),
            values_en=values_en.get(number, {}),
            values_fr=fr_values.get(acronym, {}),
        )
    return Catalogue(classes=classes, attributes=attributes)


__all__ = [
    "CODED_TYPES",
    "LANGUAGES",
    "LINK_KEYS",
    "Attribute",
    "Catalogue",
    "ObjectClass",
    "gdal_catalogue_dir",
    "normalize_words",
]
