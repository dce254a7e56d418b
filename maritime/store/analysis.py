"""Text analysis for full-text search: accent folding, French elision, stop words, Snowball stemming.

FTS5 only sees what this module produces: passages are indexed with the stems of their own language
and a query term matches through the stems of every indexed language, so "feux" finds "feu" and
"lights" finds "light" whatever the passage's language. No Haystack import here.
"""

from __future__ import annotations

import functools
import re

import Stemmer

from maritime.text import LIGATURES, fold

#: Languages with a Snowball stemmer, by ISO 639-1 code.
SNOWBALL = {
    "fr": "french",
    "en": "english",
    "es": "spanish",
    "de": "german",
    "it": "italian",
    "pt": "portuguese",
    "nl": "dutch",
}
#: Languages whose stems every query term is expanded to (the corpus languages that matter most).
QUERY_LANGUAGES = ("fr", "en")

_ELISION = re.compile(r"\b(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’ʼ](?=\w)", re.IGNORECASE)
_TOKEN = re.compile(r"[^\W_]+")

STOP_WORDS_FR = frozenset(
    """
    a au aux avec ce ces cet cette dans de des du elle en et eux il ils je la le les leur leurs lui ma
    mais me meme mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes
    toi ton tu un une vos votre vous y ete etre est sont sera fait faire peut doit tres plus moins ainsi
    dont lorsque quand comme aussi cela celui celle ceux quel quelle quels quelles si sans sous entre
    apres avant vers chez selon comment combien pourquoi quoi tout tous toute toutes autre autres avoir
    ont etait faut
    """.split()
)
STOP_WORDS_EN = frozenset(
    """
    a an and are as at be been but by for from has have if in into is it its no not of on or such that
    the their then there these they this to was were will with which who what when where how do does
    should would can could may might shall than those through also any all about over under between i
    me my we our you your he she him her them why whom whose am being did doing had having must very
    too only own same so just now up down out off again further once here other some few more most each
    both nor until while during before after above below because get go
    """.split()
)
STOP_WORDS = STOP_WORDS_FR | STOP_WORDS_EN


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens of ``text`` (accents kept), French elisions removed (l', d', qu' ...).

    Accents are kept because the Snowball stemmers need them ("bouées" -> "bouée", while the folded
    "bouees" would stem to "boue", mud); :func:`stem_tokens` folds after stemming.

    Examples
    --------
    >>> tokenize("L'entrée du Goulet, jusqu'à 48°21,5' N")
    ['entrée', 'du', 'goulet', 'à', '48', '21', '5', 'n']
    >>> tokenize("")
    []
    """
    return _TOKEN.findall(_ELISION.sub("", text.translate(LIGATURES).lower()))


def _is_stop(token: str) -> bool:
    return fold(token) in STOP_WORDS


@functools.lru_cache(maxsize=16)
def _stemmer(language: str) -> Stemmer.Stemmer | None:
    name = SNOWBALL.get(language)
    return Stemmer.Stemmer(name) if name else None


def stem_tokens(tokens: list[str], language: str) -> list[str]:
    """Stem tokens with the Snowball stemmer of ``language``, then fold them.

    French plurals in -eux that Snowball leaves alone ("feux", "lieux") lose their x, so "feux"
    matches "feu". Languages without a stemmer are only folded.

    Examples
    --------
    >>> stem_tokens(["feux", "bouées", "épaves"], "fr")
    ['feu', 'bou', 'epav']
    >>> stem_tokens([], "en")
    []
    """
    stemmer = _stemmer(language)
    if stemmer is None:
        return [fold(t) for t in tokens]
    stems = stemmer.stemWords(tokens)
    if language == "fr":
        stems = [
            s[:-1] if s == t and t.endswith("eux") and len(t) >= 4 else s
            for s, t in zip(stems, tokens, strict=True)
        ]
    return [fold(s) for s in stems]


def index_terms(text: str, language: str) -> str:
    """The space-separated terms FTS5 indexes for a passage written in ``language``."""
    tokens = [t for t in tokenize(text) if not _is_stop(t)]
    return " ".join(stem_tokens(tokens, language))


def query_term_alternatives(text: str) -> list[tuple[str, ...]]:
    """For each content word of a query, its stems in every query language (deduplicated, ordered).

    Examples
    --------
    >>> query_term_alternatives("Les feux du goulet")
    [('feu', 'feux'), ('goulet',)]
    >>> query_term_alternatives("the")
    []
    """
    tokens = [t for t in tokenize(text) if not _is_stop(t)]
    per_language = [stem_tokens(tokens, lang) for lang in QUERY_LANGUAGES]
    out: list[tuple[str, ...]] = []
    for i, _token in enumerate(tokens):
        alts = tuple(dict.fromkeys(stems[i] for stems in per_language))
        out.append(alts)
    return out


def fts_quote(term: str) -> str:
    """Quote a term or phrase for an FTS5 MATCH expression."""
    return '"' + term.replace('"', '""') + '"'
