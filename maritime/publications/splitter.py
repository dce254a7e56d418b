"""Split converted publications into passages that keep their meaning and their place.

A passage is one numbered paragraph, one article or the paragraphs under one heading, bounded in
length by Mistral tokens (counted with mistral-common). A passage never crosses a page, so its page
number and bounding box are exact; a paragraph that runs over a page break becomes two passages with
the same section. Headings are not repeated in the passage text (quotes stay verbatim): they go to
``section``/``heading``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from maritime.publications.convert import TextBlock

DEFAULT_MAX_TOKENS = 320

#: "2.14 Le Goulet ..." / "1.12. Ushant ..." -> "2.14"
_PARAGRAPH_NUMBER = re.compile(r"^\s*(\d{1,3}(?:\.\d{1,3}){1,4})\.?\s+(?=\S)")
#: "Article 1er", "Article premier", "Art. 3", "ARTICLE 12"
_ARTICLE = re.compile(
    r"^\s*(?:article|art\.)\s+(1er|premier|first|\d{1,3}(?:\s*bis|\s*ter)?)\b", re.IGNORECASE
)
#: "§ 12"
_SECTION_SIGN = re.compile(r"^\s*§\s*(\d{1,3}(?:\.\d{1,3})*)")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+(?=[A-ZÀ-ÖØ-Þ0-9«\"(])")


@dataclass(frozen=True)
class Passage:
    """A retrievable unit of a publication."""

    text: str
    page: int | None
    bbox: tuple[float, float, float, float] | None
    #: Paragraph number ("2.14"), article ("Article 3") or, failing those, the nearest heading.
    section: str | None
    #: Heading path, outermost first, joined by " > ".
    heading: str | None
    n_tokens: int
    extraction: str = "text"


def section_label(text: str) -> str | None:
    """The paragraph number or article a block starts with, if any.

    Examples
    --------
    >>> section_label("2.14 Le Goulet de Brest est large de 1,8 km.")
    '2.14'
    >>> section_label("Article 1er — Objet")
    'Article 1er'
    >>> section_label("ARTICLE PREMIER : Objet")
    'Article 1er'
    >>> section_label("48.3583 N") is None
    True
    >>> section_label("") is None
    True
    """
    m = _PARAGRAPH_NUMBER.match(text)
    if m:
        return m.group(1)
    m = _ARTICLE.match(text)
    if m:
        number = m.group(1).lower()
        if number in ("premier", "first"):
            number = "1er"
        return f"Article {number}"
    m = _SECTION_SIGN.match(text)
    if m:
        return f"§ {m.group(1)}"
    return None


def _union(
    a: tuple[float, float, float, float] | None, b: tuple[float, float, float, float] | None
) -> tuple[float, float, float, float] | None:
    if a is None:
        return b
    if b is None:
        return a
    return (min(a[0], b[0]), min(a[1], b[1]), max(a[2], b[2]), max(a[3], b[3]))


def _split_words(text: str, count: Callable[[str], int], max_tokens: int) -> list[str]:
    """Cut a text with no usable sentence end at word boundaries (longest prefixes that fit)."""
    pieces: list[str] = []
    words = text.split()
    while words:
        lo, hi = 1, len(words)
        while lo < hi:  # longest prefix that fits
            mid = (lo + hi + 1) // 2
            if count(" ".join(words[:mid])) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        pieces.append(" ".join(words[:lo]))
        words = words[lo:]
    return pieces


def _split_long(text: str, count: Callable[[str], int], max_tokens: int) -> list[str]:
    """Cut an over-long paragraph at sentence ends (at words when a sentence is itself too long).

    Sentences are counted once each and packed by the sum of their counts; each piece is then counted
    exactly, and cut further in the rare case the sum was short.
    """
    pieces: list[str] = []
    current: list[str] = []
    current_tokens = 0
    for sentence in _SENTENCE_END.split(text):
        n = count(sentence)
        if n > max_tokens:
            if current:
                pieces.append(" ".join(current))
                current, current_tokens = [], 0
            pieces.extend(_split_words(sentence, count, max_tokens))
            continue
        if current and current_tokens + n + 1 > max_tokens:
            pieces.append(" ".join(current))
            current, current_tokens = [], 0
        current.append(sentence)
        current_tokens += n + 1
    if current:
        pieces.append(" ".join(current))
    out: list[str] = []
    for piece in pieces:
        out.extend([piece] if count(piece) <= max_tokens else _split_words(piece, count, max_tokens))
    return out


def sentences(text: str) -> list[str]:
    """The sentences :func:`split_blocks` may cut an over-long paragraph at (for batch token counting)."""
    return _SENTENCE_END.split(text)


def split_blocks(
    blocks: list[TextBlock], count: Callable[[str], int], *, max_tokens: int = DEFAULT_MAX_TOKENS
) -> list[Passage]:
    """Group blocks into passages.

    Parameters
    ----------
    blocks:
        Blocks in reading order, as :func:`maritime.publications.convert.convert` returns them.
    count:
        Token counter (``TokenCounter().count``).
    max_tokens:
        Upper bound of a passage's length; a single longer paragraph is cut at sentence ends.

    Examples
    --------
    >>> blocks = [TextBlock("Goulet", kind="heading", level=1), TextBlock("2.1 Courant fort."),
    ...           TextBlock("Prudence."), TextBlock("2.2 Mouillage interdit.")]
    >>> [(p.section, p.text) for p in split_blocks(blocks, lambda s: len(s.split()))]
    [('2.1', '2.1 Courant fort. Prudence.'), ('2.2', '2.2 Mouillage interdit.')]
    >>> split_blocks([], len)
    []
    """
    passages: list[Passage] = []
    headings: list[tuple[int, str]] = []
    label: str | None = None
    texts: list[str] = []
    tokens = 0
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    extraction = "text"

    def heading_path() -> str | None:
        return " > ".join(h for _, h in headings) or None

    def flush() -> None:
        nonlocal texts, tokens, bbox
        if texts:
            text = " ".join(texts)
            section = label or (headings[-1][1] if headings else None)
            passages.append(Passage(text, page, bbox, section, heading_path(), tokens, extraction))
        texts, tokens, bbox = [], 0, None

    for block in blocks:
        if block.kind == "heading":
            flush()
            while headings and headings[-1][0] >= block.level:
                headings.pop()
            headings.append((block.level, block.text))
            label = None
            continue
        new_label = section_label(block.text)
        n = count(block.text)
        if (
            new_label is not None
            or block.page != page
            or block.extraction != extraction
            or tokens + n > max_tokens
        ):
            flush()
        if new_label is not None:
            label = new_label
        page, extraction = block.page, block.extraction
        if n > max_tokens:
            for piece in _split_long(block.text, count, max_tokens):
                texts, tokens, bbox = [piece], count(piece), block.bbox
                flush()
            continue
        texts.append(block.text)
        tokens += n
        bbox = _union(bbox, block.bbox)
    flush()
    return passages
