"""Conversion of PDFs, Markdown, text and HTML into located blocks."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest

from maritime.errors import IngestError
from maritime.publications.convert import convert, tesseract_available
from tests.publications.pdfs import write_encrypted_pdf, write_pdf, write_scanned_pdf

PAGES = [
    [
        ("h1", "Chapitre 2 — Approches de Brest"),
        ("h2", "Goulet de Brest"),
        ("p", "2.1 Le Goulet de Brest relie l'Iroise à la rade. Sa largeur minimale est de 1,8 km."),
        ("p", "Les courants y atteignent 4 nœuds en vives-eaux."),
        ("p", "2.2 Le feu du Portzic marque la rive nord."),
    ],
    [
        ("h2", "Rade de Brest"),
        ("p", "2.3 Le mouillage est interdit dans le chenal d'accès au port militaire."),
    ],
]


def test_pdf_blocks_know_page_bbox_and_headings(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "in.pdf", PAGES, title="Instructions nautiques (exemple)")
    converted = convert(pdf)
    assert converted.n_pages == 2
    assert converted.title == "Instructions nautiques (exemple)"
    kinds = [(b.kind, b.page, b.text[:12]) for b in converted.blocks]
    assert kinds == [
        ("heading", 1, "Chapitre 2 —"),
        ("heading", 1, "Goulet de Br"),
        ("paragraph", 1, "2.1 Le Goule"),
        ("paragraph", 1, "Les courants"),
        ("paragraph", 1, "2.2 Le feu d"),
        ("heading", 2, "Rade de Bres"),
        ("paragraph", 2, "2.3 Le mouil"),
    ]  # the page-number footers are gone
    h1, h2 = converted.blocks[0], converted.blocks[1]
    assert h1.level < h2.level
    # The bbox really encloses the text on that page.
    with pymupdf.open(pdf) as doc:
        block = converted.blocks[4]
        assert block.bbox is not None
        words = doc[0].get_text("text", clip=pymupdf.Rect(block.bbox))
        assert "Portzic" in words


def test_corrupt_pdf(tmp_path: Path) -> None:
    good = write_pdf(tmp_path / "good.pdf", PAGES)
    bad = tmp_path / "truncated.pdf"
    bad.write_bytes(good.read_bytes()[:300])
    with pytest.raises(IngestError, match=r"truncated\.pdf") as err:
        convert(bad)
    assert "PDF" in err.value.reason


def test_binary_with_pdf_name(tmp_path: Path) -> None:
    fake = tmp_path / "photo.pdf"
    fake.write_bytes(bytes(range(256)) * 40)
    with pytest.raises(IngestError, match="not a readable PDF"):
        convert(fake)


def test_encrypted_pdf(tmp_path: Path) -> None:
    with pytest.raises(IngestError, match="encrypted"):
        convert(write_encrypted_pdf(tmp_path / "secret.pdf"))


def test_empty_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(IngestError, match="empty file"):
        convert(empty)


def test_unsupported_type(tmp_path: Path) -> None:
    f = tmp_path / "cell.docx"
    f.write_text("x")
    with pytest.raises(IngestError, match=r"unsupported file type '\.docx'"):
        convert(f)


def test_scanned_page_without_ocr_is_reported(tmp_path: Path) -> None:
    pdf = tmp_path / "mixed.pdf"
    write_pdf(pdf, PAGES)
    scan = write_scanned_pdf(tmp_path / "scan.pdf", "Avis urgent : feu éteint")
    with pymupdf.open(pdf) as doc, pymupdf.open(scan) as extra:
        doc.insert_pdf(extra)
        doc.save(tmp_path / "with_scan.pdf")
    converted = convert(tmp_path / "with_scan.pdf", ocr=False)
    assert converted.n_pages == 3
    assert converted.skipped_pages == [(3, "no text layer (scanned page) and OCR is turned off (--no-ocr)")]
    assert {b.page for b in converted.blocks} == {1, 2}


def test_only_scanned_pages_without_ocr_is_an_error(tmp_path: Path) -> None:
    scan = write_scanned_pdf(tmp_path / "scan.pdf", "Avis urgent")
    with pytest.raises(IngestError, match="no text could be extracted"):
        convert(scan, ocr=False)


@pytest.mark.integration
@pytest.mark.skipif(not tesseract_available(), reason="Tesseract with fra+eng data is not installed")
def test_scanned_page_is_read_by_ocr(tmp_path: Path) -> None:
    scan = write_scanned_pdf(
        tmp_path / "scan.pdf", "Avis urgent aux navigateurs : le feu de la bouée est éteint."
    )
    converted = convert(scan)
    text = " ".join(b.text for b in converted.blocks)
    assert "navigateurs" in text and "éteint" in text
    assert {b.extraction for b in converted.blocks} == {"ocr"}
    assert converted.blocks[0].page == 1 and converted.blocks[0].bbox is not None


def test_markdown_text_html(tmp_path: Path) -> None:
    md = tmp_path / "a.md"
    md.write_text(
        "# Avis 12/2026\n\n## Zone\n\nLa bouée **Roche Mengam** est déplacée.\n\n- feu éteint\n", "utf-8"
    )
    blocks = convert(md).blocks
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Avis 12/2026"),
        ("heading", "Zone"),
        ("paragraph", "La bouée Roche Mengam est déplacée."),
        ("list_item", "- feu éteint"),
    ]
    assert all(b.page is None for b in blocks)
    txt = tmp_path / "b.txt"
    txt.write_bytes("AVIS URGENT\n\nLe feu du Minou\nest éteint.\n".encode("cp1252"))
    assert [b.text for b in convert(txt).blocks] == ["AVIS URGENT", "Le feu du Minou est éteint."]
    html = tmp_path / "c.html"
    html.write_text(
        "<html><head><title>x</title><style>p{}</style></head><body><h2>Notice</h2>"
        "<p>Buoy <i>moved</i>.</p><ul><li>one</li></ul></body></html>",
        "utf-8",
    )
    assert [(b.kind, b.text) for b in convert(html).blocks] == [
        ("heading", "Notice"),
        ("paragraph", "Buoy moved."),
        ("list_item", "- one"),
    ]


def test_text_file_with_nul_bytes(tmp_path: Path) -> None:
    f = tmp_path / "notes.txt"
    f.write_bytes(b"abc\x00\x01\x02" * 10)
    with pytest.raises(IngestError, match="binary content"):
        convert(f)
