"""Build the sample PDF corpus from its Markdown sources.

    python corpora/build_corpus.py [--out corpora/pdf] [--force] [--check]

Each ``corpora/src/*.md`` becomes one A4 PDF (PyMuPDF HTML layout), one page per
``<!-- pagebreak -->``-separated chunk. A chunk that does not fit on its page is an
error: nothing is ever shrunk or truncated silently. ``corpora/extra/*`` is copied
to ``OUT/extra/``. Output is deterministic (fixed metadata dates, no new file ID).

Source format (a tiny Markdown subset): ``# Title`` once, ``## Heading``,
``### Subheading``, blank-line separated paragraphs, ``- `` list items, and a line
holding only ``<!-- pagebreak -->``. All content is ILLUSTRATIVE, NOT FOR NAVIGATION.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pymupdf

HERE = Path(__file__).resolve().parent
SRC_DIR = HERE / "src"
EXTRA_DIR = HERE / "extra"
DEFAULT_OUT = HERE / "pdf"

AUTHOR = "maritime sample corpus"
SUBJECT = "illustrative sample data, not for navigation"
FIXED_DATE = "D:20250101000000+00'00'"

#: Language of each source (file stem); anything not listed is French.
LANGUAGES = {"sailing_directions_brest": "en"}

PAGE_WIDTH, PAGE_HEIGHT = pymupdf.paper_size("a4")  # 595 x 842 pt
MARGIN = 50
FOOTER_HEIGHT = 20
BODY_RECT = pymupdf.Rect(MARGIN, MARGIN, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN - FOOTER_HEIGHT)
FOOTER_RECT = pymupdf.Rect(MARGIN, PAGE_HEIGHT - MARGIN, PAGE_WIDTH - MARGIN, PAGE_HEIGHT - MARGIN + 16)

CSS = """
body { font-family: serif; font-size: 10.5pt; line-height: 1.25; }
h1 { font-size: 17pt; font-weight: bold; margin: 0 0 10pt 0; }
h2 { font-size: 13pt; font-weight: bold; margin: 10pt 0 5pt 0; }
h3 { font-size: 11.5pt; font-weight: bold; margin: 8pt 0 4pt 0; }
p { margin: 0 0 6pt 0; text-align: justify; }
ul { margin: 0 0 6pt 0; }
li { margin: 0 0 2pt 0; }
.footer { font-size: 9pt; text-align: center; }
"""

PAGEBREAK = "<!-- pagebreak -->"
NUMBERED_RE = re.compile(r"^(\d+\.\d+)\s")
ARTICLE_RE = re.compile(r"^(Article\s+\d+(?:er)?)(?=\s|$)")


@dataclass(frozen=True)
class Block:
    """One block of a source page: kind is "h1", "h2", "h3", "p" or "li"."""

    kind: str
    text: str


class SourceError(ValueError):
    """A source file breaks the Markdown subset or does not fit its pages."""


def language_of(stem: str) -> str:
    return LANGUAGES.get(stem, "fr")


def parse_source(text: str, name: str = "<source>") -> list[list[Block]]:
    """Split a source into pages of blocks; raise SourceError on anything unexpected."""
    pages: list[list[Block]] = [[]]
    para: list[str] = []

    def flush() -> None:
        if para:
            pages[-1].append(Block("p", " ".join(para)))
            para.clear()

    for lineno, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line:
            flush()
        elif line == PAGEBREAK:
            flush()
            pages.append([])
        elif line.startswith("<!--") or line.startswith("<"):
            raise SourceError(f"{name}:{lineno}: raw HTML is not part of the source format")
        elif line.startswith("#"):
            flush()
            level, _, title = line.partition(" ")
            if level not in ("#", "##", "###") or not title.strip():
                raise SourceError(f"{name}:{lineno}: bad heading {line!r}")
            pages[-1].append(Block("h" + str(len(level)), title.strip()))
        elif line.startswith("- "):
            flush()
            pages[-1].append(Block("li", line[2:].strip()))
        elif raw.startswith(" ") and pages[-1] and pages[-1][-1].kind == "li" and not para:
            # continuation line of a list item
            last = pages[-1].pop()
            pages[-1].append(Block("li", last.text + " " + line))
        else:
            para.append(line)
    flush()

    titles = [b for page in pages for b in page if b.kind == "h1"]
    if len(titles) != 1 or pages[0][:1] != titles:
        raise SourceError(f"{name}: needs exactly one '# Title', as its first line")
    for number, page in enumerate(pages, 1):
        if not page:
            raise SourceError(f"{name}: page {number} is empty")
    return pages


def section_label(block: Block) -> str | None:
    """Paragraph number ("2.14") or article ("Article 3") that starts a paragraph, if any."""
    if block.kind != "p":
        return None
    match = NUMBERED_RE.match(block.text) or ARTICLE_RE.match(block.text)
    return match.group(1) if match else None


def to_html(blocks: list[Block]) -> str:
    out: list[str] = []
    in_list = False
    for block in blocks:
        if block.kind == "li" and not in_list:
            out.append("<ul>")
            in_list = True
        elif block.kind != "li" and in_list:
            out.append("</ul>")
            in_list = False
        out.append(f"<{block.kind}>{html.escape(block.text, quote=False)}</{block.kind}>")
    if in_list:
        out.append("</ul>")
    return "\n".join(out)


def build_pdf(src: Path, dest: Path) -> int:
    """Render one source to ``dest``; return its number of pages."""
    pages = parse_source(src.read_text(encoding="utf-8"), src.name)
    title = pages[0][0].text
    doc = pymupdf.open()
    try:
        for number, blocks in enumerate(pages, 1):
            page = doc.new_page(width=PAGE_WIDTH, height=PAGE_HEIGHT)
            spare, scale = page.insert_htmlbox(BODY_RECT, to_html(blocks), css=CSS, scale_low=1)
            if spare < 0 or scale != 1:
                raise SourceError(
                    f"{src.name}: page {number} does not fit on one A4 page; move a pagebreak earlier"
                )
            footer = f'<p class="footer">{number}</p>'
            spare, _ = page.insert_htmlbox(FOOTER_RECT, footer, css=CSS, scale_low=1)
            if spare < 0:
                raise SourceError(f"{src.name}: footer of page {number} does not fit")
        doc.set_metadata(
            {
                "title": title,
                "author": AUTHOR,
                "subject": SUBJECT,
                "keywords": f"maritime; Brest; Iroise; language={language_of(src.stem)}",
                "creator": "maritime corpora/build_corpus.py",
                "producer": "PyMuPDF",
                "creationDate": FIXED_DATE,
                "modDate": FIXED_DATE,
            }
        )
        doc.set_language(language_of(src.stem))
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_suffix(".pdf.tmp")
        doc.save(tmp, garbage=3, deflate=True, no_new_id=True)
        tmp.replace(dest)
        return len(pages)
    finally:
        doc.close()


def is_up_to_date(src: Path, dest: Path) -> bool:
    if not dest.exists():
        return False
    newest_input = max(src.stat().st_mtime, Path(__file__).stat().st_mtime)
    return dest.stat().st_mtime > newest_input


def build(out: Path, force: bool = False) -> dict[str, int]:
    """Build every source into ``out``; return {pdf name: pages}."""
    sources = sorted(SRC_DIR.glob("*.md"))
    if not sources:
        raise SourceError(f"no sources in {SRC_DIR}")
    built: dict[str, int] = {}
    for src in sources:
        dest = out / (src.stem + ".pdf")
        if not force and is_up_to_date(src, dest):
            with pymupdf.open(dest) as doc:
                built[dest.name] = doc.page_count
            print(f"up to date  {dest} ({built[dest.name]} pages)")
            continue
        built[dest.name] = build_pdf(src, dest)
        print(f"built       {dest} ({built[dest.name]} pages, {language_of(src.stem)})")
    if EXTRA_DIR.is_dir():
        extra_out = out / "extra"
        extra_out.mkdir(parents=True, exist_ok=True)
        for extra in sorted(p for p in EXTRA_DIR.iterdir() if p.is_file()):
            shutil.copyfile(extra, extra_out / extra.name)
            print(f"copied      {extra_out / extra.name}")
    return built


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder (default corpora/pdf)")
    parser.add_argument("--force", action="store_true", help="rebuild even when outputs are up to date")
    parser.add_argument("--check", action="store_true", help="then verify corpora/questions.yaml")
    args = parser.parse_args(argv)
    start = time.monotonic()
    try:
        built = build(args.out, force=args.force)
    except SourceError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"{len(built)} PDFs, {sum(built.values())} pages in {time.monotonic() - start:.1f} s")
    if args.check:
        sys.path.insert(0, str(HERE))
        from check_questions import main as check_main

        return check_main(["--pdf", str(args.out)])
    return 0


if __name__ == "__main__":
    sys.exit(main())
