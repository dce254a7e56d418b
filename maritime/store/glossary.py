"""Bilingual nautical glossary used to carry a query across French and English.

The data file ``maritime/data/glossary_fr_en.tsv`` (written for this project) holds term pairs; a
cell may list alternatives separated by ``|``. Terms are matched on stems after stop-word removal, so
"les feux à secteurs" matches the entry "feu à secteurs" and yields "sector light".
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from maritime.errors import ConfigError
from maritime.store.analysis import _is_stop, stem_tokens, tokenize

_MAX_TERM_TOKENS = 6


@dataclass(frozen=True)
class GlossaryEntry:
    """One concept named in French and in English."""

    fr: tuple[str, ...]
    en: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True)
class Expansion:
    """A glossary term found in a query and its translations."""

    matched: str
    language: str
    translations: tuple[str, ...]
    #: Translations as stem phrases of their own language, ready for FTS5.
    translation_stems: tuple[str, ...]


def _key(term: str, language: str) -> tuple[str, ...]:
    return tuple(stem_tokens([t for t in tokenize(term) if not _is_stop(t)], language))


class Glossary:
    """French/English term pairs with stem-level lookup.

    Examples
    --------
    >>> g = Glossary.load()
    >>> [e.translations for e in g.expand("Où sont les épaves ?")][0]
    ('wreck',)
    >>> g.expand("")
    []
    """

    def __init__(self, entries: list[GlossaryEntry]) -> None:
        self.entries = tuple(entries)
        self._index: dict[str, dict[tuple[str, ...], set[int]]] = {"fr": {}, "en": {}}
        for i, entry in enumerate(self.entries):
            for lang, terms in (("fr", entry.fr), ("en", entry.en)):
                for term in terms:
                    key = _key(term, lang)
                    if key:
                        self._index[lang].setdefault(key, set()).add(i)

    @classmethod
    def from_tsv(cls, path: Path) -> Glossary:
        """Read a ``fr<TAB>en<TAB>note`` file; ``#`` starts a comment line; the first line is a header."""
        entries: list[GlossaryEntry] = []
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"cannot read glossary {path}: {exc.strerror}") from exc
        for lineno, line in enumerate(lines[1:], start=2):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < 2:
                raise ConfigError(f"{path}:{lineno}: expected 'fr<TAB>en<TAB>note', got {line!r}")
            fr = tuple(t.strip() for t in fields[0].split("|") if t.strip())
            en = tuple(t.strip() for t in fields[1].split("|") if t.strip())
            note = fields[2].strip() if len(fields) > 2 else ""
            if fr and en:
                entries.append(GlossaryEntry(fr=fr, en=en, note=note))
        return cls(entries)

    @classmethod
    @functools.cache
    def load(cls) -> Glossary:
        """The glossary bundled with maritime (cached)."""
        ref = resources.files("maritime") / "data" / "glossary_fr_en.tsv"
        with resources.as_file(ref) as path:
            return cls.from_tsv(Path(path))

    def __len__(self) -> int:
        return len(self.entries)

    def expand(self, text: str) -> list[Expansion]:
        """Glossary terms found in ``text`` (French or English), longest first, without overlaps."""
        tokens = [t for t in tokenize(text) if not _is_stop(t)]
        found: list[Expansion] = []
        for lang, other in (("fr", "en"), ("en", "fr")):
            stems = stem_tokens(tokens, lang)
            used = [False] * len(stems)
            for n in range(min(_MAX_TERM_TOKENS, len(stems)), 0, -1):
                for start in range(len(stems) - n + 1):
                    if any(used[start : start + n]):
                        continue
                    ids = self._index[lang].get(tuple(stems[start : start + n]))
                    if not ids:
                        continue
                    for i in range(start, start + n):
                        used[i] = True
                    translations: list[str] = []
                    for idx in sorted(ids):
                        entry = self.entries[idx]
                        translations.extend(entry.en if other == "en" else entry.fr)
                    unique = tuple(dict.fromkeys(translations))
                    stems_other = tuple(
                        dict.fromkeys(" ".join(k) for k in (_key(t, other) for t in unique) if k)
                    )
                    found.append(
                        Expansion(
                            matched=" ".join(tokens[start : start + n]),
                            language=lang,
                            translations=unique,
                            translation_stems=stems_other,
                        )
                    )
        return found
