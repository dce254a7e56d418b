"""Small real PDFs made with PyMuPDF for the tests."""

from __future__ import annotations

from pathlib import Path

import pymupdf


def write_pdf(path: Path, pages: list[list[tuple[str, str]]], *, title: str = "") -> Path:
    """Write a PDF whose pages hold (kind, text) items; kind is "h1", "h2" or "p".

    Headings are bold and larger than the 10 pt body text, like real sailing directions.
    """
    doc = pymupdf.open()
    for items in pages:
        page = doc.new_page(width=595, height=842)
        html = "".join(
            f"<h1 style='font-size:18pt'>{t}</h1>"
            if k == "h1"
            else f"<h2 style='font-size:13pt'>{t}</h2>"
            if k == "h2"
            else f"<p style='font-size:10pt'>{t}</p>"
            for k, t in items
        )
        spare, _ = page.insert_htmlbox(pymupdf.Rect(50, 60, 545, 780), html)
        assert spare >= 0, "test page content does not fit"
        page.insert_text((290, 820), str(page.number + 1), fontsize=8)  # a page-number footer
    if title:
        doc.set_metadata({"title": title})
    doc.save(path)
    doc.close()
    return path


def write_scanned_pdf(path: Path, text: str) -> Path:
    """A one-page PDF whose only content is an image of ``text`` (no text layer), like a scan."""
    src = pymupdf.open()
    page = src.new_page(width=595, height=842)
    page.insert_htmlbox(pymupdf.Rect(50, 60, 545, 780), f"<p style='font-size:16pt'>{text}</p>")
    pix = page.get_pixmap(dpi=200)
    src.close()
    doc = pymupdf.open()
    out = doc.new_page(width=595, height=842)
    out.insert_image(out.rect, pixmap=pix)
    doc.save(path)
    doc.close()
    return path


def write_encrypted_pdf(path: Path) -> Path:
    doc = pymupdf.open()
    page = doc.new_page()
    page.insert_text((72, 72), "Confidentiel : feu de la Pointe des Espagnols.")
    doc.save(path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner", user_pw="secret")
    doc.close()
    return path
