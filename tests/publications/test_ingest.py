"""Ingest through the facade: metadata, idempotence, replacement, and bad files in a batch."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from maritime import Assistant
from maritime.publications.ingest import ProgressEvent
from tests.publications.pdfs import write_encrypted_pdf, write_pdf

PAGES = [
    [
        ("h1", "Instructions nautiques — Brest (exemple)"),
        ("h2", "Goulet de Brest"),
        (
            "p",
            "2.1 Le feu du Portzic (48°21,5' N - 004°32,0' O) éclaire le Goulet. Le mouillage y est interdit.",
        ),
        ("p", "2.2 Les courants atteignent 4 nœuds en vives-eaux."),
    ],
    [
        ("h2", "Rade de Brest"),
        ("p", "2.3 La vitesse est limitée à 12 nœuds en rade."),
    ],
]
EN_PAGES = [
    [
        ("h1", "Sailing Directions"),
        ("p", "1.4 The light on Pointe Saint-Mathieu, 48°19.8'N 4°46.2'W, is conspicuous."),
    ]
]


@pytest.fixture
def asst(tmp_path: Path) -> Assistant:
    return Assistant.open(tmp_path / "index", embedder="none")


def test_passages_carry_every_meta_key(tmp_path: Path, asst: Assistant) -> None:
    docs_dir = tmp_path / "pubs"
    docs_dir.mkdir()
    write_pdf(docs_dir / "in_brest.pdf", PAGES)
    report = asst.ingest([docs_dir])
    assert report.ingested == [("in_brest.pdf", 2, 3)]
    docs = sorted(asst.store.filter_documents(), key=lambda d: d.meta["passage_index"])
    assert [(d.meta["page"], d.meta["section"]) for d in docs] == [(1, "2.1"), (1, "2.2"), (2, "2.3")]
    by_section = {d.meta["section"]: d for d in docs}
    p21 = by_section["2.1"]
    assert p21.meta["source"] == "in_brest.pdf"
    assert p21.meta["page"] == 1
    assert p21.meta["language"] == "fr"
    assert p21.meta["heading"] == "Instructions nautiques — Brest (exemple) > Goulet de Brest"
    assert p21.meta["positions"] == [[pytest.approx(48 + 21.5 / 60), pytest.approx(-(4 + 32 / 60))]]
    assert len(p21.meta["bbox"]) == 4 and p21.meta["bbox"][0] < p21.meta["bbox"][2]
    assert p21.meta["doc_type"] == "sailing_directions"
    assert p21.meta["n_tokens"] > 10
    assert by_section["2.3"].meta["page"] == 2


def test_reingest_is_idempotent_and_changes_replace(tmp_path: Path, asst: Assistant) -> None:
    pdf = write_pdf(tmp_path / "in_brest.pdf", PAGES)
    first = asst.ingest([pdf])
    n = asst.store.count_documents()
    assert first.ingested and n > 0
    again = asst.ingest([pdf])
    assert again.ingested == [] and again.unchanged == ["in_brest.pdf"]
    assert asst.store.count_documents() == n
    write_pdf(pdf, [PAGES[1]])  # the file changes: one page only
    changed = asst.ingest([pdf])
    assert changed.ingested == [("in_brest.pdf", 1, 1)]
    assert asst.store.count_documents() == 1
    assert asst.search("Portzic", mode="bm25") == []
    assert asst.search("vitesse rade", mode="bm25")[0].meta["section"] == "2.3"


def test_bad_files_are_skipped_and_the_batch_goes_on(tmp_path: Path, asst: Assistant) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    write_pdf(batch / "a_good.pdf", PAGES)
    good_bytes = (batch / "a_good.pdf").read_bytes()
    (batch / "b_corrupt.pdf").write_bytes(good_bytes[: len(good_bytes) // 3])
    write_encrypted_pdf(batch / "c_encrypted.pdf")
    (batch / "d_empty.pdf").write_bytes(b"")
    (batch / "e_binary.pdf").write_bytes(bytes(range(256)) * 64)
    write_pdf(batch / "f_disappears.pdf", EN_PAGES)
    write_pdf(batch / "g_english.pdf", EN_PAGES)

    def vanish(event: ProgressEvent) -> None:  # deletes f_ while the batch is running
        if event.stage == "file" and event.path == "e_binary.pdf":
            (batch / "f_disappears.pdf").unlink()

    report = asst.ingest([batch], progress=vanish, workers=1)  # in order: f_ is read after e_'s event
    assert [s for s, _, _ in report.ingested] == ["a_good.pdf", "g_english.pdf"]
    reasons = {Path(p).name: r for p, r in report.skipped}
    assert set(reasons) == {
        "b_corrupt.pdf",
        "c_encrypted.pdf",
        "d_empty.pdf",
        "e_binary.pdf",
        "f_disappears.pdf",
    }
    assert "PDF" in reasons["b_corrupt.pdf"]
    assert "encrypted" in reasons["c_encrypted.pdf"]
    assert "empty" in reasons["d_empty.pdf"]
    assert "not a readable PDF" in reasons["e_binary.pdf"]
    assert "disappeared" in reasons["f_disappears.pdf"]
    assert "5 skipped" in report.summary()
    # nothing already indexed is lost by a later bad batch
    before = asst.store.count_documents()
    (batch / "a_good.pdf").write_bytes(b"%PDF-1.7 garbage")
    later = asst.ingest([batch / "a_good.pdf"])
    assert later.skipped and asst.store.count_documents() == before
    assert asst.search("Portzic", mode="bm25")[0].meta["source"] == "a_good.pdf"


def test_missing_path_is_reported(tmp_path: Path, asst: Assistant) -> None:
    report = asst.ingest([tmp_path / "nope.pdf"])
    assert report.skipped == [(str(tmp_path / "nope.pdf"), "no such file or folder")]


def test_geo_filter_through_search(tmp_path: Path, asst: Assistant) -> None:
    write_pdf(tmp_path / "fr.pdf", PAGES)
    write_pdf(tmp_path / "en.pdf", EN_PAGES)
    asst.ingest([tmp_path / "fr.pdf", tmp_path / "en.pdf"])
    near_portzic = asst.search("feu light", mode="bm25", near="48°21,5'N 004°32'W", radius_nm=3)
    assert {d.meta["source"] for d in near_portzic} == {"fr.pdf"}
    near_stmathieu = asst.search("feu light", mode="bm25", near=(48.33, -4.77), radius_nm=3)
    assert {d.meta["source"] for d in near_stmathieu} == {"en.pdf"}


def test_markdown_and_html_sources(tmp_path: Path, asst: Assistant) -> None:
    folder = tmp_path / "extra"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "avis.md").write_text("# Avis\n\nLa bouée Basse Beuzec est déplacée.\n", "utf-8")
    (folder / "notice.html").write_text("<h1>Notice</h1><p>The Fillettes buoy is unlit.</p>", "utf-8")
    shutil.copy(Path(__file__), folder / "ignored.py")
    report = asst.ingest([folder])
    assert sorted(s for s, _, _ in report.ingested) == ["notice.html", "sub/avis.md"]
    hit = asst.search("Beuzec", mode="bm25")[0]
    assert hit.meta["source"] == "sub/avis.md" and hit.meta["page"] is None


def test_parallel_conversion_gives_the_same_index(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    batch.mkdir()
    for i in range(4):
        write_pdf(batch / f"doc{i}.pdf", [*PAGES, [("p", f"2.{i + 10} Paragraphe propre au document {i}.")]])
    (batch / "broken.pdf").write_bytes(b"%PDF-1.7 not really")
    write_pdf(batch / "en.pdf", EN_PAGES)
    serial = Assistant.open(tmp_path / "serial", embedder="none")
    parallel = Assistant.open(tmp_path / "parallel", embedder="none")
    report_serial = serial.ingest([batch], workers=1)
    report_parallel = parallel.ingest([batch], workers=2)
    assert report_parallel.ingested == report_serial.ingested
    assert report_parallel.skipped == report_serial.skipped
    assert [Path(p).name for p, _ in report_parallel.skipped] == ["broken.pdf"]

    def contents(asst: Assistant) -> list[tuple[str, int, str]]:
        return sorted(
            (d.meta["source"], d.meta["page"], d.content or "") for d in asst.store.filter_documents()
        )

    assert contents(parallel) == contents(serial)
    assert parallel.search("Paragraphe propre document 3", mode="bm25")[0].meta["source"] == "doc3.pdf"


def test_charts_ingested_after_a_question_are_seen_by_the_next(tmp_path: Path) -> None:
    from tests.conftest import REPO

    asst = Assistant.open(tmp_path / "index", embedder="none")
    asst.ingest([write_pdf(tmp_path / "a.pdf", PAGES)])
    question = "Quel est le feu le plus proche de 48°21,5'N 004°33,0'O ?"
    before = asst.ask(question)
    assert before.chart_features == []  # no chart yet: the pipeline is built without one
    asst.ingest([REPO / "charts" / "FR_BREST_SAMPLE.000"])
    after = asst.ask(question)
    assert [f.object_class for f in after.chart_features] == ["LIGHTS"]
