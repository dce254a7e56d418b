"""Gazetteer: place names from the charts (OBJNAM, NOBJNM) and from the place lists a user ingests.

Names are matched without accents and case, in French and in English: generic words have one key in
both languages ("Goulet de Brest" and "Brest Narrows" share the key {brest, narrows}; "Baie de Seine"
and "Seine Bay" too), articles and prepositions (de, la, l', the, of ...) are ignored, and a word may
be misspelt (difflib ratio >= 0.8) or cut short (a prefix of four letters or more).

Place lists (CSV, UTF-8 with or without BOM) read by :func:`read_place_list`:

- NGA World Port Index (Pub 150): ``Main Port Name``, ``Alternate Port Name`` (``;``-separated),
  ``Latitude``, ``Longitude``; object class ``PORT``.
- IHO-IOC GEBCO gazetteer of undersea feature names: ``Specific Term``, ``Generic Term``,
  ``Coordinates`` (WKT); the name is "<specific> <generic>", object class ``UNDERSEA``.
- Any CSV with a name column (``name``/``nom``), ``lat``/``latitude`` and ``lon``/``longitude``
  (decimal degrees, or mariners' notation such as ``48°21,5'N``), optional alternative names
  (``alt_names``, ``other_names``, ``alternative_names``, ``autres_noms``; ``;`` or ``|`` separated) and
  an optional ``class``/``type`` column (default ``PLACE``).

The gazetteer is kept with the ChartStore (``gazetteer.parquet``) and rebuilt for a cell each time the
cell is ingested.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import difflib
import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely import wkt
from shapely.geometry import Point
from shapely.geometry.base import BaseGeometry

from maritime.enc import model
from maritime.errors import CoordinateError, IngestError
from maritime.geo.coordinates import Position, parse_latitude, parse_longitude
from maritime.text import fold as fold_text

#: File of the gazetteer in the chart store folder.
GAZETTEER_FILE = "gazetteer.parquet"
#: Object class given to World Port Index entries.
CLASS_PORT = "PORT"
#: Object class given to GEBCO undersea feature names.
CLASS_UNDERSEA = "UNDERSEA"
#: Object class of entries of a generic place list without a class column.
CLASS_PLACE = "PLACE"

_COLUMNS = ("name", "other_names", "object_class", "cell", "source", "lat", "lon", "details", "geometry")

#: Words left out of name keys (French and English articles and prepositions).
STOP_WORDS = frozenset(
    [
        "de",
        "du",
        "des",
        "la",
        "le",
        "les",
        "l",
        "d",
        "et",
        "en",
        "au",
        "aux",
        "a",
        "the",
        "of",
        "and",
        "at",
        "on",
        "in",
        "by",
        "to",
    ]
)

#: Generic words of place names, French and English, folded to one key per meaning.
GENERIC_WORDS: Mapping[str, str | None] = {
    **dict.fromkeys(["goulet", "narrows"], "narrows"),
    **dict.fromkeys(["baie", "bay"], "bay"),
    **dict.fromkeys(["anse", "cove"], "cove"),
    **dict.fromkeys(["cap", "cape"], "cape"),
    **dict.fromkeys(["pointe", "point", "pte", "pt"], "point"),
    **dict.fromkeys(["ile", "isle", "island"], "island"),
    **dict.fromkeys(["iles", "isles", "islands"], "islands"),
    **dict.fromkeys(["ilot", "islet"], "islet"),
    **dict.fromkeys(["roche", "rocher", "rock"], "rock"),
    **dict.fromkeys(["roches", "rochers", "rocks"], "rocks"),
    **dict.fromkeys(["banc", "bank"], "bank"),
    **dict.fromkeys(["bancs", "banks"], "banks"),
    **dict.fromkeys(["recif", "reef"], "reef"),
    **dict.fromkeys(["chenal", "channel"], "channel"),
    **dict.fromkeys(["rade", "roads", "roadstead"], "roads"),
    **dict.fromkeys(["harbour", "harbor"], "harbor"),
    **dict.fromkeys(["phare", "lighthouse"], "lighthouse"),
    **dict.fromkeys(["feu", "light"], "light"),
    **dict.fromkeys(["riviere", "fleuve", "river"], "river"),
    **dict.fromkeys(["dorsale", "ride", "ridge"], "ridge"),
    **dict.fromkeys(["fosse", "trench"], "trench"),
    **dict.fromkeys(["bassin", "basin"], "basin"),
    **dict.fromkeys(["mont", "mount", "mt"], "mount"),
    **dict.fromkeys(["mer", "sea"], "sea"),
    **dict.fromkeys(["golfe", "gulf"], "gulf"),
    **dict.fromkeys(["detroit", "strait"], "strait"),
    **dict.fromkeys(["passe", "pass"], "pass"),
    **dict.fromkeys(["lac", "lake"], "lake"),
    **dict.fromkeys(["bouee", "buoy"], "buoy"),
    **dict.fromkeys(["mouillage", "anchorage"], "anchorage"),
    **dict.fromkeys(["entree", "entrance"], "entrance"),
    **dict.fromkeys(["jetee", "jetty"], "jetty"),
    **dict.fromkeys(["digue", "breakwater"], "breakwater"),
    **dict.fromkeys(["nord", "north"], "north"),
    **dict.fromkeys(["sud", "south"], "south"),
    **dict.fromkeys(["est", "east"], "east"),
    **dict.fromkeys(["ouest", "west"], "west"),
    **dict.fromkeys(["saint", "sainte", "st", "ste"], "saint"),
    **dict.fromkeys(["port", "seamount", "canyon", "plateau", "shoal", "guyot", "knoll", "hill"], None),
}
_GENERIC_KEYS = frozenset(v for v in GENERIC_WORDS.values() if v) | frozenset(
    k for k, v in GENERIC_WORDS.items() if v is None
)

_WORD = re.compile(r"\w+", re.UNICODE)
_MAX_SPAN_TOKENS = 8


def fold(text: str) -> str:
    """Lower-case, accent-free, punctuation-free form of a name.

    >>> fold("Île-d'Ouessant  ")
    'ile d ouessant'
    >>> fold("")
    ''
    """
    return " ".join(_WORD.findall(fold_text(text).replace("_", " ")))


def _canonical(token: str) -> str:
    key = GENERIC_WORDS.get(token, token)
    return token if key is None else key


def name_key(text: str) -> tuple[str, ...]:
    """The words of a name that matter, generic words in their shared FR/EN form, sorted.

    >>> name_key("Goulet de Brest") == name_key("Brest Narrows")
    True
    >>> name_key("the")
    ()
    """
    return tuple(sorted(_canonical(t) for t in fold(text).split() if t not in STOP_WORDS))


def _weight(token: str) -> float:
    """Generic words ("bay", "port") count less than the specific ones when names are compared."""
    return 0.3 if token in _GENERIC_KEYS else 1.0


def _tokens(text: str) -> list[str]:
    return [_canonical(t) for t in fold(text).split() if t not in STOP_WORDS]


@dataclass(frozen=True)
class GazetteerHit:
    """A named place and how well it matched.

    Attributes
    ----------
    name:
        Main name (OBJNAM for a chart feature).
    other_names:
        Other names (NOBJNM, alternative names of a list).
    object_class:
        S-57 acronym for chart features; ``PORT``, ``UNDERSEA`` or the list's class otherwise.
    cell:
        Dataset of a chart feature; None for a place list entry.
    geometry:
        Geometry in lon/lat (EPSG:4326).
    position:
        A representative position (the point itself, or a point inside the area/on the line).
    score:
        1.0 for an exact (accent- and case-insensitive) name, less for a partial or fuzzy match.
    source:
        Cell name or place list name.
    details:
        A few fields of the place list (country, UN/LOCODE, sailing directions ...).
    """

    name: str
    other_names: tuple[str, ...]
    object_class: str
    cell: str | None
    geometry: BaseGeometry = field(compare=False)
    position: Position
    score: float
    source: str = ""
    details: Mapping[str, str] = field(default_factory=dict, compare=False)


def _empty_frame() -> gpd.GeoDataFrame:
    data: dict[str, Any] = {c: pd.Series(dtype=object) for c in _COLUMNS if c != "geometry"}
    data["lat"] = pd.Series(dtype=float)
    data["lon"] = pd.Series(dtype=float)
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=model.CRS), crs=model.CRS)


# --------------------------------------------------------------------------------------------------
# place lists

_NAME_COLS = ("name", "nom", "place", "place_name", "toponym", "toponyme")
_LAT_COLS = ("lat", "latitude")
_LON_COLS = ("lon", "lng", "long", "longitude")
_ALT_COLS = (
    "alt_names",
    "alternative_names",
    "alternate_names",
    "other_names",
    "autres_noms",
    "noms_alternatifs",
    "aliases",
)
_PORT_OF = re.compile(r"^port (?:of|du|de la|de|des) (.+)$", re.IGNORECASE)
_CLASS_COLS = ("class", "object_class", "type", "kind", "categorie", "category")


def _header_kind(header: Iterable[str]) -> str | None:
    cols = {h.strip().lower().lstrip("\ufeff") for h in header}
    if {"specific term", "generic term", "coordinates"} <= cols:
        return "gebco"
    if {"main port name", "latitude", "longitude"} <= cols:
        return "wpi"
    if cols & set(_NAME_COLS) and cols & set(_LAT_COLS) and cols & set(_LON_COLS):
        return "generic"
    return None


def is_place_list(path: Path) -> bool:
    """True when ``path`` is a CSV place list this module can read (see the module docstring)."""
    if path.suffix.lower() != ".csv" or not path.is_file():
        return False
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            header = next(csv.reader(fh), [])
    except (OSError, UnicodeDecodeError, csv.Error):
        return False
    return _header_kind(header) is not None


def _coordinate(text: str, axis: str) -> float:
    raw = (text or "").strip()
    try:
        return float(raw.replace(",", ".") if raw.count(",") == 1 and "." not in raw else raw)
    except ValueError:
        parse = parse_latitude if axis == "lat" else parse_longitude
        return parse(raw)


def _split_names(text: str | None) -> list[str]:
    if not text or not text.strip():
        return []
    return [n.strip() for n in re.split(r"[;|]", text) if n.strip()]


def read_place_list(path: Path) -> list[dict[str, Any]]:
    """Read a CSV place list into gazetteer records (name, other_names, object_class, geometry, details).

    Rows without a name or a valid position are left out.

    Raises
    ------
    IngestError
        The file is not a known place list, or holds no usable row.
    """
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise IngestError(str(path), f"cannot read the CSV: {exc}") from exc
    header = list(rows[0].keys()) if rows else []
    kind = _header_kind(header)
    if kind is None:
        raise IngestError(str(path), "not a place list: expected name, lat and lon columns (or WPI/GEBCO)")
    lower = {h.strip().lower(): h for h in header}

    def col(options: Iterable[str]) -> str | None:
        return next((lower[o] for o in options if o in lower), None)

    records: list[dict[str, Any]] = []
    for row in rows:
        try:
            if kind == "gebco":
                specific = (row[lower["specific term"]] or "").strip()
                generic = (row[lower["generic term"]] or "").strip()
                name = f"{specific} {generic}".strip()
                geometry = wkt.loads(row[lower["coordinates"]])
                others: list[str] = []
                cls = CLASS_UNDERSEA
                details = {"generic_term": generic} if generic else {}
            else:
                if kind == "wpi":
                    name_col, lat_col, lon_col = (
                        lower["main port name"],
                        lower["latitude"],
                        lower["longitude"],
                    )
                    alt_col, cls_col = lower.get("alternate port name"), None
                else:
                    name_col, lat_col, lon_col = col(_NAME_COLS), col(_LAT_COLS), col(_LON_COLS)
                    alt_col, cls_col = col(_ALT_COLS), col(_CLASS_COLS)
                name = (row[name_col or ""] or "").strip()
                lat = _coordinate(row[lat_col or ""], "lat")
                lon = _coordinate(row[lon_col or ""], "lon")
                Position(lat, lon)
                geometry = Point(lon, lat)
                others = _split_names(row.get(alt_col)) if alt_col else []
                short = _PORT_OF.match(name) if kind == "wpi" else None
                if short:  # "Port Of Le Havre" is written "Le Havre" in text
                    others.append(short.group(1))
                default_cls = CLASS_PORT if kind == "wpi" else CLASS_PLACE
                cls = ((row.get(cls_col) or "").strip() if cls_col else "") or default_cls
                details = {}
                if kind == "wpi":
                    for key in (
                        "Country Code",
                        "UN/LOCODE",
                        "Region Name",
                        "Sailing Direction or Publication",
                    ):
                        value = (row.get(lower.get(key.lower(), key)) or "").strip()
                        if value:
                            details[key] = value
        except (CoordinateError, ValueError, KeyError, shapely.errors.GEOSException):
            continue
        if not name or geometry is None or geometry.is_empty:
            continue
        records.append(
            {
                "name": name,
                "other_names": [n for n in others if n != name],
                "object_class": cls,
                "geometry": geometry,
                "details": details,
            }
        )
    if not records:
        raise IngestError(str(path), "the place list holds no row with a name and a valid position")
    return records


# --------------------------------------------------------------------------------------------------
# the gazetteer


@dataclass
class _Lookup:
    variant_entry: list[int]
    variant_fold: list[str]
    variant_tokens: list[tuple[str, ...]]
    exact: dict[str, list[int]]
    keys: dict[tuple[str, ...], list[int]]
    token_index: dict[str, list[int]]
    vocab: list[str]  # sorted
    max_tokens: int


class Gazetteer:
    """Names of places, searchable without accents, case or exact spelling, in French and English.

    >>> gaz = Gazetteer()
    >>> gaz.add_records([{"name": "Goulet de Brest", "other_names": ["Brest Narrows"],
    ...                   "object_class": "SEAARE", "geometry": Point(-4.58, 48.34)}], source="demo")
    1
    >>> gaz.lookup("goulet")[0].name
    'Goulet de Brest'
    >>> gaz.lookup("")
    []
    """

    def __init__(self, entries: gpd.GeoDataFrame | None = None, folder: Path | None = None) -> None:
        self.folder = folder
        self._entries = _empty_frame() if entries is None else entries.reset_index(drop=True)
        self._lookup: _Lookup | None = None

    @classmethod
    def load(cls, folder: Path) -> Gazetteer:
        """The gazetteer saved in ``folder`` (empty when there is none yet)."""
        path = Path(folder) / GAZETTEER_FILE
        entries = gpd.read_parquet(path) if path.exists() else None
        return cls(entries, Path(folder))

    def save(self) -> None:
        """Write the gazetteer to its folder (atomically); a gazetteer without a folder is not saved."""
        if self.folder is None:
            return
        path = self.folder / GAZETTEER_FILE
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=self.folder)
        os.close(fd)
        try:
            self._entries.to_parquet(tmp, index=False)
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def entries(self) -> gpd.GeoDataFrame:
        """All entries (name, other_names as JSON, object_class, cell, source, lat, lon, details, geometry)."""
        return self._entries.copy()

    # ---------------------------------------------------------------- building

    def _drop(self, mask: pd.Series) -> int:
        dropped = int(mask.sum())
        if dropped:
            self._entries = self._entries[~mask].reset_index(drop=True)
            self._lookup = None
        return dropped

    def remove_source(self, source: str) -> int:
        """Drop the entries of a place list (not those of a chart cell); return how many were dropped."""
        return self._drop((self._entries["source"] == source) & self._entries["cell"].isna())

    def remove_cell(self, cell: str) -> int:
        """Drop the names of a chart cell; return how many were dropped."""
        return self._drop(self._entries["cell"] == cell)

    def add_records(
        self, records: Iterable[Mapping[str, Any]], *, source: str, cell: str | None = None
    ) -> int:
        """Replace the entries of a place list ``source`` (or of the chart ``cell``) with ``records``
        (dicts with name, other_names, object_class, geometry and optional details); return the number
        of entries added."""
        if cell is None:
            self.remove_source(source)
        else:
            self.remove_cell(cell)
        rows = []
        for rec in records:
            geom = rec["geometry"]
            if geom is None or geom.is_empty:
                continue
            rep = geom if geom.geom_type == "Point" else geom.representative_point()
            rows.append(
                {
                    "name": str(rec["name"]),
                    "other_names": json.dumps(list(rec.get("other_names") or []), ensure_ascii=False),
                    "object_class": str(rec.get("object_class") or CLASS_PLACE),
                    "cell": cell,
                    "source": source,
                    "lat": float(rep.y),
                    "lon": float(rep.x),
                    "details": json.dumps(dict(rec.get("details") or {}), ensure_ascii=False),
                    "geometry": geom,
                }
            )
        if rows:
            new = gpd.GeoDataFrame(rows, geometry="geometry", crs=model.CRS)
            parts = [f for f in (self._entries, new) if len(f)]
            self._entries = gpd.GeoDataFrame(
                pd.concat(parts, ignore_index=True), geometry="geometry", crs=model.CRS
            )
            self._lookup = None
        return len(rows)

    def set_chart_names(self, cell: str, frame: gpd.GeoDataFrame) -> int:
        """Replace the names of ``cell`` with the named features of its frame (model columns).

        Every feature with an OBJNAM or NOBJNM is an entry, except soundings and meta objects.
        """
        names = frame[model.COL_NAME].where(frame[model.COL_NAME].notna(), None)
        national = frame[model.COL_NATIONAL_NAME].where(frame[model.COL_NATIONAL_NAME].notna(), None)
        classes = frame[model.COL_CLASS].astype(str)
        named = (names.fillna("").astype(str).str.strip() != "") | (
            national.fillna("").astype(str).str.strip() != ""
        )
        named &= ~classes.isin(["SOUNDG"]) & ~classes.str.startswith(("M_", "C_"))
        records = []
        for name, nat, cls, geom in zip(
            names[named], national[named], classes[named], frame.geometry[named], strict=True
        ):
            main = str(name).strip() if name else ""
            other = str(nat).strip() if nat else ""
            if not main:
                main, other = other, ""
            records.append(
                {
                    "name": main,
                    "other_names": [other] if other and other != main else [],
                    "object_class": cls,
                    "geometry": geom,
                }
            )
        return self.add_records(records, source=cell, cell=cell)

    def add_place_list(self, path: Path, *, source: str | None = None) -> int:
        """Read a CSV place list (see :func:`read_place_list`) and replace the entries of its source."""
        return self.add_records(read_place_list(Path(path)), source=source or Path(path).stem)

    # ---------------------------------------------------------------- searching

    def _index(self) -> _Lookup:
        if self._lookup is not None:
            return self._lookup
        variant_entry: list[int] = []
        variant_fold: list[str] = []
        variant_tokens: list[tuple[str, ...]] = []
        exact: dict[str, list[int]] = {}
        keys: dict[tuple[str, ...], list[int]] = {}
        token_index: dict[str, list[int]] = {}
        for i, (name, others) in enumerate(
            zip(self._entries["name"], self._entries["other_names"], strict=True)
        ):
            for variant in [name, *json.loads(others or "[]")]:
                folded = fold(variant)
                tokens = tuple(_tokens(variant))
                if not tokens:
                    continue
                vid = len(variant_entry)
                variant_entry.append(i)
                variant_fold.append(folded)
                variant_tokens.append(tokens)
                exact.setdefault(folded, []).append(vid)
                keys.setdefault(tuple(sorted(tokens)), []).append(vid)
                for tok in set(tokens):
                    token_index.setdefault(tok, []).append(vid)
        self._lookup = _Lookup(
            variant_entry,
            variant_fold,
            variant_tokens,
            exact,
            keys,
            token_index,
            sorted(token_index),
            max((len(t) for t in variant_tokens), default=0),
        )
        return self._lookup

    def _hit(self, entries: list[int], score: float) -> GazetteerHit:
        row = self._entries.iloc[entries[0]]
        cell = row["cell"]
        geometry = row["geometry"]
        position = Position(float(row["lat"]), float(row["lon"]))
        if len(entries) > 1:
            geometry = shapely.union_all(self._entries.geometry.iloc[entries].to_numpy())
            rep = geometry.representative_point()
            position = Position(rep.y, rep.x)
        return GazetteerHit(
            name=str(row["name"]),
            other_names=tuple(json.loads(row["other_names"] or "[]")),
            object_class=str(row["object_class"]),
            cell=None if pd.isna(cell) else str(cell),
            geometry=geometry,
            position=position,
            score=round(float(score), 4),
            source=str(row["source"]),
            details=json.loads(row["details"] or "{}"),
        )

    @staticmethod
    def _similar(query: str, token: str) -> float:
        if query == token:
            return 1.0
        if len(query) >= 4 and token.startswith(query):
            return 0.85
        ratio = difflib.SequenceMatcher(None, query, token).ratio()
        return ratio if ratio >= 0.8 else 0.0

    def _related_tokens(self, lk: _Lookup, token: str) -> list[str]:
        related = {token} if token in lk.token_index else set()
        if len(token) >= 4:
            start = bisect.bisect_left(lk.vocab, token)
            for candidate in lk.vocab[start : start + 50]:
                if not candidate.startswith(token):
                    break
                related.add(candidate)
        related.update(difflib.get_close_matches(token, lk.vocab, n=5, cutoff=0.8))
        return sorted(related)

    def lookup(self, name: str, limit: int = 5, *, min_score: float = 0.5) -> list[GazetteerHit]:
        """Places whose name (or another name) matches ``name``, best first.

        Parameters
        ----------
        name:
            A place name, any case and accents, French or English, possibly partial or misspelt.
        limit:
            Most hits returned.
        min_score:
            Hits below this score (0..1) are left out.

        Returns
        -------
        list[GazetteerHit]
            Score 1.0 for the same name once folded, 0.98 for the same words in another order or
            language ("Brest Narrows" for "Goulet de Brest"), less for partial and fuzzy matches.
            Empty for an empty or unknown name.
        """
        lk = self._index()
        query_tokens = _tokens(name)
        if not query_tokens or limit <= 0:
            return []
        folded = fold(name)
        scores: dict[int, float] = {}

        def offer(vid: int, score: float) -> None:
            entry = lk.variant_entry[vid]
            if score > scores.get(entry, 0.0):
                scores[entry] = score

        for vid in lk.exact.get(folded, []):
            offer(vid, 1.0)
        for vid in lk.keys.get(tuple(sorted(query_tokens)), []):
            offer(vid, 0.98)
        candidates: set[int] = set()
        for token in set(query_tokens):
            for related in self._related_tokens(lk, token):
                candidates.update(lk.token_index[related])
        q_weight = sum(_weight(q) for q in query_tokens)
        for vid in candidates:
            tokens = lk.variant_tokens[vid]
            free = list(tokens)
            q_cov = v_cov = 0.0
            for q in query_tokens:
                sims = [self._similar(q, t) for t in free]
                if sims and max(sims) > 0:
                    j = int(np.argmax(sims))
                    q_cov += sims[j] * _weight(q)
                    v_cov += sims[j] * _weight(free.pop(j))
            if q_cov:
                v_weight = sum(_weight(t) for t in tokens)
                score = 0.95 * (0.75 * q_cov / q_weight + 0.25 * v_cov / v_weight)
                offer(vid, min(score, 0.95))
        ranked = sorted(
            ((s, e) for e, s in scores.items() if s >= min_score),
            key=lambda se: (-se[0], len(str(self._entries["name"].iat[se[1]])), se[1]),
        )
        # Several features of one cell often carry the same name (a bay cut in parts): one hit for them.
        groups: dict[tuple[str, str, str], list[tuple[float, int]]] = {}
        for score, entry in ranked:
            row = self._entries.iloc[entry]
            key = (str(row["name"]), str(row["object_class"]), str(row["source"]))
            if key in groups or len(groups) < limit:
                groups.setdefault(key, []).append((score, entry))
        return [self._hit([e for _, e in members], members[0][0]) for members in groups.values()]

    def _preference(self, lk: _Lookup, vid: int, span_fold: str) -> tuple[bool, bool, bool, int]:
        """Sort key among names written the same: exact spelling, then chart areas, then charts."""
        entry = lk.variant_entry[vid]
        cell = self._entries["cell"].iat[entry]
        geom_type = self._entries.geometry.iat[entry].geom_type
        return (
            lk.variant_fold[vid] != span_fold,
            not isinstance(cell, str),
            geom_type not in ("Polygon", "MultiPolygon"),
            entry,
        )

    def find_in_text(self, text: str) -> list[tuple[tuple[int, int], GazetteerHit]]:
        """Place names written in ``text``: ``[((start, end), hit), ...]`` left to right, not overlapping.

        A span matches when its words (articles and prepositions aside, generic words in either
        language) are those of a name. The longest span wins. A one-word name must be written with a
        capital ("Brest", not "brest"), and spans made only of generic words ("the Bay") are ignored.

        >>> gaz = Gazetteer()
        >>> gaz.add_records([{"name": "Goulet de Brest", "object_class": "SEAARE",
        ...                   "geometry": Point(-4.58, 48.34)}], source="demo")
        1
        >>> [(span, hit.name) for span, hit in gaz.find_in_text("Feux du goulet de Brest ?")]
        [((8, 23), 'Goulet de Brest')]
        >>> gaz.find_in_text("")
        []
        """
        lk = self._index()
        words = [(m.start(), m.end(), m.group()) for m in _WORD.finditer(text)]
        folded = [fold(w) for _, _, w in words]
        out: list[tuple[tuple[int, int], GazetteerHit]] = []
        i = 0
        while i < len(words):
            found = None
            if folded[i] and folded[i] not in STOP_WORDS:
                for n in range(min(_MAX_SPAN_TOKENS, len(words) - i, max(lk.max_tokens * 2, 1)), 0, -1):
                    last = folded[i + n - 1]
                    if last in STOP_WORDS:
                        continue
                    tokens = [
                        _canonical(t) for w in folded[i : i + n] for t in w.split() if t not in STOP_WORDS
                    ]
                    if not tokens or all(t in _GENERIC_KEYS for t in tokens):
                        continue
                    if len(tokens) == 1 and not words[i][2][:1].isupper():
                        continue
                    vids = lk.keys.get(tuple(sorted(tokens)))
                    if vids:
                        found = (n, vids)
                        break
            if found is None:
                i += 1
                continue
            n, vids = found
            start, end = words[i][0], words[i + n - 1][1]
            span_fold = fold(text[start:end])
            vid = min(vids, key=lambda v: self._preference(lk, v, span_fold))
            score = 1.0 if lk.variant_fold[vid] == span_fold else 0.98
            out.append(((start, end), self._hit([lk.variant_entry[vid]], score)))
            i += n
        return out
