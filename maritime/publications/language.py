"""Language identification of passages and questions, offline and dependency-free.

Function words are the most reliable signal on short technical text (sailing directions are full of
proper names and numbers), so each language is scored by the share of its frequent function words.
French and English come first; Spanish, German, Italian, Portuguese and Dutch are recognised so that such
passages are stored with their language rather than mislabelled; anything else is ``"und"``.
"""

from __future__ import annotations

import re

UNDETERMINED = "und"

_WORDS: dict[str, frozenset[str]] = {
    "fr": frozenset(
        "le la les des du de un une et est en dans pour par sur au aux qui que ne pas avec ce cette ces "
        "il elle sont se son sa ses être été doit peut entre vers depuis lorsque où l d qu".split()
    ),
    "en": frozenset(
        "the of and to in is are a an for on with by from at as be this that these it its or which "
        "should must may not when where between into there has have been will".split()
    ),
    "es": frozenset(
        "el la los las de del y en es un una para por con que se al su sus como está son entre desde".split()
    ),
    "de": frozenset(
        "der die das und ist in den von zu mit sich des auf für im dem nicht ein eine als auch werden bei".split()
    ),
    "it": frozenset(
        "il lo la gli le di del della e è in un una per con che si al sono dei delle nel nella tra".split()
    ),
    "pt": frozenset(
        "o a os as de do da dos das e é em um uma para por com que se ao no na são entre pelo pela".split()
    ),
    "nl": frozenset("de het een en van in is op te dat die voor met zijn niet aan er bij ook als".split()),
}
_TOKEN = re.compile(r"[^\W\d_]+")
_ELISION = re.compile(r"\b([ldjmnstc]|qu)['’](?=\w)", re.IGNORECASE)


def language_scores(text: str) -> dict[str, int]:
    """Number of function words of each known language in ``text``."""
    text = _ELISION.sub(r"\1 ", text.lower())
    tokens = _TOKEN.findall(text)
    return {lang: sum(1 for t in tokens if t in words) for lang, words in _WORDS.items()}


def detect_language(text: str, default: str = UNDETERMINED, min_hits: int = 2) -> str:
    """ISO 639-1 code of the language ``text`` is written in.

    Parameters
    ----------
    text:
        Any text; a question, a passage.
    default:
        Returned when the text has too few function words to decide (a heading, a list of names).
        Callers pass the document's language so that short passages inherit it.
    min_hits:
        Function words needed before a language is chosen.

    Examples
    --------
    >>> detect_language("Le feu est masqué dans le secteur nord.")
    'fr'
    >>> detect_language("The light is obscured in the northern sector.")
    'en'
    >>> detect_language("")
    'und'
    >>> detect_language("Kéréon", default="fr")
    'fr'
    """
    scores = language_scores(text)
    best = max(scores, key=lambda lang: scores[lang])
    ranked = sorted(scores.values(), reverse=True)
    if scores[best] < min_hits or (len(ranked) > 1 and ranked[0] == ranked[1]):
        return default
    return best
