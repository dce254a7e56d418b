"""The app's handlers, without Gradio and without a browser: real index, real PDFs, real S-57 cell."""

from __future__ import annotations

import doctest
import json
import re
import threading
from pathlib import Path

import numpy as np
import pymupdf
import pytest

from maritime import Assistant
from maritime.app import handlers, mapsvg, render
from maritime.app.views import Filters
from maritime.digest import sha256_file
from maritime.errors import ConfigError
from maritime.geo.coordinates import Position
from tests.app.conftest import (
    EN_POSITION,
    EN_QUESTION,
    EN_RADIUS_NM,
    FR_POSITION,
    FR_QUESTION,
    SAMPLE_CELL,
    UPLOADED_PDF,
    ChartTruth,
)


@pytest.mark.parametrize(
    "module", [handlers, mapsvg, render, "maritime.app.auth"], ids=["handlers", "mapsvg", "render", "auth"]
)
def test_docstring_examples(module: object) -> None:
    import importlib

    mod = importlib.import_module(module) if isinstance(module, str) else module
    result = doctest.testmod(mod, optionflags=doctest.ELLIPSIS)  # type: ignore[arg-type]
    assert result.failed == 0
    if mod is not render:
        assert result.attempted > 0


# -- filters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, Filters()),
        (
            {"area": "near", "position": "48°21,5'N 004°33'O", "radius_nm": 2},
            Filters(area="near", position=Position(48 + 21.5 / 60, -(4 + 33 / 60)), radius_nm=2.0),
        ),
        (
            {"area": "bbox", "bbox": "48.2, -4.7, 48.4, -4.4"},
            Filters(area="bbox", bbox=(48.2, -4.7, 48.4, -4.4)),
        ),
        (
            {"area": "bbox", "bbox": "48°24'N 4°24'O; 48°12'N 4°42'O"},
            Filters(area="bbox", bbox=(48.2, -4.7, 48.4, -4.4)),
        ),
        (
            {"doc_language": "fr", "doc_type": "notice", "answer_language": "en", "top_k": 7.0},
            Filters(doc_language="fr", doc_type="notice", answer_language="en", top_k=7),
        ),
        ({"doc_language": "any", "doc_type": "any", "answer_language": "auto"}, Filters()),
    ],
    ids=["none", "near", "bbox-numbers", "bbox-corners", "documents", "any"],
)
def test_parse_filters(kwargs: dict, expected: Filters) -> None:
    got = handlers.parse_filters(**kwargs)
    if got.bbox is not None and expected.bbox is not None:
        assert got.bbox == pytest.approx(expected.bbox)
        got = Filters(**{**got.__dict__, "bbox": expected.bbox})
    if got.position is not None and expected.position is not None:
        assert (got.position.lat, got.position.lon) == pytest.approx(
            (expected.position.lat, expected.position.lon)
        )
        got = Filters(**{**got.__dict__, "position": expected.position})
    assert got == expected


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"area": "near", "position": "", "radius_nm": 2}, "needs a position"),
        ({"area": "near", "position": "48°21,5'N 004°33'O", "radius_nm": -1}, "positive number"),
        ({"area": "bbox", "bbox": "48.2, -4.7, 48.4"}, "min_lat, min_lon, max_lat, max_lon"),
        ({"area": "bbox", "bbox": "48.4, -4.7, 48.2, -4.4"}, "min_lat < max_lat"),
        ({"doc_language": "de"}, "fr or en"),
        ({"doc_type": "novel"}, "unknown"),
        ({"top_k": 0}, "between 1 and 50"),
        ({"area": "circle"}, "unknown area"),
    ],
    ids=[
        "no-position",
        "negative-radius",
        "three-numbers",
        "inverted-box",
        "language",
        "type",
        "top-k",
        "area",
    ],
)
def test_parse_filters_names_the_bad_value(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        handlers.parse_filters(**kwargs)


# -- markers -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "markdown"),
    [
        ("Feu [C1].", r"Feu [\[C1\]](#feat-C1)."),
        ("Voir [1] et [2; C3].", r"Voir [\[1\]](#cit-1) et [\[2\]](#cit-2)[\[C3\]](#feat-C3)."),
        ("a *b* <i>_c_</i> [c2]", r"a \*b\* \<i\>\_c\_\</i\> [\[C2\]](#feat-C2)"),
        ("", ""),
    ],
    ids=["chart", "group", "escaped", "empty"],
)
def test_answer_markdown_links_markers_and_escapes_the_rest(text: str, markdown: str) -> None:
    assert handlers.answer_markdown(text) == markdown


def test_answer_html_escapes_text_and_links_markers() -> None:
    html = handlers.answer_html("<script>x</script> [1, C2]\nnext")
    assert "<script>" not in html
    assert '<a class="mref" href="#cit-1" data-ref="1">[1]</a>' in html
    assert '<a class="mref" href="#feat-C2" data-ref="C2">[C2]</a>' in html
    assert html.endswith("<br>next")


# -- ask -----------------------------------------------------------------------------------------


def _map_ids(html: str) -> list[str]:
    return re.findall(r'<g id="(map-[^"]+)"', html)


def test_ask_french_chart_question(asst: Assistant, chart_truth: ChartTruth) -> None:
    view = handlers.ask(asst, FR_QUESTION)
    assert view.language == "fr" and view.mode == "extractive"
    assert view.features, "the nearest light is cited"
    first = view.features[0]
    assert first.object_class == "LIGHTS"
    assert first.feature_id in chart_truth.nearest_ids(*FR_POSITION, "LIGHTS")
    assert first.attributes and all(k and v for k, v in first.attributes)
    assert "[\\[C1\\]](#feat-C1)" in view.markdown
    # every marker and every written position has its map marker; lights carry their characteristic
    assert "map-C1" in _map_ids(view.map_html) and "map-query" in _map_ids(view.map_html)
    title = re.search(r'<g id="map-C1"[^>]*><title>([^<]*)</title>', view.map_html)
    assert title is not None and first.description and first.description in title.group(1)
    for cit in view.citations:
        if cit.on_map:
            assert f"map-{cit.id}" in _map_ids(view.map_html)
    # the chart background is there: land, depth areas shaded by depth
    assert 'class="lndare"' in view.map_html and 'class="depare"' in view.map_html
    assert len(set(re.findall(r'class="depare" d="[^"]*" fill="(#[0-9a-f]+)"', view.map_html))) > 1
    assert "Ne pas utiliser pour la navigation" in view.map_html


def test_ask_english_wrecks_within_radius(asst: Assistant, chart_truth: ChartTruth) -> None:
    view = handlers.ask(asst, EN_QUESTION)
    assert view.language == "en"
    expected = chart_truth.within_ids(*EN_POSITION, EN_RADIUS_NM, "WRECKS")
    assert expected, "the sample cell has wrecks there"
    assert {f.feature_id for f in view.features if f.object_class == "WRECKS"} == expected
    for row in view.features:
        assert row.distance_nm is not None and row.distance_nm <= EN_RADIUS_NM + 1e-6
        assert f'id="map-{row.id}"' in view.map_html
    assert 'class="radius"' in view.map_html
    details = render.answer_details_html(view)
    for row in view.features:
        assert f'<tr id="feat-{row.id}" data-ref="{row.id}">' in details
    for cit in view.citations:
        assert f'<li id="cit-{cit.id}" data-ref="{cit.id}">' in details


def test_ask_with_area_passes_near_and_radius(asst: Assistant, chart_truth: ChartTruth) -> None:
    filters = handlers.parse_filters(area="near", position="48°20'N 4°32'W", radius_nm=EN_RADIUS_NM)
    view = handlers.ask(asst, "Which wrecks are there?", filters=filters)
    assert view.answer is not None
    assert view.answer.query_position == pytest.approx(EN_POSITION)
    assert view.answer.query_radius_nm == EN_RADIUS_NM
    assert {f.feature_id for f in view.features if f.object_class == "WRECKS"} == chart_truth.within_ids(
        *EN_POSITION, EN_RADIUS_NM, "WRECKS"
    )
    assert any("3 NM" in f for f in view.applied_filters)


@pytest.mark.parametrize(
    ("kwargs", "check"),
    [
        ({"doc_language": "en"}, lambda c: c.language == "en"),
        ({"doc_type": "regulation"}, lambda c: c.source.startswith("arrete_")),
    ],
    ids=["language", "doc-type"],
)
def test_document_filters_restrict_what_the_answer_cites(
    asst: Assistant, kwargs: dict, check: object
) -> None:
    filters = handlers.parse_filters(**kwargs)
    view = handlers.ask(asst, "mouillage interdit dans la rade", filters=filters)
    assert view.citations, "the filtered answer still cites passages"
    assert all(check(c) for c in view.citations)  # type: ignore[operator]
    unfiltered = handlers.ask(asst, "mouillage interdit dans la rade")
    assert not all(check(c) for c in unfiltered.citations)  # type: ignore[operator]  (the filter mattered)


def test_box_filter_keeps_passages_inside_the_box(asst: Assistant) -> None:
    box = (48.30, -4.62, 48.40, -4.45)
    filters = handlers.parse_filters(area="bbox", bbox=", ".join(map(str, box)))
    view = handlers.ask(asst, "feux du Goulet", filters=filters)
    assert view.answer is not None and view.answer.query_radius_nm is not None
    docs = asst.search("feux du Goulet", top_k=filters.top_k, bbox=box)
    assert [(p.source, p.page, p.section) for p in view.passages] == [
        (d.meta["source"], d.meta.get("page"), d.meta.get("section")) for d in docs
    ]
    assert 'class="area"' in view.map_html


def test_conversation_follow_up_keeps_the_place(asst: Assistant) -> None:
    conv = asst.conversation()
    first = handlers.ask(asst, FR_QUESTION, conversation=conv)
    second = handlers.ask(asst, "et les épaves ?", conversation=conv)
    assert first.answer is not None and second.answer is not None
    assert second.answer.query_position == pytest.approx(first.answer.query_position)
    assert len(conv.answers) == 2


def test_empty_question_is_refused(asst: Assistant) -> None:
    with pytest.raises(ConfigError, match="question"):
        handlers.ask(asst, "   ")


def test_answer_with_nothing_geographic_shows_the_chart_coverage(asst: Assistant) -> None:
    view = handlers.ask(asst, "vitesse maximale dans la bande des 300 m")
    assert "<svg" in view.map_html and 'class="lndare"' in view.map_html


def test_empty_map_without_charts() -> None:
    html = mapsvg.render_svg(None, None, language="fr")
    assert "Pas de carte" in html and "<svg" in html


# -- concurrency -----------------------------------------------------------------------------------

MIXED = [
    FR_QUESTION,
    EN_QUESTION,
    "vitesse maximale en rade de Brest",
    "anchoring prohibited in the roadstead",
    "Is 48°18.5'N 4°31'W in a restricted area?",
    "Quelles épaves à moins de 2 M de 48°20'N 004°30'O ?",
]


def _signature(view: object) -> tuple:
    return (
        view.markdown,  # type: ignore[attr-defined]
        tuple((c.source, c.page, c.section) for c in view.citations),  # type: ignore[attr-defined]
        tuple(f.feature_id for f in view.features),  # type: ignore[attr-defined]
    )


def test_concurrent_questions_give_the_answers_asked_one_by_one(
    tmp_path: Path, corpus_pdf_dir: Path, no_model_env: None
) -> None:
    """8 threads through the gate, on a fresh Assistant (the first question builds the pipeline)."""
    fresh = Assistant.open(tmp_path / "index", embedder="none")
    fresh.ingest([corpus_pdf_dir, SAMPLE_CELL])
    expected = {
        q: _signature(handlers.ask(Assistant.open(tmp_path / "index", embedder="none"), q)) for q in MIXED
    }
    gate = handlers.AssistantGate()
    errors: list[BaseException] = []
    got: list[tuple[str, tuple]] = []
    lock = threading.Lock()

    def client(offset: int) -> None:
        try:
            for i in range(12):
                q = MIXED[(offset + i) % len(MIXED)]
                sig = _signature(handlers.ask(fresh, q, gate=gate))
                with lock:
                    got.append((q, sig))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    assert len(got) == 8 * 12
    assert all(sig == expected[q] for q, sig in got)


def test_questions_during_an_upload_all_succeed(
    partial_asst: Assistant, corpus_pdf_dir: Path, tmp_path: Path
) -> None:
    gate = handlers.AssistantGate()
    stop = threading.Event()
    errors: list[BaseException] = []
    answered = [0]

    def client() -> None:
        try:
            while not stop.is_set():
                handlers.ask(partial_asst, "vitesse maximale en rade de Brest", gate=gate)
                answered[0] += 1
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(4)]
    for t in threads:
        t.start()
    report = handlers.upload(
        partial_asst, [corpus_pdf_dir / UPLOADED_PDF, SAMPLE_CELL], upload_dir=tmp_path / "uploads", gate=gate
    )
    stop.set()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert answered[0] > 0
    assert report.ok, report
    view = handlers.ask(partial_asst, EN_QUESTION, gate=gate)
    assert any(f.object_class == "WRECKS" for f in view.features)


# -- source viewer ---------------------------------------------------------------------------------


def test_source_view_renders_the_pdf_page_with_the_passage_highlighted(
    asst: Assistant, tmp_path: Path
) -> None:
    view = handlers.ask(asst, FR_QUESTION)
    assert view.answer is not None
    cit = next(c for c in view.answer.citations if c.source.endswith(".pdf") and c.bbox)
    source = handlers.source_view(asst, view.answer, cit.id, out_dir=tmp_path)
    assert source.image_path is not None and Path(source.image_path).is_file()
    assert cit.quote.split()[0] in source.caption and cit.source in source.caption
    # The highlight is yellow inside the passage's box and absent far from it.
    record = next(r for r in asst.files() if r.source == cit.source)
    with pymupdf.open(record.path) as doc:
        page_width = doc[cit.page - 1].rect.width  # type: ignore[operator]
    pix = pymupdf.Pixmap(source.image_path)
    img = np.frombuffer(pix.samples, dtype=np.uint8).reshape(pix.height, pix.width, pix.n)[:, :, :3]
    zoom = pix.width / page_width
    assert cit.bbox is not None
    x0, y0, x1, y1 = (int(v * zoom) for v in cit.bbox)
    inside = img[y0:y1, x0:x1].reshape(-1, 3).astype(int)

    def yellowish(pixels: np.ndarray) -> float:
        return float(((pixels[:, 0] - pixels[:, 2]) > 50).mean())

    assert yellowish(inside) > 0.5
    assert yellowish(img[: max(y0 - 40, 1)].reshape(-1, 3).astype(int)) < 0.01
    # the source file is untouched
    assert sha256_file(Path(record.path)) == record.sha256


def test_source_view_of_a_text_source_shows_the_quote(asst: Assistant, tmp_path: Path) -> None:
    answer = asst.ask("guide escale Camaret port")
    cit = next(c for c in answer.citations if c.source.endswith(".html"))
    source = handlers.source_view(asst, answer, cit.id, out_dir=tmp_path)
    assert source.image_path is None
    assert "> " in source.caption and cit.quote.split()[0] in source.caption


def test_source_view_of_a_chart_feature_lists_its_attributes(asst: Assistant, tmp_path: Path) -> None:
    answer = asst.ask(FR_QUESTION)
    source = handlers.source_view(asst, answer, "C1", out_dir=tmp_path)
    ref = answer.chart_features[0]
    assert source.image_path is None
    assert str(ref.cell) in source.caption and str(ref.feature_id) in source.caption
    for value in ref.attributes.values():
        assert value in source.caption


def test_source_view_of_an_unknown_marker(asst: Assistant, tmp_path: Path) -> None:
    answer = asst.ask(FR_QUESTION)
    with pytest.raises(ConfigError, match=r"\[9\]"):
        handlers.source_view(asst, answer, "9", out_dir=tmp_path)


# -- upload ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\avis.pdf", "avis.pdf"),
        ("/abs/path/FR_BREST_SAMPLE.000", "FR_BREST_SAMPLE.000"),
        (".hidden.pdf", "hidden.pdf"),
        ("avis n°12 (2026).pdf", "avis_n_12_2026_.pdf"),
        ("épave.pdf", "épave.pdf"),
        ("..", None),
        ("/", None),
        ("", None),
    ],
    ids=["traversal", "windows", "absolute", "hidden", "spaces", "accents", "dotdot", "slash", "empty"],
)
def test_safe_upload_name(name: str, safe: str | None) -> None:
    assert handlers.safe_upload_name(name) == safe


def _passages_from(asst: Assistant, source: str) -> int:
    return sum(r.n_passages for r in asst.files() if r.source == source)


def test_upload_pdf_and_cell_become_searchable(
    partial_asst: Assistant, corpus_pdf_dir: Path, tmp_path: Path, chart_truth: ChartTruth
) -> None:
    assert not handlers.ask(partial_asst, EN_QUESTION).features
    assert _passages_from(partial_asst, UPLOADED_PDF) == 0
    events: list[tuple[float, str]] = []
    upload_dir = tmp_path / "uploads"
    report = handlers.upload(
        partial_asst,
        [corpus_pdf_dir / UPLOADED_PDF, SAMPLE_CELL],
        upload_dir=upload_dir,
        progress=lambda f, d: events.append((f, d)),
    )
    assert report.ok, report
    assert [f.status for f in report.files] == ["ingested", "ingested"]
    assert events and events[-1][0] == 1.0 and all(0.0 <= f <= 1.0 for f, _ in events)
    assert (upload_dir / UPLOADED_PDF).is_file() and (upload_dir / SAMPLE_CELL.name).is_file()
    # searchable at once, in the same process: the publication ...
    docs = partial_asst.search("épave signalée balisage provisoire", top_k=3)
    assert docs[0].meta["source"] == UPLOADED_PDF
    # ... and the chart (the cached ask pipeline sees the new cell)
    view = handlers.ask(partial_asst, EN_QUESTION)
    assert {f.feature_id for f in view.features if f.object_class == "WRECKS"} == chart_truth.within_ids(
        *EN_POSITION, EN_RADIUS_NM, "WRECKS"
    )
    listing = handlers.index_view(partial_asst)
    cell = next(c for c in listing.charts if c.cell == "FR_BREST_SAMPLE")
    assert (cell.edition, cell.update_number, cell.issue_date, cell.scale) == (1, 0, "2025-06-01", "1:50 000")
    assert cell.sounding_datum and cell.vertical_datum and cell.horizontal_datum
    # the same upload again changes nothing
    again = handlers.upload(partial_asst, [corpus_pdf_dir / UPLOADED_PDF, SAMPLE_CELL], upload_dir=upload_dir)
    assert [f.status for f in again.files] == ["unchanged", "unchanged"]


def test_corrupt_upload_is_refused_and_loses_nothing(
    partial_asst: Assistant, corpus_pdf_dir: Path, tmp_path: Path
) -> None:
    upload_dir = tmp_path / "uploads"
    good = handlers.upload(partial_asst, [corpus_pdf_dir / UPLOADED_PDF], upload_dir=upload_dir)
    assert good.ok
    before_files = [(r.source, r.sha256, r.n_passages) for r in partial_asst.files()]
    before_count = partial_asst.store.count_documents()
    original = (upload_dir / UPLOADED_PDF).read_bytes()
    broken = tmp_path / "incoming" / UPLOADED_PDF  # same name as the good upload: must not replace it
    broken.parent.mkdir()
    broken.write_bytes(b"%PDF-1.4\nnot really a PDF\n%%EOF\n")
    bad_cell = tmp_path / "incoming" / "FR_BROKEN.000"
    bad_cell.write_bytes(b"\x00garbage" * 50)
    report = handlers.upload(partial_asst, [broken, bad_cell], upload_dir=upload_dir)
    assert not report.ok
    statuses = {f.name: f for f in report.files}
    assert statuses[UPLOADED_PDF].status == "skipped"
    assert "not a readable PDF" in statuses[UPLOADED_PDF].detail
    assert "Nothing already in the index was changed" in statuses[UPLOADED_PDF].detail
    assert str(upload_dir) not in statuses[UPLOADED_PDF].detail  # no server folder in the message
    assert statuses["FR_BROKEN.000"].status == "skipped" and "S-57" in statuses["FR_BROKEN.000"].detail
    assert [(r.source, r.sha256, r.n_passages) for r in partial_asst.files()] == before_files
    assert partial_asst.store.count_documents() == before_count
    assert (upload_dir / UPLOADED_PDF).read_bytes() == original  # the earlier upload was put back
    assert not (upload_dir / "FR_BROKEN.000").exists()
    assert sorted(p.name for p in upload_dir.iterdir()) == [UPLOADED_PDF]
    docs = partial_asst.search("épave signalée balisage provisoire", top_k=1)
    assert docs[0].meta["source"] == UPLOADED_PDF


@pytest.mark.parametrize(
    ("name", "status", "detail"),
    [
        ("notes.docx", "rejected", "unsupported type"),
        ("FR_BREST_SAMPLE.001", "rejected", "needs its base cell"),
        ("..", "rejected", "unusable file name"),
    ],
    ids=["type", "update-alone", "name"],
)
def test_upload_rejections(asst: Assistant, tmp_path: Path, name: str, status: str, detail: str) -> None:
    src = tmp_path / "file.bin"
    src.write_bytes(b"x")
    report = handlers.upload(asst, [src], names=[name], upload_dir=tmp_path / "uploads")
    assert [(f.status, detail in f.detail) for f in report.files] == [(status, True)]
    assert not any((tmp_path / "uploads").iterdir())


def test_upload_writes_only_inside_the_upload_folder(
    partial_asst: Assistant, corpus_pdf_dir: Path, tmp_path: Path
) -> None:
    upload_dir = tmp_path / "a" / "uploads"
    report = handlers.upload(
        partial_asst, [corpus_pdf_dir / UPLOADED_PDF], names=["../../escaped.pdf"], upload_dir=upload_dir
    )
    assert report.ok
    assert (upload_dir / "escaped.pdf").is_file()
    assert not (tmp_path / "escaped.pdf").exists() and not (tmp_path / "a" / "escaped.pdf").exists()


# -- index listing and exports ---------------------------------------------------------------------


def test_index_view_lists_publications_and_cells(asst: Assistant) -> None:
    view = handlers.index_view(asst)
    sources = {p.source for p in view.publications}
    assert {"instructions_nautiques_brest.pdf", "sailing_directions_brest.pdf"} <= sources
    for p in view.publications:
        record = next(r for r in asst.files() if r.source == p.source)
        assert (p.pages, p.passages) == (record.n_pages, record.n_passages)
    assert [c.cell for c in view.charts] == ["FR_BREST_SAMPLE"]
    rows = render.chart_rows(view)
    assert rows[0][:5] == ["FR_BREST_SAMPLE", "1", "0", "2025-06-01", "1:50 000"]
    assert len(rows[0]) == len(render.CHART_HEADERS)
    assert len(render.publication_rows(view)[0]) == len(render.PUBLICATION_HEADERS)


def test_exports(asst: Assistant, tmp_path: Path) -> None:
    answer = asst.ask(EN_QUESTION)
    md = handlers.write_export(answer, asst.charts, "md", out_dir=tmp_path)
    text = md.read_text(encoding="utf-8")
    assert text.startswith(f"**Marking: PUBLIC**\n\n# {EN_QUESTION}")  # its classification first
    for cit in answer.citations:
        assert f"**[{cit.id}]** {cit.source}" in text
    for ref in answer.chart_features:
        assert f"**[{ref.id}]**" in text and str(ref.feature_id) in text
    assert "Not for navigation" in text
    geo = json.loads(handlers.write_export(answer, asst.charts, "geojson", out_dir=tmp_path).read_text())
    assert geo == json.loads(json.dumps(answer.geojson()))
    png = handlers.write_export(answer, asst.charts, "png", out_dir=tmp_path)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with pytest.raises(ConfigError, match="unknown export"):
        handlers.write_export(answer, asst.charts, "pdf", out_dir=tmp_path)


def test_mode_banner_says_extractive_without_a_model(no_model_env: None) -> None:
    banner = handlers.mode_banner()
    assert "extractive" in banner and "réponses extractives" in banner


def test_gate_lets_readers_share_and_writers_wait() -> None:
    gate = handlers.AssistantGate()
    order: list[str] = []

    def write() -> None:
        with gate.exclusive():
            order.append("writer")

    with gate.shared(), gate.shared():  # readers share
        writer = threading.Thread(target=write)
        writer.start()
        writer.join(0.2)
        assert writer.is_alive(), "a writer waits for the readers"
        order.append("readers")
    writer.join(5)
    assert order == ["readers", "writer"]
