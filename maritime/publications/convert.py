"""Turn publications (PDF, Markdown, plain text, HTML) into ordered text blocks that know where they are.

A PDF block keeps its 1-based page and its bounding box in PDF points, so that a citation can point at
the exact place on the page. Headings are recognised by type size and weight. Pages without a text
layer are read with Tesseract (``fra+eng``) when it is installed, otherwise reported as skipped; they
are never silently empty. Errors name the file: a corrupt, encrypted or empty file raises
:class:`~maritime.errors.IngestError`.
"""

from __future__ import annotations

import html.parser
import logging
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from maritime.errors import IngestError

logger = logging.getLogger(__name__)

BlockKind = Literal["heading", "paragraph", "list_item"]

PDF_SUFFIXES = frozenset({".pdf"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
TEXT_SUFFIXES = frozenset({".txt", ".text"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
SUPPORTED_SUFFIXES = PDF_SUFFIXES | MARKDOWN_SUFFIXES | TEXT_SUFFIXES | HTML_SUFFIXES

#: OCR languages passed to Tesseract.
OCR_LANGUAGES = "fra+eng"
#: A page with fewer characters than this in its text layer is treated as scanned.
_MIN_TEXT_CHARS = 8


@dataclass(frozen=True)
class TextBlock:
    """A heading or a paragraph, in reading order."""

    text: str
    kind: BlockKind = "paragraph"
    #: Heading level, 1 = largest; 0 for paragraphs.
    level: int = 0
    #: 1-based page for paged sources, None otherwise.
    page: int | None = None
    #: (x0, y0, x1, y1) in PDF points on ``page``.
    bbox: tuple[float, float, float, float] | None = None
    #: "text" when read from the text layer or the file, "ocr" when read by Tesseract.
    extraction: str = "text"


@dataclass
class ConvertedDocument:
    """A publication as ordered blocks, with what could not be read."""

    path: Path
    title: str
    blocks: list[TextBlock]
    n_pages: int | None = None
    #: (1-based page, reason) for each page that gave no text.
    skipped_pages: list[tuple[int, str]] = field(default_factory=list)


def tesseract_available() -> bool:
    """True when the ``tesseract`` program is installed with French and English data."""
    return shutil.which("tesseract") is not None and _tessdata() is not None


def _tessdata() -> str | None:
    import pymupdf

    try:
        path = pymupdf.get_tessdata()
    except Exception:  # PyMuPDF raises a bare RuntimeError when it finds no tessdata folder
        return None
    if not path:
        return None
    folder = Path(path)
    if all((folder / f"{lang}.traineddata").exists() for lang in OCR_LANGUAGES.split("+")):
        return str(folder)
    return None


def convert(path: Path, *, ocr: bool | None = None) -> ConvertedDocument:
    """Convert one publication, choosing the reader by file extension.

    Parameters
    ----------
    path:
        A ``.pdf``, ``.md``, ``.txt`` or ``.html`` file.
    ocr:
        OCR pages without a text layer: True forces it (error if Tesseract is missing), False never,
        None (default) when Tesseract is installed.

    Raises
    ------
    IngestError
        The file is missing, empty, unreadable, encrypted, not what its extension says, or of an
        unsupported type.
    """
    suffix = path.suffix.lower()
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise IngestError(
            str(path), "file not found: it disappeared or was moved before it could be read"
        ) from exc
    except OSError as exc:
        raise IngestError(str(path), f"cannot read file: {exc.strerror}") from exc
    if size == 0:
        raise IngestError(str(path), "empty file (0 bytes)")
    if suffix in PDF_SUFFIXES:
        return convert_pdf(path, ocr=ocr)
    if suffix not in SUPPORTED_SUFFIXES:
        raise IngestError(
            str(path),
            f"unsupported file type {suffix!r}; expected one of {', '.join(sorted(SUPPORTED_SUFFIXES))}",
        )
    text = _read_text(path)
    if suffix in MARKDOWN_SUFFIXES:
        blocks = markdown_blocks(text)
    elif suffix in HTML_SUFFIXES:
        blocks = html_blocks(text)
    else:
        blocks = plain_text_blocks(text)
    if not blocks:
        raise IngestError(str(path), "no text found in the file")
    title = next((b.text for b in blocks if b.kind == "heading"), path.stem.replace("_", " "))
    return ConvertedDocument(path=path, title=title, blocks=blocks)


def _read_text(path: Path) -> str:
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise IngestError(str(path), "binary content in a text file (NUL bytes); is the extension right?")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise IngestError(str(path), "text is neither UTF-8 nor Windows-1252")


# -- PDF ------------------------------------------------------------------------------------------

_PAGE_NUMBER = re.compile(r"^[\s\-–—|]*(?:page\s*)?\d{1,4}(?:\s*/\s*\d{1,4})?[\s\-–—|]*$", re.IGNORECASE)


def _dict_flags() -> int:
    """Text extraction flags: ligatures expanded ("ﬂ" -> "fl", so quotes are searchable), spaces kept."""
    import pymupdf

    return int(pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP)


def convert_pdf(path: Path, *, ocr: bool | None = None) -> ConvertedDocument:
    """Read a PDF's pages into blocks with page numbers, bounding boxes and heading levels."""
    import pymupdf  # imported here: it takes most of a second, and a chart question never needs it

    # MuPDF opens an image or other document given filetype="pdf" without complaint, and a PNG renamed
    # .pdf then came out as "blank page": say what the file is instead (robustness tests).
    head, tail = _pdf_head_and_tail(path)
    if b"%PDF-" not in head:
        raise IngestError(
            str(path), f"not a readable PDF: no PDF header, {_sniff(head)}; is the extension right?"
        )
    try:
        doc = pymupdf.open(path, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise IngestError(str(path), f"not a readable PDF ({_short(exc)})") from exc
    with doc:
        if doc.needs_pass:
            raise IngestError(str(path), "encrypted PDF: a password is required to read it")
        if doc.page_count == 0:
            raise IngestError(str(path), "PDF has no pages")
        use_ocr = tesseract_available() if ocr is None else ocr
        if ocr and not tesseract_available():
            raise IngestError(
                str(path), "OCR requested but Tesseract (with fra and eng data) is not installed"
            )
        raw_pages: list[list[_RawBlock]] = []
        skipped: list[tuple[int, str]] = []
        heights: list[float] = []
        for page_index in range(doc.page_count):
            page_no = page_index + 1
            try:
                page = doc.load_page(page_index)
                heights.append(float(page.rect.height))
                spans_dict = page.get_text("dict", flags=_dict_flags())
                extraction = "text"
                if sum(len(s["text"].strip()) for s in _iter_spans(spans_dict)) < _MIN_TEXT_CHARS:
                    if not _page_has_images(page):
                        skipped.append((page_no, "blank page"))
                        raw_pages.append([])
                        continue
                    if not use_ocr:
                        skipped.append(
                            (
                                page_no,
                                "no text layer (scanned page) and OCR is turned off (--no-ocr)"
                                if ocr is False
                                else "no text layer (scanned page) and Tesseract OCR is not installed",
                            )
                        )
                        raw_pages.append([])
                        continue
                    textpage = page.get_textpage_ocr(
                        language=OCR_LANGUAGES, dpi=300, full=True, tessdata=_tessdata()
                    )
                    spans_dict = page.get_text("dict", flags=_dict_flags(), textpage=textpage)
                    extraction = "ocr"
                    if sum(len(s["text"].strip()) for s in _iter_spans(spans_dict)) < _MIN_TEXT_CHARS:
                        skipped.append((page_no, "scanned page: OCR found no text"))
                        raw_pages.append([])
                        continue
                raw_pages.append(_page_blocks(spans_dict, extraction))
            except (RuntimeError, ValueError) as exc:  # a damaged page: report it, keep the others
                skipped.append((page_no, f"unreadable page ({_short(exc)})"))
                raw_pages.append([])
        title = (doc.metadata or {}).get("title") or ""
        n_pages = doc.page_count
        repaired = bool(getattr(doc, "is_repaired", False))
    if repaired and b"%%EOF" not in tail:
        # Cut short (an interrupted download or copy): MuPDF rebuilds what it can, and the lost pages
        # would come out as "blank". Refuse the file, so that a stored good copy is not replaced by a
        # partial one (robustness tests: truncated PDFs leave the index as it was).
        raise IngestError(
            str(path),
            "truncated PDF: the file ends before its end-of-file marker (%%EOF), so pages are missing; "
            "fetch or copy it again",
        )
    blocks = _classify(raw_pages, heights)
    if not blocks:
        if repaired:
            raise IngestError(str(path), "damaged PDF (truncated or corrupt): no text could be recovered")
        reasons = "; ".join(sorted({r for _, r in skipped})) or "no text"
        raise IngestError(str(path), f"no text could be extracted from any page ({reasons})")
    if repaired:
        logger.warning("%s: damaged PDF repaired by MuPDF; some content may be missing", path)
    if not title:
        title = next((b.text for b in blocks if b.kind == "heading"), path.stem.replace("_", " "))
    return ConvertedDocument(
        path=path, title=title.strip(), blocks=blocks, n_pages=n_pages, skipped_pages=skipped
    )


def _pdf_head_and_tail(path: Path) -> tuple[bytes, bytes]:
    """The first and last 1024 bytes of a file (where a PDF's header and %%EOF marker must be)."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
            fh.seek(0, 2)
            fh.seek(max(0, fh.tell() - 1024))
            return head, fh.read()
    except OSError as exc:
        raise IngestError(str(path), f"cannot read file: {exc.strerror}") from exc


_MAGIC = (
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive or Office document"),
    (b"\xd0\xcf\x11\xe0", "an old Office document"),
)


def _sniff(head: bytes) -> str:
    """What the first bytes of a file look like, for an error message."""
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return f"it looks like {kind}"
    text = head.lstrip().lower()
    if text.startswith((b"<!doctype html", b"<html")):
        return "it looks like an HTML page"
    if b"\x00" not in head and head.strip():
        return "it looks like plain text"
    return "unknown binary content"


def _short(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text if len(text) < 120 else text[:117] + "..."


def _iter_spans(page_dict: dict) -> list[dict]:
    return [
        span
        for block in page_dict.get("blocks", [])
        if block.get("type", 0) == 0
        for line in block.get("lines", [])
        for span in line.get("spans", [])
    ]


def _page_has_images(page: Any) -> bool:
    return bool(page.get_images(full=False))


@dataclass
class _Line:
    text: str
    bbox: tuple[float, float, float, float]
    size: float
    chars: int
    bold_chars: int


@dataclass
class _RawBlock:
    lines: list[_Line]
    extraction: str


def _page_blocks(page_dict: dict, extraction: str) -> list[_RawBlock]:
    """The text blocks of a page, line by line with each line's box, size and weight."""
    out = []
    for block in page_dict.get("blocks", []):
        if block.get("type", 0) != 0:
            continue
        lines: list[_Line] = []
        for line in block.get("lines", []):
            spans = line.get("spans", [])
            text = "".join(span["text"] for span in spans).strip()
            if not text:
                continue
            sizes: Counter[float] = Counter()
            chars = bold = 0
            for span in spans:
                n = len(span["text"].strip())
                sizes[round(float(span["size"]), 1)] += n
                chars += n
                if span.get("flags", 0) & 16 or "bold" in span.get("font", "").lower():
                    bold += n
            x0, y0, x1, y1 = line["bbox"]
            lines.append(
                _Line(text, (x0, y0, x1, y1), sizes.most_common(1)[0][0] if sizes else 0.0, chars, bold)
            )
        if lines:
            out.append(_RawBlock(lines, extraction))
    return out


def _join_lines(lines: list[str]) -> str:
    """Join a block's lines, mending words hyphenated at a line end ("navi-" + "gation")."""
    text = ""
    for line in lines:
        if text.endswith("-") and len(text) > 1 and text[-2].isalpha() and line[:1].islower():
            text = text[:-1] + line
        elif text:
            text += " " + line
        else:
            text = line
    return " ".join(text.split())


def _edge_key(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"\d+", "#", text)).strip().lower()


def _classify(raw_pages: list[list[_RawBlock]], heights: list[float]) -> list[TextBlock]:
    """Drop running headers/footers and page numbers, then tell headings from paragraphs.

    A running header or footer is a line near the top or bottom of the page whose text (digits
    ignored) comes back on at least half of the pages. It is removed line by line, because PyMuPDF
    may glue it to the first paragraph of the page.
    """
    edge_counts: Counter[str] = Counter()
    n_text_pages = sum(1 for p in raw_pages if p)
    for page_blocks, height in zip(raw_pages, heights, strict=False):
        seen = {
            _edge_key(line.text)
            for block in page_blocks
            for line in block.lines
            if _near_edge(line.bbox, height) and len(line.text) < 120
        }
        edge_counts.update(seen)
    repeated = {t for t, n in edge_counts.items() if n_text_pages >= 2 and n >= max(2, n_text_pages / 2)}

    kept_pages: list[list[tuple[str, tuple[float, float, float, float], float, bool, str]]] = []
    for page_index, page_blocks in enumerate(raw_pages):
        height = heights[page_index] if page_index < len(heights) else 842.0
        kept: list[tuple[str, tuple[float, float, float, float], float, bool, str]] = []
        for block in page_blocks:
            lines = [
                line
                for line in block.lines
                if not (
                    _near_edge(line.bbox, height)
                    and (_PAGE_NUMBER.match(line.text) or _edge_key(line.text) in repeated)
                )
            ]
            text = _join_lines([line.text for line in lines])
            if not text:
                continue
            sizes: Counter[float] = Counter()
            for line in lines:
                sizes[line.size] += line.chars
            chars = sum(line.chars for line in lines)
            bold = sum(line.bold_chars for line in lines)
            bbox = (
                round(min(line.bbox[0] for line in lines), 2),
                round(min(line.bbox[1] for line in lines), 2),
                round(max(line.bbox[2] for line in lines), 2),
                round(max(line.bbox[3] for line in lines), 2),
            )
            size = sizes.most_common(1)[0][0] if sizes else 0.0
            kept.append((text, bbox, size, chars > 0 and bold >= 0.8 * chars, block.extraction))
        kept_pages.append(kept)

    body_sizes: Counter[float] = Counter()
    for page in kept_pages:
        for text, _bbox, size, _bold, _ex in page:
            body_sizes[size] += len(text)
    body = body_sizes.most_common(1)[0][0] if body_sizes else 0.0
    heading_sizes = sorted(
        {size for p in kept_pages for text, _b, size, bold, _e in p if _is_heading(text, size, bold, body)},
        reverse=True,
    )
    blocks: list[TextBlock] = []
    for page_index, page in enumerate(kept_pages):
        for text, bbox, size, bold, extraction in page:
            if _is_heading(text, size, bold, body):
                level = heading_sizes.index(size) + 1 if size in heading_sizes else len(heading_sizes) + 1
                kind: BlockKind = "heading"
            else:
                level = 0
                kind = "list_item" if re.match(r"^[-•–*]\s", text) else "paragraph"
            blocks.append(
                TextBlock(
                    text=text, kind=kind, level=level, page=page_index + 1, bbox=bbox, extraction=extraction
                )
            )
    return blocks


def _near_edge(bbox: tuple[float, float, float, float], height: float) -> bool:
    """In the top or bottom tenth of the page, where running headers, footers and page numbers sit."""
    margin = 0.10 * height
    return bbox[3] <= margin or bbox[1] >= height - margin


def _is_heading(text: str, size: float, bold: bool, body: float) -> bool:
    if len(text) > 160 or (text.endswith((".", ";", ",")) and len(text) > 60):
        return False
    if body and size >= body * 1.15:
        return True
    return bold and len(text) < 120 and not text.endswith(".")


# -- Markdown, plain text, HTML -----------------------------------------------------------------------

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_LIST = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
_MD_INLINE = [
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"(\*\*|__)(.+?)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])"), r"\1"),
    (re.compile(r"`([^`]*)`"), r"\1"),
]


def _md_inline(text: str) -> str:
    for pattern, repl in _MD_INLINE:
        text = pattern.sub(repl, text)
    return re.sub(r"\s+", " ", text).strip()


def markdown_blocks(text: str) -> list[TextBlock]:
    """Headings, paragraphs and list items of a Markdown document (CommonMark subset).

    Examples
    --------
    >>> [(b.kind, b.level, b.text) for b in markdown_blocks("# Titre\\n\\nUn **paragraphe**.\\n- item")]
    [('heading', 1, 'Titre'), ('paragraph', 0, 'Un paragraphe.'), ('list_item', 0, '- item')]
    >>> markdown_blocks("")
    []
    """
    blocks: list[TextBlock] = []
    buffer: list[str] = []
    in_code = False

    def flush() -> None:
        if buffer:
            para = _md_inline(" ".join(buffer))
            if para:
                blocks.append(TextBlock(text=para))
            buffer.clear()

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("```"):
            flush()
            in_code = not in_code
            continue
        if in_code:
            if stripped:
                blocks.append(TextBlock(text=stripped))
            continue
        if not stripped or stripped.startswith("<!--") or re.fullmatch(r"[-*_]{3,}", stripped):
            flush()
            continue
        heading = _MD_HEADING.match(stripped)
        if heading:
            flush()
            blocks.append(
                TextBlock(text=_md_inline(heading.group(2)), kind="heading", level=len(heading.group(1)))
            )
            continue
        if _MD_LIST.match(line):
            flush()
            blocks.append(
                TextBlock(text="- " + _md_inline(_MD_LIST.sub("", line, count=1)), kind="list_item")
            )
            continue
        if blocks and blocks[-1].kind == "list_item" and not buffer and line.startswith((" ", "\t")):
            last = blocks.pop()
            blocks.append(TextBlock(text=last.text + " " + _md_inline(stripped), kind="list_item"))
            continue
        buffer.append(stripped)
    flush()
    return blocks


def plain_text_blocks(text: str) -> list[TextBlock]:
    """Paragraphs of a plain-text file (blank-line separated); short capitalised lines are headings.

    Examples
    --------
    >>> [(b.kind, b.text) for b in plain_text_blocks("AVIS N° 12\\n\\nLa bouée est\\ndéplacée.")]
    [('heading', 'AVIS N° 12'), ('paragraph', 'La bouée est déplacée.')]
    """
    blocks: list[TextBlock] = []
    for chunk in re.split(r"\n\s*\n", text):
        lines = [ln.strip() for ln in chunk.splitlines() if ln.strip()]
        if not lines:
            continue
        para = _join_lines(lines)
        letters = [c for c in para if c.isalpha()]
        is_heading = (
            len(lines) == 1
            and len(para) <= 80
            and not para.endswith((".", ":", ";", ","))
            and bool(letters)
            and sum(c.isupper() for c in letters) >= 0.6 * len(letters)
        )
        blocks.append(
            TextBlock(text=para, kind="heading" if is_heading else "paragraph", level=1 if is_heading else 0)
        )
    return blocks


class _HTMLBlocks(html.parser.HTMLParser):
    _BLOCK = frozenset(
        {"p", "li", "td", "th", "div", "section", "article", "blockquote", "pre", "dd", "dt", "br"}
    )
    _SKIP = frozenset({"script", "style", "head", "nav", "noscript", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[TextBlock] = []
        self._text: list[str] = []
        self._heading: int = 0
        self._list_item = False
        self._skip_depth = 0

    def _flush(self) -> None:
        text = re.sub(r"\s+", " ", "".join(self._text)).strip()
        self._text.clear()
        if not text:
            return
        if self._heading:
            self.blocks.append(TextBlock(text=text, kind="heading", level=self._heading))
        elif self._list_item:
            self.blocks.append(TextBlock(text="- " + text, kind="list_item"))
        else:
            self.blocks.append(TextBlock(text=text))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skip_depth += 1
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = int(tag[1])
        elif tag in self._BLOCK:
            self._flush()
            self._list_item = tag == "li"

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skip_depth = max(0, self._skip_depth - 1)
            return
        if re.fullmatch(r"h[1-6]", tag):
            self._flush()
            self._heading = 0
        elif tag in self._BLOCK:
            self._flush()
            self._list_item = False

    def handle_data(self, data: str) -> None:
        if not self._skip_depth:
            self._text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def html_blocks(text: str) -> list[TextBlock]:
    """Headings, paragraphs and list items of an HTML page (scripts, styles and navigation dropped).

    Examples
    --------
    >>> [(b.kind, b.text) for b in html_blocks("<h1>Avis</h1><p>Feu <b>éteint</b>.</p><script>x</script>")]
    [('heading', 'Avis'), ('paragraph', 'Feu éteint.')]
    """
    parser = _HTMLBlocks()
    parser.feed(text)
    parser.close()
    return parser.blocks
