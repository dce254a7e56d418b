"""Text folding shared by search, the gazetteer, the S-57 catalogue and the query analyser.

One definition, so that a name, a query word and a catalogue entry fold the same way. Pure Python.
"""

from __future__ import annotations

import functools
import unicodedata

LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


@functools.lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ``text`` and strip accents and ligatures (punctuation is kept).

    Examples
    --------
    >>> fold("Épave à l'Île-Longue, Œuvre")
    "epave a l'ile-longue, oeuvre"
    >>> fold("")
    ''
    """
    text = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()
