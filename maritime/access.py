"""Access control by classification: markings on what is ingested, clearances on who reads it.

Every publication and chart dataset carries one **marking** given at ingest (``--marking``), from an
ordered list of levels, lowest first (``MARITIME_MARKINGS``, default ``public,restricted,confidential,
secret``). Unmarked material is marked with the lowest level. A reader's **clearance** is one of the
same levels; the stores only use material whose marking is at or below it. The filtering happens
inside the stores (:class:`~maritime.store.sqlite_store.SQLiteDocumentStore` keeps one full-text table
per marking and masks vectors by marking; :class:`~maritime.enc.store.ChartStore` loads only the
datasets and gazetteer names a clearance allows), so ranking statistics, the "nothing relevant" gate,
the overlap of chart cells and place-name resolution are never influenced by material above it.

A clearance that is not given is ``MARITIME_CLEARANCE``, else the lowest level: a caller that says
nothing sees public material only. A marking or clearance not in the list is refused; material whose
stored marking is no longer in the list is never shown (fail closed).

What this does not do: protect the index files. Anyone who can read the index folder can read
everything in it; keep an index holding restricted material on storage with matching permissions.

Examples
--------
>>> levels = Markings(("public", "restricted", "confidential"))
>>> levels.allowed("restricted")
('public', 'restricted')
>>> levels.check("secret")
Traceback (most recent call last):
...
maritime.errors.ConfigError: unknown marking 'secret'; the markings are public, restricted, confidential (MARITIME_MARKINGS)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass

from maritime.errors import ConfigError

ENV_MARKINGS = "MARITIME_MARKINGS"
ENV_CLEARANCE = "MARITIME_CLEARANCE"
DEFAULT_MARKINGS = ("public", "restricted", "confidential", "secret")
#: Meta key of a passage's marking (also a column of the document store).
MARKING_KEY = "marking"


@dataclass(frozen=True)
class Markings:
    """The ordered classification levels, lowest first."""

    levels: tuple[str, ...] = DEFAULT_MARKINGS

    def __post_init__(self) -> None:
        if not self.levels:
            raise ConfigError(
                f"{ENV_MARKINGS} is empty: give the levels, lowest first, e.g. public,restricted"
            )
        if len(set(self.levels)) != len(self.levels):
            raise ConfigError(f"{ENV_MARKINGS} names a level twice: {', '.join(self.levels)}")

    @property
    def lowest(self) -> str:
        """The marking of unmarked material and the clearance of a reader who gives none."""
        return self.levels[0]

    def check(self, name: str) -> str:
        """``name`` normalised (lower case, trimmed) when it is a level, else a clear ConfigError."""
        value = str(name).strip().lower()
        if value not in self.levels:
            raise ConfigError(
                f"unknown marking {name!r}; the markings are {', '.join(self.levels)} ({ENV_MARKINGS})"
            )
        return value

    def rank(self, name: str) -> int:
        return self.levels.index(self.check(name))

    def allowed(self, clearance: str) -> tuple[str, ...]:
        """The markings a reader with ``clearance`` may see, lowest first."""
        return self.levels[: self.rank(clearance) + 1]

    def highest(self, names: Iterable[str | None]) -> str:
        """The highest of ``names`` (what derived material is marked), the lowest level when none.

        A name not in the list counts as the highest level (fail closed).

        >>> Markings(("public", "restricted", "secret")).highest(["public", None, "restricted"])
        'restricted'
        """
        ranks = [self.levels.index(n) if n in self.levels else len(self.levels) - 1 for n in names if n]
        return self.levels[max(ranks)] if ranks else self.lowest


def markings() -> Markings:
    """The levels configured by ``MARITIME_MARKINGS`` (comma-separated, lowest first) or the default."""
    raw = os.environ.get(ENV_MARKINGS)
    if not raw or not raw.strip():
        return Markings()
    return Markings(tuple(p.strip().lower() for p in raw.split(",") if p.strip()))


def default_clearance() -> str:
    """``MARITIME_CLEARANCE`` (checked against the levels), else the lowest level."""
    levels = markings()
    raw = os.environ.get(ENV_CLEARANCE)
    return levels.check(raw) if raw and raw.strip() else levels.lowest


def resolve_clearance(clearance: str | None) -> str:
    """A clearance given (checked), or the default one."""
    return markings().check(clearance) if clearance else default_clearance()


def resolve_marking(marking: str | None) -> str:
    """A marking given (checked), or the lowest level."""
    levels = markings()
    return levels.check(marking) if marking else levels.lowest


def allowed_markings(clearance: str | None) -> tuple[str, ...]:
    """What a reader with ``clearance`` (default: :func:`default_clearance`) may see."""
    return markings().allowed(resolve_clearance(clearance))
